// tag_constraints.cpp — see tag_constraints.h.
#include "data/text/tag_constraints.h"

#include <utility>

#include "data/text/caption_fluency.h"
#include "data/text/tag_fidelity.h"

namespace syn {

std::string constraint_phrase(const std::string& tag) {
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

TagJudge::TagJudge(std::vector<std::string> tags, const BpeTokenizer& tok)
    : tags_(std::move(tags)) {
  for (const auto& t : tags_) {
    std::vector<int64_t> ids;
    std::string phrase = " ";  // as the word appears inside a sentence
    phrase += constraint_phrase(t);
    for (int32_t id : tok.encode(phrase)) ids.push_back(id);
    phrase_tokens_.push_back(std::move(ids));
  }
}

models::SentenceJudge::Verdict TagJudge::judge(const std::string& text) const {
  Verdict v;
  TagCheck c = check_tags(tags_, text);
  v.allowed = c.conflicts.empty() && repeated_word_pair(text).empty() &&
              ungrounded_claims(tags_, text).empty();
  for (size_t i = 0; i < c.expressed.size(); ++i) {
    if (c.expressed[i])
      ++v.met;
    else if (!phrase_tokens_[i].empty())
      v.proposals.push_back(phrase_tokens_[i]);
  }
  return v;
}

ConstraintReport check_constraints(const std::vector<std::string>& tags,
                                   const std::string& sentence) {
  ConstraintReport r;
  TagCheck c = check_tags(tags, sentence);
  for (size_t i = 0; i < tags.size(); ++i)
    if (!c.expressed[i]) r.missed.push_back(tags[i]);
  r.faults = c.conflicts;
  const std::string pair = repeated_word_pair(sentence);
  if (!pair.empty()) r.faults.push_back("repeated '" + pair + "'");
  for (const auto& claim : ungrounded_claims(tags, sentence))
    r.faults.push_back("ungrounded '" + claim + "'");
  return r;
}

}  // namespace syn
