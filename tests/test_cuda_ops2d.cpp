// test_cuda_ops2d.cpp — the CUDA kernels of the 2-D ops musicnn needs (kernels/{conv2d,pool2d,
// pad,reduce_max}.cu, and batchnorm2d / mean / concat, which reuse existing kernels) against the
// CPU, through the ops with autograd, forward and backward, on fixed shapes (tiny, odd,
// musicnn's own) and on random shapes; and the 2-D modules moved to the GPU.
// Linked with tests/support/cuda_test_main.cpp: exits with 77 (skipped) without a GPU.
//
// Tolerances. Data movement and selection (pad, concat, maxpool2d, max) are bit-exact: the same
// comparisons pick the same elements and the backward adds in the same order. conv2d: both sides
// are fp32 GEMMs summing <= ~10^4 products (forward, backward data) in different orders:
// |gpu - cpu| <= 1e-4 |cpu| + 1e-5 max|cpu|; the weight gradient sums over B*Hout*Wout
// positions as well: floor 5e-5 max|cpu|. batchnorm2d and mean: double accumulation on both
// sides: rtol 1e-5 with a floor of 1e-5 max|cpu|.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/nn/layers2d.h"
#include "engine/ops/batchnorm2d.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/pad.h"
#include "engine/ops/pool2d.h"
#include "engine/ops/reduce.h"
#include "engine/ops/reduce_max.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

const Device kGpu = Device::CUDA;

float max_abs(const Tensor& t) {
  float m = 0;
  for (float v : t.to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

struct Tol {
  float rtol = 0.0f, floor = 0.0f;  // both 0: bit-exact
};

void check_near(const Tensor& gpu, const Tensor& cpu, const std::string& what, Tol t) {
  REQUIRE(gpu.defined());
  REQUIRE(cpu.defined());
  CHECK(gpu.is_cuda());
  test::check_close(gpu.to(Device::CPU), cpu, what, t.rtol, t.floor * max_abs(cpu));
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs `f` on CPU copies and on CUDA copies of `inputs` (all requiring a gradient), compares
// the outputs, backpropagates the same random upstream gradient on both and compares every
// input gradient (`grad_tol` per input; the output uses tol[0]).
void compare(const std::string& what, const OpFn& f, const std::vector<Tensor>& inputs,
             const std::vector<Tol>& grad_tol, Tol out_tol, uint64_t seed = 7) {
  std::vector<Tensor> cpu, gpu;
  for (const Tensor& t : inputs) {
    cpu.push_back(t.clone().set_requires_grad());
    gpu.push_back(t.to(kGpu).detach().set_requires_grad());
  }
  Tensor yc = f(cpu), yg = f(gpu);
  check_near(yg, yc, what + " forward", out_tol);
  Rng rng(seed);
  Tensor dy = Tensor::randn(yc.shape(), rng);
  yc.backward(dy);
  yg.backward(dy.to(kGpu));
  for (size_t i = 0; i < inputs.size(); ++i) {
    REQUIRE(cpu[i].grad().defined());
    REQUIRE(gpu[i].grad().defined());
    check_near(gpu[i].grad(), cpu[i].grad(), what + " grad of input " + std::to_string(i),
               grad_tol[i]);
  }
}

constexpr Tol kExact{};
constexpr Tol kConv{1e-4f, 1e-5f};
constexpr Tol kConvWeight{1e-4f, 5e-5f};
constexpr Tol kDouble{1e-5f, 1e-5f};

struct ConvCase {
  int64_t B, Cin, Cout, H, W, kh, kw, sh, sw;
  Padding2d pad;
  bool bias;
};

void compare_conv(const ConvCase& c, uint64_t seed) {
  Rng rng(seed);
  const std::string what =
      str_cat("conv2d x [", c.B, ", ", c.Cin, ", ", c.H, ", ", c.W, "] w [", c.Cout, ", ", c.Cin,
              ", ", c.kh, ", ", c.kw, "] s ", c.sh, "x", c.sw, " pad ", c.pad.top, ",",
              c.pad.bottom, ",", c.pad.left, ",", c.pad.right);
  std::vector<Tensor> in = {Tensor::randn({c.B, c.Cin, c.H, c.W}, rng),
                            Tensor::randn({c.Cout, c.Cin, c.kh, c.kw}, rng)};
  std::vector<Tol> tol = {kConv, kConvWeight};
  if (c.bias) in.push_back(Tensor::randn({c.Cout}, rng)), tol.push_back(kDouble);
  const ConvCase cc = c;
  compare(
      what,
      [cc](const std::vector<Tensor>& v) {
        return ops::conv2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), cc.sh, cc.sw, cc.pad);
      },
      in, tol, kConv, seed);
}

}  // namespace

