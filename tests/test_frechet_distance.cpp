// test_frechet_distance.cpp — our FID's Fréchet distance (apps/eval/frechet_distance.h): against
// pytorch-fid's formula in numpy/scipy (fixture: tests/reference/gen_frechet.py), its identities
// (FD(X, X) = 0; shifting one set by c adds |c|²), and the symmetric eigen-decomposition and
// square root it rests on.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/eval/frechet_distance.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;
using namespace syn::quality;

namespace {

double meta_double(const Checkpoint& fx, const std::string& key) {
  auto it = fx.meta.find(key);
  REQUIRE_MESSAGE(it != fx.meta.end(), "fixture has no meta '", key, "'");
  return std::stod(it->second);
}

// n x n matrix product (row-major).
std::vector<double> mul(const std::vector<double>& a, const std::vector<double>& b, int64_t n) {
  std::vector<double> c((size_t)(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < n; ++j)
        c[(size_t)(i * n + j)] += a[(size_t)(i * n + k)] * b[(size_t)(k * n + j)];
  return c;
}

Tensor correlated(int64_t n, int64_t d, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x((size_t)(n * d));
  for (int64_t i = 0; i < n; ++i) {
    double carry = 0.0;
    for (int64_t k = 0; k < d; ++k) {
      carry = 0.6 * carry + rng.normal();
      x[(size_t)(i * d + k)] = (float)(carry + 0.1 * (double)k);
    }
  }
  return Tensor::from_vector(x, {n, d});
}

}  // namespace

TEST_CASE("frechet distance: numpy/scipy's answers (pytorch-fid's formula)") {
  Checkpoint fx = test::load_fixture("frechet");
  for (const char* c : {"small", "wide", "unit", "rank_deficient"}) {
    CAPTURE(c);
    const std::string name = c;
    const double ours = frechet_distance(test::fixture_tensor(fx, name + ".a"),
                                         test::fixture_tensor(fx, name + ".b"));
    const double scipy = meta_double(fx, name + ".fd"), eigh = meta_double(fx, name + ".fd_eigh");
    // The inputs are the same float32 numbers; everything after is float64 on both sides.
    CHECK(std::abs(ours - eigh) <= 1e-7 * std::max(1.0, eigh));
    CHECK(std::abs(ours - scipy) <= 1e-6 * std::max(1.0, scipy));
  }
}

TEST_CASE("frechet distance: FD(X, X) = 0 and a shift by c adds |c|^2") {
  const int64_t n = 120, d = 16;
  Tensor x = correlated(n, d, 1);
  CHECK(frechet_distance(x, x) < 1e-8);
  std::vector<float> shifted = x.to_vector();
  double c2 = 0.0;
  for (int64_t k = 0; k < d; ++k) {
    const double c = 0.25 * (double)(k % 5) - 0.4;
    c2 += (double)(float)c * (double)(float)c;
    for (int64_t i = 0; i < n; ++i) shifted[(size_t)(i * d + k)] += (float)c;
  }
  const double fd = frechet_distance(x, Tensor::from_vector(shifted, {n, d}));
  CHECK(fd == doctest::Approx(c2).epsilon(1e-4));
  // Symmetric in its two sets, and larger for a set of another spread.
  Tensor y = correlated(90, d, 2);
  CHECK(frechet_distance(x, y) == doctest::Approx(frechet_distance(y, x)).epsilon(1e-9));
  std::vector<float> wide = y.to_vector();
  for (float& v : wide) v *= 3.0f;
  CHECK(frechet_distance(x, Tensor::from_vector(wide, {90, d})) > frechet_distance(x, y));
}

TEST_CASE("frechet distance: the Gaussian fit is numpy's mean and unbiased covariance") {
  Gaussian g = fit_gaussian(Tensor::from_vector({1, 2, 3, 6, 5, 10}, {3, 2}));
  CHECK(g.mean[0] == doctest::Approx(3.0));
  CHECK(g.mean[1] == doctest::Approx(6.0));
  CHECK(g.cov[0] == doctest::Approx(4.0));   // ((-2)^2 + 0 + 2^2) / 2
  CHECK(g.cov[3] == doctest::Approx(16.0));  // ((-4)^2 + 0 + 4^2) / 2
  CHECK(g.cov[1] == doctest::Approx(8.0));
  CHECK(g.cov[2] == doctest::Approx(8.0));
  CHECK_THROWS_WITH_AS(fit_gaussian(Tensor::from_vector({1, 2}, {1, 2}), "generated"),
                       doctest::Contains("generated: a covariance needs at least 2"), Error);
  CHECK_THROWS_AS(frechet_distance(Tensor::zeros({3, 2}), Tensor::zeros({3, 4})), Error);
}

TEST_CASE("frechet distance: symmetric eigen-decomposition and square root") {
  // Known spectrum: [[2, 1], [1, 2]] has eigenvalues 1 and 3.
  std::vector<double> values, vectors;
  symmetric_eigen({2, 1, 1, 2}, 2, &values, &vectors);
  CHECK(values[0] == doctest::Approx(1.0));
  CHECK(values[1] == doctest::Approx(3.0));
  CHECK(std::abs(vectors[0]) == doctest::Approx(std::sqrt(0.5)));
  // A random symmetric positive semi-definite matrix of rank 5 in 12 dimensions.
  const int64_t n = 12;
  Rng rng(7);
  std::vector<double> b((size_t)(n * 5)), a((size_t)(n * n), 0.0);
  for (double& v : b) v = rng.normal();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t k = 0; k < 5; ++k)
        a[(size_t)(i * n + j)] += b[(size_t)(i * 5 + k)] * b[(size_t)(j * 5 + k)];
  symmetric_eigen(a, n, &values, &vectors);
  for (int64_t j = 1; j < n; ++j) CHECK(values[(size_t)j] >= values[(size_t)(j - 1)]);
  for (int64_t j = 0; j < n - 5; ++j) CHECK(std::abs(values[(size_t)j]) < 1e-9);
  // V diag(λ) Vᵀ = A and VᵀV = I.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double r = 0.0, o = 0.0;
      for (int64_t k = 0; k < n; ++k) {
        r += vectors[(size_t)(i * n + k)] * values[(size_t)k] * vectors[(size_t)(j * n + k)];
        o += vectors[(size_t)(k * n + i)] * vectors[(size_t)(k * n + j)];
      }
      CHECK(r == doctest::Approx(a[(size_t)(i * n + j)]).scale(1).epsilon(1e-9));
      CHECK(o == doctest::Approx(i == j ? 1.0 : 0.0).scale(1).epsilon(1e-12));
    }
  const std::vector<double> root = symmetric_sqrt(a, n);
  const std::vector<double> back = mul(root, root, n);
  for (size_t i = 0; i < back.size(); ++i)
    CHECK(back[i] == doctest::Approx(a[i]).scale(1).epsilon(1e-9));
}
