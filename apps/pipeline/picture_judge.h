// picture_judge.h — the CLIP-style judge (models/clip_judge.h) as the pipeline uses it: how well
// each strategy's picture fits its own prompt and the music's refined tags, and the judge's image
// features for the content distances (picture_distances.h).
//
// Which judge: the `judge` key (default models/weights/clip_judge.synckpt).
//   ""                 no judge (the report and pipeline.json say "no judge")
//   a missing file     no judge, and the log says which file was missing (the judge is optional:
//                      the pipeline makes its pictures without it)
//   a file that exists but does not load (wrong format, damaged): an error, before any stage
// Prompt fit = the cosine similarity of the judge's unit image and text embeddings, in [−1, 1]
// (the judge's logits before its temperature). Pictures are resized to the judge's image size
// (image_resample.h resize_smooth: a box filter when shrinking, so a 64-pixel picture is averaged
// down to 32 and a nearest-upscaled one comes back exactly). A text with no word the judge knows
// (its bag of words is empty) has no fit: NaN, shown as "—". The refined-tags text is the refined
// profile's tags at or above min_probability, at most 8, most probable first, joined with ", ".
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "apps/pipeline/motif_mapping.h"
#include "apps/pipeline/picture_distances.h"
#include "engine/tensor.h"
#include "models/clip_judge.h"

namespace syn::app {

struct PictureJudge {
  std::shared_ptr<models::ClipJudge> model;  // null: no judge
  std::string file;                          // the file it came from (or was looked for)
  std::string missing_reason;                // why there is no judge ("" when there is one)
  bool present() const { return model != nullptr; }
};

// The rule above. Errors name the file and the load failure.
PictureJudge load_picture_judge(const std::string& path);

// images [N, 3, S, S] in [0, 1] (any S) -> unit features [N, D] (CPU), in eval mode, no autograd.
Tensor judge_image_features(models::ClipJudge& judge, const Tensor& images);
// Per image i: cos(features_i, text_i), NaN where the text has no known word. features [N, D].
std::vector<double> judge_prompt_fit(models::ClipJudge& judge, const Tensor& features,
                                     const std::vector<std::string>& texts);

// The text of the music's refined tags that every picture is fitted to (the rule above).
std::string refined_tags_text(const std::vector<WeightedTag>& refined, float min_probability);

// The strategy pictures as the report and pipeline.json score them.
struct StrategyScores {
  std::string judge_file;  // the judge's weights; "" when there is no judge
  std::string no_judge;    // why there is no judge ("" when there is one)
  std::string refined_text;
  std::vector<double> fit_own, fit_refined;  // one per picture; NaN: no known word, or no judge
  DistanceMatrix colour;                     // pictures × pictures (picture_distances.h)
  DistanceMatrix content;                    // the same from the judge's features; empty without
};

// pictures [P, 3, S, S] with prompts[i] the prompt of picture i; `judge` may hold no model.
StrategyScores score_strategies(const PictureJudge& judge, const Tensor& pictures,
                                const std::vector<std::string>& prompts,
                                const std::string& refined_text);

}  // namespace syn::app
