// test_conv2d.cpp — conv2d and batchnorm2d, and the Conv2d / BatchNorm2d modules:
//   * TF 'SAME' padding amounts (known answers from TF's documented formula, and equal to
//     PyTorch's padding='same' on the conv2d_same fixtures);
//   * a float64 naive reference on shapes that cross the GEMM's blocking and the backward's image
//     chunks, on all threads and on one, and on the direct 3x3 path's shapes (engine/cpu/
//     conv3x3.h: every tile width, short tiles) at the level in force (ctest runs each level);
//   * batchnorm2d's eps, module parameter names (PyTorch state-dict keys) and the error messages.
// Finite differences and the PyTorch fixtures of conv2d and batchnorm2d (tests/reference/
// gen_ops2d.py) are op cases: tests/support/op_cases_{conv,norm}.cpp, run by tests/test_ops.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/autograd.h"
#include "engine/cpu/conv3x3.h"
#include "engine/cpu/cpu_level.h"
#include "engine/nn/layers2d.h"
#include "engine/ops/batchnorm2d.h"
#include "engine/ops/conv2d.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"
#include "tests/support/op_check.h"
#include "tests/support/thread_count.h"

using namespace syn;

namespace {

Tensor param(const Shape& s, Rng& rng) { return Tensor::randn(s, rng).set_requires_grad(); }

struct Cfg {
  int64_t B, Cin, Cout, H, W, kh, kw, sh, sw;
  Padding2d pad;
  bool bias;
};

// y, dx, dw, db by the definition, in double.
test::ConvReference naive_conv2d(const Cfg& c, const std::vector<float>& x,
                                 const std::vector<float>& w, const std::vector<float>& b,
                                 const std::vector<float>& gy) {
  const int64_t Ho = (c.H + c.pad.top + c.pad.bottom - c.kh) / c.sh + 1;
  const int64_t Wo = (c.W + c.pad.left + c.pad.right - c.kw) / c.sw + 1;
  test::ConvReference n;
  n.y.assign((size_t)(c.B * c.Cout * Ho * Wo), 0.0);
  n.dx.assign(x.size(), 0.0);
  n.dw.assign(w.size(), 0.0);
  n.db.assign((size_t)c.Cout, 0.0);
  for (int64_t bi = 0; bi < c.B; ++bi)
    for (int64_t co = 0; co < c.Cout; ++co)
      for (int64_t oh = 0; oh < Ho; ++oh)
        for (int64_t ow = 0; ow < Wo; ++ow) {
          const size_t yi = (size_t)(((bi * c.Cout + co) * Ho + oh) * Wo + ow);
          double acc = c.bias ? b[(size_t)co] : 0.0;
          const double g = gy[yi];
          n.db[(size_t)co] += g;
          for (int64_t ci = 0; ci < c.Cin; ++ci)
            for (int64_t i = 0; i < c.kh; ++i) {
              const int64_t h = oh * c.sh + i - c.pad.top;
              if (h < 0 || h >= c.H) continue;
              for (int64_t j = 0; j < c.kw; ++j) {
                const int64_t wp = ow * c.sw + j - c.pad.left;
                if (wp < 0 || wp >= c.W) continue;
                const size_t xi = (size_t)(((bi * c.Cin + ci) * c.H + h) * c.W + wp);
                const size_t wi = (size_t)(((co * c.Cin + ci) * c.kh + i) * c.kw + j);
                acc += (double)w[wi] * x[xi];
                n.dx[xi] += (double)w[wi] * g;
                n.dw[wi] += (double)x[xi] * g;
              }
            }
          n.y[yi] = acc;
        }
  return n;
}

void compare_with_naive(const Cfg& c, uint64_t seed) {
  INFO("B ", c.B, " Cin ", c.Cin, " Cout ", c.Cout, " H ", c.H, " W ", c.W, " k ", c.kh, "x", c.kw,
       " s ", c.sh, "x", c.sw, " pad ", c.pad.top, ",", c.pad.bottom, ",", c.pad.left, ",",
       c.pad.right, " bias ", c.bias);
  auto conv = [&c](const Tensor& x, const Tensor& w, const Tensor& b) {
    return ops::conv2d(x, w, b, c.sh, c.sw, c.pad);
  };
  auto naive = [&c](const std::vector<float>& x, const std::vector<float>& w,
                    const std::vector<float>& b,
                    const std::vector<float>& gy) { return naive_conv2d(c, x, w, b, gy); };
  test::check_conv_vs_reference(conv, {c.B, c.Cin, c.H, c.W}, {c.Cout, c.Cin, c.kh, c.kw}, c.bias,
                                seed, naive);
}

}  // namespace

