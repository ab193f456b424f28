// test_pad_reduce_max.cpp — constant padding and max / min along a dim, the ops musicnn adds:
//   * pad: known answers (a pad / slice round trip) and errors;
//   * max: ties' gradient to the first maximum, NaN, the strided and contiguous paths on a long
//     time axis against a scan, the index buffer's absence without autograd, errors;
//   * min: known answers (first minimum's gradient, NaN wins), and the vectorised no-gradient
//     path bit for bit against the in-order scan on rows holding +-0, infinities and NaNs.
// (pad, max, min, and mean / concat on rank-3/4 tensors against finite differences and the
// PyTorch fixtures of tests/reference/gen_ops2d.py are op cases: tests/support/
// op_cases_{shape,reduce}.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "engine/autograd.h"
#include "engine/ops/pad.h"
#include "engine/ops/reduce_max.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

Tensor param(const Shape& s, Rng& rng) { return Tensor::randn(s, rng).set_requires_grad(); }

}  // namespace

// ---------------------------------------------------------------------------------------- pad

TEST_CASE("pad known answers") {
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
  CHECK(ops::pad_dim(x, -1, 1, 0, 9.0f).to_vector() == std::vector<float>{9, 1, 2, 9, 3, 4});
  CHECK(ops::pad_dim(x, 2, 1, 1).to_vector() == std::vector<float>{0, 0, 1, 2, 3, 4, 0, 0});
  CHECK(ops::pad_dim(x, 2, 1, 1).shape() == Shape{1, 1, 4, 2});
  CHECK(ops::pad_dim(x, 3, -1, 0).to_vector() == std::vector<float>{2, 4});  // crop
  CHECK(ops::pad_dim(x, 3, -2, 0).shape() == Shape{1, 1, 2, 0});             // cropped away
  CHECK(ops::pad(Tensor::zeros({0, 2}), {{1, 0}, {0, 1}}, 3.0f).to_vector() ==
        std::vector<float>{3, 3, 3});  // padding an empty tensor
  // padding then slicing back is the identity, gradient included
  Rng rng(2);
  Tensor a = param({2, 3, 5}, rng);
  Tensor p = ops::pad(a, {{0, 0}, {2, 1}, {0, 0}});
  test::check_close(ops::slice(p, 1, 2, 5), a, "pad/slice round trip", 0.0f, 0.0f);
}

