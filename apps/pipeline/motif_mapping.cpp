// motif_mapping.cpp — see motif_mapping.h for the strategies and the matching rules.
#include "apps/pipeline/motif_mapping.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>

#include "engine/check.h"

namespace syn {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = (char)std::tolower((unsigned char)c);
  return s;
}

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t a = s.find_first_not_of(ws);
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(ws) - a + 1);
}

// Word → index of its rule (words are unique across rules: checked by the tests).
const std::map<std::string, size_t>& word_index() {
  static const std::map<std::string, size_t> index = [] {
    std::map<std::string, size_t> m;
    const auto& table = motif_table();
    for (size_t r = 0; r < table.size(); ++r)
      for (const std::string& w : table[r].words) m.emplace(w, r);
    return m;
  }();
  return index;
}

// Appends the rule's first caption not yet in `out` (see the header); returns false when the
// list is full.
bool emit(size_t rule, const std::string& trigger, float p, const MotifOptions& o,
          std::vector<Motif>& out) {
  if (out.size() >= o.max_motifs) return false;
  for (const std::string& c : motif_table()[rule].captions) {
    bool taken =
        std::any_of(out.begin(), out.end(), [&](const Motif& m) { return m.caption == c; });
    if (!taken) {
      out.push_back({c, trigger, p});
      break;
    }
  }
  return out.size() < o.max_motifs;
}

std::vector<std::string> split_words(const std::string& sentence) {
  std::vector<std::string> words;
  std::string cur;
  for (char ch : sentence) {
    unsigned char c = (unsigned char)ch;
    if (std::isalnum(c) || c == '&' || c == '-' || c == '\'') {
      cur += (char)std::tolower(c);
    } else if (!cur.empty()) {
      words.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(cur);
  // Possessives and quotes at the ends ("singer's" → "singer").
  for (std::string& w : words) {
    if (w.size() > 2 && w.compare(w.size() - 2, 2, "'s") == 0) w.resize(w.size() - 2);
    while (!w.empty() && (w.front() == '\'' || w.front() == '-')) w.erase(w.begin());
    while (!w.empty() && (w.back() == '\'' || w.back() == '-')) w.pop_back();
  }
  words.erase(std::remove(words.begin(), words.end(), std::string()), words.end());
  return words;
}

bool is_negation(const std::string& w) {
  static const char* neg[] = {"no", "not", "without", "non", "lacks", "lacking", "never"};
  return std::any_of(std::begin(neg), std::end(neg), [&](const char* n) { return w == n; });
}

}  // namespace

// ---- strategies ----

const char* prompt_strategy_name(PromptStrategy s) {
  switch (s) {
    case PromptStrategy::RawTags:
      return "raw";
    case PromptStrategy::RefinedTags:
      return "refined";
    case PromptStrategy::Sentence:
      return "sentence";
    case PromptStrategy::Motifs:
      return "motifs";
  }
  return "?";
}

const std::vector<PromptStrategy>& all_prompt_strategies() {
  static const std::vector<PromptStrategy> all = {PromptStrategy::RawTags,
                                                  PromptStrategy::RefinedTags,
                                                  PromptStrategy::Sentence, PromptStrategy::Motifs};
  return all;
}

PromptStrategy parse_prompt_strategy(const std::string& name) {
  for (PromptStrategy s : all_prompt_strategies())
    if (name == prompt_strategy_name(s)) return s;
  SYN_FAIL("unknown prompt strategy '", name, "' (expected raw, refined, sentence or motifs)");
}

std::vector<WeightedTag> weighted_tags(const TaggerOutput& output) {
  SYN_CHECK(output.labels.size() == output.probabilities.size(),
            "weighted_tags: ", output.labels.size(), " labels but ", output.probabilities.size(),
            " probabilities");
  std::vector<WeightedTag> out;
  for (size_t i = 0; i < output.labels.size(); ++i)
    out.push_back({output.labels[i], output.probabilities[i]});
  return out;
}

std::vector<WeightedTag> weighted_tags(const std::vector<ProfileTag>& profile) {
  std::vector<WeightedTag> out;
  for (const ProfileTag& t : profile) out.push_back({t.tag, t.probability});
  return out;
}

std::vector<WeightedTag> top_tags(const std::vector<WeightedTag>& tags, size_t k,
                                  float min_probability) {
  for (const WeightedTag& t : tags)
    SYN_CHECK(std::isfinite(t.probability), "top_tags: tag '", t.tag, "' has probability ",
              t.probability);
  std::vector<size_t> order(tags.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tags[a].probability > tags[b].probability; });
  std::vector<WeightedTag> out;
  for (size_t i : order) {
    if (out.size() >= k) break;
    if (!out.empty() && tags[i].probability < min_probability) break;
    out.push_back(tags[i]);
  }
  return out;
}

