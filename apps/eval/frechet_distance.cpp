// frechet_distance.cpp — see frechet_distance.h.
#include "apps/eval/frechet_distance.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/check.h"

namespace syn::quality {

Gaussian fit_gaussian(const Tensor& features, const char* what) {
  SYN_CHECK(features.dim() == 2, what, ": expected features [N, D], got ", features.describe());
  const int64_t N = features.size(0), D = features.size(1);
  SYN_CHECK(N >= 2, what, ": a covariance needs at least 2 feature vectors, got ", N);
  SYN_CHECK(D >= 1, what, ": the features have no dimension");
  const std::vector<float> x = features.to_vector();
  Gaussian g;
  g.dim = D;
  g.count = N;
  g.mean.assign((size_t)D, 0.0);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t d = 0; d < D; ++d) g.mean[(size_t)d] += x[(size_t)(i * D + d)];
  for (double& m : g.mean) m /= (double)N;
  g.cov.assign((size_t)(D * D), 0.0);
  std::vector<double> c((size_t)D);
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t d = 0; d < D; ++d) c[(size_t)d] = x[(size_t)(i * D + d)] - g.mean[(size_t)d];
    for (int64_t r = 0; r < D; ++r)
      for (int64_t k = r; k < D; ++k) g.cov[(size_t)(r * D + k)] += c[(size_t)r] * c[(size_t)k];
  }
  for (int64_t r = 0; r < D; ++r)
    for (int64_t k = r; k < D; ++k) {
      const double v = g.cov[(size_t)(r * D + k)] / (double)(N - 1);
      g.cov[(size_t)(r * D + k)] = v;
      g.cov[(size_t)(k * D + r)] = v;
    }
  return g;
}

void symmetric_eigen(const std::vector<double>& input, int64_t n, std::vector<double>* values,
                     std::vector<double>* vectors) {
  SYN_CHECK(n >= 1 && (int64_t)input.size() == n * n, "symmetric_eigen: ", input.size(),
            " values for a ", n, "x", n, " matrix");
  std::vector<double> a = input;
  // Symmetrise exactly: the rotations below read only one triangle's worth of each pair.
  for (int64_t r = 0; r < n; ++r)
    for (int64_t k = r + 1; k < n; ++k) {
      const double m = 0.5 * (a[(size_t)(r * n + k)] + a[(size_t)(k * n + r)]);
      a[(size_t)(r * n + k)] = a[(size_t)(k * n + r)] = m;
    }
  std::vector<double> v((size_t)(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) v[(size_t)(i * n + i)] = 1.0;
  auto at = [&](int64_t r, int64_t k) -> double& { return a[(size_t)(r * n + k)]; };
  double total = 0.0;
  for (double x : a) total += x * x;
  // Cyclic Jacobi: each rotation zeroes one off-diagonal pair; sweeps until the off-diagonal
  // mass is round-off (converges quadratically; 50 sweeps is far beyond what 64x64 needs).
  for (int sweep = 0; sweep < 50; ++sweep) {
    double off = 0.0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) off += at(p, q) * at(p, q);
    if (off == 0.0 || off <= 1e-30 * total) break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = at(p, q);
        if (apq == 0.0) continue;
        // Rotation angle φ with tan φ = t, the smaller root of t² + 2θt − 1 = 0, so that the
        // rotated (p, q) entry (c² − s²)·a_pq + cs·(a_pp − a_qq) is zero.
        const double theta = (at(q, q) - at(p, p)) / (2.0 * apq);
        const double t =
            std::abs(theta) > 1e150
                ? 0.5 / theta
                : (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int64_t k = 0; k < n; ++k) {  // A ← A·J (columns p and q)
          const double kp = at(k, p), kq = at(k, q);
          at(k, p) = c * kp - s * kq;
          at(k, q) = s * kp + c * kq;
        }
        for (int64_t k = 0; k < n; ++k) {  // A ← Jᵀ·A (rows p and q)
          const double pk = at(p, k), qk = at(q, k);
          at(p, k) = c * pk - s * qk;
          at(q, k) = s * pk + c * qk;
        }
        at(p, q) = at(q, p) = 0.0;
        for (int64_t k = 0; k < n; ++k) {  // V ← V·J
          const double kp = v[(size_t)(k * n + p)], kq = v[(size_t)(k * n + q)];
          v[(size_t)(k * n + p)] = c * kp - s * kq;
          v[(size_t)(k * n + q)] = s * kp + c * kq;
        }
      }
  }
  std::vector<int64_t> order((size_t)n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return at(x, x) < at(y, y); });
  values->assign((size_t)n, 0.0);
  vectors->assign((size_t)(n * n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    (*values)[(size_t)j] = at(order[(size_t)j], order[(size_t)j]);
    for (int64_t k = 0; k < n; ++k)
      (*vectors)[(size_t)(k * n + j)] = v[(size_t)(k * n + order[(size_t)j])];
  }
}

std::vector<double> symmetric_sqrt(const std::vector<double>& a, int64_t n) {
  std::vector<double> lambda, v;
  symmetric_eigen(a, n, &lambda, &v);
  std::vector<double> out((size_t)(n * n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    const double r = std::sqrt(std::max(lambda[(size_t)j], 0.0));
    if (r == 0.0) continue;
    for (int64_t i = 0; i < n; ++i) {
      const double vi = v[(size_t)(i * n + j)] * r;
      for (int64_t k = 0; k < n; ++k) out[(size_t)(i * n + k)] += vi * v[(size_t)(k * n + j)];
    }
  }
  return out;
}

namespace {

// c = a · b for n x n row-major matrices.
std::vector<double> matmul(const std::vector<double>& a, const std::vector<double>& b, int64_t n) {
  std::vector<double> c((size_t)(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k) {
      const double aik = a[(size_t)(i * n + k)];
      if (aik == 0.0) continue;
      for (int64_t j = 0; j < n; ++j) c[(size_t)(i * n + j)] += aik * b[(size_t)(k * n + j)];
    }
  return c;
}

}  // namespace

double frechet_distance(const Gaussian& a, const Gaussian& b) {
  SYN_CHECK(a.dim == b.dim && a.dim > 0, "frechet_distance: feature dimensions ", a.dim, " and ",
            b.dim, " differ");
  const int64_t n = a.dim;
  double mean_term = 0.0, trace = 0.0;
  for (int64_t d = 0; d < n; ++d) {
    const double diff = a.mean[(size_t)d] - b.mean[(size_t)d];
    mean_term += diff * diff;
    trace += a.cov[(size_t)(d * n + d)] + b.cov[(size_t)(d * n + d)];
  }
  const std::vector<double> root_a = symmetric_sqrt(a.cov, n);
  const std::vector<double> m = matmul(matmul(root_a, b.cov, n), root_a, n);
  std::vector<double> lambda, v;
  symmetric_eigen(m, n, &lambda, &v);
  double cross = 0.0;
  for (double l : lambda) cross += std::sqrt(std::max(l, 0.0));
  return std::max(0.0, mean_term + trace - 2.0 * cross);
}

double frechet_distance(const Tensor& features_a, const Tensor& features_b) {
  return frechet_distance(fit_gaussian(features_a, "frechet_distance (first set)"),
                          fit_gaussian(features_b, "frechet_distance (second set)"));
}

}  // namespace syn::quality
