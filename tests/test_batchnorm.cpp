// test_batchnorm.cpp — batchnorm1d: a float64 reference on longer rows (the blocked accumulation
// path), the running statistics' unbiased variance, accuracy under a large mean, and the errors.
// (Finite differences and the PyTorch fixtures are op cases: tests/support/op_cases_norm.cpp,
// run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/batchnorm.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

Tensor param(const Shape& s, Rng& rng, float stddev = 1.0f, float offset = 0.0f) {
  std::vector<float> v((size_t)shape_numel(s));
  for (float& x : v) x = offset + stddev * rng.normal();
  return Tensor::from_vector(v, s).set_requires_grad();
}

// Forward and backward of training-mode batch norm in double, x [B, C, L].
struct Reference {
  std::vector<double> y, dx, dw, db, mean, var;
};
Reference reference(const std::vector<float>& x, const std::vector<float>& w,
                    const std::vector<float>& b, const std::vector<float>& dy, int64_t B, int64_t C,
                    int64_t L, double eps) {
  Reference r;
  r.y.resize(x.size()), r.dx.resize(x.size());
  r.dw.assign(C, 0), r.db.assign(C, 0), r.mean.assign(C, 0), r.var.assign(C, 0);
  const double N = (double)(B * L);
  auto at = [&](int64_t bi, int64_t c, int64_t l) { return (size_t)((bi * C + c) * L + l); };
  for (int64_t c = 0; c < C; ++c) {
    double m = 0, v = 0;
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t l = 0; l < L; ++l) m += x[at(bi, c, l)];
    m /= N;
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t l = 0; l < L; ++l) v += (x[at(bi, c, l)] - m) * (x[at(bi, c, l)] - m);
    v /= N;
    double is = 1.0 / std::sqrt(v + eps), sdy = 0, sdyh = 0;
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t l = 0; l < L; ++l) {
        size_t i = at(bi, c, l);
        double h = (x[i] - m) * is;
        r.y[i] = h * w[c] + b[c];
        sdy += dy[i];
        sdyh += dy[i] * h;
      }
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t l = 0; l < L; ++l) {
        size_t i = at(bi, c, l);
        double h = (x[i] - m) * is;
        r.dx[i] = w[c] * is * (dy[i] - sdy / N - h * sdyh / N);
      }
    r.dw[c] = sdyh, r.db[c] = sdy, r.mean[c] = m, r.var[c] = v;
  }
  return r;
}

Tensor from_double(const std::vector<double>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), s);
}

}  // namespace

TEST_CASE("batchnorm1d running statistics use the unbiased batch variance") {
  Tensor x =
      Tensor::from_vector({1, 2, 3, 4}, {2, 1, 2});  // mean 2.5, var 1.25 biased, 5/3 unbiased
  Tensor rm = Tensor::zeros({1}), rv = Tensor::full({1}, 1.0f);
  Tensor y = ops::batchnorm1d(x, Tensor(), Tensor(), rm, rv, true, 0.1f, 0.0f);
  CHECK(rm.item() == doctest::Approx(0.25).epsilon(1e-6));
  CHECK(rv.item() == doctest::Approx(0.9 + 0.1 * 5.0 / 3.0).epsilon(1e-6));
  std::vector<float> v = y.to_vector();
  CHECK(v[0] == doctest::Approx(-1.5 / std::sqrt(1.25)).epsilon(1e-6));
  CHECK(v[3] == doctest::Approx(1.5 / std::sqrt(1.25)).epsilon(1e-6));
  // running statistics may be omitted in training (track_running_stats=False)
  Tensor y2 = ops::batchnorm1d(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1f, 0.0f);
  CHECK(y2.to_vector() == v);
}

