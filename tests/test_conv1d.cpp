// test_conv1d.cpp — conv1d forward and backward against a double-precision naive reference on
// shapes large enough to cross the GEMM's blocking (depth slices, column panels, split depth,
// the transposed orientation), single-threaded as well as on all threads, which gradients are
// computed, and the error messages. (Finite differences and the PyTorch fixtures are op cases:
// tests/support/op_cases_conv.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/conv1d.h"
#include "engine/rng.h"
#include "tests/support/op_check.h"
#include "tests/support/thread_count.h"

using namespace syn;

namespace {

struct Cfg {
  int64_t B, Cin, Cout, L, K, stride, pad;
  bool bias;
};

Tensor param(const Shape& s, Rng& rng) { return Tensor::randn(s, rng).set_requires_grad(); }

// y, dx, dw, db of the convolution with upstream gradient gy, by the definition, in double.
test::ConvReference naive_conv(const Cfg& c, const std::vector<float>& x,
                               const std::vector<float>& w, const std::vector<float>& b,
                               const std::vector<float>& gy) {
  const int64_t Lout = (c.L + 2 * c.pad - c.K) / c.stride + 1;
  test::ConvReference n;
  n.y.assign((size_t)(c.B * c.Cout * Lout), 0.0);
  n.dx.assign(x.size(), 0.0);
  n.dw.assign(w.size(), 0.0);
  n.db.assign((size_t)c.Cout, 0.0);
  for (int64_t bi = 0; bi < c.B; ++bi)
    for (int64_t co = 0; co < c.Cout; ++co)
      for (int64_t t = 0; t < Lout; ++t) {
        const size_t yi = (size_t)((bi * c.Cout + co) * Lout + t);
        double acc = c.bias ? b[(size_t)co] : 0.0;
        const double g = gy[yi];
        n.db[(size_t)co] += g;
        for (int64_t ci = 0; ci < c.Cin; ++ci)
          for (int64_t k = 0; k < c.K; ++k) {
            const int64_t pos = t * c.stride + k - c.pad;
            if (pos < 0 || pos >= c.L) continue;
            const size_t xi = (size_t)((bi * c.Cin + ci) * c.L + pos);
            const size_t wi = (size_t)((co * c.Cin + ci) * c.K + k);
            acc += (double)w[wi] * x[xi];
            n.dx[xi] += (double)w[wi] * g;
            n.dw[wi] += (double)x[xi] * g;
          }
        n.y[yi] = acc;
      }
  return n;
}

void compare_with_naive(const Cfg& c, uint64_t seed) {
  INFO("B ", c.B, " Cin ", c.Cin, " Cout ", c.Cout, " L ", c.L, " K ", c.K, " stride ", c.stride,
       " padding ", c.pad, " bias ", c.bias);
  auto conv = [&c](const Tensor& x, const Tensor& w, const Tensor& b) {
    return ops::conv1d(x, w, b, c.stride, c.pad);
  };
  auto naive = [&c](const std::vector<float>& x, const std::vector<float>& w,
                    const std::vector<float>& b,
                    const std::vector<float>& gy) { return naive_conv(c, x, w, b, gy); };
  test::check_conv_vs_reference(conv, {c.B, c.Cin, c.L}, {c.Cout, c.Cin, c.K}, c.bias, seed, naive);
}

}  // namespace

TEST_CASE("conv1d matches a naive reference on shapes that cross the GEMM blocking") {
  const Cfg cfgs[] = {
      {3, 100, 20, 37, 3, 1, 1, true},   // depth 300 > one KC slice; odd length
      {2, 1, 128, 300, 3, 3, 0, true},   // first SampleCNN layer: depth 3, dW transposed
      {2, 130, 70, 1, 3, 1, 1, true},    // length 1: C narrower than a micro-tile
      {5, 8, 16, 2000, 3, 1, 1, false},  // dW with the depth split across threads
      {2, 9, 17, 123, 5, 2, 2, true},    // stride 2 with overlapping taps (col2im adds)
      {3, 6, 10, 40, 3, 1, 4, true},     // padding > K-1: the "full" conv's padding < 0
      {1, 40, 50, 700, 3, 1, 1, true},   // several column panels in one item
      {2, 6, 8, 1200, 4, 3, 2, true},    // long items, stride 3: dW on transposed copies
      {2, 8, 8, 600, 3, 1, 4, false},    // long items, padding > K-1
  };
  uint64_t seed = 100;
  for (const Cfg& c : cfgs) compare_with_naive(c, seed++);
}

TEST_CASE("conv1d gives the same answers on one thread") {
  test::ScopedThreads one(1);
  compare_with_naive({2, 20, 24, 90, 3, 1, 1, true}, 7);
  compare_with_naive({2, 1, 16, 99, 3, 3, 0, true}, 8);
  compare_with_naive({4, 8, 8, 900, 3, 1, 1, true}, 9);
}

TEST_CASE("conv1d gradients go only where they are needed") {
  Rng rng(3);
  Tensor x = Tensor::randn({2, 3, 8}, rng);  // no gradient wanted
  Tensor w = param({4, 3, 3}, rng), b = param({4}, rng);
  Tensor y = ops::conv1d(x, w, b, 1, 1);
  y.backward(Tensor::full(y.shape(), 1.0f));
  CHECK_FALSE(x.grad().defined());
  REQUIRE(w.grad().defined());
  // with an all-ones upstream gradient, db[co] = B * Lout
  for (float v : b.grad().to_vector()) CHECK(v == doctest::Approx(2 * 8));
}

TEST_CASE("conv1d rejects bad shapes with messages naming them") {
  Tensor x = Tensor::zeros({2, 3, 10}), w = Tensor::zeros({4, 5, 3});
  CHECK_THROWS_WITH_AS(
      ops::conv1d(x, w, Tensor(), 1, 0),
      doctest::Contains("input [2, 3, 10] cpu has 3 channels but weight [4, 5, 3] cpu expects 5"),
      Error);
  Tensor w_ok = Tensor::zeros({4, 3, 3});
  CHECK_THROWS_WITH_AS(ops::conv1d(x, w_ok, Tensor::zeros({5}), 1, 0),
                       doctest::Contains("bias [5] cpu does not match weight [4, 3, 3]"), Error);
  CHECK_THROWS_WITH_AS(ops::conv1d(Tensor::zeros({2, 3, 2}), w_ok, Tensor(), 1, 0),
                       doctest::Contains("longer than the padded input [2, 3, 2]"), Error);
  CHECK_THROWS_WITH_AS(ops::conv1d(Tensor::zeros({3, 10}), w_ok, Tensor(), 1, 0),
                       doctest::Contains("[B, Cin, L]"), Error);
  CHECK_THROWS_WITH_AS(ops::conv1d(x, w_ok, Tensor(), 0, 0), doctest::Contains("stride 0"), Error);
}
