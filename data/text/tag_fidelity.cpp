// tag_fidelity.cpp — see tag_fidelity.h. All tables are written in plain words and normalised
// (stemmed, synonym-mapped) once, so they read as documentation.
#include "data/text/tag_fidelity.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "data/text/caption_tokenizers.h"
#include "data/text/porter_stemmer.h"
#include "engine/check.h"
#include "engine/thread_pool.h"

namespace syn {

namespace {

const std::set<std::string>& stop_words() {
  static const std::set<std::string> s = {
      "a",  "an",  "the", "of",   "and",  "with",  "in",    "on",    "for",  "to", "by",
      "is", "are", "at",  "from", "like", "some",  "very",  "that",  "this", "it", "its",
      "or", "as",  "be",  "has",  "have", "there", "which", "being", "been", "was"};
  return s;
}

// Words that say "this is music" and nothing about which: dropped from tags unless alone.
const std::set<std::string>& generic_words() {
  static const std::set<std::string> s = {"song", "songs", "music", "track", "tune", "piece"};
  return s;
}

// Word synonym groups: every word maps to the group's first word (after stemming).
const std::vector<std::vector<std::string>>& synonym_groups() {
  static const std::vector<std::vector<std::string>> g = {
      {"vocal", "vocals", "voice", "voices", "singing", "singer", "singers", "vocalist",
       "vocalists", "sung", "sings", "sing", "vocalization", "choir", "choral"},
      {"female", "woman", "women", "girl", "girls", "feminine", "lady", "ladies"},
      {"male", "man", "men", "boy", "boys", "masculine", "guy", "guys"},
      {"drum", "drums", "drumming", "drummer", "drumkit"},
      {"electric", "e"},  // "e-bass", "e-guitar"
      {"synth", "synths", "synthesizer", "synthesizers", "synthesiser"},
      {"keyboard", "keyboards", "keys"},
      {"melody", "melodies", "melodic", "melodious"},
      {"rhythm", "rhythms", "rhythmic", "rhythmical"},
      {"tempo", "pace", "paced", "speed", "bpm"},
      {"fast", "quick", "rapid", "speedy"},
      {"slow", "slowly"},
      {"medium", "moderate", "mid", "average"},
      {"sad", "sadness", "melancholic", "melancholy", "sorrowful", "gloomy", "depressing",
       "mournful"},
      {"happy", "cheerful", "joyful", "joyous", "jolly", "merry"},
      {"energetic", "energy"},
      {"quality", "fidelity"},
  };
  return g;
}

const std::map<std::string, std::string>& synonym_map() {
  static const std::map<std::string, std::string> m = [] {
    std::map<std::string, std::string> out;
    for (const auto& group : synonym_groups()) {
      std::string canon = porter_stem(group[0]);
      for (const auto& w : group) out[porter_stem(w)] = canon;
    }
    return out;
  }();
  return m;
}

std::string normalise_word(const std::string& w) {
  // Remembered per thread: the constrained decoder judges every hypothesis at every step, so
  // the same few hundred words are stemmed again and again.
  thread_local std::unordered_map<std::string, std::string> memo;
  auto known = memo.find(w);
  if (known != memo.end()) return known->second;
  std::string s = porter_stem(w);
  auto it = synonym_map().find(s);
  if (it != synonym_map().end()) s = it->second;
  if (memo.size() < 100000) memo.emplace(w, s);  // bounded, whatever text it is given
  return s;
}

// Words of a text: lower-cased [a-z0-9]+ runs, stop words dropped, normalised.
std::vector<std::string> words_of(const std::string& text, bool drop_generic) {
  std::vector<std::string> raw = tokenize_rouge(text), out, generic;
  for (const auto& w : raw) {
    if (stop_words().count(w)) continue;
    if (drop_generic && generic_words().count(w)) {
      generic.push_back(normalise_word(w));
      continue;
    }
    out.push_back(normalise_word(w));
  }
  if (!out.empty()) return out;
  if (!generic.empty()) return generic;
  for (const auto& w : raw) out.push_back(normalise_word(w));  // only stop words: keep them
  return out;
}

// Whole-tag alternatives: a tag equal to the key (after normalisation) is also expressed by
// any of these phrases (each needing all its words, like a tag).
const std::vector<std::pair<std::string, std::vector<std::string>>>& phrase_alternatives() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> a = {
      {"instrumental", {"no vocals", "without vocals", "no singing", "no singer"}},
      {"no voice", {"instrumental", "without vocals"}},
      {"no vocals", {"instrumental", "without vocals"}},
      {"no singer", {"instrumental", "without vocals"}},
      {"fast tempo", {"uptempo", "up tempo"}},
      {"slow tempo", {"downtempo"}},
      {"medium tempo", {"midtempo"}},
      {"low quality", {"poor quality", "bad quality", "lo fi", "lofi"}},
      {"high quality", {"good quality", "great quality", "hi fi", "hifi"}},
  };
  return a;
}

const std::map<std::vector<std::string>, std::vector<std::vector<std::string>>>& alternatives() {
  static const auto m = [] {
    std::map<std::vector<std::string>, std::vector<std::vector<std::string>>> out;
    for (const auto& [tag, alts] : phrase_alternatives())
      for (const auto& alt : alts) out[words_of(tag, true)].push_back(words_of(alt, false));
    return out;
  }();
  return m;
}

bool all_present(const std::vector<std::string>& need, const std::set<std::string>& have) {
  return !need.empty() &&
         std::all_of(need.begin(), need.end(), [&](const auto& w) { return have.count(w) > 0; });
}

// ---------- concepts and their opposites ----------

enum Concept {
  kFemale,
  kMale,
  kVocals,
  kNoVocals,
  kFast,
  kSlow,
  kMedium,
  kHappy,
  kSad,
  kLowQuality,
  kHighQuality,
  kLive,
  kStudio,
  kMajor,
  kMinor,
  kClassical,
  kMetal,
  kHipHop,
  kTechno,
  kCountry,
  kJazz,
  kReggae,
  kFolk,
  kBlues,
  kGospel,
  kOpera,
  kHouse,
  kDisco,
  kLullaby,
  kTrap,
  kPunk,
  kDubstep,
  kRnb,
  kFunk,
  kNumConcepts
};
const char* const kConceptNames[kNumConcepts] = {
    "female voice", "male voice", "vocals",    "no vocals",   "fast tempo",   "slow tempo",
    "medium tempo", "happy",      "sad",       "low quality", "high quality", "live",
    "studio",       "major key",  "minor key", "classical",   "heavy metal",  "hip hop",
    "techno",       "country",    "jazz",      "reggae",      "folk",         "blues",
    "gospel",       "opera",      "house",     "disco",       "lullaby",      "trap",
    "punk",         "dubstep",    "r&b",       "funk"};
const std::vector<std::pair<Concept, Concept>>& oppositions() {
  static const std::vector<std::pair<Concept, Concept>> o = {{kFemale, kMale},
                                                             {kVocals, kNoVocals},
                                                             {kFast, kSlow},
                                                             {kFast, kMedium},
                                                             {kSlow, kMedium},
                                                             {kHappy, kSad},
                                                             {kLowQuality, kHighQuality},
                                                             {kLive, kStudio},
                                                             {kMajor, kMinor}};
  return o;
}

// Genre clashes: pairs of genres that never occur together in MusicCaps (none of the 5,521
// rows has both in its aspect list, and no caption names one where the aspects name the
// other) and are far apart in style. Built with a count over the aspect lists and captions;
// genres that do meet there are left out even where they sound far apart: "classical" meets
// "techno" and "electronic", "country" meets "electronic" and "rock", "jazz" meets "hip hop".
// A pair is a contradiction both ways.
const std::vector<std::pair<Concept, std::vector<Concept>>>& genre_clashes() {
  static const std::vector<std::pair<Concept, std::vector<Concept>>> g = {
      {kClassical, {kMetal, kHipHop, kRnb, kReggae, kFunk, kHouse, kDisco, kTrap, kPunk, kDubstep}},
      {kOpera, {kJazz, kTechno, kRnb, kBlues, kReggae, kFunk, kHouse, kDisco, kTrap, kPunk}},
      {kMetal, {kFolk, kHipHop, kRnb, kGospel, kHouse, kDisco, kLullaby, kTrap, kDubstep}},
      {kCountry, {kHipHop, kTechno, kRnb, kReggae, kFunk, kDisco, kTrap, kDubstep}},
      {kHipHop, {kGospel, kLullaby, kDubstep}},
      {kTechno, {kBlues, kReggae, kGospel, kLullaby, kPunk}},
      {kJazz, {kLullaby, kTrap, kPunk}},
      {kFolk, {kRnb, kFunk, kTrap, kPunk}},
      {kReggae, {kGospel, kTrap, kPunk, kDubstep}},
      {kGospel, {kFunk, kHouse, kDisco, kTrap, kPunk, kDubstep}},
      {kLullaby, {kRnb, kBlues, kFunk, kHouse, kDisco, kTrap, kPunk, kDubstep}},
      {kBlues, {kTrap, kPunk, kDubstep}},
  };
  return g;
}

// Every opposed pair: the fixed oppositions and the genre clashes.
const std::vector<std::pair<Concept, Concept>>& all_oppositions() {
  static const auto all = [] {
    std::vector<std::pair<Concept, Concept>> out = oppositions();
    for (const auto& [a, others] : genre_clashes())
      for (Concept b : others) out.emplace_back(a, b);
    return out;
  }();
  return all;
}

// Phrases (contiguous normalised words) that mention a concept.
const std::vector<std::pair<Concept, std::vector<std::string>>>& concept_phrases() {
  static const auto p = [] {
    std::vector<std::pair<Concept, std::string>> surface = {{kFast, "fast tempo"},
                                                            {kFast, "high tempo"},
                                                            {kFast, "uptempo"},
                                                            {kFast, "up tempo"},
                                                            {kSlow, "slow tempo"},
                                                            {kSlow, "low tempo"},
                                                            {kSlow, "downtempo"},
                                                            {kSlow, "down tempo"},
                                                            {kMedium, "medium tempo"},
                                                            {kMedium, "midtempo"},
                                                            {kHappy, "happy"},
                                                            {kSad, "sad"},
                                                            {kLowQuality, "low quality"},
                                                            {kLowQuality, "poor quality"},
                                                            {kLowQuality, "bad quality"},
                                                            {kLowQuality, "lo fi"},
                                                            {kLowQuality, "lofi"},
                                                            {kLowQuality, "low fidelity"},
                                                            {kHighQuality, "high quality"},
                                                            {kHighQuality, "good quality"},
                                                            {kHighQuality, "great quality"},
                                                            {kHighQuality, "hi fi"},
                                                            {kHighQuality, "hifi"},
                                                            {kHighQuality, "high fidelity"},
                                                            {kLive, "live performance"},
                                                            {kLive, "live recording"},
                                                            {kLive, "live concert"},
                                                            {kLive, "live show"},
                                                            {kLive, "recorded live"},
                                                            {kStudio, "studio recording"},
                                                            {kStudio, "studio session"},
                                                            {kMajor, "major key"},
                                                            {kMajor, "major tonality"},
                                                            {kMinor, "minor key"},
                                                            {kMinor, "minor tonality"},
                                                            {kVocals, "vocal"},
                                                            {kVocals, "rap"},
                                                            {kVocals, "rapping"},
                                                            {kVocals, "rapper"},
                                                            {kVocals, "choir"},
                                                            {kVocals, "lyrics"},
                                                            {kClassical, "classical"},
                                                            {kMetal, "heavy metal"},
                                                            {kMetal, "death metal"},
                                                            {kMetal, "thrash metal"},
                                                            {kMetal, "black metal"},
                                                            {kMetal, "nu metal"},
                                                            {kMetal, "metal song"},
                                                            {kMetal, "metal music"},
                                                            {kMetal, "metalcore"},
                                                            {kHipHop, "hip hop"},
                                                            {kHipHop, "hiphop"},
                                                            {kTechno, "techno"},
                                                            {kCountry, "country"},
                                                            {kJazz, "jazz"},
                                                            {kReggae, "reggae"},
                                                            {kFolk, "folk"},
                                                            {kBlues, "blues"},
                                                            {kGospel, "gospel"},
                                                            {kOpera, "opera"},
                                                            {kOpera, "operatic"},
                                                            {kHouse, "house music"},
                                                            {kHouse, "house song"},
                                                            {kHouse, "house track"},
                                                            {kHouse, "house beat"},
                                                            {kHouse, "deep house"},
                                                            {kHouse, "tech house"},
                                                            {kHouse, "progressive house"},
                                                            {kDisco, "disco"},
                                                            {kLullaby, "lullaby"},
                                                            {kTrap, "trap"},
                                                            {kPunk, "punk"},
                                                            {kDubstep, "dubstep"},
                                                            {kRnb, "r&b"},
                                                            {kRnb, "rnb"},
                                                            {kRnb, "rhythm and blues"},
                                                            {kFunk, "funk"}};
    std::vector<std::pair<Concept, std::vector<std::string>>> out;
    for (const auto& [c, s] : surface) out.emplace_back(c, words_of(s, false));
    return out;
  }();
  return p;
}

// Phrases that hold a genre's word without naming that genre (an instrument, a landscape, the
// other genre's full name): a mention of the concept at word `at` of such a phrase does not
// count.
struct NotAMention {
  Concept what;
  std::vector<std::string> words;
  size_t at;
};
const std::vector<NotAMention>& not_a_mention_of_genre() {
  static const auto p = [] {
    std::vector<NotAMention> out;
    for (auto [c, s, at] :
         {std::tuple{kClassical, "classical guitar", 0},
          std::tuple{kClassical, "classical guitars", 0}, std::tuple{kCountry, "country side", 0},
          std::tuple{kBlues, "rhythm and blues", 1}})
      out.push_back({c, words_of(s, false), (size_t)at});
    return out;
  }();
  return p;
}

bool is_negator(const std::string& raw) {
  static const std::set<std::string> n = {"no",   "not",   "without", "nor",     "never",  "non",
                                          "lack", "lacks", "lacking", "absence", "absent", "none"};
  return n.count(raw) > 0;
}

struct Mentions {
  bool positive[kNumConcepts] = {};
};

// Concepts one clause mentions. Works on the stop-word-free word list, keeping each word's raw
// form to recognise negators.
void clause_mentions(const std::string& text, bool is_tag, Mentions& m) {
  std::vector<std::string> raw, norm;
  for (const auto& w : tokenize_rouge(text)) {
    if (stop_words().count(w)) continue;
    raw.push_back(w);
    norm.push_back(normalise_word(w));
  }
  auto negated = [&](size_t at) {
    for (size_t k = at >= 3 ? at - 3 : 0; k < at; ++k)
      if (is_negator(raw[k])) return true;
    return false;
  };
  const std::string vocal = normalise_word("vocal"), female = normalise_word("female"),
                    male = normalise_word("male");
  auto not_a_mention_at = [&](Concept c, size_t i) {
    for (const auto& p : not_a_mention_of_genre())
      if (p.what == c && i >= p.at && i - p.at + p.words.size() <= norm.size() &&
          std::equal(p.words.begin(), p.words.end(), norm.begin() + (i - p.at)))
        return true;
    return false;
  };
  for (const auto& [c, phrase] : concept_phrases()) {
    if (phrase.empty() || phrase.size() > norm.size()) continue;
    for (size_t i = 0; i + phrase.size() <= norm.size(); ++i) {
      if (!std::equal(phrase.begin(), phrase.end(), norm.begin() + i)) continue;
      if (not_a_mention_at(c, i)) continue;
      if (negated(i)) {
        if (c == kVocals) m.positive[kNoVocals] = true;
      } else {
        m.positive[c] = true;
      }
    }
  }
  // Vocal gender: a gender word within three words of a vocal word.
  for (size_t i = 0; i < norm.size(); ++i) {
    if (norm[i] != female && norm[i] != male) continue;
    size_t lo = i >= 3 ? i - 3 : 0, hi = std::min(norm.size(), i + 4);
    for (size_t k = lo; k < hi; ++k)
      if (norm[k] == vocal && !negated(std::min(i, k))) {
        m.positive[norm[i] == female ? kFemale : kMale] = true;
        break;
      }
  }
  if (is_tag) {
    // A tag "instrumental" says there are no vocals (the raw word: its stem "instrument" is
    // also that of "string instruments").
    for (const auto& w : raw)
      if (w == "instrumental") m.positive[kNoVocals] = true;
    // A tag that is just "house" names the genre (in a sentence, "house" alone is a building).
    if (raw.size() == 1 && raw[0] == "house") m.positive[kHouse] = true;
  }
}

// Concepts a text mentions, clause by clause: phrases, negation and the gender window never
// reach across punctuation, so "female vocal, man" (two listed tags) says nothing of a man singing.
Mentions mentions_of(const std::string& text, bool is_tag) {
  Mentions m;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && !std::strchr(",.;:!?()[]\n", text[i])) continue;
    if (i > start) clause_mentions(text.substr(start, i - start), is_tag, m);
    start = i + 1;
  }
  return m;
}

}  // namespace

