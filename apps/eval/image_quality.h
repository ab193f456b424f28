// image_quality.h — measurements of generated emoji-sized images: does a picture show the
// prompt's concept, is it a copy of a training image, and do different prompts (different music)
// give differently coloured pictures. Pure functions on CPU tensors, for the image-generation
// evaluation app; images are always [N, 3, H, W] (or [3, H, W] where stated) with values in
// [0, 1] (dataset images: data/images/image_augment.h unit_images()).
//
// Definitions
//   concept     an emoji's split key, data/datasets/emoji_dataset.h split_key(caption): the CLDR
//   name
//               before any ':' ("woman dancing: medium skin tone" → "woman dancing"), so skin-tone
//               variants of one emoji are one concept. The classifier (models/emoji_classifier.h)
//               has one class per concept, in the order of its file's meta/concepts.
//   words       text_words(): lower-cased ASCII, every character other than a-z / 0-9 a separator
//               ("snow-capped" → "snow capped"), stop words dropped (a an and at by for from in
//               into is of on over the to with), each word reduced to its Porter stem
//               (data/text/porter_stemmer.h: "stars" → "star", "dancing" → "danc"), duplicates
//               removed.
//   text match  best_text_match(query, texts): (1) the first text whose normalised form (lower-
//               case, separators collapsed, stop words kept) equals the query's; else (2) the text
//               sharing the most words with the query; ties go to the larger share of the text's
//               own words matched (so "sun" beats "sun with face" for the prompt "the sun"), then
//               to the earlier text. -1 when no text shares a word.
//   concept_of  best_text_match on the concepts, where step (1) also tries the prompt's own split
//               key (a full caption "man dancing: dark skin tone" names "man dancing").
//   RMS distance between two images: sqrt(mean over every value of (a - b)²), in [0, 1].
//
//   auto clf = models::load_emoji_classifier("models/weights/emoji_classifier.synckpt");
//   std::vector<int64_t> ids;
//   for (auto& p : prompts) ids.push_back(quality::concept_of(p, clf.concepts));
//   quality::ClassifyResult r = quality::classify(*clf.model, samples, ids);  // r.top1, r.top5
//   quality::NearestResult nn = quality::nearest_images(samples, train_images);
//   double d = quality::histogram_l1_distance(quality::rgb_histogram(set_a),
//                                             quality::rgb_histogram(set_b));
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "models/emoji_classifier.h"

namespace syn::quality {

// ---- text: prompts, captions and concepts ----

// The prompt file: one prompt per line; blank lines and lines starting with '#' are skipped,
// surrounding white space trimmed. Fails naming the file when it is missing or holds no prompt.
std::vector<std::string> load_prompts(const std::string& path);

// Unique split keys of `captions`, in order of first appearance (the classifier's classes when
// given every caption of the dataset).
std::vector<std::string> concept_list(const std::vector<std::string>& captions);
// The class index of each caption's split key in `concepts`, -1 where it is not there.
std::vector<int64_t> concept_ids(const std::vector<std::string>& captions,
                                 const std::vector<std::string>& concepts);

// The word stems of a text (see "words" above).
std::vector<std::string> text_words(const std::string& text);
// The text matching `query` best (see "text match" above), or -1.
int64_t best_text_match(const std::string& query, const std::vector<std::string>& texts);
// The concept a prompt names (see "concept_of" above), or -1.
int64_t concept_of(const std::string& prompt, const std::vector<std::string>& concepts);

// ---- does the picture show the concept ----

// Class scores of images [N, 3, S, S] in [0, 1]: logits [N, classes], computed in eval mode
// without autograd, `batch_size` images at a time (the model's mode is restored afterwards).
Tensor classifier_logits(models::EmojiClassifier& model, const Tensor& images,
                         int64_t batch_size = 128);

struct ClassifyResult {
  double top1 = 0.0, top5 = 0.0;   // shares of the counted images, in [0, 1] (0 if none counted)
  int64_t counted = 0;             // images whose concept id is >= 0
  std::vector<int64_t> predicted;  // per image: the top-1 class
  std::vector<int64_t> rank;       // per image: 0 = the true class is top-1, ...; -1 not counted
};
// Top-1 / top-5 accuracy of images against concept ids (one per image; -1 = no concept, such an
// image is classified but not counted). Ties in the scores go to the lower class index.
ClassifyResult classify(models::EmojiClassifier& model, const Tensor& images,
                        const std::vector<int64_t>& concept_ids, int64_t batch_size = 128);
// The same from precomputed logits [N, classes].
ClassifyResult score_logits(const Tensor& logits, const std::vector<int64_t>& concept_ids);

// ---- memorisation: the nearest training image ----

struct NearestResult {
  std::vector<int64_t> index;    // per image: the nearest reference image (first on ties)
  std::vector<double> distance;  // per image: its RMS distance
  double mean_distance = 0.0, min_distance = 0.0, max_distance = 0.0;
};
// For each of images [N, 3, H, W], the reference image [M, 3, H, W] (e.g. the U-Net's training
// split) nearest in RMS distance. A copy of a training image has distance 0.
NearestResult nearest_images(const Tensor& images, const Tensor& reference);

// ---- baselines ----

// n images [n, 3, size, size] of independent uniform [0, 1) pixels; the same seed gives the
// same images (engine/rng.h is platform-independent).
Tensor noise_images(int64_t n, uint64_t seed, int64_t size = 32);
// For each prompt, best_text_match against the reference captions: a pure look-up.
std::vector<int64_t> retrieve_by_caption(const std::vector<std::string>& prompts,
                                         const std::vector<std::string>& captions);
// The looked-up images [P, 3, H, W] from reference images [M, 3, H, W] (captions: M, in image
// order); a prompt sharing no word with any caption gets a flat image of `fill` (the dataset's
// background grey 128/255 by default).
Tensor retrieval_images(const std::vector<std::string>& prompts,
                        const std::vector<std::string>& captions, const Tensor& reference,
                        float fill = 128.0f / 255.0f);

// ---- colour statistics ----

// The joint RGB histogram of an image [3, H, W] or a set [N, 3, H, W]: bins³ values summing to 1,
// bin (r·bins + g)·bins + b, where a channel value v falls in bin min(floor(v·bins), bins - 1)
// (values are clamped to [0, 1] first).
std::vector<double> rgb_histogram(const Tensor& images, int bins = 4);
// 0.5 · Σ|a - b| (total variation): 0 for equal histograms, 1 for disjoint ones.
double histogram_l1_distance(const std::vector<double>& a, const std::vector<double>& b);
// 0.5 · Σ (a - b)² / (a + b) over bins where a + b > 0: also 0 (equal) to 1 (disjoint).
double histogram_chi2_distance(const std::vector<double>& a, const std::vector<double>& b);
// The L1 histogram distance between two image sets (e.g. pictures of two pieces of music).
double colour_distance(const Tensor& set_a, const Tensor& set_b, int bins = 4);

struct HsvStats {
  double hue = 0.0;  // degrees [0, 360): circular mean of pixel hues weighted by saturation
  double hue_strength = 0.0;  // [0, 1]: length of that weighted mean vector (0 = no dominant hue)
  double saturation = 0.0;    // mean HSV saturation, [0, 1]
  double value = 0.0;         // mean HSV value (max of R, G, B), [0, 1]
};
// Mean HSV of every pixel of an image or a set (hue is undefined for greys: weighting by
// saturation lets them count for nothing).
HsvStats mean_hsv(const Tensor& images);

}  // namespace syn::quality
