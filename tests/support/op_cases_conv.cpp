// op_cases_conv.cpp — conv1d and conv2d (forward, backward-data, backward-weight slots; the
// bias add and its gradient run in the same slots).
// Fixtures: tests/reference/gen_conv_linear.py (conv1d) and gen_ops2d.py (conv2d): fp32 vs
// float64 PyTorch on float32 inputs, sums of <= 150 unit-scale products, results of magnitude
// 1..20: rtol 1e-4, atol 1e-4. CUDA vs CPU: both are fp32 GEMMs summing <= ~10^4 products in
// different orders: |gpu - cpu| <= 1e-4 |cpu| + 1e-5 max|cpu|; the weight gradient also sums
// over B x output positions: floor 5e-5 max|cpu|; the bias gradient sums in double: 1e-5, 1e-5.
#include "engine/ops/conv1d.h"
#include "engine/ops/conv2d.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

const std::vector<std::string> kConv1dSlots = {"conv1d_forward", "conv1d_backward_data",
                                               "conv1d_backward_weight"};
const std::vector<std::string> kConv2dSlots = {"conv2d_forward", "conv2d_backward_data",
                                               "conv2d_backward_weight"};
const Tol kConv{1e-4f, 0.0f, 1e-5f};
const Tol kConvWeight{1e-4f, 0.0f, 5e-5f};
const Tol kDouble{1e-5f, 0.0f, 1e-5f};

struct Conv1dCfg {
  int64_t B, Cin, Cout, L, K, stride, pad;
  bool bias;
};

struct Conv2dCfg {
  int64_t B, Cin, Cout, H, W, kh, kw, sh, sw;
  Padding2d pad;
  bool bias;
};

OpForward conv1d_fn(int64_t stride, int64_t pad) {
  return [stride, pad](const Tensors& v) {
    return Tensors{ops::conv1d(v[0], v[1], v[2], stride, pad)};
  };
}

OpForward conv2d_fn(int64_t sh, int64_t sw, Padding2d pad) {
  return [sh, sw, pad](const Tensors& v) {
    return Tensors{ops::conv2d(v[0], v[1], v[2], sh, sw, pad)};
  };
}

// x and b are N(0, 1); w has standard deviation `w_std`.
OpCase& conv1d_case(std::vector<OpCase>& out, const Conv1dCfg& c, uint64_t seed, unsigned modes,
                    float w_std = 1.0f) {
  const std::string name =
      str_cat("conv1d B", c.B, " Cin", c.Cin, " Cout", c.Cout, " L", c.L, " k", c.K, " s", c.stride,
              " p", c.pad, c.bias ? "" : " no bias", w_std != 1.0f ? " w 0.3" : "");
  OpCase& k = add_case(
      out, name, kConv1dSlots,
      [c, seed, w_std] {
        Rng rng(seed);
        Tensor x = Tensor::randn({c.B, c.Cin, c.L}, rng);
        Tensor w = Tensor::randn({c.Cout, c.Cin, c.K}, rng, w_std);
        return Tensors{x, w, c.bias ? Tensor::randn({c.Cout}, rng) : Tensor()};
      },
      conv1d_fn(c.stride, c.pad), {true, true, c.bias}, modes);
  k.cuda_out = kConv;
  k.cuda_grad = {kConv, kConvWeight, kConvWeight};
  const int64_t Lout = (c.L + 2 * c.pad - c.K) / c.stride + 1;
  k.work.flops = 2.0 * (double)(c.B * c.Cout * Lout * c.Cin * c.K);
  return k;
}

OpCase& conv2d_case(std::vector<OpCase>& out, const Conv2dCfg& c, uint64_t seed, unsigned modes) {
  const std::string name =
      str_cat("conv2d x [", c.B, ", ", c.Cin, ", ", c.H, ", ", c.W, "] w [", c.Cout, ", ", c.Cin,
              ", ", c.kh, ", ", c.kw, "] s ", c.sh, "x", c.sw, " pad ", c.pad.top, ",",
              c.pad.bottom, ",", c.pad.left, ",", c.pad.right, c.bias ? "" : " no bias");
  OpCase& k = add_case(out, name, kConv2dSlots,
                       randn_inputs(seed, {{c.B, c.Cin, c.H, c.W},
                                           {c.Cout, c.Cin, c.kh, c.kw},
                                           c.bias ? Shape{c.Cout} : Shape{}}),
                       conv2d_fn(c.sh, c.sw, c.pad), {true, true, c.bias}, modes);
  k.cuda_out = kConv;
  k.cuda_grad = {kConv, kConvWeight, kDouble};
  const int64_t Ho = (c.H + c.pad.top + c.pad.bottom - c.kh) / c.sh + 1;
  const int64_t Wo = (c.W + c.pad.left + c.pad.right - c.kw) / c.sw + 1;
  k.work.flops = 2.0 * (double)(c.B * c.Cout * Ho * Wo * c.Cin * c.kh * c.kw);
  return k;
}