std::vector<std::string> fidelity_words(const std::string& text) { return words_of(text, false); }

TagCheck check_tags(const std::vector<std::string>& tags, const std::string& sentence) {
  TagCheck out;
  // Every word of the sentence counts as present (stop words too, for tags made only of them).
  std::set<std::string> have;
  for (const auto& w : tokenize_rouge(sentence)) have.insert(normalise_word(w));
  for (const auto& tag : tags) {
    std::vector<std::string> need = words_of(tag, true);
    bool ok = all_present(need, have);
    if (!ok) {
      auto it = alternatives().find(need);
      if (it != alternatives().end())
        for (const auto& alt : it->second) ok = ok || all_present(alt, have);
    }
    out.expressed.push_back(ok);
  }
  // Contradictions: what the sentence says against what the tags (together) assert.
  Mentions said = mentions_of(sentence, false);
  std::vector<Mentions> per_tag;
  Mentions asserted;
  for (const auto& tag : tags) {
    per_tag.push_back(mentions_of(tag, true));
    for (int c = 0; c < kNumConcepts; ++c) asserted.positive[c] |= per_tag.back().positive[c];
  }
  for (auto [a, b] : all_oppositions()) {
    for (auto [mine, theirs] : {std::pair{a, b}, std::pair{b, a}}) {
      if (!said.positive[mine] || asserted.positive[mine] || !asserted.positive[theirs]) continue;
      std::string which;
      for (size_t t = 0; t < tags.size(); ++t)
        if (per_tag[t].positive[theirs]) {
          which = tags[t];
          break;
        }
      out.conflicts.push_back(std::string(kConceptNames[mine]) + " vs tag '" + which + "'");
    }
  }
  return out;
}