TEST_CASE("TF 'SAME' padding puts the extra element at the end") {
  // TF: total = max((ceil(n/s) - 1)*s + k - n, 0), before = total / 2, after = total - before.
  CHECK(same_padding(128).before == 63);
  CHECK(same_padding(128).after == 64);
  CHECK(same_padding(64).before == 31);
  CHECK(same_padding(64).after == 32);
  CHECK(same_padding(32).before == 15);
  CHECK(same_padding(32).after == 16);
  CHECK(same_padding(7).before == 3);
  CHECK(same_padding(7).after == 3);
  CHECK(same_padding(1).before == 0);
  CHECK(same_padding(1).after == 0);
  // stride 1: the same whatever the size
  CHECK(tf_same_padding(187, 128, 1).before == 63);
  CHECK(tf_same_padding(187, 128, 1).after == 64);
  // stride 2: n = 10, k = 3 -> out 5, total (5-1)*2 + 3 - 10 = 1 -> {0, 1}
  CHECK(tf_same_padding(10, 3, 2).before == 0);
  CHECK(tf_same_padding(10, 3, 2).after == 1);
  // n = 11, k = 4, s = 3 -> out 4, total 3*3 + 4 - 11 = 2 -> {1, 1}
  CHECK(tf_same_padding(11, 4, 3).before == 1);
  CHECK(tf_same_padding(11, 4, 3).after == 1);
  // a kernel smaller than the stride can need no padding at all
  CHECK(tf_same_padding(9, 1, 3).before == 0);
  CHECK(tf_same_padding(9, 1, 3).after == 0);
  const Padding2d p = same_padding2d(128, 1);
  CHECK(p.top == 63);
  CHECK(p.bottom == 64);
  CHECK(p.left == 0);
  CHECK(p.right == 0);
  // 'SAME' at stride 1 keeps the size
  Tensor x = Tensor::zeros({1, 1, 187, 1}), w = Tensor::zeros({2, 1, 128, 1});
  CHECK(ops::conv2d(x, w, Tensor(), 1, 1, p).shape() == Shape{1, 2, 187, 1});
  Padding2d q = tf_same_padding2d(10, 11, 3, 4, 2, 3);
  CHECK(q.top == 0);
  CHECK(q.bottom == 1);
  CHECK(q.left == 1);
  CHECK(q.right == 1);
  CHECK(ops::conv2d(Tensor::zeros({1, 1, 10, 11}), Tensor::zeros({1, 1, 3, 4}), Tensor(), 2, 3, q)
            .shape() == Shape{1, 1, 5, 4});  // ceil(10/2), ceil(11/3)
}

TEST_CASE("TF 'SAME' amounts equal PyTorch's padding='same' on the conv2d_same fixtures") {
  // The fixtures' forward and gradients are op cases (tests/support/op_cases_conv.cpp); here:
  // the reference used PyTorch's padding='same', and our TF helper must give the same amounts.
  for (const char* name : {"conv2d_same_k8x1", "conv2d_same_k4x6", "conv2d_same_k5x3"}) {
    CAPTURE(name);
    Checkpoint fx = test::load_fixture(name);
    const Tensor w = test::fixture_tensor(fx, "w");
    const Padding2d s = same_padding2d(w.size(2), w.size(3));
    CHECK(s.top == test::fixture_int(fx, "top"));
    CHECK(s.bottom == test::fixture_int(fx, "bottom"));
    CHECK(s.left == test::fixture_int(fx, "left"));
    CHECK(s.right == test::fixture_int(fx, "right"));
  }
}

