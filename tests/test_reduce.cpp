// test_reduce.cpp — sum / mean over everything and along one dim: shapes, accuracy on long
// reductions, and the errors. (Finite differences and the PyTorch fixtures are op cases:
// tests/support/op_cases_reduce.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/reduce.h"
#include "engine/rng.h"

using namespace syn;

TEST_CASE("reduction shapes") {
  Tensor x = Tensor::zeros({2, 3, 4});
  CHECK(ops::sum(x).shape() == Shape{});
  CHECK(ops::mean(x).shape() == Shape{});
  CHECK(ops::sum(x, 1).shape() == Shape{2, 4});
  CHECK(ops::sum(x, 1, true).shape() == Shape{2, 1, 4});
  CHECK(ops::mean(x, -1).shape() == Shape{2, 3});
  CHECK(ops::mean(x, 0, true).shape() == Shape{1, 3, 4});
  Tensor v = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(ops::sum(v).item() == 21.0f);
  CHECK(ops::mean(v).item() == 3.5f);
  CHECK(ops::sum(v, 0).to_vector() == std::vector<float>{5, 7, 9});
  CHECK(ops::mean(v, 1).to_vector() == std::vector<float>{2, 5});
}

TEST_CASE("long reductions keep fp32 accuracy") {
  // 0.1f summed 3·10^6 times: a naive fp32 running sum is off by about 2%; double accumulation
  // is exact to the final rounding. Also crosses the chunked parallel path (n > 2^17).
  const int64_t n = 3000000;
  Tensor x = Tensor::full({n}, 0.1f);
  const double exact = (double)n * (double)0.1f;
  CHECK(std::fabs(ops::sum(x).item() - exact) <= 1e-7 * exact);
  CHECK(std::fabs(ops::mean(x).item() - (double)0.1f) <= 1e-7);

  // along dim 0 with inner > 1 (the strided path), and along the last dim of a few long rows
  Rng rng(52);
  const int64_t rows = 200000, cols = 3;
  Tensor y = Tensor::uniform({rows, cols}, rng, 0.0f, 1.0f);
  std::vector<float> yv = y.to_vector();
  std::vector<double> ref(cols, 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) ref[(size_t)j] += yv[(size_t)(i * cols + j)];
  std::vector<float> got = ops::sum(y, 0).to_vector();
  for (int64_t j = 0; j < cols; ++j)
    CHECK(std::fabs(got[(size_t)j] - ref[(size_t)j]) <= 1e-7 * ref[(size_t)j]);
  Tensor z = Tensor::uniform({2, 300000}, rng, 0.0f, 1.0f);
  std::vector<float> zv = z.to_vector();
  std::vector<float> zs = ops::mean(z, 1).to_vector();
  for (int64_t r = 0; r < 2; ++r) {
    double s = 0;
    for (int64_t i = 0; i < 300000; ++i) s += zv[(size_t)(r * 300000 + i)];
    CHECK(std::fabs(zs[(size_t)r] - s / 300000) <= 1e-7 * (s / 300000));
  }
}

TEST_CASE("reduction errors name the op and the shape") {
  Tensor x = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(ops::sum(x, 2), doctest::Contains("sum: dim 2 out of range for [2, 3]"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::mean(x, -3), doctest::Contains("mean: dim -3 out of range"), Error);
}