TEST_CASE("pad errors") {
  Tensor x = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(ops::pad(x, {{1, 1}}),
                       doctest::Contains("1 (before, after) pairs given for [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(ops::pad(x, {{0, 0}, {-2, -2}}),
                       doctest::Contains("leaves a negative size for [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(ops::pad_dim(x, 2, 1, 1), doctest::Contains("dim 2 out of range"), Error);
  CHECK_THROWS_WITH_AS(ops::pad(Tensor::scalar(1.0f), {}), doctest::Contains("rank must be"),
                       Error);
}

// ---------------------------------------------------------------------------------------- max

TEST_CASE("max gives ties' gradient to the first maximum and propagates NaN") {
  Tensor x = Tensor::from_vector({3, 1, 3, 2, 5, 5}, {2, 3}).set_requires_grad();
  Tensor y = ops::max(x, 1);
  CHECK(y.to_vector() == std::vector<float>{3, 5});
  y.backward(Tensor::from_vector({1, 2}, {2}));
  CHECK(x.grad().to_vector() == std::vector<float>{1, 0, 0, 0, 2, 0});
  // along dim 0 (the strided path): column 1 ties between rows 0 and 1
  Tensor z = Tensor::from_vector({1, 4, 0, 2, 4, -1}, {2, 3}).set_requires_grad();
  Tensor yz = ops::max(z, 0);
  CHECK(yz.to_vector() == std::vector<float>{2, 4, 0});
  yz.backward(Tensor::from_vector({1, 2, 3}, {3}));
  CHECK(z.grad().to_vector() == std::vector<float>{0, 2, 3, 1, 0, 0});
  // NaN wins over anything, on both paths
  Tensor n = Tensor::from_vector({1, NAN, 7, NAN, 2, 3}, {2, 3});
  std::vector<float> r1 = ops::max(n, 1).to_vector();
  CHECK(std::isnan(r1[0]));
  CHECK(std::isnan(r1[1]));
  std::vector<float> r0 = ops::max(n, 0).to_vector();
  CHECK(std::isnan(r0[0]));
  CHECK(std::isnan(r0[1]));
  CHECK(r0[2] == 7.0f);
}

TEST_CASE("max over a long time axis (strided and contiguous paths agree with a scan)") {
  Rng rng(7);
  Tensor x = Tensor::randn({2, 300, 3, 1}, rng);  // [B, T, C, 1]: a dim with inner > 1
  Tensor y = ops::max(x, 1);
  std::vector<float> v = x.to_vector(), got = y.to_vector();
  REQUIRE(y.shape() == Shape{2, 3, 1});
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t c = 0; c < 3; ++c) {
      float m = -INFINITY;
      for (int64_t t = 0; t < 300; ++t) m = std::max(m, v[(size_t)((b * 300 + t) * 3 + c)]);
      CHECK(got[(size_t)(b * 3 + c)] == m);
    }
  test::check_close(ops::max(ops::transpose(x, 1, 3), 3), ops::reshape(y, {2, 1, 3}),
                    "max over the last dim", 0.0f, 0.0f);
}

TEST_CASE("max records a gradient only when asked, and errors") {
  Rng rng(8);
  Tensor x = Tensor::randn({2, 3}, rng);
  CHECK_FALSE(ops::max(x, 1).grad_fn());
  x.set_requires_grad();
  CHECK(ops::max(x, 1).grad_fn());
  CHECK_THROWS_WITH_AS(ops::max(x, 2), doctest::Contains("max: dim 2 out of range for [2, 3]"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::max(Tensor::zeros({2, 0}), 1), doctest::Contains("is empty"), Error);
}

// ---------------------------------------------------------------------------------------- min

TEST_CASE("min known answers: first minimum's gradient, NaN wins") {
  Tensor x = Tensor::from_vector({3, 1, 1, 2, 5, -5}, {2, 3}).set_requires_grad();
  Tensor y = ops::min(x, 1);
  CHECK(y.to_vector() == std::vector<float>{1, -5});
  y.backward(Tensor::from_vector({1, 2}, {2}));
  CHECK(x.grad().to_vector() == std::vector<float>{0, 1, 0, 0, 0, 2});
  // columns {1, -7} and {NaN, 3} (the strided path)
  std::vector<float> r = ops::min(Tensor::from_vector({1, NAN, -7, 3}, {2, 2}), 0).to_vector();
  CHECK(r[0] == -7.0f);
  CHECK(std::isnan(r[1]));
  CHECK_THROWS_WITH_AS(ops::min(Tensor::zeros({2, 0}), 1), doctest::Contains("min: dim 1"), Error);
}

TEST_CASE("max / min without autograd equal the in-order scan bit for bit (+-0, inf, NaN)") {
  // Rows of every length 1..80 (the vector path starts at 8) filled with values from a small
  // set that makes ties between +0 and -0, infinities and NaNs (two payloads) common. The
  // gradient-recording call scans each row in order; the no-grad call takes the vector path.
  Rng rng(63);
  const float nan_a = std::nanf("1"), nan_b = std::nanf("2");
  const float pool[] = {0.0f, -0.0f, 1.5f, -2.0f, INFINITY, -INFINITY, nan_a, nan_b, 0.25f, -0.25f};
  int64_t rows_checked = 0;
  for (int64_t n = 1; n <= 80; ++n)
    for (int mode = 0; mode < 4; ++mode) {
      // mode 0: only +-0 and small values; 1: + infinities; 2: + NaNs; 3: random normals
      std::vector<float> v((size_t)(6 * n));
      static const std::vector<int> picks[3] = {
          {0, 1, 8, 9}, {0, 1, 2, 3, 4, 5, 8, 9}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}};
      for (float& e : v)
        e = mode == 3 ? rng.normal()
                      : pool[picks[mode][(size_t)rng.randint((int64_t)picks[mode].size())]];
      Tensor x = Tensor::from_vector(v, {6, n});
      for (bool minimum : {false, true}) {
        Tensor scanned, fast;
        {
          Tensor xg = x.clone().set_requires_grad();
          scanned = minimum ? ops::min(xg, 1) : ops::max(xg, 1);
        }
        {
          NoGradGuard no_grad;
          fast = minimum ? ops::min(x, 1) : ops::max(x, 1);
        }
        std::vector<float> a = scanned.to_vector(), b = fast.to_vector();
        for (size_t i = 0; i < a.size(); ++i) {
          uint32_t ua, ub;
          std::memcpy(&ua, &a[i], 4);
          std::memcpy(&ub, &b[i], 4);
          CAPTURE(n);
          CAPTURE(mode);
          CAPTURE(minimum);
          CHECK(ua == ub);
          ++rows_checked;
        }
      }
    }
  CHECK(rows_checked == 80 * 4 * 2 * 6);
}
