// test_pool.cpp — maxpool1d: finite differences on well-separated values, PyTorch fixtures
// (kernel 3 stride 3 on an odd length; kernel 2 stride 1 padding 1), tie-breaking, NaN, the
// index buffer's absence without autograd, and the errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/autograd.h"
#include "engine/ops/pool.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"
#include "tests/support/gradcheck.h"

using namespace syn;

// Distinct values 0.1 apart in random order: finite differences (eps 1e-3) never cross a kink.
static Tensor separated(const Shape& s, Rng& rng) {
  std::vector<float> v((size_t)shape_numel(s));
  std::iota(v.begin(), v.end(), 0.0f);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[(size_t)rng.randint((int64_t)i)]);
  for (float& x : v) x = 0.1f * x - 1.0f;
  return Tensor::from_vector(v, s).set_requires_grad();
}

TEST_CASE("maxpool1d matches finite differences") {
  Rng rng(21);
  struct Case {
    Shape s;
    int64_t k, st, p;
  };
  for (Case c : {Case{{2, 2, 10}, 3, 3, 0}, Case{{2, 2, 7}, 2, 1, 1}, Case{{1, 3, 9}, 3, 2, 1},
                 Case{{2, 1, 8}, 4, 0, 2}}) {
    INFO(shape_str(c.s), " k ", c.k, " s ", c.st, " p ", c.p);
    Tensor x = separated(c.s, rng);
    test::check_gradients([&](auto& in) { return ops::maxpool1d(in[0], c.k, c.st, c.p); }, {x});
  }
}

static void check_fixture(const std::string& name) {
  CAPTURE(name);
  auto fx = test::load_fixture(name);
  const int64_t k = test::fixture_int(fx, "kernel"), s = test::fixture_int(fx, "stride"),
                p = test::fixture_int(fx, "padding");
  Tensor x = test::fixture_tensor(fx, "x").clone().set_requires_grad();
  Tensor y = ops::maxpool1d(x, k, s, p);
  // The maximum is a copy of an input value: exact.
  test::check_close(y, test::fixture_tensor(fx, "y"), name + " y", 0.0f, 0.0f);
  y.backward(test::fixture_tensor(fx, "dy"));
  // dx holds one dy, or the fp32 sum of two where windows overlap (float64 in the reference).
  test::check_close(x.grad(), test::fixture_tensor(fx, "dx"), name + " dx", 1e-6f, 1e-7f);
}

TEST_CASE("maxpool1d matches PyTorch") {
  check_fixture("maxpool_k3s3");    // [2, 3, 11] → [2, 3, 3]: the trailing 2 values are dropped
  check_fixture("maxpool_k2s1p1");  // [2, 3, 9] → [2, 3, 10]: overlapping, padded windows
}

TEST_CASE("maxpool1d output length is floor((L + 2p - k) / s) + 1") {
  Tensor x = Tensor::zeros({1, 1, 11});
  CHECK(ops::maxpool1d(x, 3).shape() == Shape{1, 1, 3});
  CHECK(ops::maxpool1d(x, 2, 1, 1).shape() == Shape{1, 1, 12});
  CHECK(ops::maxpool1d(x, 3, 2, 1).shape() == Shape{1, 1, 6});
  CHECK(ops::maxpool1d(Tensor::zeros({2, 3, 19683}), 3).shape() == Shape{2, 3, 6561});
}

TEST_CASE("maxpool1d routes ties to the first maximum, as PyTorch does") {
  Tensor x = Tensor::from_vector({5, 5, 5, 5, 2, 7, 7}, {1, 1, 7}).set_requires_grad();
  Tensor y = ops::maxpool1d(x, 2, 1, 0);  // windows (0,1) (1,2) (2,3) (3,4) (4,5) (5,6)
  CHECK(y.to_vector() == std::vector<float>{5, 5, 5, 5, 7, 7});
  y.backward(Tensor::from_vector({1, 10, 100, 1000, 1, 2}, {1, 1, 6}));
  CHECK(x.grad().to_vector() == std::vector<float>{1, 10, 100, 1000, 0, 3, 0});
  // the non-overlapping fast path (kernel = stride, no padding) breaks ties the same way
  Tensor z = Tensor::from_vector({5, 5, 5, 7, 2, 7, -1}, {1, 1, 7}).set_requires_grad();
  Tensor yz = ops::maxpool1d(z, 3);
  CHECK(yz.to_vector() == std::vector<float>{5, 7});
  yz.backward(Tensor::from_vector({1, 2}, {1, 1, 2}));
  CHECK(z.grad().to_vector() == std::vector<float>{1, 0, 0, 2, 0, 0, 0});
}

TEST_CASE("maxpool1d propagates NaN") {
  Tensor x = Tensor::from_vector({1, NAN, 3, 4, 5, 6}, {1, 1, 6});
  std::vector<float> y = ops::maxpool1d(x, 3).to_vector();
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == 6.0f);
}

TEST_CASE("maxpool1d records a gradient only when asked") {
  Rng rng(22);
  Tensor x = Tensor::randn({2, 3, 12}, rng);
  CHECK_FALSE(ops::maxpool1d(x, 3).grad_fn());
  x.set_requires_grad();
  CHECK(ops::maxpool1d(x, 3).grad_fn());
  NoGradGuard ng;
  CHECK_FALSE(ops::maxpool1d(x, 3).grad_fn());
}

TEST_CASE("maxpool1d errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(ops::maxpool1d(Tensor::zeros({2, 5}), 3),
                       doctest::Contains("maxpool1d: expected x [B, C, L], got [2, 5]"), Error);
  CHECK_THROWS_WITH_AS(ops::maxpool1d(Tensor::zeros({1, 1, 8}), 3, 1, 2),
                       doctest::Contains("padding 2 must be at most half the kernel 3"), Error);
  CHECK_THROWS_WITH_AS(ops::maxpool1d(Tensor::zeros({1, 1, 2}), 3),
                       doctest::Contains("longer than the input [1, 1, 2]"), Error);
  CHECK_THROWS_WITH_AS(ops::maxpool1d(Tensor::zeros({1, 1, 8}), 0),
                       doctest::Contains("invalid kernel"), Error);
}
