// test_loss.cpp — l2_normalize, log_softmax, cross_entropy, bce_with_logits, nt_xent: gradients
// vs finite differences, values and gradients vs PyTorch (tests/reference/gen_loss.py), numerical
// stability on extreme logits, and the errors.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/loss.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"
#include "tests/support/gradcheck.h"

using namespace syn;

namespace {

Tensor param(const Shape& s, Rng& rng, float stddev = 1.0f) {
  return Tensor::randn(s, rng, stddev).set_requires_grad();
}

std::vector<int64_t> as_indices(const Tensor& t) {
  std::vector<int64_t> out;
  for (float v : t.to_vector()) out.push_back((int64_t)v);
  return out;
}

// A fixture's scalar: synt.py stores 0-d arrays as [1] (np.ascontiguousarray promotes them),
// our losses are shape [].
Tensor fixture_scalar(const Checkpoint& fx, const std::string& key) {
  Tensor t = test::fixture_tensor(fx, key);
  REQUIRE(t.numel() == 1);
  return view_as_shape(t, {});
}

bool all_finite(const Tensor& t) {
  for (float v : t.to_vector())
    if (!std::isfinite(v)) return false;
  return true;
}

// Runs `f` on a fresh leaf copy of `x`, backpropagates `dy` (or 1 for a scalar), returns
// {output, dL/dx}.
template <class F>
std::pair<Tensor, Tensor> run(const Tensor& x, const Tensor& dy, F f) {
  Tensor leaf = x.clone().set_requires_grad();
  Tensor y = f(leaf);
  y.backward(dy);
  return {y, leaf.grad()};
}

}  // namespace

// ------------------------------------------------------------------- finite differences

TEST_CASE("loss ops match finite differences") {
  Rng rng(11);
  SUBCASE("l2_normalize") {
    test::check_gradients([](auto& in) { return ops::l2_normalize(in[0]); }, {param({3, 5}, rng)});
    test::check_gradients([](auto& in) { return ops::l2_normalize(in[0]); },
                          {param({2, 2, 4}, rng)});
    // rows of norm ~0.05 under eps = 0.2: the clamped branch (a plain scaling by 1/eps)
    test::check_gradients([](auto& in) { return ops::l2_normalize(in[0], 0.2f); },
                          {param({2, 4}, rng, 0.025f)});
  }
  SUBCASE("log_softmax") {
    test::check_gradients([](auto& in) { return ops::log_softmax(in[0]); },
                          {param({4, 6}, rng, 2.0f)});
    test::check_gradients([](auto& in) { return ops::log_softmax(in[0]); },
                          {param({2, 3, 5}, rng)});
  }
  SUBCASE("cross_entropy") {
    std::vector<int64_t> t{3, 0, 4, 4, 1};
    test::check_gradients([&](auto& in) { return ops::cross_entropy(in[0], t); },
                          {param({5, 6}, rng, 2.0f)});
  }
  SUBCASE("bce_with_logits") {
    Tensor t = Tensor::uniform({3, 4}, rng, 0.0f, 1.0f);
    test::check_gradients([&](auto& in) { return ops::bce_with_logits(in[0], t); },
                          {param({3, 4}, rng, 2.0f)});
  }
  SUBCASE("nt_xent") {
    test::check_gradients([](auto& in) { return ops::nt_xent(in[0], 0.5f); }, {param({6, 5}, rng)});
    test::check_gradients([](auto& in) { return ops::nt_xent(in[0], 0.2f); }, {param({4, 7}, rng)});
    // one example per view: the positive is the only candidate, the loss is 0 and so is dL/dz
    test::check_gradients([](auto& in) { return ops::nt_xent(in[0], 0.5f); }, {param({2, 3}, rng)});
  }
}

// ------------------------------------------------------------------------ PyTorch fixtures
// Tolerances: fp32 kernels (double accumulation) vs a float64 reference rounded to fp32, so
// forward and gradients agree to a few ulps; rtol 1e-4 with an atol under the smallest
// meaningful magnitude (1e-5 for O(1) values, 1e-6 for the 1/N-scaled loss gradients).

