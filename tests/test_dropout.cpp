// test_dropout.cpp — dropout: identity in evaluation / p = 0, zeros at p = 1, the zeroed fraction
// and the mean on 100k elements, determinism given the Rng, and a backward that applies exactly
// the forward's mask. (Finite differences with a fixed mask are an op case:
// tests/support/op_cases_shape.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/dropout.h"
#include "engine/rng.h"

using namespace syn;

TEST_CASE("dropout is the identity in evaluation and at p = 0") {
  Rng rng(31);
  Tensor x = Tensor::randn({4, 5}, rng).set_requires_grad();
  auto state = rng.state();
  CHECK(ops::dropout(x, 0.5f, false, rng).data() == x.data());
  CHECK(ops::dropout(x, 0.0f, true, rng).data() == x.data());
  CHECK(rng.state() == state);  // no draw consumed
}

TEST_CASE("dropout with p = 1 gives zeros and a zero gradient") {
  Rng rng(32);
  Tensor x = Tensor::randn({3, 7}, rng).set_requires_grad();
  Tensor y = ops::dropout(x, 1.0f, true, rng);
  for (float v : y.to_vector()) CHECK(v == 0.0f);
  y.backward(Tensor::full({3, 7}, 1.0f));
  for (float v : x.grad().to_vector()) CHECK(v == 0.0f);
}

TEST_CASE("dropout zeroes a fraction p and preserves the mean") {
  const int64_t n = 100000;
  Rng rng(33);
  for (float p : {0.1f, 0.3f, 0.5f, 0.9f}) {
    CAPTURE(p);
    Tensor x = Tensor::full({n}, 1.0f);
    std::vector<float> y = ops::dropout(x, p, true, rng).to_vector();
    int64_t zeros = 0, other = 0;
    double sum = 0;
    const float scale = 1.0f / (1.0f - p);
    for (float v : y) {
      zeros += v == 0.0f;
      other += v != 0.0f && v != scale;  // survivors are scaled by exactly 1/(1-p)
      sum += v;
    }
    CHECK(other == 0);
    // Binomial: std of the fraction is sqrt(p(1-p)/n) <= 0.0016; of the mean,
    // sqrt(p/(1-p)/n) <= 0.0095 (p = 0.9). Margins are ~4-5 standard deviations.
    CHECK(std::fabs((double)zeros / n - p) < 0.007);
    CHECK(std::fabs(sum / n - 1.0) < 5.0 * std::sqrt(p / (1.0 - p) / n));
  }
}

TEST_CASE("dropout is deterministic given the Rng") {
  Tensor x = Tensor::full({1000}, 2.0f);
  Rng a(34), b(34), c(35);
  std::vector<float> ya = ops::dropout(x, 0.5f, true, a).to_vector();
  CHECK(ops::dropout(x, 0.5f, true, b).to_vector() == ya);
  CHECK(ops::dropout(x, 0.5f, true, c).to_vector() != ya);
  // the Rng advanced: a second call draws a new mask
  CHECK(ops::dropout(x, 0.5f, true, a).to_vector() != ya);
}

TEST_CASE("dropout's backward applies the forward's mask exactly") {
  Rng rng(36);
  Tensor x = Tensor::uniform({50, 40}, rng, 0.5f, 2.0f).set_requires_grad();  // no zeros in x
  const float p = 0.35f, scale = 1.0f / (1.0f - p);
  Tensor y = ops::dropout(x, p, true, rng);
  y.backward(Tensor::full({50, 40}, 1.0f));
  std::vector<float> xv = x.to_vector(), yv = y.to_vector(), g = x.grad().to_vector();
  int64_t dropped = 0, bad = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    bad += !(g[i] == 0.0f || g[i] == scale);
    bad += (g[i] == 0.0f) != (yv[i] == 0.0f);  // the same elements are dropped
    bad += yv[i] != xv[i] * g[i];              // y = x * mask, dx = 1 * mask
    dropped += g[i] == 0.0f;
  }
  CHECK(bad == 0);
  CHECK(dropped > 0);
  CHECK(dropped < (int64_t)g.size());
  // and with a non-trivial upstream gradient, dx = dy * mask
  x.zero_grad();
  Tensor y2 = ops::dropout(x, p, true, rng);
  Tensor dy = Tensor::randn({50, 40}, rng);
  y2.backward(dy);
  std::vector<float> y2v = y2.to_vector(), dyv = dy.to_vector(), g2 = x.grad().to_vector();
  int64_t bad2 = 0;
  for (size_t i = 0; i < g2.size(); ++i) {
    float mask = y2v[i] == 0.0f ? 0.0f : scale;
    bad2 += g2[i] != dyv[i] * mask;
  }
  CHECK(bad2 == 0);
}

TEST_CASE("dropout's mask generator is uniform in [0, 1) and counter-based") {
  CHECK(dropout_uniform(7, 3) == dropout_uniform(7, 3));
  CHECK(dropout_uniform(7, 3) != dropout_uniform(7, 4));
  double s = 0;
  for (int64_t i = 0; i < 10000; ++i) {
    float u = dropout_uniform(123, i);
    REQUIRE((u >= 0.0f && u < 1.0f));
    s += u;
  }
  CHECK(std::fabs(s / 10000 - 0.5) < 0.015);  // std of the mean: 0.0029
}

TEST_CASE("dropout errors name the op") {
  Rng rng(38);
  Tensor x = Tensor::zeros({2, 2});
  CHECK_THROWS_WITH_AS(ops::dropout(x, -0.1f, true, rng), doctest::Contains("dropout: probability"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::dropout(x, 1.5f, true, rng), doctest::Contains("[2, 2]"), Error);
}