TEST_CASE("cuda: every 2-D slot has a CUDA kernel") {
  const std::vector<std::string> names = {
      "conv2d_forward", "conv2d_backward_data", "conv2d_backward_weight", "maxpool2d_forward",
      "maxpool2d_backward", "pad", "reduce_max", "reduce_max_backward",
      // reused: batchnorm2d, mean and concat run on these
      "batchnorm_train_forward", "batchnorm_eval_forward", "batchnorm_backward", "reduce_sum",
      "reduce_broadcast", "copy2d"};
  auto& view = kernel_registry_view();
  for (const std::string& n : names) {
    auto it =
        std::find_if(view.begin(), view.end(), [&](const KernelInfo& k) { return n == k.name; });
    REQUIRE_MESSAGE(it != view.end(), "slot ", n, " is not registered");
    CHECK_MESSAGE(it->has_cuda, "slot ", n, " has no CUDA kernel");
  }
}

TEST_CASE("cuda: conv2d matches the CPU") {
  const ConvCase fixed[] = {
      {1, 1, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, true},                // tiny
      {2, 1, 6, 40, 96, 7, 86, 1, 1, {3, 3, 0, 0}, true},             // musicnn timbral (shrunk T)
      {2, 1, 5, 187, 1, 128, 1, 1, 1, same_padding2d(128, 1), true},  // musicnn temporal
      {2, 1, 8, 19, 23, 7, 23, 1, 1, {3, 3, 0, 0}, false},            // mid-end: Wout = 1
      {3, 4, 5, 9, 8, 3, 4, 2, 3, {1, 2, 0, 3}, true},                // strides, asymmetric padding
      {1, 2, 3, 3, 2, 2, 1, 3, 1, {4, 2, 3, 1}, true},                // padding > kernel
      {2, 3, 70, 13, 11, 3, 3, 1, 1, {1, 1, 1, 1}, true},             // many channels
  };
  uint64_t seed = 300;
  for (const ConvCase& c : fixed) compare_conv(c, seed++);
  Rng rng(99);
  for (int k = 0; k < 8; ++k) {  // random shapes, odd sizes included
    ConvCase c;
    c.B = 1 + rng.randint(3), c.Cin = 1 + rng.randint(5), c.Cout = 1 + rng.randint(9);
    c.H = 1 + rng.randint(20), c.W = 1 + rng.randint(20);
    c.sh = 1 + rng.randint(3), c.sw = 1 + rng.randint(3);
    c.pad = {rng.randint(4), rng.randint(4), rng.randint(4), rng.randint(4)};
    c.kh = 1 + rng.randint(c.H + c.pad.top + c.pad.bottom);
    c.kw = 1 + rng.randint(c.W + c.pad.left + c.pad.right);
    c.bias = rng.randint(2) == 0;
    compare_conv(c, seed++);
  }
}

TEST_CASE("cuda: batchnorm2d matches the CPU (train and eval, running statistics)") {
  Rng rng(41);
  for (Shape s : {Shape{2, 3, 5, 7}, Shape{4, 16, 11, 1}, Shape{1, 2, 1, 3}, Shape{3, 5, 9, 13}}) {
    for (bool training : {true, false}) {
      const int64_t C = s[1];
      Tensor rm = Tensor::randn({C}, rng, 0.3f), rv = Tensor::uniform({C}, rng, 0.5f, 1.5f);
      Tensor rmc = rm.clone(), rvc = rv.clone(), rmg = rm.to(kGpu), rvg = rv.to(kGpu);
      bool gpu_call = false;
      compare(
          str_cat("batchnorm2d ", shape_str(s), training ? " train" : " eval"),
          [&](const std::vector<Tensor>& v) {
            const bool g = v[0].is_cuda();
            gpu_call = gpu_call || g;
            return ops::batchnorm2d(v[0], v[1], v[2], g ? rmg : rmc, g ? rvg : rvc, training, 0.01f,
                                    1e-3f);
          },
          {Tensor::randn(s, rng), Tensor::uniform({C}, rng, 0.5f, 1.5f), Tensor::randn({C}, rng)},
          {kDouble, kDouble, kDouble}, kDouble);
      CHECK(gpu_call);
      check_near(rmg, rmc, "running_mean", kDouble);
      check_near(rvg, rvc, "running_var", kDouble);
    }
  }
}

