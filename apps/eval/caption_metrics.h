// caption_metrics.h — BLEU-1..4, METEOR and ROUGE-L of generated captions against human ones,
// computed exactly as LP-MusicCaps computed its tag-to-caption results, so that our numbers sit
// beside theirs on the same scale.
//
// LP-MusicCaps (seungheondoh/lp-music-caps, lpmc/utils/metrics.py) calls Hugging Face
// `evaluate` 0.4.0 with one reference per caption:
//   bleu   evaluate.load("bleu").compute(predictions, references, max_order=n)["bleu"]:
//          corpus BLEU (tensorflow/nmt compute_bleu): n-gram counts clipped per sentence and
//          summed over the corpus, geometric mean of the 1..n precisions (0 if any is 0, no
//          smoothing), brevity penalty exp(1 - r/c) from the summed lengths. Tokenised with
//          sacrebleu's 13a tokenizer, case-sensitive (no lower-casing).
//   meteor evaluate "meteor" = the mean over captions of NLTK 3.8.1's single_meteor_score(
//          word_tokenize(ref), word_tokenize(pred)), alpha 0.9, beta 3, gamma 0.5: words
//          lower-cased, aligned greedily by exact match, then Porter stem, then WordNet synonym.
//   rougeL evaluate "rouge" = Google's rouge_score 0.1.2, ROUGE-L F-measure of the LCS of
//          lower-cased [a-z0-9]+ tokens, no stemmer, aggregated with a bootstrap (1,000
//          resamples) whose median is reported.
//
// Where ours differs, and by how much (measured in tests/reference/gen_caption_metrics.py and
// reported by apps/eval_captioner):
//   - METEOR's WordNet synonym stage needs the WordNet database, which the engine does not ship:
//     meteor_tokens() runs the exact and stem stages only (identical to NLTK with an empty
//     WordNet). On LP-MusicCaps' own 2,839 template predictions the synonym stage adds +0.0036
//     (NLTK: 0.2557 with WordNet, their published number, and 0.2521 without, which is ours).
//   - NLTK's word_tokenize first splits sentences with the trained Punkt model; we split with a
//     rule (nltk_sentences, data/text/caption_tokenizers.cpp) that gives the same sentences on all
//     5,521 MusicCaps captions; it can differ after abbreviations, initials, ellipses and a
//     text-final "!!" elsewhere (tokens may still agree).
//   - ROUGE-L: we report the plain mean, not the bootstrap median (which is random: 0.21356 in
//     their results, 0.21349 as the mean of the same 2,839 pairs).
//   - Python's Unicode-aware lower-casing, \w and \d are approximated (caption_tokenizers.h).
// BLEU-1..4, METEOR without WordNet and ROUGE-L's mean agree with the references to 1e-15 on
// LP-MusicCaps' 2,839 template predictions (apps/eval_captioner --pairs_file reproduces them).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/text/caption_tokenizers.h"

namespace syn {

struct BleuResult {
  double bleu = 0;
  std::vector<double> precisions;  // 1..max_order
  double brevity_penalty = 0, length_ratio = 0;
  int64_t translation_length = 0, reference_length = 0;
};
// Corpus BLEU over caption pairs (one reference each), as evaluate's "bleu".
BleuResult corpus_bleu(const std::vector<std::string>& predictions,
                       const std::vector<std::string>& references, int max_order = 4,
                       bool smooth = false);

struct MeteorParams {
  double alpha = 0.9, beta = 3.0, gamma = 0.5;
};
// NLTK single_meteor_score on already tokenised words, without the WordNet stage.
double meteor_tokens(const std::vector<std::string>& reference,
                     const std::vector<std::string>& hypothesis, const MeteorParams& p = {});
// The same on raw text (nltk_word_tokenize on both sides).
double meteor_sentence(const std::string& reference, const std::string& hypothesis,
                       const MeteorParams& p = {});

struct RougeScore {
  double precision = 0, recall = 0, fmeasure = 0;
};
RougeScore rouge_l_sentence(const std::string& reference, const std::string& prediction);

// Everything LP-MusicCaps reports, for one set of captions (computed in parallel).
struct CaptionScores {
  double bleu[4] = {0, 0, 0, 0};  // BLEU-1..4
  double meteor = 0;              // mean sentence METEOR (no WordNet stage)
  double rouge_l = 0;             // mean sentence ROUGE-L F
  int64_t count = 0;
  double mean_words = 0;  // mean whitespace-separated words per prediction
};
CaptionScores score_captions(const std::vector<std::string>& predictions,
                             const std::vector<std::string>& references);

}  // namespace syn
