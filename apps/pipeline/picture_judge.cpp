// picture_judge.cpp — see picture_judge.h.
#include "apps/pipeline/picture_judge.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "apps/pipeline/image_resample.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/shape.h"

namespace syn::app {

PictureJudge load_picture_judge(const std::string& path) {
  PictureJudge j;
  j.file = path;
  if (path.empty()) {
    j.missing_reason = "no judge configured (--judge \"\")";
    return j;
  }
  if (!std::filesystem::exists(path)) {
    j.missing_reason = "judge weights '" + path + "' do not exist";
    return j;
  }
  try {
    j.model = models::load_clip_judge(path);
  } catch (const std::exception& e) {
    SYN_CHECK(false, "--judge '", path, "' exists but does not load: ", e.what());
  }
  return j;
}

Tensor judge_image_features(models::ClipJudge& judge, const Tensor& images) {
  SYN_CHECK(images.defined() && images.dim() == 4 && images.size(1) == 3,
            "judge: expected pictures [N, 3, S, S], got ",
            images.defined() ? images.describe() : std::string("an undefined tensor"));
  const int64_t n = images.size(0), side = judge.config().image_size;
  Tensor x = images.is_cuda() ? images.to(Device::CPU) : images;
  if (x.size(2) != side || x.size(3) != side) {
    std::vector<Tensor> rows;
    for (int64_t i = 0; i < n; ++i) {
      Tensor one = ops::reshape(ops::slice(x, 0, i, i + 1), {3, x.size(2), x.size(3)});
      rows.push_back(ops::reshape(resize_smooth(one, side, side), {1, 3, side, side}));
    }
    x = ops::concat(rows, 0);
  }
  NoGradGuard no_grad;
  return judge.encode_images(x).detach();
}

std::vector<double> judge_prompt_fit(models::ClipJudge& judge, const Tensor& features,
                                     const std::vector<std::string>& texts) {
  SYN_CHECK(features.dim() == 2 && features.size(0) == (int64_t)texts.size(),
            "judge: ", texts.size(), " texts for features ", features.describe());
  std::vector<double> fit(texts.size(), std::numeric_limits<double>::quiet_NaN());
  if (texts.empty()) return fit;
  NoGradGuard no_grad;
  const std::vector<float> bow = judge.bag_of_words(texts).to_vector();
  const std::vector<float> txt = judge.encode_texts(texts).detach().to_vector();
  const std::vector<float> img = features.to_vector();
  const size_t V = bow.size() / texts.size(), D = (size_t)features.size(1);
  for (size_t i = 0; i < texts.size(); ++i) {
    bool known = false;
    for (size_t v = 0; v < V && !known; ++v) known = bow[i * V + v] != 0;
    if (!known) continue;
    double s = 0;
    for (size_t d = 0; d < D; ++d) s += (double)img[i * D + d] * txt[i * D + d];
    fit[i] = s;
  }
  return fit;
}

std::string refined_tags_text(const std::vector<WeightedTag>& refined, float min_probability) {
  return tags_prompt(refined, 8, min_probability);
}

StrategyScores score_strategies(const PictureJudge& judge, const Tensor& pictures,
                                const std::vector<std::string>& prompts,
                                const std::string& refined_text) {
  SYN_CHECK(
      pictures.defined() && pictures.dim() == 4 && pictures.size(0) == (int64_t)prompts.size(),
      "score_strategies: ", prompts.size(), " prompts for pictures ",
      pictures.defined() ? pictures.describe() : std::string("(undefined)"));
  StrategyScores s;
  s.refined_text = refined_text;
  s.colour = colour_distances(pictures.is_cuda() ? pictures.to(Device::CPU) : pictures);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.fit_own.assign(prompts.size(), nan);
  s.fit_refined.assign(prompts.size(), nan);
  if (!judge.present()) {
    s.no_judge = judge.missing_reason;
    return s;
  }
  s.judge_file = judge.file;
  const Tensor features = judge_image_features(*judge.model, pictures);
  s.fit_own = judge_prompt_fit(*judge.model, features, prompts);
  s.fit_refined = judge_prompt_fit(*judge.model, features,
                                   std::vector<std::string>(prompts.size(), refined_text));
  s.content = content_distances(features);
  return s;
}

}  // namespace syn::app