TEST_CASE("cuda: maxpool2d matches the CPU exactly") {
  struct Case {
    Shape s;
    int64_t kh, kw, sh, sw, ph, pw;
  };
  std::vector<Case> cases = {
      {{1, 1, 1, 1}, 1, 1, 0, 0, 0, 0},  {{2, 3, 11, 96}, 1, 96, 0, 0, 0, 0},
      {{2, 3, 7, 10}, 2, 3, 0, 0, 0, 0}, {{2, 2, 6, 7}, 3, 2, 1, 2, 1, 1},
      {{1, 3, 7, 5}, 3, 3, 2, 1, 1, 0},  {{2, 4, 187, 11}, 1, 11, 0, 0, 0, 0}};
  Rng rng(51);
  for (int k = 0; k < 6; ++k) {
    Case c;
    c.s = {1 + rng.randint(3), 1 + rng.randint(4), 1 + rng.randint(15), 1 + rng.randint(15)};
    c.kh = 1 + rng.randint(c.s[2]), c.kw = 1 + rng.randint(c.s[3]);
    c.sh = rng.randint(3), c.sw = rng.randint(3);
    c.ph = rng.randint(c.kh / 2 + 1), c.pw = rng.randint(c.kw / 2 + 1);
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    // rounded values: many ties, so the tie rule is exercised too
    Tensor x = Tensor::randn(c.s, rng);
    std::vector<float> v = x.to_vector();
    for (float& e : v) e = std::round(e * 2.0f);
    compare(
        str_cat("maxpool2d ", shape_str(c.s), " k ", c.kh, "x", c.kw, " s ", c.sh, "x", c.sw, " p ",
                c.ph, "x", c.pw),
        [c](const std::vector<Tensor>& in) {
          return ops::maxpool2d(in[0], c.kh, c.kw, c.sh, c.sw, c.ph, c.pw);
        },
        {Tensor::from_vector(v, c.s)}, {kExact}, kExact);
  }
}

TEST_CASE("cuda: pad matches the CPU exactly") {
  Rng rng(61);
  struct Case {
    Shape s;
    std::vector<std::pair<int64_t, int64_t>> pads;
    float value;
  };
  std::vector<Case> cases = {
      {{2, 1, 187, 96}, {{0, 0}, {0, 0}, {3, 3}, {0, 0}}, 0.0f},
      {{2, 3, 4, 5}, {{1, 0}, {0, 2}, {-1, 2}, {2, -1}}, 1.5f},
      {{3, 4, 2}, {{2, 1}, {0, 0}, {1, 3}}, -0.25f},
      {{1}, {{0, 4}}, 2.0f},
      {{1, 1, 1, 1}, {{1, 1}, {1, 1}, {1, 1}, {1, 1}}, 0.0f},
  };
  for (int k = 0; k < 5; ++k) {
    Case c;
    const int r = 1 + (int)rng.randint(5);
    for (int d = 0; d < r; ++d) {
      const int64_t n = 3 + rng.randint(4);  // >= 3: every padded size stays >= 1
      c.s.push_back(n);
      c.pads.push_back({rng.randint(4) - 1, rng.randint(4) - 1});  // -1 .. 2 (crops included)
    }
    c.value = rng.normal();
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    const auto pads = c.pads;
    const float value = c.value;
    compare(
        str_cat("pad ", shape_str(c.s)),
        [pads, value](const std::vector<Tensor>& in) { return ops::pad(in[0], pads, value); },
        {Tensor::randn(c.s, rng)}, {kExact}, kExact);
  }
}