TEST_CASE("batchnorm1d on long rows matches a float64 reference") {
  // L = 1237: several 512-value blocks and a ragged tail in the CPU kernel's accumulation.
  const int64_t B = 3, C = 5, L = 1237;
  Rng rng(13);
  Tensor x = param({B, C, L}, rng, 2.0f, 0.5f), w = param({C}, rng, 0.5f, 1.0f),
         b = param({C}, rng);
  Tensor dy = Tensor::randn({B, C, L}, rng);
  Tensor rm = Tensor::zeros({C}), rv = Tensor::full({C}, 1.0f);
  Tensor y = ops::batchnorm1d(x, w, b, rm, rv, true);
  y.backward(dy);
  Reference r =
      reference(x.to_vector(), w.to_vector(), b.to_vector(), dy.to_vector(), B, C, L, 1e-5);
  test::check_close(y, from_double(r.y, {B, C, L}), "y", 1e-4f, 1e-5f);
  test::check_close(x.grad(), from_double(r.dx, {B, C, L}), "dx", 1e-4f, 1e-5f);
  // sums over 3711 values: atol scaled to sqrt(N) * fp32 rounding of O(1) terms
  test::check_close(w.grad(), from_double(r.dw, {C}), "dweight", 1e-4f, 1e-4f);
  test::check_close(b.grad(), from_double(r.db, {C}), "dbias", 1e-4f, 1e-4f);
  std::vector<double> rm_ref(C), rv_ref(C);
  for (int64_t c = 0; c < C; ++c) {
    rm_ref[c] = 0.1 * r.mean[c];
    rv_ref[c] = 0.9 + 0.1 * r.var[c] * (B * L) / (B * L - 1.0);
  }
  test::check_close(rm, from_double(rm_ref, {C}), "running_mean", 1e-5f, 1e-6f);
  test::check_close(rv, from_double(rv_ref, {C}), "running_var", 1e-5f, 1e-6f);
}

TEST_CASE("batchnorm1d statistics survive a large mean") {
  // |mean| / std = 1e4: a naive fp32 E[x^2] - E[x]^2 would lose the variance entirely.
  const int64_t B = 4, C = 2, L = 3000;
  Rng rng(14);
  Tensor x = param({B, C, L}, rng, 1.0f, 10000.0f);
  Tensor rm = Tensor::zeros({C}), rv = Tensor::zeros({C});
  Tensor y = ops::batchnorm1d(x, Tensor(), Tensor(), rm, rv, true, 1.0f);
  Reference r =
      reference(x.to_vector(), {1, 1}, {0, 0}, std::vector<float>(x.numel(), 0.0f), B, C, L, 1e-5);
  // fp32 x - mean near 1e4 is exact to ~1e-3 absolute (ulp of 1e4), so 2e-3 on O(1) outputs
  test::check_close(y, from_double(r.y, {B, C, L}), "y", 0.0f, 2e-3f);
  for (int64_t c = 0; c < C; ++c) {
    CHECK(rv.to_vector()[c] == doctest::Approx(r.var[c] * (B * L) / (B * L - 1.0)).epsilon(1e-4));
    CHECK(rm.to_vector()[c] == doctest::Approx(r.mean[c]).epsilon(1e-7));
  }
}

TEST_CASE("batchnorm1d errors name the op and the shapes") {
  Tensor x = Tensor::zeros({2, 3, 4});
  Tensor rm = Tensor::zeros({3}), rv = Tensor::full({3}, 1.0f);
  CHECK_THROWS_WITH_AS(ops::batchnorm1d(x, Tensor::zeros({4}), Tensor(), rm, rv, true),
                       doctest::Contains("batchnorm1d: weight must be [3] for x [2, 3, 4]"), Error);
  CHECK_THROWS_WITH_AS(
      ops::batchnorm1d(Tensor::zeros({2, 3, 4, 5}), Tensor(), Tensor(), rm, rv, true),
      doctest::Contains("[2, 3, 4, 5]"), Error);
  CHECK_THROWS_WITH_AS(ops::batchnorm1d(x, Tensor(), Tensor(), Tensor(), Tensor(), false),
                       doctest::Contains("running statistics"), Error);
  CHECK_THROWS_WITH_AS(ops::batchnorm1d(Tensor::zeros({1, 3}), Tensor(), Tensor(), rm, rv, true),
                       doctest::Contains("more than one value per channel"), Error);
  CHECK_THROWS_WITH_AS(ops::batchnorm1d(x, Tensor(), Tensor(), rm, Tensor(), true),
                       doctest::Contains("both"), Error);
}