std::vector<std::vector<std::string>> expressing_words(const std::vector<std::string>& tags,
                                                       const std::string& sentence) {
  const std::vector<std::string> raw = tokenize_rouge(sentence);
  std::set<std::string> have;
  for (const auto& w : raw) have.insert(normalise_word(w));
  std::vector<std::vector<std::string>> out;
  for (const auto& tag : tags) {
    std::vector<std::string> need = words_of(tag, true);
    if (!all_present(need, have)) {
      auto it = alternatives().find(need);
      need.clear();
      if (it != alternatives().end())
        for (const auto& alt : it->second)
          if (all_present(alt, have)) {
            need = alt;
            break;
          }
    }
    auto& words = out.emplace_back();
    for (const auto& w : raw)
      if (std::find(need.begin(), need.end(), normalise_word(w)) != need.end() &&
          std::find(words.begin(), words.end(), w) == words.end())
        words.push_back(w);
  }
  return out;
}

std::vector<std::string> unsaid_words(const std::string& tag, const std::string& sentence) {
  std::set<std::string> have;
  for (const auto& w : tokenize_rouge(sentence)) have.insert(normalise_word(w));
  const std::vector<std::string> need = words_of(tag, true);
  std::vector<std::string> out;
  for (const auto& w : tokenize_rouge(tag)) {
    const std::string n = normalise_word(w);
    if (std::find(need.begin(), need.end(), n) != need.end() && !have.count(n) &&
        std::find(out.begin(), out.end(), w) == out.end())
      out.push_back(w);
  }
  return out;
}

TagFidelity tag_fidelity(const std::vector<std::vector<std::string>>& tags,
                         const std::vector<std::string>& sentences) {
  SYN_CHECK(tags.size() == sentences.size(), "tag_fidelity: ", tags.size(), " tag sets but ",
            sentences.size(), " sentences");
  TagFidelity f;
  std::vector<TagCheck> checks(sentences.size());
  const int64_t n = (int64_t)sentences.size();
  run_chunks((n + 15) / 16, [&](int64_t b) {  // blocks of 16, claimed as threads free up
    for (int64_t i = b * 16; i < std::min(n, b * 16 + 16); ++i)
      checks[i] = check_tags(tags[i], sentences[i]);
  });
  for (const auto& c : checks) {
    f.tags += (int64_t)c.expressed.size();
    f.expressed += std::count(c.expressed.begin(), c.expressed.end(), true);
    f.sentences += 1;
    f.contradicting += c.conflicts.empty() ? 0 : 1;
  }
  return f;
}

}  // namespace syn