TEST_CASE("cuda: max along a dim matches the CPU exactly, ties and NaN included") {
  Rng rng(71);
  std::vector<Shape> shapes = {{1},          {2, 187, 51}, {2, 51, 187},
                               {3, 4, 5, 6}, {1, 1, 1, 1}, {2, 3, 300, 1}};
  for (int k = 0; k < 4; ++k)
    shapes.push_back({1 + rng.randint(4), 1 + rng.randint(9), 1 + rng.randint(9)});
  for (const Shape& s : shapes)
    for (int64_t d = 0; d < (int64_t)s.size(); ++d)
      for (bool keep : {false, true}) {
        std::vector<float> v = Tensor::randn(s, rng).to_vector();
        for (float& e : v) e = std::round(e * 2.0f);  // ties
        compare(
            str_cat("max ", shape_str(s), " dim ", d, keep ? " keepdim" : ""),
            [d, keep](const std::vector<Tensor>& in) { return ops::max(in[0], d, keep); },
            {Tensor::from_vector(v, s)}, {kExact}, kExact);
        compare(
            str_cat("min ", shape_str(s), " dim ", d, keep ? " keepdim" : ""),
            [d, keep](const std::vector<Tensor>& in) { return ops::min(in[0], d, keep); },
            {Tensor::from_vector(v, s)}, {kExact}, kExact);
      }
  Tensor n = Tensor::from_vector({1, NAN, 7, NAN, 2, 3}, {2, 3});
  for (int64_t d : {0, 1}) {
    std::vector<float> c = ops::max(n, d).to_vector(), g = ops::max(n.to(kGpu), d).to_vector();
    REQUIRE(c.size() == g.size());
    for (size_t i = 0; i < c.size(); ++i)
      CHECK((std::isnan(c[i]) ? std::isnan(g[i]) : c[i] == g[i]));
    std::vector<float> cm = ops::min(n, d).to_vector(), gm = ops::min(n.to(kGpu), d).to_vector();
    REQUIRE(cm.size() == gm.size());
    for (size_t i = 0; i < cm.size(); ++i)
      CHECK((std::isnan(cm[i]) ? std::isnan(gm[i]) : cm[i] == gm[i]));
  }
}

TEST_CASE("cuda: mean along any dim and rank-4 concat match the CPU") {
  Rng rng(81);
  const Shape s{2, 3, 4, 5};
  for (int64_t d = -1; d < 4; ++d)
    compare(
        str_cat("mean dim ", d),
        [d](const std::vector<Tensor>& in) { return ops::mean(in[0], d, d == 2); },
        {Tensor::randn(s, rng)}, {kDouble}, kDouble);
  for (int64_t d = 0; d < 4; ++d) {
    Shape a = s, b = s;
    a[(size_t)d] = 1 + rng.randint(3);
    b[(size_t)d] = 1 + rng.randint(3);
    compare(
        str_cat("concat dim ", d),
        [d](const std::vector<Tensor>& in) { return ops::concat(in, d); },
        {Tensor::randn(a, rng), Tensor::randn(s, rng), Tensor::randn(b, rng)},
        {kExact, kExact, kExact}, kExact);
  }
}

TEST_CASE("cuda: the 2-D modules run on the GPU") {
  Rng rng(91);
  nn::Conv2d conv(1, 4, 7, 5, {3, 3, 0, 0}, true, rng);
  nn::BatchNorm2d bn(4, 0.01f, 1e-3f);
  nn::MaxPool2d pool(1, 12);
  Tensor x = Tensor::randn({2, 1, 10, 16}, rng);
  Tensor yc = pool(bn(conv(x)));
  const float rm_cpu = bn.running_mean.to_vector()[1];
  // start the GPU copy from the same state
  nn::BatchNorm2d bn_gpu(4, 0.01f, 1e-3f);
  conv.to(kGpu);
  bn_gpu.to(kGpu);
  Tensor yg = pool(bn_gpu(conv(x.to(kGpu))));
  CHECK(yg.is_cuda());
  CHECK(yg.shape() == Shape{2, 4, 10, 1});
  check_near(yg, yc, "conv -> bn -> pool", kConv);
  CHECK(bn_gpu.num_batches_tracked.is_cuda());
  CHECK(bn_gpu.num_batches_tracked.item() == 1.0f);
  CHECK(bn_gpu.running_mean.to_vector()[1] == doctest::Approx(rm_cpu).epsilon(1e-5));
}
