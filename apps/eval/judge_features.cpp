// judge_features.cpp — see judge_features.h.
#include "apps/eval/judge_features.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/shape.h"

namespace syn::quality {

namespace {

// Area-filter weights of one axis: for each output index, (input index, weight) pairs summing
// to 1. Output pixel o covers [o·s, (o+1)·s) of the input axis, s = in / out.
std::vector<std::vector<std::pair<int64_t, double>>> area_weights(int64_t in, int64_t out) {
  std::vector<std::vector<std::pair<int64_t, double>>> w((size_t)out);
  const double s = (double)in / (double)out;
  for (int64_t o = 0; o < out; ++o) {
    const double lo = (double)o * s, hi = (double)(o + 1) * s;
    for (int64_t i = (int64_t)std::floor(lo); i < in && (double)i < hi; ++i) {
      const double cover = std::min((double)(i + 1), hi) - std::max((double)i, lo);
      if (cover > 1e-12) w[(size_t)o].push_back({i, cover / s});
    }
  }
  return w;
}

}  // namespace

Tensor resize_area(const Tensor& images, int64_t size) {
  SYN_CHECK(images.dim() == 4, "resize_area: expected images [N, C, H, W], got ",
            images.describe());
  SYN_CHECK(size > 0, "resize_area: size ", size, " must be positive");
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  if (H == size && W == size) return images;
  SYN_CHECK(H > 0 && W > 0, "resize_area: empty images ", images.describe());
  const auto wy = area_weights(H, size), wx = area_weights(W, size);
  const std::vector<float> in = images.to_vector();
  std::vector<float> out((size_t)(N * C * size * size));
  std::vector<double> rows((size_t)(size * W));
  for (int64_t p = 0; p < N * C; ++p) {
    const float* src = in.data() + p * H * W;
    std::fill(rows.begin(), rows.end(), 0.0);
    for (int64_t oy = 0; oy < size; ++oy)
      for (const auto& [y, wgt] : wy[(size_t)oy])
        for (int64_t x = 0; x < W; ++x) rows[(size_t)(oy * W + x)] += wgt * src[y * W + x];
    float* dst = out.data() + p * size * size;
    for (int64_t oy = 0; oy < size; ++oy)
      for (int64_t ox = 0; ox < size; ++ox) {
        double v = 0.0;
        for (const auto& [x, wgt] : wx[(size_t)ox]) v += wgt * rows[(size_t)(oy * W + x)];
        dst[oy * size + ox] = (float)v;
      }
  }
  return Tensor::from_vector(out, {N, C, size, size});
}

Tensor judge_image_features(models::ClipJudge& judge, const Tensor& images, int64_t batch_size) {
  SYN_CHECK(images.dim() == 4 && images.size(1) == 3,
            "judge_image_features: expected images [N, 3, S, S], got ", images.describe());
  SYN_CHECK(batch_size > 0, "judge_image_features: batch_size must be positive");
  const Tensor x = resize_area(images, judge.config().image_size);
  const bool was_training = judge.is_training();
  judge.eval();
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  for (int64_t lo = 0; lo < x.size(0); lo += batch_size)
    parts.push_back(
        judge.encode_images(ops::slice(x, 0, lo, std::min(x.size(0), lo + batch_size))));
  judge.train(was_training);
  if (parts.empty()) return Tensor::zeros({0, judge.config().embed_dim});
  return parts.size() == 1 ? parts[0] : ops::concat(parts, 0);
}

Tensor judge_text_features(models::ClipJudge& judge, const std::vector<std::string>& texts) {
  const bool was_training = judge.is_training();
  judge.eval();
  NoGradGuard no_grad;
  Tensor t = judge.encode_texts(texts);
  judge.train(was_training);
  return t;
}

Tensor select_rows(const Tensor& t, const std::vector<int64_t>& rows) {
  SYN_CHECK(t.dim() >= 1, "select_rows: a tensor without rows");
  const int64_t per = t.numel() / std::max<int64_t>(1, t.size(0));
  const std::vector<float> v = t.to_vector();
  std::vector<float> out;
  out.reserve(rows.size() * (size_t)per);
  for (int64_t r : rows) {
    SYN_CHECK(r >= 0 && r < t.size(0), "select_rows: row ", r, " of ", t.describe());
    out.insert(out.end(), v.begin() + r * per, v.begin() + (r + 1) * per);
  }
  Shape shape = t.shape();
  shape[0] = (int64_t)rows.size();
  return Tensor::from_vector(out, shape);
}

}  // namespace syn::quality
