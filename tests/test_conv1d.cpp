// test_conv1d.cpp — conv1d forward and backward: finite differences on small shapes, PyTorch
// fixtures (tests/reference/gen_conv_linear.py), a double-precision naive reference on shapes
// large enough to cross the GEMM's blocking (depth slices, column panels, split depth, the
// transposed orientation), single-threaded as well as on all threads, and the error messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/conv1d.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"
#include "tests/support/gradcheck.h"

using namespace syn;

namespace {

struct Cfg {
  int64_t B, Cin, Cout, L, K, stride, pad;
  bool bias;
};

Tensor param(const Shape& s, Rng& rng) { return Tensor::randn(s, rng).set_requires_grad(); }

// y, dx, dw, db of the convolution with upstream gradient gy, by the definition, in double.
struct Naive {
  std::vector<double> y, dx, dw, db;
};
Naive naive_conv(const Cfg& c, const std::vector<float>& x, const std::vector<float>& w,
                 const std::vector<float>& b, const std::vector<float>& gy) {
  const int64_t Lout = (c.L + 2 * c.pad - c.K) / c.stride + 1;
  Naive n;
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

// |ours - ref| <= 1e-4 * |ref| + 1e-5 * max|ref|: fp32 sums of up to ~10^4 products carry
// relative errors ~1e-6 of the largest magnitudes involved.
void check_vs(const Tensor& ours, const std::vector<double>& ref, const char* what) {
  std::vector<float> o = ours.to_vector();
  REQUIRE(o.size() == ref.size());
  double scale = 0;
  for (double r : ref) scale = std::max(scale, std::fabs(r));
  size_t bad = 0, worst = 0;
  double worst_ratio = 0;
  for (size_t i = 0; i < o.size(); ++i) {
    double tol = 1e-4 * std::fabs(ref[i]) + 1e-5 * std::max(1.0, scale);
    double ratio = std::fabs(o[i] - ref[i]) / tol;
    if (!(ratio <= 1)) ++bad;
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i;
  }
  CHECK_MESSAGE(bad == 0, what, ": ", bad, " of ", o.size(), " elements off; worst at ", worst,
                ": ", o[worst], " vs ", ref[worst]);
}

void compare_with_naive(const Cfg& c, uint64_t seed) {
  INFO("B ", c.B, " Cin ", c.Cin, " Cout ", c.Cout, " L ", c.L, " K ", c.K, " stride ", c.stride,
       " padding ", c.pad, " bias ", c.bias);
  Rng rng(seed);
  Tensor x = param({c.B, c.Cin, c.L}, rng), w = param({c.Cout, c.Cin, c.K}, rng);
  Tensor b = c.bias ? param({c.Cout}, rng) : Tensor();
  Tensor y = ops::conv1d(x, w, b, c.stride, c.pad);
  Tensor gy = Tensor::randn(y.shape(), rng);
  y.backward(gy);
  Naive n = naive_conv(c, x.to_vector(), w.to_vector(),
                       c.bias ? b.to_vector() : std::vector<float>{}, gy.to_vector());
  check_vs(y, n.y, "y");
  check_vs(x.grad(), n.dx, "dx");
  check_vs(w.grad(), n.dw, "dw");
  if (c.bias) check_vs(b.grad(), n.db, "db");
}

// Sets the OpenMP thread count for a scope.
struct Threads {
  int before = num_threads();
  explicit Threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
  }
  ~Threads() {
#ifdef _OPENMP
    omp_set_num_threads(before);
#endif
  }
};

}  // namespace

TEST_CASE("conv1d backward matches finite differences") {
  const Cfg cfgs[] = {
      {2, 3, 4, 7, 3, 1, 1, true},    // SampleCNN's block conv (k3 p1)
      {2, 2, 3, 10, 3, 3, 0, true},   // SampleCNN's first conv (k3 s3), one sample unused
      {1, 3, 2, 9, 5, 1, 2, false},   // K=5, no bias
      {2, 4, 3, 6, 1, 1, 0, true},    // K=1
      {1, 2, 2, 11, 3, 2, 1, false},  // stride 2, odd length
      {2, 2, 3, 5, 3, 1, 3, true},    // padding wider than the kernel
  };
  for (const Cfg& c : cfgs) {
    INFO("K ", c.K, " stride ", c.stride, " padding ", c.pad, " L ", c.L, " bias ", c.bias);
    Rng rng(11 + (uint64_t)c.L);
    std::vector<Tensor> in = {param({c.B, c.Cin, c.L}, rng), param({c.Cout, c.Cin, c.K}, rng)};
    if (c.bias) in.push_back(param({c.Cout}, rng));
    const int64_t s = c.stride, p = c.pad;
    test::check_gradients(
        [s, p](const std::vector<Tensor>& v) {
          return ops::conv1d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), s, p);
        },
        in);
  }
}

TEST_CASE("conv1d matches PyTorch fixtures (forward and all gradients)") {
  // fp32 vs float64 PyTorch on float32 inputs: sums of <= 150 unit-scale products, results of
  // magnitude 1..20, so rtol 1e-4 with atol 1e-4 for entries near zero.
  const char* names[] = {"conv1d_k3s1p1", "conv1d_k3s3p0", "conv1d_k5s2p2_nobias", "conv1d_k1s1p0",
                         "conv1d_k3s1p1_wide"};
  for (const char* name : names) {
    CAPTURE(name);
    Checkpoint fx = test::load_fixture(name);
    const bool has_bias = test::fixture_int(fx, "has_bias") != 0;
    Tensor x = test::fixture_tensor(fx, "x").clone().set_requires_grad();
    Tensor w = test::fixture_tensor(fx, "w").clone().set_requires_grad();
    Tensor b = has_bias ? test::fixture_tensor(fx, "b").clone().set_requires_grad() : Tensor();
    Tensor y =
        ops::conv1d(x, w, b, test::fixture_int(fx, "stride"), test::fixture_int(fx, "padding"));
    test::check_close(y, test::fixture_tensor(fx, "y"), std::string(name) + " y", 1e-4f, 1e-4f);
    y.backward(test::fixture_tensor(fx, "gy"));
    test::check_close(x.grad(), test::fixture_tensor(fx, "dx"), std::string(name) + " dx", 1e-4f,
                      1e-4f);
    test::check_close(w.grad(), test::fixture_tensor(fx, "dw"), std::string(name) + " dw", 1e-4f,
                      1e-4f);
    if (has_bias)
      test::check_close(b.grad(), test::fixture_tensor(fx, "db"), std::string(name) + " db", 1e-4f,
                        1e-4f);
  }
}

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
  Threads one(1);
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
