// tag_constraints.h — what the constrained caption decoder (models/constrained_beam.h) must
// and must not write for one tag set, judged by the same rules apps/eval_captioner measures with:
//   must      express every tag as data/text/tag_fidelity's check_tags reads it (the tag's
//             words, their stems and synonyms, or a documented alternative); the decoder is
//             offered each unexpressed tag's phrase to write. A negated tag is offered in
//             positive form where tag_fidelity documents one: "no vocals", "no voice",
//             "no singer", "no singing" as "instrumental"; other negations ("no lyrics",
//             "no drums") as written.
//   must not  contradict a tag (check_tags' opposed concepts: male/female voice, vocals/none,
//             fast/slow/medium tempo, happy/sad, low/high quality, live/studio, major/minor,
//             genre clashes such as classical vs heavy metal),
//             repeat a word pair, or make an ungrounded claim about the recording, audience or
//             place (data/text/caption_fluency.h).
#pragma once
#include <string>
#include <vector>

#include "data/text/tokenizer.h"
#include "models/constrained_beam.h"

namespace syn {

// The phrase offered to the decoder for a tag: the positive form of a negated tag
// ("no vocals" -> "instrumental"), otherwise the tag (lower-cased, spaces collapsed).
std::string constraint_phrase(const std::string& tag);

class TagJudge : public models::SentenceJudge {
 public:
  // tags: the set as given to the decoder; tok encodes the phrases (" " + phrase).
  TagJudge(std::vector<std::string> tags, const BpeTokenizer& tok);
  Verdict judge(const std::string& text) const override;
  int goal() const override { return (int)tags_.size(); }

 private:
  std::vector<std::string> tags_;
  std::vector<std::vector<int64_t>> phrase_tokens_;  // per tag
};

// Is the sentence free of contradiction, repetition and ungrounded claims, and does it express
// every tag? (What the tests and the evaluation ask of a constrained sentence.)
struct ConstraintReport {
  std::vector<std::string> missed;  // tags not expressed
  std::vector<std::string> faults;  // contradictions, repeated pairs, ungrounded claims
};
ConstraintReport check_constraints(const std::vector<std::string>& tags,
                                   const std::string& sentence);

}  // namespace syn