FixtureSpec conv_fixture(const std::string& file, const std::string& upstream) {
  FixtureSpec f{file, {"x", "w", "?b"}, {"y"}, upstream, {"dx", "dw", "?db"}};
  f.out = f.grad = Tol{1e-4f, 1e-4f};
  return f;
}

void add_conv1d(std::vector<OpCase>& out) {
  // Finite differences on small shapes.
  const Conv1dCfg fd[] = {
      {2, 3, 4, 7, 3, 1, 1, true},    // SampleCNN's block conv (k3 p1)
      {2, 2, 3, 10, 3, 3, 0, true},   // SampleCNN's first conv (k3 s3), one sample unused
      {1, 3, 2, 9, 5, 1, 2, false},   // K=5, no bias
      {2, 4, 3, 6, 1, 1, 0, true},    // K=1
      {1, 2, 2, 11, 3, 2, 1, false},  // stride 2, odd length
      {2, 2, 3, 5, 3, 1, 3, true},    // padding wider than the kernel
  };
  for (const Conv1dCfg& c : fd) conv1d_case(out, c, 11 + (uint64_t)c.L, kModeBackward | kModeCuda);
  for (const char* name : {"conv1d_k3s1p1", "conv1d_k3s3p0", "conv1d_k5s2p2_nobias",
                           "conv1d_k1s1p0", "conv1d_k3s1p1_wide"}) {
    OpCase& k = add_case(out, std::string("fixture ") + name, kConv1dSlots, nullptr,
                         conv1d_fn(1, 0), {true, true, true}, 0);
    k.fixture = conv_fixture(name, "gy");
    k.fixture->configure = [](const Checkpoint& fx) {
      return conv1d_fn(meta_int(fx, "stride"), meta_int(fx, "padding"));
    };
  }
  // CUDA (tests/test_cuda_layers.cpp's op-level shapes; its kernel versions stay there).
  uint64_t seed = 70;
  for (const Conv1dCfg& c :
       {Conv1dCfg{3, 5, 7, 29, 3, 1, 1, true}, Conv1dCfg{2, 1, 16, 99, 3, 3, 0, true},
        Conv1dCfg{2, 70, 40, 45, 5, 2, 2, false}})
    conv1d_case(out, c, seed++, kModeCuda, 0.3f);
  // SampleCNN's block 2 at batch 16 (timing).
  conv1d_case(out, {16, 128, 128, 2187, 3, 1, 1, true}, 3, kModeCuda | kModePerf);
}

