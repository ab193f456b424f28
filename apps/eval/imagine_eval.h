// imagine_eval.h — the text-to-image evaluation of issue 15 (apps/eval_imagine): any picture
// maker (the text-to-image weights, or a baseline) is asked for samples_per_prompt pictures of
// each prompt of a fixed list (apps/eval/prompt_set.h), and the pictures are measured with the
// picture judge (models/clip_judge.h) against the picture corpus (data/pictures/picture_corpus.h).
//
// Every picture is resized to the judge's input size (area filter, judge_features.h) and encoded
// to the judge's unit image embedding ("features"). Figures of a model's pictures:
//   judge top-1/top-5   zero-shot concept recognition: the picture's cosine with the judge's text
//                       embedding of every corpus concept id; a hit when the prompt's concept
//                       ranks first / in the first five (prompts with a concept only)
//   classifier top-1/5  the same by a concept classifier file (emoji_classifier format), over
//                       the prompts whose concept is one of its classes (optional)
//   prompt fit          mean cosine of each picture with its own prompt's text embedding
//   fit / real          the fit over the prompts whose concept has held-out real pictures,
//                       divided by those real pictures' mean cosine with the same prompts
//   FD                  Fréchet distance (frechet_distance.h) between the pictures' features and
//                       the held-out real pictures' features. Its references, with as many
//                       pictures as the model made (FD is biased by the sample count):
//                       floor = training real pictures (a seeded random subset) vs held-out,
//                       ceiling = uniform noise pictures vs held-out
//   diversity           mean over prompts of the mean pairwise feature distance of the prompt's
//                       samples (needs samples_per_prompt >= 2); the reference is the same within
//                       each prompt concept's held-out real pictures
//   nearest feature     memorisation: each picture's Euclidean feature distance to its nearest
//   nearest RMS         TRAINING picture, and the RMS pixel distance (values in [0, 1], at the
//                       judge's size) to its pixel-nearest training picture; the reference is
//                       the held-out real pictures' own nearest-training distances
//   near copies         share of pictures whose nearest-RMS is below the 5th percentile of the
//                       held-out real pictures' nearest-RMS (a copy scores 100 %)
// Models ("weights" choices):
//   unet     TextToImage weights (models/text_to_image.h), DDIM + guidance
//   noise    independent uniform [0, 1) pixels (the ceiling)
//   lookup   for each prompt, the training pictures of its concept (all training pictures when
//            it names none) ranked by the judge's cosine with the prompt, the best first: the
//            memorisation extreme
#pragma once
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apps/eval/image_quality.h"
#include "apps/eval/prompt_set.h"
#include "data/pictures/picture_corpus.h"
#include "models/clip_judge.h"
#include "models/emoji_classifier.h"

namespace syn::quality {

// The corpus and the judge, measured once for every model.
struct ImagineEvalReference {
  int64_t size = 32;      // the judge's image size: every picture is compared at it
  Tensor train_pixels;    // [T, 3, size, size] in [0, 1]
  Tensor train_features;  // [T, D]
  Tensor held_features;   // [H, D]
  std::vector<std::string> train_concepts, held_concepts;  // per picture
  std::vector<std::string> concepts;                       // every corpus concept id, sorted
  Tensor concept_features;                                 // [concepts, D]: their texts
  // Held-out real pictures' figures.
  ClassifyResult held_judge;       // judge top-1/top-5 of the held-out pictures
  ClassifyResult held_classifier;  // the classifier's, when one is given (counted 0 otherwise)
  NearestResult held_nearest_features, held_nearest_pixels;
  double held_copy_threshold = 0;  // 5th percentile of held_nearest_pixels' distances
};

// Resizes the corpus pictures to the judge's size (area filter; from the corpus size equal to it
// when there is one, else from the largest), encodes them and measures the held-out ones (also
// by `classifier` when not null: pictures whose concept is one of its classes).
ImagineEvalReference make_reference(models::ClipJudge& judge, const pictures::PictureCorpus& corpus,
                                    models::LoadedEmojiClassifier* classifier = nullptr);

// Fails, naming `source` and the prompt, when a prompt's concept is not a corpus concept, or an
// object prompt's concept has no held-out picture (then no real picture gives its reference).
void check_prompts(const std::vector<EvalPrompt>& prompts, const ImagineEvalReference& ref,
                   const std::string& source);

struct ImagineEvalOptions {
  int64_t samples_per_prompt = 4;
  uint64_t seed = 0;  // noise pictures, the floor's subset
};

struct PromptFigures {
  int64_t judge_hits1 = 0, judge_hits5 = 0;  // of samples_per_prompt (0 without a concept)
  // NaN: not measurable (real_fit: no held-out picture of the concept; diversity: < 2 pictures).
  // Cosines may be negative, so no negative number can mark "none".
  double fit = 0, real_fit = NAN;
  double diversity = NAN, real_diversity = NAN;
  double nearest_feature = 0, nearest_rms = 0;
  std::string judge_read;  // the concept the judge read most often
};

struct ModelFigures {
  std::string model;
  int64_t pictures = 0;
  ClassifyResult judge, classifier;  // classifier.counted 0: no classifier / no class matched
  double fit = 0;                    // mean over every picture
  double fit_share = 0, real_fit = 0, fit_matched = 0;  // over prompts with held-out pictures
  int64_t fit_prompts = 0;
  double fd = 0, fd_floor = 0, fd_ceiling = 0;
  double diversity = NAN, real_diversity = NAN;  // NaN: not measurable
  NearestResult nearest_features, nearest_pixels;
  double near_copies = 0;
  std::map<std::string, double> kind_fit, kind_top1;  // per prompt kind (top-1: NaN none counted)
  std::vector<PromptFigures> per_prompt;
  double seconds_pictures = 0, seconds_measure = 0;
};

// The pictures [P · n, 3, S, S] in [0, 1] (prompt-major, n = samples_per_prompt) of `model`
// measured. `classifier` may be null.
ModelFigures measure_pictures(const std::string& model, const Tensor& pictures,
                              const std::vector<EvalPrompt>& prompts, models::ClipJudge& judge,
                              const ImagineEvalReference& ref,
                              models::LoadedEmojiClassifier* classifier,
                              const ImagineEvalOptions& options);

// The look-up baseline's pictures [P · n, 3, size, size] (see above).
Tensor lookup_pictures(const std::vector<EvalPrompt>& prompts, models::ClipJudge& judge,
                       const ImagineEvalReference& ref, int64_t samples_per_prompt);

}  // namespace syn::quality
