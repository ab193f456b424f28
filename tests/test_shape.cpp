// test_shape.cpp — reshape / flatten (views), transpose, concat, stack, slice (view or copy):
// values, storage sharing, gradients through views, and the errors. (transpose, concat, stack
// and slice against finite differences and PyTorch fixtures are op cases:
// tests/support/op_cases_shape.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include "engine/autograd.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "tests/support/gradcheck.h"

using namespace syn;

static Tensor param(const Shape& s, Rng& rng) { return Tensor::randn(s, rng).set_requires_grad(); }

static Tensor iota(const Shape& s) {
  std::vector<float> v((size_t)shape_numel(s));
  for (size_t i = 0; i < v.size(); ++i) v[i] = (float)i;
  return Tensor::from_vector(v, s);
}

TEST_CASE("reshape is a view with one inferred dim") {
  Tensor x = iota({2, 3, 4});
  Tensor y = ops::reshape(x, {4, -1});
  CHECK(y.shape() == Shape{4, 6});
  CHECK(y.data() == x.data());
  CHECK(ops::reshape(x, {-1}).shape() == Shape{24});
  CHECK(ops::reshape(ops::reshape(x, {24}), {1, 24, 1}).shape() == Shape{1, 24, 1});
  CHECK_THROWS_WITH_AS(ops::reshape(x, {-1, -1}), doctest::Contains("more than one -1"), Error);
  CHECK_THROWS_WITH_AS(ops::reshape(x, {5, -1}),
                       doctest::Contains("reshape: cannot view [2, 3, 4] cpu as [5, -1]"), Error);
  CHECK_THROWS_WITH_AS(ops::reshape(x, {5, 5}), doctest::Contains("[5, 5]"), Error);
  Rng rng(41);
  test::check_gradients(
      [](auto& in) {
        return ops::reshape(in[0], {3, -1});
      },
      {param({2, 3, 2}, rng)});
}

TEST_CASE("flatten merges the trailing dims into a view") {
  Tensor x = iota({2, 3, 4});
  CHECK(ops::flatten(x).shape() == Shape{2, 12});
  CHECK(ops::flatten(x, 0).shape() == Shape{24});
  CHECK(ops::flatten(x, -1).shape() == Shape{2, 3, 4});
  CHECK(ops::flatten(x, 2).data() == x.data());
  CHECK_THROWS_WITH_AS(ops::flatten(x, 3), doctest::Contains("flatten: dim 3 out of range"), Error);
  Rng rng(42);
  test::check_gradients([](auto& in) { return ops::flatten(in[0]); }, {param({2, 3, 2}, rng)});
}

TEST_CASE("transpose values, across tiles") {
  // [37, 70] spans partial 32×32 tiles in both dims
  const int64_t R = 37, C = 70;
  Tensor x = iota({R, C});
  std::vector<float> y = ops::transpose(x, 0, 1).to_vector();
  bool ok = true;
  for (int64_t i = 0; i < R; ++i)
    for (int64_t j = 0; j < C; ++j) ok = ok && y[(size_t)(j * R + i)] == (float)(i * C + j);
  CHECK(ok);
  CHECK(ops::transpose(x, -1, 0).shape() == Shape{C, R});
  Tensor same = ops::transpose(x, 1, 1);
  CHECK(same.shape() == x.shape());
  CHECK_THROWS_WITH_AS(ops::transpose(x, 0, 2), doctest::Contains("transpose: dim 2 out of range"),
                       Error);
}

TEST_CASE("concat passes no gradient to an input that needs none") {
  Rng rng(44);
  Tensor a = param({2, 2}, rng), b = Tensor::randn({2, 2}, rng);
  ops::concat({a, b}, 0).backward(Tensor::full({4, 2}, 1.0f));
  CHECK(a.grad().to_vector() == std::vector<float>(4, 1.0f));
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("concat errors name the shapes") {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 3});
  CHECK_THROWS_WITH_AS(ops::concat({a, b}, 1),
                       doctest::Contains("concat: tensor 1 [3, 3] cpu does not match tensor 0 "
                                         "[2, 3] cpu outside dim 1"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::concat({}, 0), doctest::Contains("no tensors"), Error);
  CHECK_THROWS_WITH_AS(ops::concat({a, Tensor::zeros({2, 3, 1})}, 0),
                       doctest::Contains("does not match"), Error);
}

TEST_CASE("stack inserts a new dim") {
  Tensor a = iota({2, 3}), b = ops::reshape(iota({6}), {2, 3});
  Tensor s0 = ops::stack({a, b}, 0), s2 = ops::stack({a, b}, -1);
  CHECK(s0.shape() == Shape{2, 2, 3});
  CHECK(s2.shape() == Shape{2, 3, 2});
  CHECK(s2.to_vector() == std::vector<float>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5});
  CHECK_THROWS_WITH_AS(ops::stack({a, Tensor::zeros({3, 2})}, 0),
                       doctest::Contains("stack: tensor 1 [3, 2] cpu differs"), Error);
}

TEST_CASE("slice is a view when contiguous and a copy otherwise") {
  Tensor x = iota({4, 3, 5});
  Tensor v0 = ops::slice(x, 0, 1, 3);
  CHECK(v0.shape() == Shape{2, 3, 5});
  CHECK(v0.data() == x.data() + 15);
  CHECK(v0.to_vector()[0] == 15.0f);
  Tensor one = ops::slice(x, 0, 2, 3);    // [1, 3, 5]
  Tensor v1 = ops::slice(one, 1, 1, -1);  // leading dim is 1: still a view
  CHECK(v1.data() == x.data() + 2 * 15 + 5);
  CHECK(v1.to_vector() == std::vector<float>{35, 36, 37, 38, 39});
  Tensor c = ops::slice(x, 2, -3, 5);  // dim 2 of [4, 3, 5]: a copy
  CHECK(c.shape() == Shape{4, 3, 3});
  CHECK(c.data() != x.data() + 2);
  CHECK(c.to_vector()[0] == 2.0f);
  CHECK(c.to_vector()[3] == 7.0f);
  CHECK(ops::slice(x, 1, 2, 2).numel() == 0);
  CHECK_THROWS_WITH_AS(ops::slice(x, 2, 3, 6),
                       doctest::Contains("slice: range [3, 6) is invalid for dim 2 of [4, 3, 5]"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::slice(x, 1, 2, 1), doctest::Contains("invalid"), Error);
}

TEST_CASE("gradients through chained views reach the leaf") {
  Rng rng(47);
  Tensor x = param({2, 3, 4}, rng);
  // flatten → slice (copy) → reshape → transpose
  test::check_gradients(
      [](auto& in) {
        Tensor f = ops::flatten(in[0]);      // [2, 12]
        Tensor s = ops::slice(f, 1, 2, 10);  // [2, 8]
        Tensor r = ops::reshape(s, {2, 2, 4});
        return ops::transpose(r, 0, 2);
      },
      {x});
}