TEST_CASE("conv2d matches a naive reference on shapes that cross the GEMM blocking") {
  const Cfg cfgs[] = {
      {2, 6, 20, 30, 20, 7, 7, 1, 1, {3, 3, 3, 3}, true},   // depth 294 > one KC slice, N > NC
      {1, 3, 70, 2, 2, 2, 2, 1, 1, {0, 0, 0, 0}, true},     // one position: transposed GEMM
      {3, 1, 4, 60, 150, 7, 86, 1, 1, {3, 3, 0, 0}, true},  // musicnn timbral; 1 image per chunk
      {2, 1, 5, 40, 1, 16, 1, 1, 1, {7, 8, 0, 0}, false},   // TF-same [16, 1] on a [T, 1] input
      {2, 5, 9, 13, 17, 3, 5, 2, 3, {1, 2, 2, 1}, true},    // strides with overlapping windows
      {2, 4, 3, 9, 30, 7, 30, 1, 1, {3, 3, 0, 0}, true},    // mid-end: Wout = 1
  };
  uint64_t seed = 200;
  for (const Cfg& c : cfgs) compare_with_naive(c, seed++);
}

TEST_CASE("conv2d gives the same answers on one thread") {
  test::ScopedThreads one(1);
  compare_with_naive({2, 3, 10, 12, 11, 3, 4, 1, 1, {1, 1, 2, 1}, true}, 7);
  compare_with_naive({2, 1, 6, 20, 30, 7, 26, 1, 1, {3, 3, 0, 0}, true}, 8);
}

// 3x3, padding 1, stride 1 or 2: the direct path's shapes. Channel counts multiple of 16 take it at
// every level (vectors of 4, 8, 16); the others cross tile widths 1-4 and the GEMM fallback.
const Cfg kDirect3x3[] = {
    {2, 16, 20, 5, 6, 3, 3, 1, 1, {1, 1, 1, 1}, true},   // data/weight direct; 20 out: tile rims
    {3, 32, 48, 3, 7, 3, 3, 1, 1, {1, 1, 1, 1}, true},   // 48 = 3 zmm; 63 positions: short tile
    {2, 64, 64, 4, 4, 3, 3, 1, 1, {1, 1, 1, 1}, false},  // 4 zmm; the latent U-Net's 4 px
    {1, 16, 32, 1, 1, 3, 3, 1, 1, {1, 1, 1, 1}, true},   // one pixel: only the centre tap
    {2, 24, 8, 9, 2, 3, 3, 1, 1, {1, 1, 1, 1}, true},    // 3 ymm in, 1 ymm out
    {2, 4, 16, 6, 5, 3, 3, 1, 1, {1, 1, 1, 1}, true},    // the U-Net's stem: 4 channels in
    {2, 16, 32, 9, 8, 3, 3, 2, 2, {1, 1, 1, 1}, true},   // stride 2 (downsampling), odd height
    {3, 32, 16, 4, 4, 3, 3, 2, 2, {1, 1, 1, 1}, false},  // stride 2 to 2 x 2
};

TEST_CASE("conv2d's direct 3x3 path matches a naive reference") {
  INFO("level ", cpu::cpu_level_name(cpu::cpu_kernel_level()));
  uint64_t seed = 400;
  for (const Cfg& c : kDirect3x3) compare_with_naive(c, seed++);
  test::ScopedThreads one(1);
  compare_with_naive(kDirect3x3[1], seed++);
}

TEST_CASE("the direct 3x3 path takes the shapes whose channels fill its vectors") {
  // 16 and 32 channels fill the vectors of every level (4, 8 or 16 floats); 3 fills none, so
  // those calls must decline and leave the general path to run.
  const cpu::Conv3x3Shape fits{1, 16, 32, 2, 2}, odd{1, 3, 3, 2, 2};
  std::vector<float> x(64 * 4), w(32 * 16 * 9), y(32 * 4), dx(16 * 4), dw(32 * 16 * 9);
  CHECK(cpu::conv3x3_forward(fits, x.data(), w.data(), nullptr, y.data()));
  CHECK(cpu::conv3x3_backward_data(fits, y.data(), w.data(), dx.data()));
  CHECK(cpu::conv3x3_backward_weight(fits, x.data(), y.data(), dw.data()));
  CHECK_FALSE(cpu::conv3x3_forward(odd, x.data(), w.data(), nullptr, y.data()));
  CHECK_FALSE(cpu::conv3x3_backward_data(odd, y.data(), w.data(), dx.data()));
  CHECK_FALSE(cpu::conv3x3_backward_weight(odd, x.data(), y.data(), dw.data()));
  // stride 2: forward and weight gradient direct; the data gradient is left to the general path
  const cpu::Conv3x3Shape strided{1, 16, 32, 2, 2, 2};
  CHECK(cpu::conv3x3_forward(strided, x.data(), w.data(), nullptr, y.data()));
  CHECK_FALSE(cpu::conv3x3_backward_data(strided, y.data(), w.data(), dx.data()));
  CHECK(cpu::conv3x3_backward_weight(strided, x.data(), y.data(), dw.data()));
}

