// caption_decode.h — turning the caption decoder's next-token distributions into sentences:
// greedy, beam search (length-normalised) and top-p (nucleus) sampling with a seed, all with a
// maximum length, over a batch of tag sets at once (one decoder step serves every row).
//
//   greedy   the most probable token each step (ties: the lowest id).
//   beam     `beam` hypotheses per set; each step every hypothesis proposes its 2·beam best
//            tokens, the candidates are ranked by summed log-probability, and in rank order an
//            <eos> candidate among the first `beam` ranks finishes a hypothesis (score = summed
//            log-probability / length^length_penalty, length counting <eos>) while the others
//            fill the `beam` live slots. A set is done when `beam` hypotheses have finished
//            and no live hypothesis, scored as it stands, beats the beam-th best of them, or at
//            the maximum length, where the live ones are scored as they stand. The best
//            finished score wins. With beam 1 this is exactly greedy.
//   top-p    sample from the smallest set of most probable tokens whose probability reaches
//            top_p (after dividing the logits by `temperature`); set i of a call samples from
//            its own generator, seeded from (seed, first_index + i), so a sentence does not
//            depend on which other sets share its batch. top_p -> 0 keeps only the most
//            probable token: greedy.
// Lexically constrained beam search (every tag said, nothing banned) is models/constrained_beam.h;
// apps/pipeline/caption_model picks it by DecodeOptions::constrained.
// Special tokens other than <eos> are never generated. no_repeat_ngram = n forbids any token
// that would repeat an n-gram already in the hypothesis (0 = off), a common cure for a small
// decoder's loops.
#pragma once
#include <cstdint>
#include <vector>

#include "models/caption_decoder.h"

namespace syn::models {

struct DecodeOptions {
  int64_t max_tokens = 96;  // generated tokens at most, <eos> included (capped by max_len)
  int64_t beam = 1;         // > 1: beam search
  double length_penalty = 1.0;
  double top_p = 0.0;        // > 0 with beam 1: nucleus sampling
  double temperature = 1.0;  // sampling only
  uint64_t seed = 0;
  int64_t first_index = 0;  // index of the call's first set, for the per-set sampling seeds
  int64_t no_repeat_ngram = 0;
  int64_t bos_id = 1, eos_id = 2;
  int64_t num_special = 5;  // ids below this are special; only eos_id of them is generated
  int64_t batch = 64;       // sets decoded together
  // Lexically constrained beam search (models/constrained_beam.h) where the caller gives
  // constraints (apps/pipeline/caption_model): every tag said, nothing banned or repeated.
  bool constrained = false;
  // Constrained search: this many of the `beam` slots go to the most probable candidates
  // whatever constraints they meet, before the banks share the rest (0 = banks only).
  int64_t free_slots = 0;
  // Constrained search: a hypothesis is offered the phrases of unsaid tags only once the model
  // has wanted to end it (<eos> its most probable token; models/constrained_beam.h); until then it
  // writes its own words (bans still apply), so the missing tags follow the model's own sentence.
  bool defer_forcing = false;
};

// One token list per set (without <bos> and <eos>). The model is put in eval mode.
std::vector<std::vector<int64_t>> decode_captions(CaptionDecoder& model, const TagIds& tags,
                                                  const DecodeOptions& options);

// The three strategies on one batch (decode_captions picks by the options and splits batches).
std::vector<std::vector<int64_t>> greedy_or_sample(CaptionDecoder& model, const TagIds& tags,
                                                   const DecodeOptions& options);
std::vector<std::vector<int64_t>> beam_search(CaptionDecoder& model, const TagIds& tags,
                                              const DecodeOptions& options);

// Beam search's finished hypotheses (tokens without <bos>/<eos>, length-normalised score), best
// first, per set: for re-ranking them by another criterion (apps/pipeline/caption_model).
struct Hypothesis {
  std::vector<int64_t> tokens;
  double score = 0;
};
std::vector<std::vector<Hypothesis>> beam_search_nbest(CaptionDecoder& model, const TagIds& tags,
                                                       const DecodeOptions& options);
// The same over batches of options.batch sets (beam > 1).
std::vector<std::vector<Hypothesis>> decode_nbest(CaptionDecoder& model, const TagIds& tags,
                                                  const DecodeOptions& options);

// Row logits (one row of a step's [R, V] host copy) as log-probabilities with the
// never-generated specials and the n-gram repeats of `seq` set to -inf (every decoder uses it).
void step_log_probs(const float* logits, int64_t V, const std::vector<int64_t>& seq,
                    const DecodeOptions& options, std::vector<double>& lp);

// The `take` most probable tokens of a row of log-probabilities, best first (ties: the lower
// id), in `ids` (a work buffer, resized to the vocabulary); the shared candidate step of both
// beam searches.
void best_tokens(const std::vector<double>& lp, int64_t take, std::vector<int64_t>& ids);

// The next step's cache rows of a beam search: per kept hypothesis, its parent's row in this
// step's cache and the token it feeds. A set that finishes takes its hypotheses back out
// (retire), so they are neither reordered into the cache nor fed.
struct NextRows {
  std::vector<int64_t> parents, feed;
  void add(int64_t parent_row, int64_t token) {
    parents.push_back(parent_row);
    feed.push_back(token);
  }
  void retire(size_t last_n) {
    parents.resize(parents.size() - last_n);
    feed.resize(feed.size() - last_n);
  }
};

// The rows [begin, end) of a TagIds batch (for splitting a large one).
TagIds slice_tag_ids(const TagIds& t, int64_t begin, int64_t end);

}  // namespace syn::models
