// constrained_beam.h — lexically constrained beam search for the caption decoder: every
// sentence must satisfy a set of constraints (say each tag) and pass a judge (no banned phrase,
// no repetition, no contradiction), in the manner of grid beam search / dynamic beam allocation
// (Hokamp & Liu 2017; Post & Vilar 2018).
//
// The decoder works on BPE tokens but the constraints are about words, so the search keeps each
// hypothesis's text and asks a SentenceJudge (given by the caller: data/text/tag_constraints
// judges by tag_fidelity's rules) about it. A token that starts a new word (its piece begins with
// a byte other than [A-Za-z0-9] or >= 0x80) completes the hypothesis's last word, so only then
// can the text be judged: the judge sees the parent's text as if it ended there. A candidate
// that completes a word of a rejected text is dropped (a hard ban); one that continues the word
// is kept (" live" may still become " lively").
//
// Each step, every hypothesis proposes its 2·beam most probable tokens and, for every unmet
// constraint, the next token of each phrase that would meet it (the first token, or the one
// after a phrase prefix the hypothesis ends with). Candidates are banked by constraints met,
// then by tokens written of a proposed phrase (so a phrase half written is not crowded out by
// fresh starts); with DecodeOptions::free_slots > 0, that many slots first go to the most
// probable candidates whatever their bank; the other slots are filled round-robin from the
// highest bank down, best score first within a bank, so hypotheses that met more constraints
// survive beside the most probable ones (a token that completes a proposed phrase is banked as
// meeting it). With DecodeOptions::defer_forcing, a hypothesis is offered the phrases only once
// it is "open": the model's most probable next token was <eos> (it would have ended the
// sentence); its children stay open. (Opening also when few tokens are left for the phrases
// still owed, to miss fewer tags at the decoder's 96 positions, cost ROUGE-L: .357 vs .366 on
// the dev slice, tags expressed 98.9% vs 98.5%.) A set whose deferred search ends without a
// sentence that meets every constraint (its own sentence used up the decoder's positions) is
// searched again with the phrases offered from the start, and the result with more met kept. Until
// then it writes the model's own words (the judge's bans still apply), so a sentence keeps the
// decoder's order and wording, which the human captions share (ROUGE-L), and the missing tags
// follow it. <eos> finishes a hypothesis whose text the judge allows; the search of a set stops
// when `beam` finished hypotheses meet every constraint, or at the maximum length. Finished
// hypotheses are ranked by constraints met, then score; when none finished, the live ones at the
// limit are used.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/caption_decode.h"

namespace syn::models {

// Judges one set's hypotheses by their text.
class SentenceJudge {
 public:
  virtual ~SentenceJudge() = default;
  struct Verdict {
    bool allowed = true;  // no banned phrase, repetition or contradiction
    int met = 0;          // constraints met
    // Token sequences (no <bos>/<eos>) any of which would meet a constraint not met yet.
    std::vector<std::vector<int64_t>> proposals;
  };
  // `text`: the hypothesis decoded so far, judged as a complete sentence.
  virtual Verdict judge(const std::string& text) const = 0;
  virtual int goal() const = 0;  // constraints to meet
};

struct ConstrainedHypothesis {
  std::vector<int64_t> tokens;
  double score = 0;  // length-normalised log-probability
  int met = 0;
};

// judges[b] judges set b; pieces[id] = the bytes of token id (BpeTokenizer::piece). Best first
// per set. The model is put in eval mode; batches of options.batch sets.
std::vector<std::vector<ConstrainedHypothesis>> constrained_beam_search(
    CaptionDecoder& model, const TagIds& tags, const DecodeOptions& options,
    const std::vector<const SentenceJudge*>& judges, const std::vector<std::string>& pieces);

}  // namespace syn::models
