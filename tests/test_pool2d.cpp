// test_pool2d.cpp — maxpool2d: output size, tie-breaking in window order, NaN, the index
// buffer's absence without autograd, the MaxPool2d module and the errors. (Finite differences
// and the PyTorch fixtures are op cases: tests/support/op_cases_pool.cpp, run by
// tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/nn/layers2d.h"
#include "engine/ops/pool2d.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

TEST_CASE("maxpool2d output size is floor((n + 2p - k) / s) + 1 per axis") {
  Tensor x = Tensor::zeros({2, 3, 11, 96});
  CHECK(ops::maxpool2d(x, 1, 96).shape() == Shape{2, 3, 11, 1});
  CHECK(ops::maxpool2d(x, 2, 3).shape() == Shape{2, 3, 5, 32});
  CHECK(ops::maxpool2d(x, 3, 4, 2, 5, 1, 2).shape() == Shape{2, 3, 6, 20});
  CHECK(ops::maxpool2d(Tensor::zeros({1, 1, 1, 1}), 1, 1).shape() == Shape{1, 1, 1, 1});
}

TEST_CASE("maxpool2d routes ties to the first maximum in row-major window order") {
  // one 2x3 window holding 7 at (0, 2) and (1, 0): the first in scan order, (0, 2), wins
  Tensor x = Tensor::from_vector({1, 2, 7, 7, 3, 7}, {1, 1, 2, 3}).set_requires_grad();
  Tensor y = ops::maxpool2d(x, 2, 3);
  CHECK(y.to_vector() == std::vector<float>{7});
  y.backward(Tensor::full({1, 1, 1, 1}, 5.0f));
  CHECK(x.grad().to_vector() == std::vector<float>{0, 0, 5, 0, 0, 0});
  // overlapping windows choosing the same element add their gradients
  Tensor z = Tensor::from_vector({0, 9, 0, 0, 1, 0}, {1, 1, 2, 3}).set_requires_grad();
  Tensor yz = ops::maxpool2d(z, 2, 2, 1, 1);  // windows at columns 0-1 and 1-2
  CHECK(yz.to_vector() == std::vector<float>{9, 9});
  yz.backward(Tensor::from_vector({1, 10}, {1, 1, 1, 2}));
  CHECK(z.grad().to_vector() == std::vector<float>{0, 11, 0, 0, 0, 0});
}

TEST_CASE("maxpool2d propagates NaN") {
  Tensor x = Tensor::from_vector({1, NAN, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4});
  std::vector<float> y = ops::maxpool2d(x, 2, 2).to_vector();
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == 8.0f);
}

TEST_CASE("maxpool2d records a gradient only when asked") {
  Rng rng(22);
  Tensor x = Tensor::randn({2, 3, 4, 6}, rng);
  CHECK_FALSE(ops::maxpool2d(x, 2, 3).grad_fn());
  x.set_requires_grad();
  CHECK(ops::maxpool2d(x, 2, 3).grad_fn());
  NoGradGuard ng;
  CHECK_FALSE(ops::maxpool2d(x, 2, 3).grad_fn());
}

TEST_CASE("MaxPool2d module: stride defaults to the kernel") {
  nn::MaxPool2d pool(2, 3);
  CHECK(pool.sh == 2);
  CHECK(pool.sw == 3);
  Rng rng(4);
  Tensor x = Tensor::randn({1, 2, 5, 9}, rng);
  test::check_close(pool(x), ops::maxpool2d(x, 2, 3, 2, 3), "MaxPool2d", 0.0f, 0.0f);
  CHECK(pool.named_parameters().empty());
}

TEST_CASE("maxpool2d errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(ops::maxpool2d(Tensor::zeros({2, 5, 3}), 3, 3),
                       doctest::Contains("maxpool2d: expected x [B, C, H, W], got [2, 5, 3]"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::maxpool2d(Tensor::zeros({1, 1, 8, 8}), 3, 2, 1, 1, 2, 0),
                       doctest::Contains("must be at most half the kernel (3, 2)"), Error);
  CHECK_THROWS_WITH_AS(ops::maxpool2d(Tensor::zeros({1, 1, 2, 8}), 3, 2),
                       doctest::Contains("is larger than the input [1, 1, 2, 8]"), Error);
  CHECK_THROWS_WITH_AS(ops::maxpool2d(Tensor::zeros({1, 1, 8, 8}), 0, 2),
                       doctest::Contains("invalid kernel"), Error);
  CHECK_THROWS_WITH_AS(ops::maxpool2d(Tensor::zeros({1, 1, 0, 8}), 1, 2),
                       doctest::Contains("empty plane"), Error);
}