void add_conv2d(std::vector<OpCase>& out) {
  const Conv2dCfg fd[] = {
      {2, 2, 3, 5, 4, 3, 2, 1, 1, {1, 0, 0, 1}, true},   // non-square, asymmetric padding
      {1, 2, 2, 7, 8, 3, 4, 2, 3, {2, 1, 1, 0}, true},   // strides (2, 3)
      {2, 3, 2, 4, 3, 1, 1, 1, 1, {0, 0, 0, 0}, false},  // 1x1
      {1, 1, 3, 6, 5, 4, 1, 1, 1, {1, 2, 0, 0}, true},   // TF-same-like even kernel
      {2, 1, 2, 3, 6, 3, 6, 1, 1, {1, 1, 0, 0}, true},   // kernel as wide as the input
      {1, 2, 2, 3, 3, 2, 2, 1, 2, {3, 1, 0, 2}, false},  // padding wider than the kernel
      // 3x3, padding 1 with channels in multiples of 16: the direct path
      // (engine/cpu/conv3x3.h) at every level, short position and output-channel tiles
      {2, 16, 20, 3, 4, 3, 3, 1, 1, {1, 1, 1, 1}, true},
      {1, 16, 16, 2, 3, 3, 3, 1, 1, {1, 1, 1, 1}, false},
      {1, 16, 16, 5, 4, 3, 3, 2, 2, {1, 1, 1, 1}, true},  // stride 2: forward, weight gradient
  };
  uint64_t seed = 40;
  for (const Conv2dCfg& c : fd) conv2d_case(out, c, seed++, kModeBackward);
  for (const char* name :
       {"conv2d_k3x2_p1x0", "conv2d_asym_stride", "conv2d_timbral", "conv2d_midend",
        "conv2d_same_k8x1", "conv2d_same_k4x6", "conv2d_same_k5x3", "conv2d_tiny", "conv2d_whole",
        "conv2d_pad_gt_kernel", "conv2d_3x3_direct"}) {
    OpCase& k = add_case(out, std::string("fixture ") + name, kConv2dSlots, nullptr,
                         conv2d_fn(1, 1, {}), {true, true, true}, 0);
    k.fixture = conv_fixture(name, "dy");
    k.fixture->configure = [](const Checkpoint& fx) {
      const Padding2d pad{meta_int(fx, "top"), meta_int(fx, "bottom"), meta_int(fx, "left"),
                          meta_int(fx, "right")};
      return conv2d_fn(meta_int(fx, "sh"), meta_int(fx, "sw"), pad);
    };
  }
  // The U-Net's downsampling: stride 2, padding 1, 9x8 -> 5x4 (gen_diffusion_ops.py; 1e-5).
  OpCase& down = add_case(out, "fixture diff_conv_down", kConv2dSlots, nullptr,
                          conv2d_fn(2, 2, Padding2d::symmetric(1, 1)), {true, true, true}, 0);
  down.fixture = FixtureSpec{
      "diff_conv_down", {"x", "weight", "bias"}, {"y"}, "dy", {"dx", "dweight", "dbias"}};
  down.fixture->out = down.fixture->grad = Tol{1e-5f, 1e-5f};
  // CUDA vs CPU (test_cuda_ops2d's shapes): tiny, musicnn's, strides, padding > kernel.
  const Conv2dCfg gpu[] = {
      {1, 1, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, true},                // tiny
      {2, 1, 6, 40, 96, 7, 86, 1, 1, {3, 3, 0, 0}, true},             // musicnn timbral (shrunk T)
      {2, 1, 5, 187, 1, 128, 1, 1, 1, same_padding2d(128, 1), true},  // musicnn temporal
      {2, 1, 8, 19, 23, 7, 23, 1, 1, {3, 3, 0, 0}, false},            // mid-end: Wout = 1
      {3, 4, 5, 9, 8, 3, 4, 2, 3, {1, 2, 0, 3}, true},                // strides, asymmetric padding
      {1, 2, 3, 3, 2, 2, 1, 3, 1, {4, 2, 3, 1}, true},                // padding > kernel
      {2, 3, 70, 13, 11, 3, 3, 1, 1, {1, 1, 1, 1}, true},             // many channels
  };
  seed = 300;
  for (const Conv2dCfg& c : gpu) conv2d_case(out, c, seed++, kModeCuda);
  Rng rng(99);
  for (int k = 0; k < 8; ++k) {  // random shapes, odd sizes included
    Conv2dCfg c;
    c.B = 1 + rng.randint(3), c.Cin = 1 + rng.randint(5), c.Cout = 1 + rng.randint(9);
    c.H = 1 + rng.randint(20), c.W = 1 + rng.randint(20);
    c.sh = 1 + rng.randint(3), c.sw = 1 + rng.randint(3);
    c.pad = {rng.randint(4), rng.randint(4), rng.randint(4), rng.randint(4)};
    c.kh = 1 + rng.randint(c.H + c.pad.top + c.pad.bottom);
    c.kw = 1 + rng.randint(c.W + c.pad.left + c.pad.right);
    c.bias = rng.randint(2) == 0;
    conv2d_case(out, c, seed++, kModeCuda);
  }
  // musicnn's timbral front end on a batch of 8 patches (timing).
  conv2d_case(out, {8, 1, 38, 187, 96, 7, 86, 1, 1, {3, 3, 0, 0}, true}, 5, kModeCuda | kModePerf);
}

}  // namespace

void add_conv_cases(std::vector<OpCase>& out) {
  add_conv1d(out);
  add_conv2d(out);
}

}  // namespace syn::test
