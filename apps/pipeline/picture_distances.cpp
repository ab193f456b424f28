// picture_distances.cpp — see picture_distances.h.
#include "apps/pipeline/picture_distances.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"
#include "engine/ops/shape.h"

namespace syn::app {

std::vector<double> colour_histogram(const Tensor& image, int bins) {
  SYN_CHECK(bins >= 1 && bins <= 64, "colour histogram: bins must be in 1..64, got ", bins);
  SYN_CHECK(image.defined() && image.dim() == 3 && image.size(0) == 3,
            "colour histogram: expected an image [3, H, W], got ",
            image.defined() ? image.describe() : std::string("an undefined tensor"));
  const std::vector<float> v = image.to_vector();
  const size_t plane = v.size() / 3;
  std::vector<double> h((size_t)(bins * bins * bins), 0.0);
  auto bin = [bins](float x) {
    const float c = std::min(1.0f, std::max(0.0f, x));
    return std::min((int)std::floor(c * (float)bins), bins - 1);
  };
  for (size_t i = 0; i < plane; ++i)
    h[(size_t)((bin(v[i]) * bins + bin(v[plane + i])) * bins + bin(v[2 * plane + i]))] += 1.0;
  for (double& x : h) x /= (double)plane;
  return h;
}

double colour_distance(const Tensor& a, const Tensor& b, int bins) {
  const std::vector<double> ha = colour_histogram(a, bins), hb = colour_histogram(b, bins);
  double d = 0;
  for (size_t i = 0; i < ha.size(); ++i) d += std::fabs(ha[i] - hb[i]);
  return 0.5 * d;
}

DistanceMatrix colour_distances(const Tensor& images, int bins) {
  SYN_CHECK(images.defined() && images.dim() == 4,
            "colour distances: expected images [N, 3, H, W]");
  const int64_t n = images.size(0);
  std::vector<Tensor> one;
  for (int64_t i = 0; i < n; ++i)
    one.push_back(ops::reshape(ops::slice(images, 0, i, i + 1),
                               {images.size(1), images.size(2), images.size(3)}));
  DistanceMatrix d((size_t)n, std::vector<double>((size_t)n, 0.0));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      d[(size_t)i][(size_t)j] = d[(size_t)j][(size_t)i] = colour_distance(one[i], one[j], bins);
  return d;
}

double cosine_distance(const std::vector<float>& a, const std::vector<float>& b) {
  SYN_CHECK(a.size() == b.size(), "cosine distance: vectors of ", a.size(), " and ", b.size(),
            " values");
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i)
    ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
  if (aa == 0 || bb == 0) return 1.0;
  return 1.0 - ab / std::sqrt(aa * bb);
}

DistanceMatrix content_distances(const Tensor& features) {
  SYN_CHECK(features.defined() && features.dim() == 2,
            "content distances: expected features [N, D]");
  const int64_t n = features.size(0), D = features.size(1);
  const std::vector<float> f = features.to_vector();
  std::vector<std::vector<float>> rows;
  for (int64_t i = 0; i < n; ++i) rows.emplace_back(f.begin() + i * D, f.begin() + (i + 1) * D);
  DistanceMatrix d((size_t)n, std::vector<double>((size_t)n, 0.0));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      d[(size_t)i][(size_t)j] = d[(size_t)j][(size_t)i] =
          cosine_distance(rows[(size_t)i], rows[(size_t)j]);
  return d;
}

}  // namespace syn::app
