// test_pool.cpp — maxpool1d: output length, tie-breaking, NaN, the index buffer's absence
// without autograd, and the errors. (Finite differences and the PyTorch fixtures are op cases:
// tests/support/op_cases_pool.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/pool.h"
#include "engine/rng.h"

using namespace syn;

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
