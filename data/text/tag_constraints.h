// tag_constraints.h — what the constrained caption decoder (models/constrained_beam.h) must
// and must not write for one tag set, judged by the same rules apps/eval_captioner measures with:
//   must      express every tag as data/text/tag_fidelity's check_tags reads it (the tag's
//             words, their stems and synonyms, or a documented alternative); the decoder is
//             offered each unexpressed tag's phrase to write, without the words the sentence
//             says already ("chords" for "electric guitar chords" once "electric guitar" is
//             said: the whole phrase again would repeat a word pair, a banned fault, and the
//             tag was missed). A negated tag is offered in
//             positive form where tag_fidelity documents one: "no vocals", "no voice",
//             "no singer", "no singing" as "instrumental"; other negations ("no lyrics",
//             "no drums") as written.
//   must not  contradict a tag (check_tags' opposed concepts: male/female voice, vocals/none,
//             fast/slow/medium tempo, happy/sad, low/high quality, live/studio, major/minor,
//             genre clashes such as classical vs heavy metal),
//             repeat a word pair, or make an ungrounded claim about the recording, audience or
//             place (data/text/caption_fluency.h).
//
// Borderline tags ("possibly"): a tag written "possibly <tag>" is one the tagger was not
// confident of (apps/pipeline/caption_model caption_tags_from: below the confident threshold,
// at or above the borderline one). The decoder writes its sentence from the confident tags
// only, banned from stating a borderline one as fact (TagJudge's `avoid`: "instrumental" said
// freely for a borderline "no vocals" was a fault); the borderline ones follow as one clause,
// "Possibly also <phrase>, <phrase> and <phrase>." (possibly_clause), leaving out any the sentence
// already says or that would contradict it. (Forcing "possibly <phrase>" into the sentence itself
// was tried: the decoder, conditioned on the tag, stated it as fact and then added the forced words
// — "The female voices sing possibly female vocal melody", "This song may possibly flute playing".)
// check_constraints counts a borderline tag as said when a clause holding "possibly" says it
// after that word, and as a fault when another clause states it as fact.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "data/text/tokenizer.h"
#include "models/constrained_beam.h"

namespace syn {

bool is_borderline(const std::string& tag);          // starts with "possibly " (any case)
std::string borderline_tag(const std::string& tag);  // "possibly " + tag
std::string unmarked_tag(const std::string& tag);    // the tag without "possibly "

// The phrase offered to the decoder for a tag: the positive form of a negated tag
// ("no vocals" -> "instrumental"), otherwise the tag (lower-cased, spaces collapsed); for a
// borderline tag, the phrase of the tag without its mark.
std::string constraint_phrase(const std::string& tag);

class TagJudge : public models::SentenceJudge {
 public:
  // tags: the set as given to the decoder (confident tags); tok encodes the phrases
  // (" " + phrase). avoid: borderline tags (unmarked), banned as fact, since the sentence may
  // say them only in its "Possibly also" clause; one that the tags' own phrases already say
  // is not banned (it could not be avoided).
  TagJudge(std::vector<std::string> tags, const BpeTokenizer& tok,
           std::vector<std::string> avoid = {});
  Verdict judge(const std::string& text) const override;
  int goal() const override { return (int)tags_.size(); }

 private:
  // Tag i's phrase without the words `text` says already (its whole phrase where none is said,
  // or where the phrase is an alternative such as "instrumental" for "no vocals").
  const std::vector<int64_t>& shorter_phrase(size_t i, const std::string& text) const;
  std::vector<std::string> tags_, avoid_;
  std::vector<std::vector<int64_t>> phrase_tokens_;  // per tag
  std::vector<bool> plain_;                          // the phrase is the tag as written
  std::vector<size_t> needed_;                       // words the tag needs (unsaid_words)
  const BpeTokenizer* tok_;
  mutable std::map<std::string, std::vector<int64_t>> encoded_;  // shorter phrases, encoded
};

// The borderline tags (unmarked) a sentence written from `confident` can add as "possibly":
// those it does not say already and that contradict neither it nor the confident tags.
std::vector<std::string> possible_additions(const std::vector<std::string>& confident,
                                            const std::vector<std::string>& borderline,
                                            const std::string& sentence);
// "Possibly also a, b and c." (constraint phrases); "" for none.
std::string possibly_clause(const std::vector<std::string>& borderline);

// Is the sentence free of contradiction, repetition and ungrounded claims, and does it express
// every tag? (What the tests and the evaluation ask of a constrained sentence.)
struct ConstraintReport {
  std::vector<std::string> missed;  // tags not expressed
  std::vector<std::string> faults;  // contradictions, repeated pairs, ungrounded claims
};
ConstraintReport check_constraints(const std::vector<std::string>& tags,
                                   const std::string& sentence);

}  // namespace syn
