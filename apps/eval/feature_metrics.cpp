// feature_metrics.cpp — see feature_metrics.h.
#include "apps/eval/feature_metrics.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"
#include "engine/parallel.h"

namespace syn::quality {

namespace {

void check_rows(const Tensor& t, const char* what) {
  SYN_CHECK(t.dim() == 2, what, ": expected features [N, D], got ", t.describe());
}

}  // namespace

NearestResult nearest_features(const Tensor& features, const Tensor& reference) {
  check_rows(features, "nearest_features (features)");
  check_rows(reference, "nearest_features (reference)");
  SYN_CHECK(features.size(1) == reference.size(1), "nearest_features: features ",
            features.describe(), " and reference ", reference.describe(), " differ in width");
  SYN_CHECK(reference.size(0) > 0, "nearest_features: the reference set is empty");
  const int64_t N = features.size(0), M = reference.size(0), D = features.size(1);
  const std::vector<float> a = features.to_vector(), b = reference.to_vector();
  NearestResult r;
  r.index.assign((size_t)N, -1);
  r.distance.assign((size_t)N, 0.0);
  parallel_for(N, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      double best = INFINITY;
      int64_t best_j = 0;
      for (int64_t j = 0; j < M; ++j) {
        double s = 0.0;
        for (int64_t k = 0; k < D; ++k) {
          const double d = (double)a[(size_t)(i * D + k)] - (double)b[(size_t)(j * D + k)];
          s += d * d;
        }
        if (s < best) {
          best = s;
          best_j = j;
        }
      }
      r.index[(size_t)i] = best_j;
      r.distance[(size_t)i] = std::sqrt(best);
    }
  });
  if (N > 0) {
    r.mean_distance = mean_of(r.distance);
    r.min_distance = *std::min_element(r.distance.begin(), r.distance.end());
    r.max_distance = *std::max_element(r.distance.begin(), r.distance.end());
  }
  return r;
}

double mean_pairwise_distance(const Tensor& features) {
  check_rows(features, "mean_pairwise_distance");
  const int64_t K = features.size(0), D = features.size(1);
  SYN_CHECK(K >= 2, "mean_pairwise_distance: needs at least 2 rows, got ", K);
  const std::vector<float> x = features.to_vector();
  double sum = 0.0;
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = i + 1; j < K; ++j) {
      double s = 0.0;
      for (int64_t k = 0; k < D; ++k) {
        const double d = (double)x[(size_t)(i * D + k)] - (double)x[(size_t)(j * D + k)];
        s += d * d;
      }
      sum += std::sqrt(s);
    }
  return sum / (double)(K * (K - 1) / 2);
}

std::vector<double> row_dots(const Tensor& a, const Tensor& b) {
  check_rows(a, "row_dots (a)");
  check_rows(b, "row_dots (b)");
  SYN_CHECK(a.shape() == b.shape(), "row_dots: ", a.describe(), " and ", b.describe(), " differ");
  const int64_t N = a.size(0), D = a.size(1);
  const std::vector<float> x = a.to_vector(), y = b.to_vector();
  std::vector<double> out((size_t)N, 0.0);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t k = 0; k < D; ++k)
      out[(size_t)i] += (double)x[(size_t)(i * D + k)] * (double)y[(size_t)(i * D + k)];
  return out;
}

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  double s = 0.0;
  for (double v : values) s += v;
  return s / (double)values.size();
}

}  // namespace syn::quality