TEST_CASE("conv2d gradients go only where they are needed") {
  Rng rng(3);
  Tensor x = Tensor::randn({2, 3, 5, 6}, rng);  // no gradient wanted
  Tensor w = param({4, 3, 3, 2}, rng), b = param({4}, rng);
  Tensor y = ops::conv2d(x, w, b, 1, 1, {1, 1, 0, 1});
  CHECK(y.shape() == Shape{2, 4, 5, 6});
  y.backward(Tensor::full(y.shape(), 1.0f));
  CHECK_FALSE(x.grad().defined());
  REQUIRE(w.grad().defined());
  for (float v : b.grad().to_vector()) CHECK(v == doctest::Approx(2 * 5 * 6));  // B*Hout*Wout
  NoGradGuard ng;
  CHECK_FALSE(ops::conv2d(x, w, b).grad_fn());
}

TEST_CASE("conv2d rejects bad shapes with messages naming them") {
  Tensor x = Tensor::zeros({2, 3, 8, 8}), w = Tensor::zeros({4, 3, 3, 3});
  CHECK_THROWS_WITH_AS(ops::conv2d(Tensor::zeros({2, 3, 8}), w, Tensor()),
                       doctest::Contains("conv2d: input must be [B, Cin, H, W], got [2, 3, 8]"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::conv2d(x, Tensor::zeros({4, 3, 3}), Tensor()),
                       doctest::Contains("weight must be [Cout, Cin, kh, kw]"), Error);
  CHECK_THROWS_WITH_AS(ops::conv2d(x, Tensor::zeros({4, 2, 3, 3}), Tensor()),
                       doctest::Contains("has 3 channels but weight [4, 2, 3, 3] cpu expects 2"),
                       Error);
  CHECK_THROWS_WITH_AS(ops::conv2d(x, Tensor::zeros({4, 3, 9, 3}), Tensor()),
                       doctest::Contains("is larger than the padded input [2, 3, 8, 8]"), Error);
  CHECK_NOTHROW(ops::conv2d(x, Tensor::zeros({4, 3, 9, 3}), Tensor(), 1, 1, {1, 0, 0, 0}));
  CHECK_THROWS_WITH_AS(ops::conv2d(x, w, Tensor::zeros({5})),
                       doctest::Contains("bias [5] cpu does not match weight [4, 3, 3, 3]"), Error);
  CHECK_THROWS_WITH_AS(ops::conv2d(x, w, Tensor(), 0, 1),
                       doctest::Contains("strides (0, 1) must be >= 1"), Error);
  CHECK_THROWS_WITH_AS(ops::conv2d(x, w, Tensor(), 1, 1, {0, -1, 0, 0}),
                       doctest::Contains("must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(same_padding(0), doctest::Contains("kernel size 0"), Error);
}

// ------------------------------------------------------------------------------ batchnorm2d

TEST_CASE("batchnorm2d honours eps") {
  // eval: y = (x - mean) / sqrt(var + eps); with var = 1e-3 the two eps values differ by sqrt(2)
  Tensor x = Tensor::full({1, 1, 1, 1}, 1.0f);
  Tensor rm = Tensor::zeros({1}), rv = Tensor::full({1}, 1e-3f);
  const float y3 = ops::batchnorm2d(x, Tensor(), Tensor(), rm, rv, false, 0.1f, 1e-3f).item();
  const float y5 = ops::batchnorm2d(x, Tensor(), Tensor(), rm, rv, false, 0.1f, 1e-5f).item();
  CHECK(y3 == doctest::Approx(1.0 / std::sqrt(2e-3)).epsilon(1e-5));
  CHECK(y5 == doctest::Approx(1.0 / std::sqrt(1.01e-3)).epsilon(1e-5));
}

TEST_CASE("batchnorm2d errors name the op and the 4-D shape") {
  CHECK_THROWS_WITH_AS(
      ops::batchnorm2d(Tensor::zeros({2, 3, 4}), Tensor(), Tensor(), Tensor(), Tensor(), true),
      doctest::Contains("batchnorm2d: expected x [B, C, H, W], got [2, 3, 4]"), Error);
  CHECK_THROWS_WITH_AS(ops::batchnorm2d(Tensor::zeros({2, 3, 4, 4}), Tensor::zeros({4}), Tensor(),
                                        Tensor(), Tensor(), true),
                       doctest::Contains("batchnorm2d: weight must be [3] for x [2, 3, 4, 4]"),
                       Error);
}

// ---------------------------------------------------------------------------------- modules

TEST_CASE("Conv2d, BatchNorm2d and MaxPool2d modules use PyTorch's names and semantics") {
  Rng rng(5);
  nn::Conv2d conv(3, 8, 7, 5, same_padding2d(7, 5), true, rng);
  auto params = conv.named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "weight");
  CHECK(params[0].second.shape() == Shape{8, 3, 7, 5});
  CHECK(params[1].first == "bias");
  CHECK(params[1].second.shape() == Shape{8});
  // PyTorch's default init bound 1/sqrt(fan_in), fan_in = 3*7*5
  const float bound = 1.0f / std::sqrt(105.0f);
  for (float v : conv.weight.to_vector()) CHECK(std::fabs(v) <= bound);
  Tensor x = Tensor::randn({2, 3, 9, 6}, rng);
  Tensor y = conv(x);
  CHECK(y.shape() == Shape{2, 8, 9, 6});
  test::check_close(y, ops::conv2d(x, conv.weight, conv.bias, 1, 1, same_padding2d(7, 5)),
                    "Conv2d forward", 0.0f, 0.0f);

  nn::BatchNorm2d bn(8, 0.01f, 1e-3f);
  auto state = bn.state_dict();
  REQUIRE(state.size() == 5);
  const char* keys[] = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"};
  for (size_t i = 0; i < 5; ++i) CHECK(state[i].first == keys[i]);
  CHECK(bn.num_batches_tracked.shape() == Shape{});
  bn.train();
  bn(y);
  bn(y);
  CHECK(bn.num_batches_tracked.item() == 2.0f);
  // running mean after two steps of momentum 0.01 from 0: (0.01 + 0.99*0.01) * batch mean
  {
    std::vector<float> v = y.to_vector();
    double m0 = 0;
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t i = 0; i < 9 * 6; ++i) m0 += v[(size_t)(b * 8 * 54 + i)];
    m0 /= 2 * 54;
    CHECK(bn.running_mean.to_vector()[0] == doctest::Approx(0.0199 * m0).epsilon(1e-4));
  }
  bn.eval();
  Tensor ye = bn(y);
  CHECK(bn.num_batches_tracked.item() == 2.0f);  // evaluation does not count
  test::check_close(
      ye,
      ops::batchnorm2d(y, bn.weight, bn.bias, bn.running_mean, bn.running_var, false, 0.01f, 1e-3f),
      "BatchNorm2d eval", 0.0f, 0.0f);

  nn::MaxPool2d pool(1, 6);
  CHECK(pool(y).shape() == Shape{2, 8, 9, 1});
}

TEST_CASE("BatchNorm2d module loads a PyTorch-named state and matches BatchNorm2d") {
  Checkpoint fx = test::load_fixture("bn2d_train_tf");
  const int64_t C = test::fixture_tensor(fx, "weight").size(0);
  nn::BatchNorm2d bn(C, (float)test::fixture_float(fx, "momentum"),
                     (float)test::fixture_float(fx, "eps"));
  bn.load_state_dict({{"weight", test::fixture_tensor(fx, "weight")},
                      {"bias", test::fixture_tensor(fx, "bias")},
                      {"running_mean", test::fixture_tensor(fx, "running_mean")},
                      {"running_var", test::fixture_tensor(fx, "running_var")},
                      {"num_batches_tracked", Tensor::zeros({})}});
  bn.train();
  Tensor y = bn(test::fixture_tensor(fx, "x"));
  test::check_close(y, test::fixture_tensor(fx, "y"), "BatchNorm2d module y", 1e-5f, 1e-5f);
  test::check_close(bn.running_mean, test::fixture_tensor(fx, "running_mean_after"),
                    "BatchNorm2d module running_mean", 1e-5f, 1e-6f);
  test::check_close(bn.running_var, test::fixture_tensor(fx, "running_var_after"),
                    "BatchNorm2d module running_var", 1e-5f, 1e-6f);
  CHECK(bn.num_batches_tracked.item() == (float)test::fixture_int(fx, "num_batches_tracked"));
}
