// caption_fluency.cpp — see caption_fluency.h.
#include "data/text/caption_fluency.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

#include "data/text/caption_tokenizers.h"
#include "data/text/tag_fidelity.h"

namespace syn {

namespace {

// Words whose pairs recur in any fluent English sentence.
const std::set<std::string>& function_words() {
  static const std::set<std::string> s = {
      "a",    "an",  "the",   "of",   "and",  "with",  "in",   "on",    "for",   "to",
      "by",   "is",  "are",   "at",   "from", "like",  "some", "very",  "that",  "this",
      "it",   "its", "or",    "as",   "be",   "has",   "have", "there", "which", "being",
      "been", "was", "while", "also", "can",  "heard", "but",  "into",  "over",  "s"};
  return s;
}

struct ClaimGroup {
  std::vector<std::string> phrases;  // word sequences, space-separated
  std::set<std::string> grounding;   // a tag holding one of these words allows the group
};

const std::vector<ClaimGroup>& claim_groups() {
  static const std::vector<ClaimGroup> g = [] {
    std::vector<ClaimGroup> out;
    out.push_back({{"low quality", "poor quality", "bad quality", "low audio quality",
                    "poor audio quality", "bad audio quality", "poor audio", "amateur", "noisy",
                    "lo fi", "lofi", "mono", "muffled", "distorted recording"},
                   {"quality", "amateur", "noisy", "noise", "lo", "lofi", "mono", "recording",
                    "muffled", "vintage"}});
    out.push_back({{"live", "audience", "crowd", "cheering", "applause", "cheers"},
                   {"live", "audience", "crowd", "cheering", "applause", "concert"}});
    ClaimGroup place;
    place.phrases = {"bar", "pub", "nightclub", "restaurant", "stadium"};
    for (const char* where : {"club", "church", "street", "concert"})
      for (const char* prep : {"in a ", "in the ", "at a ", "at the "})
        place.phrases.push_back(std::string(prep) + where);
    place.grounding = {"bar",    "pub",    "club",    "restaurant", "stadium",
                       "church", "street", "concert", "gospel",     "hymn"};
    out.push_back(std::move(place));
    return out;
  }();
  return g;
}

bool contains(const std::vector<std::string>& words, const std::vector<std::string>& phrase) {
  if (phrase.empty() || phrase.size() > words.size()) return false;
  for (size_t i = 0; i + phrase.size() <= words.size(); ++i)
    if (std::equal(phrase.begin(), phrase.end(), words.begin() + (long)i)) return true;
  return false;
}

}  // namespace

std::string tag_list_run(const std::vector<std::string>& tags, const std::string& sentence) {
  std::vector<std::set<std::string>> tag_words;
  std::set<std::string> any_tag_word;
  for (const auto& t : tags) {
    const std::vector<std::string> w = fidelity_words(t);
    tag_words.emplace_back(w.begin(), w.end());
    any_tag_word.insert(w.begin(), w.end());
  }
  std::vector<std::string> run;  // the words as written
  std::set<std::string> said;    // their normalised forms
  auto close = [&]() {
    std::string out;
    if (run.size() >= 4) {
      int whole = 0;
      for (const auto& tw : tag_words)
        whole += !tw.empty() && std::all_of(tw.begin(), tw.end(), [&](const std::string& w) {
          return said.count(w) > 0;
        });
      if (whole >= 3)
        for (const auto& w : run) out += (out.empty() ? "" : " ") + w;
    }
    run.clear();
    said.clear();
    return out;
  };
  // Clause by clause: punctuation ends a run ("sad, soft and slow" is a sentence's list).
  size_t start = 0;
  for (size_t i = 0; i <= sentence.size(); ++i) {
    if (i < sentence.size() && !std::strchr(",.;:!?()[]\n", sentence[i])) continue;
    for (const auto& word : tokenize_rouge(sentence.substr(start, i - start))) {
      const std::vector<std::string> n = fidelity_words(word);
      if (n.size() == 1 && any_tag_word.count(n[0])) {
        run.push_back(word);
        said.insert(n[0]);
      } else if (std::string found = close(); !found.empty()) {
        return found;
      }
    }
    if (std::string found = close(); !found.empty()) return found;
    start = i + 1;
  }
  return "";
}

std::string repeated_word_pair(const std::string& sentence) {
  const std::vector<std::string> w = tokenize_rouge(sentence);
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == w[i + 1]) return w[i] + " " + w[i + 1];
    if (function_words().count(w[i])) continue;
    for (size_t k = i + 2; k < std::min(w.size(), i + 4); ++k)  // "sad and sad", "sad, x, sad"
      if (w[k] == w[i]) return w[i] + " .. " + w[k];
    if (function_words().count(w[i + 1])) continue;
    if (!seen.insert({w[i], w[i + 1]}).second) return w[i] + " " + w[i + 1];
  }
  return "";
}

std::vector<std::string> ungrounded_claims(const std::vector<std::string>& tags,
                                           const std::string& sentence) {
  std::set<std::string> tag_words;
  for (const auto& t : tags)
    for (auto& w : tokenize_rouge(t)) tag_words.insert(std::move(w));
  const std::vector<std::string> words = tokenize_rouge(sentence);
  std::vector<std::string> out;
  for (const ClaimGroup& g : claim_groups()) {
    if (std::any_of(g.grounding.begin(), g.grounding.end(),
                    [&](const std::string& w) { return tag_words.count(w) > 0; }))
      continue;
    for (const auto& p : g.phrases)
      if (contains(words, tokenize_rouge(p))) out.push_back(p);
  }
  return out;
}

}  // namespace syn
