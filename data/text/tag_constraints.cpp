// tag_constraints.cpp — see tag_constraints.h.
#include "data/text/tag_constraints.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include "data/text/caption_fluency.h"
#include "data/text/caption_tokenizers.h"
#include "data/text/tag_fidelity.h"

namespace syn {

namespace {

constexpr const char kMarker[] = "possibly ";
constexpr size_t kMarkerLength = sizeof(kMarker) - 1;

// The text of each clause (between , . ; : ! ? and line breaks) from its word "possibly" on,
// and the sentence without those parts (what it states as fact).
void split_possibly(const std::string& sentence, std::vector<std::string>& possibly,
                    std::string& fact) {
  size_t start = 0;
  for (size_t i = 0; i <= sentence.size(); ++i) {
    if (i < sentence.size() && !std::strchr(",.;:!?\n", sentence[i])) continue;
    const std::string clause = sentence.substr(start, i - start);
    std::string lower = clause;
    for (char& c : lower) c = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    size_t at = lower.find("possibly");
    while (at != std::string::npos && at > 0 && std::isalnum((unsigned char)lower[at - 1]))
      at = lower.find("possibly", at + 1);
    if (at != std::string::npos) {
      possibly.push_back(clause.substr(at));
      fact += clause.substr(0, at);
    } else {
      fact += clause;
    }
    fact += i < sentence.size() ? sentence[i] : ' ';
    start = i + 1;
  }
}

}  // namespace

bool is_borderline(const std::string& tag) {
  if (tag.size() <= kMarkerLength) return false;
  for (size_t i = 0; i < kMarkerLength; ++i) {
    char c = tag[i];
    if ((char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != kMarker[i]) return false;
  }
  return true;
}

std::string borderline_tag(const std::string& tag) { return kMarker + tag; }

std::string unmarked_tag(const std::string& tag) {
  return is_borderline(tag) ? tag.substr(kMarkerLength) : tag;
}

std::string constraint_phrase(const std::string& tag) {
  if (is_borderline(tag)) return constraint_phrase(unmarked_tag(tag));
  // Exactly the tags tag_fidelity documents "instrumental" as an alternative for ("no vocals",
  // "no voice", "no singer" and their spellings), so the offered phrase always counts.
  static const std::vector<std::string> no_vocals = fidelity_words("no vocals");
  if (fidelity_words(tag) == no_vocals) return "instrumental";
  // Keep the tag's own spelling (hyphens, digits) where it is not a negation.
  std::string out;
  bool space = false;
  for (char c : tag) {
    if (c == ' ' || c == '\t' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

TagJudge::TagJudge(std::vector<std::string> tags, const BpeTokenizer& tok,
                   std::vector<std::string> avoid)
    : tok_(&tok) {
  std::string phrases;
  for (const auto& t : tags) phrases += constraint_phrase(t) + ". ";
  for (auto& a : avoid)
    if (!check_tags({a}, phrases).expressed[0]) avoid_.push_back(std::move(a));
  for (const auto& t : tags) {
    std::vector<int64_t> ids;
    std::string phrase = " ";  // as the word appears inside a sentence
    phrase += constraint_phrase(t);
    for (int32_t id : tok.encode(phrase)) ids.push_back(id);
    phrase_tokens_.push_back(std::move(ids));
    plain_.push_back(tokenize_rouge(phrase) == tokenize_rouge(t));
    needed_.push_back(unsaid_words(t, "").size());
    tags_.push_back(t);
  }
}

const std::vector<int64_t>& TagJudge::shorter_phrase(size_t i, const std::string& text) const {
  if (!plain_[i]) return phrase_tokens_[i];
  const std::vector<std::string> left = unsaid_words(tags_[i], text);
  if (left.empty() || left.size() == needed_[i]) return phrase_tokens_[i];
  std::string phrase;
  for (const auto& w : left) phrase += " " + w;
  auto it = encoded_.find(phrase);
  if (it == encoded_.end()) {
    std::vector<int64_t> ids;
    for (int32_t id : tok_->encode(phrase)) ids.push_back(id);
    it = encoded_.emplace(phrase, std::move(ids)).first;
  }
  return it->second;
}

models::SentenceJudge::Verdict TagJudge::judge(const std::string& text) const {
  Verdict v;
  TagCheck c = check_tags(tags_, text);
  v.allowed = c.conflicts.empty() && repeated_word_pair(text).empty() &&
              ungrounded_claims(tags_, text).empty();
  if (v.allowed && !avoid_.empty()) {
    const TagCheck a = check_tags(avoid_, text);
    v.allowed = std::none_of(a.expressed.begin(), a.expressed.end(), [](bool e) { return e; });
  }
  for (size_t i = 0; i < c.expressed.size(); ++i) {
    if (c.expressed[i])
      ++v.met;
    else if (!phrase_tokens_[i].empty())
      v.proposals.push_back(shorter_phrase(i, text));
  }
  return v;
}

ConstraintReport check_constraints(const std::vector<std::string>& tags,
                                   const std::string& sentence) {
  ConstraintReport r;
  std::vector<std::string> unmarked;
  for (const auto& t : tags) unmarked.push_back(unmarked_tag(t));
  TagCheck c = check_tags(unmarked, sentence);
  std::vector<std::string> possibly;
  std::string fact;
  split_possibly(sentence, possibly, fact);
  for (size_t i = 0; i < tags.size(); ++i) {
    if (!is_borderline(tags[i])) {
      if (!c.expressed[i]) r.missed.push_back(tags[i]);
      continue;
    }
    bool said = false;
    for (const auto& p : possibly) said = said || check_tags({unmarked[i]}, p).expressed[0];
    if (!said) r.missed.push_back(tags[i]);
    if (check_tags({unmarked[i]}, fact).expressed[0])
      r.faults.push_back("borderline '" + unmarked[i] + "' stated as fact");
  }
  for (const auto& f : c.conflicts) r.faults.push_back(f);
  const std::string pair = repeated_word_pair(sentence);
  if (!pair.empty()) r.faults.push_back("repeated '" + pair + "'");
  for (const auto& claim : ungrounded_claims(unmarked, sentence))
    r.faults.push_back("ungrounded '" + claim + "'");
  return r;
}

std::vector<std::string> possible_additions(const std::vector<std::string>& confident,
                                            const std::vector<std::string>& borderline,
                                            const std::string& sentence) {
  std::vector<std::string> out;
  for (const auto& b : borderline) {
    std::vector<std::string> with = confident;
    with.push_back(b);
    const TagCheck c = check_tags(with, sentence);
    if (c.expressed.back() || !c.conflicts.empty()) continue;
    // Nor against the confident tags themselves ("possibly male vocal" beside "female vocal").
    if (!check_tags(confident, possibly_clause({b})).conflicts.empty()) continue;
    out.push_back(b);
  }
  return out;
}

std::string possibly_clause(const std::vector<std::string>& borderline) {
  if (borderline.empty()) return "";
  std::string out = "Possibly also ";
  for (size_t i = 0; i < borderline.size(); ++i) {
    if (i > 0) out += i + 1 == borderline.size() ? " and " : ", ";
    out += constraint_phrase(borderline[i]);
  }
  return out + ".";
}

}  // namespace syn
