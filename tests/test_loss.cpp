// test_loss.cpp — l2_normalize, log_softmax, cross_entropy, bce_with_logits, nt_xent: numerical
// stability on extreme logits, nt_xent's invariances and known values, and the errors.
// (Gradients vs finite differences and values and gradients vs PyTorch, tests/reference/
// gen_loss.py, are op cases: tests/support/op_cases_loss.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/loss.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

bool all_finite(const Tensor& t) {
  for (float v : t.to_vector())
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

// -------------------------------------------------------------------------- properties

TEST_CASE("logits far beyond exp's range stay finite") {
  Tensor x =
      Tensor::from_vector({1e4f, -1e4f, 0.0f, 3e4f, 3e4f, -3e4f}, {2, 3}).set_requires_grad();
  Tensor y = ops::log_softmax(x);
  CHECK(all_finite(y));
  CHECK(y.to_vector()[0] == 0.0f);                              // the max takes all the mass
  CHECK(y.to_vector()[3] == doctest::Approx(-std::log(2.0f)));  // two equal maxima
  Tensor ce = ops::cross_entropy(x, {1, 2});
  // rows: 1e4 - (-1e4) and (3e4 + log 2) - (-3e4); computed without overflow or cancellation
  CHECK(ce.item() == doctest::Approx(4e4 + std::log(2.0) / 2));
  ce.backward();
  CHECK(all_finite(x.grad()));

  // large but close logits: the softmax of [0, -1, -2] to full fp32 precision (a logsumexp
  // rounded to fp32 near 1e4 would lose ~1e-3 of it)
  Tensor big = Tensor::from_vector({1e4f, 1e4f - 1, 1e4f - 2}, {1, 3}).set_requires_grad();
  ops::cross_entropy(big, {2}).backward();
  double z = 1 + std::exp(-1.0) + std::exp(-2.0);
  test::check_close(
      big.grad(),
      Tensor::from_vector(
          {(float)(1 / z), (float)(std::exp(-1.0) / z), (float)(std::exp(-2.0) / z - 1)}, {1, 3}),
      "softmax of large logits", 1e-6f, 1e-7f);

  Tensor b = Tensor::from_vector({1e4f, -1e4f, 1e4f, -1e4f}, {4}).set_requires_grad();
  Tensor tb = Tensor::from_vector({1.0f, 0.0f, 0.0f, 1.0f}, {4});
  Tensor l = ops::bce_with_logits(b, tb);
  CHECK(l.item() == doctest::Approx(5e3f));  // (0 + 0 + 1e4 + 1e4) / 4
  l.backward();
  std::vector<float> g = b.grad().to_vector();
  CHECK(g == std::vector<float>{0.0f, 0.0f, 0.25f, -0.25f});
}

TEST_CASE("nt_xent: scale invariance and known values") {
  Rng rng(3);
  Tensor z = Tensor::randn({8, 6}, rng);
  float base = ops::nt_xent(z, 0.5f).item();
  CHECK(ops::nt_xent(ops::scale(z, 7.0f), 0.5f).item() == doctest::Approx(base).epsilon(1e-5));
  // all rows identical: every similarity is 1/t, so each row's loss is log(2N - 1)
  Tensor same = Tensor::full({8, 6}, 0.3f);
  CHECK(ops::nt_xent(same, 0.1f).item() == doctest::Approx(std::log(7.0)).epsilon(1e-5));
  // two examples along orthogonal axes, each view equal to its partner: row i's positive has
  // similarity 1 and its two negatives 0, so every row's loss is log(e^{1/t} + 2) - 1/t
  Tensor orth = Tensor::from_vector({1, 0, 0, 1, 1, 0, 0, 1}, {4, 2});
  double t = 0.5, expect = std::log(std::exp(1 / t) + 2.0) - 1 / t;
  CHECK(ops::nt_xent(orth, (float)t).item() == doctest::Approx(expect).epsilon(1e-5));
  // a zero row is floored at eps (no NaN), as torch.nn.CosineSimilarity does
  std::vector<float> wz = Tensor::randn({4, 3}, rng).to_vector();
  wz[0] = wz[1] = wz[2] = 0.0f;
  Tensor zr = Tensor::from_vector(wz, {4, 3}).set_requires_grad();
  Tensor lz = ops::nt_xent(zr, 0.5f);
  lz.backward();
  CHECK(all_finite(lz));
  CHECK(all_finite(zr.grad()));
}

TEST_CASE("loss ops: clear errors") {
  Tensor l = Tensor::zeros({3, 4});
  CHECK_THROWS_WITH_AS(ops::cross_entropy(l, {0, 4, 1}), doctest::Contains("target 4 at row 1"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::cross_entropy(l, {0, -1, 1}), doctest::Contains("target -1"), Error);
  CHECK_THROWS_WITH_AS(ops::cross_entropy(l, {0, 1}), doctest::Contains("2 targets"), Error);
  CHECK_THROWS_WITH_AS(ops::cross_entropy(Tensor::zeros({3}), {0}), doctest::Contains("[N, C]"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::bce_with_logits(l, Tensor::zeros({4, 3})),
                       doctest::Contains("differ in shape"), Error);
  CHECK_THROWS_WITH_AS(ops::nt_xent(Tensor::zeros({5, 4}), 0.5f), doctest::Contains("even number"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::nt_xent(Tensor::zeros({8}), 0.5f), doctest::Contains("[2N, D]"), Error);
  CHECK_THROWS_WITH_AS(ops::nt_xent(Tensor::zeros({4, 4}), 0.0f), doctest::Contains("temperature"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::nt_xent(Tensor::zeros({4, 2}), -0.5f),
                       doctest::Contains("temperature must be positive"), Error);
  CHECK_THROWS_WITH_AS(ops::log_softmax(Tensor::zeros({3, 0})), doctest::Contains("empty"), Error);
}