std::string tags_prompt(const std::vector<WeightedTag>& tags, size_t k, float min_probability) {
  std::string s;
  for (const WeightedTag& t : top_tags(tags, k, min_probability)) {
    if (!s.empty()) s += ", ";
    s += t.tag;
  }
  return s;
}

const std::vector<NoMotifWord>& no_motif_words() {
  static const std::vector<NoMotifWord> words = {
      {"no vocals", "a negation: the absence of a voice has no picture"},
      {"no vocal", "a negation"},
      {"no voice", "a negation"},
      {"weird", "vague: says nothing a picture could show"},
      {"solo", "says how many play, not what"},
      {"repetitive", "describes the form, not a thing"},
      {"echo", "describes the production, not a thing"},
  };
  return words;
}

// ---- matching ----

std::vector<Motif> motifs_from_tags(const std::vector<WeightedTag>& tags,
                                    const MotifOptions& options) {
  std::vector<Motif> out;
  if (options.max_motifs == 0) return out;
  for (const WeightedTag& t : top_tags(tags, tags.size(), options.min_probability)) {
    if (t.probability < options.min_probability) continue;  // top_tags keeps the best one
    auto it = word_index().find(lower(trim(t.tag)));
    if (it == word_index().end()) continue;
    if (!emit(it->second, t.tag, t.probability, options, out)) break;
  }
  return out;
}

std::vector<Motif> motifs_from_sentence(const std::string& sentence, const MotifOptions& options) {
  std::vector<Motif> out;
  if (options.max_motifs == 0) return out;
  const std::vector<std::string> w = split_words(sentence);
  const auto& index = word_index();
  for (size_t i = 0; i < w.size();) {
    size_t len = 0, rule = 0;
    std::string phrase;
    for (size_t n = std::min<size_t>(3, w.size() - i); n >= 1 && len == 0; --n) {
      std::string p = w[i];
      for (size_t j = 1; j < n; ++j) p += " " + w[i + j];
      auto it = index.find(p);
      if (it == index.end() && n == 1 && p.size() > 3 && p.back() == 's')
        it = index.find(p.substr(0, p.size() - 1));
      if (it != index.end()) len = n, rule = it->second, phrase = p;
    }
    if (len == 0) {
      ++i;
      continue;
    }
    const bool negated = (i >= 1 && is_negation(w[i - 1])) || (i >= 2 && is_negation(w[i - 2]));
    if (!negated && !emit(rule, phrase, 1.0f, options, out)) break;
    i += len;
  }
  return out;
}

std::vector<Motif> motifs_for_prompts(const std::vector<WeightedTag>& tags,
                                      const std::string& sentence, const MotifOptions& options) {
  std::vector<Motif> out = motifs_from_tags(tags, options);
  if (out.size() < options.max_motifs) {
    for (const Motif& m : motifs_from_sentence(sentence, {options.max_motifs, 0.0f})) {
      if (out.size() >= options.max_motifs) break;
      bool taken = std::any_of(out.begin(), out.end(),
                               [&](const Motif& o) { return o.caption == m.caption; });
      if (!taken) out.push_back(m);
    }
  }
  if (out.empty() && options.max_motifs > 0) out.push_back({"musical notes", "(default)", 0.0f});
  return out;
}

std::string motif_table_markdown() {
  std::string s = "| music words | emoji captions (in order of use) | why |\n| --- | --- | --- |\n";
  for (const MotifRule& r : motif_table()) {
    std::string words, caps;
    for (const auto& w : r.words) words += (words.empty() ? "" : ", ") + w;
    for (const auto& c : r.captions) caps += (caps.empty() ? "" : ", ") + c;
    s += "| " + words + " | " + caps + " | " + r.why + " |\n";
  }
  return s;
}

// ---- all strategies ----

PromptSet make_prompts(PromptStrategy strategy, const PromptInputs& in, const PromptOptions& o) {
  PromptSet set;
  set.strategy = strategy;
  switch (strategy) {
    case PromptStrategy::RawTags:
      SYN_CHECK(!in.raw.empty(), "prompt strategy raw: no tagger output was given");
      set.prompts = {tags_prompt(in.raw, o.top_k, o.min_probability)};
      break;
    case PromptStrategy::RefinedTags:
      SYN_CHECK(!in.refined.empty(), "prompt strategy refined: no refined tag profile was given");
      set.prompts = {tags_prompt(in.refined, o.top_k, o.min_probability)};
      break;
    case PromptStrategy::Sentence: {
      std::string s = trim(in.sentence);
      SYN_CHECK(!s.empty(), "prompt strategy sentence: the sentence is empty");
      set.prompts = {s};
      break;
    }
    case PromptStrategy::Motifs: {
      const auto& tags = in.refined.empty() ? in.raw : in.refined;
      set.motifs = motifs_for_prompts(tags, in.sentence, {o.max_motifs, o.min_probability});
      for (const Motif& m : set.motifs) set.prompts.push_back(m.caption);
      break;
    }
  }
  return set;
}

}  // namespace syn