TEST_CASE("l2_normalize matches PyTorch (including the eps clamp)") {
  auto fx = test::load_fixture("loss_l2_normalize");
  float eps = (float)test::fixture_float(fx, "eps");
  auto [y, dx] = run(test::fixture_tensor(fx, "x"), test::fixture_tensor(fx, "dy"),
                     [&](const Tensor& x) { return ops::l2_normalize(x, eps); });
  test::check_close(y, test::fixture_tensor(fx, "y"), "l2_normalize y");
  // the zero row's gradient is dy / 1e-12 (~1e12): compared relatively
  test::check_close(dx, test::fixture_tensor(fx, "dx"), "l2_normalize dx");

  float big = (float)test::fixture_float(fx, "big_eps");
  auto [y2, dx2] =
      run(test::fixture_tensor(fx, "x_big_eps"), test::fixture_tensor(fx, "dy_big_eps"),
          [&](const Tensor& x) { return ops::l2_normalize(x, big); });
  test::check_close(y2, test::fixture_tensor(fx, "y_big_eps"), "l2_normalize y (eps 0.2)");
  test::check_close(dx2, test::fixture_tensor(fx, "dx_big_eps"), "l2_normalize dx (eps 0.2)");
}

TEST_CASE("log_softmax matches PyTorch (including +-50 logits)") {
  auto fx = test::load_fixture("loss_log_softmax");
  for (std::string c : {"normal", "extreme", "rank3"}) {
    CAPTURE(c);
    auto [y, dx] = run(test::fixture_tensor(fx, c + ".x"), test::fixture_tensor(fx, c + ".dy"),
                       [](const Tensor& x) { return ops::log_softmax(x); });
    CHECK(all_finite(y));
    CHECK(all_finite(dx));
    test::check_close(y, test::fixture_tensor(fx, c + ".y"), c + " log_softmax y");
    test::check_close(dx, test::fixture_tensor(fx, c + ".dx"), c + " log_softmax dx");
  }
}

TEST_CASE("cross_entropy matches PyTorch (including +-50 logits)") {
  auto fx = test::load_fixture("loss_cross_entropy");
  for (std::string c : {"normal", "extreme", "one_class"}) {
    CAPTURE(c);
    std::vector<int64_t> t = as_indices(test::fixture_tensor(fx, c + ".targets"));
    auto [loss, dx] = run(test::fixture_tensor(fx, c + ".logits"), Tensor(),
                          [&](const Tensor& x) { return ops::cross_entropy(x, t); });
    CHECK(loss.shape().empty());
    CHECK(all_finite(loss));
    CHECK(all_finite(dx));
    test::check_close(loss, fixture_scalar(fx, c + ".loss"), c + " cross_entropy loss");
    test::check_close(dx, test::fixture_tensor(fx, c + ".grad"), c + " cross_entropy grad", 1e-4f,
                      1e-6f);
  }
}

TEST_CASE("bce_with_logits matches PyTorch (including +-50 logits)") {
  auto fx = test::load_fixture("loss_bce");
  for (std::string c : {"normal", "extreme", "vector"}) {
    CAPTURE(c);
    Tensor t = test::fixture_tensor(fx, c + ".targets");
    auto [loss, dx] = run(test::fixture_tensor(fx, c + ".logits"), Tensor(),
                          [&](const Tensor& x) { return ops::bce_with_logits(x, t); });
    CHECK(all_finite(loss));
    CHECK(all_finite(dx));
    test::check_close(loss, fixture_scalar(fx, c + ".loss"), c + " bce loss");
    test::check_close(dx, test::fixture_tensor(fx, c + ".grad"), c + " bce grad", 1e-4f, 1e-6f);
  }
}

TEST_CASE("nt_xent equals CLMR's NT_Xent, value and gradient") {
  auto fx = test::load_fixture("loss_nt_xent");
  for (std::string c : {"n4_d8_t0.5", "n4_d8_t0.1", "n6_d16_t0.5", "n6_d16_t0.1", "n12_d64_t0.5"}) {
    CAPTURE(c);
    float t = (float)test::fixture_float(fx, c + ".temperature");
    auto [loss, dz] = run(test::fixture_tensor(fx, c + ".z"), Tensor(),
                          [&](const Tensor& z) { return ops::nt_xent(z, t); });
    test::check_close(loss, fixture_scalar(fx, c + ".loss"), c + " nt_xent loss");
    test::check_close(dz, test::fixture_tensor(fx, c + ".grad"), c + " nt_xent grad", 1e-4f, 1e-6f);
  }
}

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
