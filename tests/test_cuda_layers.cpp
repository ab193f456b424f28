// test_cuda_layers.cpp — the CUDA kernels of the SampleCNN layer ops (conv1d, maxpool1d) and of
// the GEMM slot (cuBLAS) against the CPU kernels, on random shapes from 1 element up to
// SampleCNN's own layers.
//
// Here: every conv1d kernel version (v1 naive, v2 tiled, v3 TF32, Small, Auto) called directly
// through kernels/conv1d_cuda.h against the CPU slot on the same inputs; conv1d computing only
// the gradients asked for; maxpool1d bit for bit with ties and NaN (the op-case harness compares
// with tolerances, and NaN is never within one); the GEMM slot with transposes, padding and
// alpha/beta. The op-level comparisons (ops::conv1d / batchnorm1d / linear / matmul with
// autograd, CPU vs CUDA) are op cases: tests/support/op_cases_*.cpp, run by test_cuda_ops.
// Without a GPU the executable exits 77 (tests/support/cuda_test_main.cpp): CTest "skipped".
//
// Tolerances (fp32; the two sides sum in different orders):
//   |gpu - cpu| <= rtol * |cpu| + atol * max|cpu|, rtol = 1e-4, atol = 1e-5 for outputs whose
//   terms number <= ~10^4 (conv forward / backward data, GEMM, batchnorm element-wise);
//   atol = 5e-5 for the weight gradient (sums over B*Lout, up to ~10^5 terms, here), 2e-4 for
//   v1's weight gradient (each thread accumulates B*Lout/256 terms serially in fp32).
//   TF32 (v3): operands rounded to 10 mantissa bits, error ~2^-11 sqrt(depth) per unit-scale
//   term: |gpu - cpu| <= 1e-2 * RMS(cpu) + 2e-3 * |cpu|.
//   maxpool: exact (the same comparisons select the same element; the backward adds in the
//   same order).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/conv1d.h"
#include "engine/ops/linear.h"
#include "engine/ops/pool.h"
#include "engine/rng.h"
#ifdef SYN_WITH_CUDA
#include "kernels/conv1d_cuda.h"
#endif

using namespace syn;

namespace {

constexpr Device kGpu = Device::CUDA;

struct Tol {
  double rtol = 1e-4, atol = 1e-5;
  bool rms = false;  // atol relative to the RMS of the reference instead of its max
};

void expect_close(const std::vector<float>& got, const std::vector<float>& ref,
                  const std::string& what, Tol t = {}) {
  REQUIRE_MESSAGE(got.size() == ref.size(), what, ": ", got.size(), " vs ", ref.size(),
                  " elements");
  double mx = 0, ss = 0;
  for (float r : ref) mx = std::max(mx, (double)std::fabs(r)), ss += (double)r * r;
  const double scale = t.rms ? std::sqrt(ss / std::max<size_t>(1, ref.size())) : mx;
  size_t bad = 0, worst = 0;
  double worst_ratio = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = t.rtol * std::fabs(ref[i]) + t.atol * scale + 1e-30;
    const double ratio = std::fabs((double)got[i] - ref[i]) / tol;
    if (!(ratio <= 1)) ++bad;  // NaN counts as bad
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i;
  }
  CHECK_MESSAGE(bad == 0, what, ": ", bad, " of ", got.size(), " elements off; worst at ", worst,
                ": gpu ", got.empty() ? 0.f : got[worst], " cpu ", ref.empty() ? 0.f : ref[worst],
                " (", worst_ratio, "x tolerance)");
}

void expect_close(const Tensor& gpu, const Tensor& cpu, const std::string& what, Tol t = {}) {
  REQUIRE(gpu.defined());
  REQUIRE(cpu.defined());
  CHECK(gpu.device() == kGpu);
  CHECK(gpu.shape() == cpu.shape());
  expect_close(gpu.to_vector(), cpu.to_vector(), what, t);
}

// Bitwise equality, NaN equal to NaN.
void expect_same(const Tensor& gpu, const Tensor& cpu, const std::string& what) {
  std::vector<float> g = gpu.to_vector(), c = cpu.to_vector();
  REQUIRE(g.size() == c.size());
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < g.size(); ++i)
    if (!(g[i] == c[i] || (std::isnan(g[i]) && std::isnan(c[i])))) {
      if (bad++ == 0) first = i;
    }
  CHECK_MESSAGE(bad == 0, what, ": ", bad, " of ", g.size(), " differ; first at ", first, ": gpu ",
                bad ? g[first] : 0.f, " cpu ", bad ? c[first] : 0.f);
}

// A leaf on each device holding the same values.
struct Pair {
  Tensor cpu, gpu;
};
Pair leaf_pair(const Tensor& values, bool grad = true) {
  Pair p{values.clone(), values.to(kGpu)};
  if (grad) p.cpu.set_requires_grad(), p.gpu.set_requires_grad();
  return p;
}

struct ConvCase {
  int64_t B, Cin, Cout, L, K, stride, pad;
  bool bias;
};

#ifdef SYN_WITH_CUDA
Conv1dShape shape_of(const ConvCase& c) {
  Conv1dShape s;
  s.B = c.B, s.Cin = c.Cin, s.Cout = c.Cout, s.L = c.L, s.K = c.K, s.stride = c.stride,
  s.padding = c.pad;
  s.Lout = (c.L + 2 * c.pad - c.K) / c.stride + 1;
  return s;
}

// Shapes for conv1d: tiny and odd, both tile sizes and their edges, depth splits, strides and
// paddings the SampleCNN never uses, and the SampleCNN's own layers at small batch.
const ConvCase kConvCases[] = {
    {1, 1, 1, 1, 1, 1, 0, true},        // everything 1
    {1, 1, 1, 3, 3, 1, 1, false},       // K = 3, p = 1 on 3 samples
    {2, 3, 5, 17, 3, 1, 1, true},       // odd small
    {3, 17, 33, 33, 3, 1, 1, true},     // 33 x 33
    {2, 5, 7, 40, 5, 2, 2, false},      // stride 2
    {2, 4, 6, 50, 4, 3, 2, true},       // stride 3, even K
    {2, 3, 7, 20, 7, 1, 6, true},       // padding > K - 1
    {2, 1, 130, 37, 5, 2, 3, true},     // Small with padding; Cout not a multiple of 32
    {1, 1, 128, 300, 3, 3, 0, true},    // first-layer geometry, short
    {2, 6, 9, 31, 2, 1, 0, true},       // Cin*K = 12: Small's 16-wide variant
    {3, 100, 70, 37, 3, 1, 1, true},    // depth 300; 128-tile with M = 70
    {2, 130, 129, 129, 3, 1, 1, true},  // two M tiles (129) on both sides
    {4, 64, 64, 200, 3, 1, 1, true},    // the 64x64 tile exactly full
    {2, 65, 33, 500, 3, 1, 1, false},   // 64-tile forward (M = 33), 128-tile backward data (65)
    {5, 20, 40, 1000, 3, 2, 1, true},   // stride 2 through the tiled backward data
    {48, 256, 512, 9, 3, 1, 1, true},   // SampleCNN block 8 at batch 48: depth splits
    {48, 512, 512, 1, 3, 1, 1, true},   // SampleCNN's last conv: length 1
};

// SampleCNN's first conv and its first block at batch 2 (the largest shapes in this file).
const ConvCase kSampleCnnCases[] = {
    {2, 1, 128, 59049, 3, 3, 0, true},
    {2, 128, 128, 19683, 3, 1, 1, true},
};

using cuda_kernels::ConvVersion;

Tol conv_tol(ConvVersion v, bool weight) {
  if (v == ConvVersion::Tf32) return Tol{2e-3, 1e-2, true};
  if (!weight) return Tol{};
  return Tol{1e-4, v == ConvVersion::Naive ? 2e-4 : 5e-5, false};
}

// Every version of the three kernels against the CPU slots on the same inputs.
void check_conv_versions(const ConvCase& c, uint64_t seed, bool with_naive = true) {
  const Conv1dShape s = shape_of(c);
  INFO("B ", c.B, " Cin ", c.Cin, " Cout ", c.Cout, " L ", c.L, " K ", c.K, " stride ", c.stride,
       " pad ", c.pad, " bias ", c.bias);
  Rng rng(seed);
  Tensor x = Tensor::randn({c.B, c.Cin, c.L}, rng);
  Tensor w = Tensor::randn({c.Cout, c.Cin, c.K}, rng, 1.0f / std::sqrt((float)(c.Cin * c.K)));
  Tensor b = Tensor::randn({c.Cout}, rng);
  Tensor gy = Tensor::randn({c.B, c.Cout, s.Lout}, rng);
  const float* bias_cpu = c.bias ? b.data() : nullptr;
  Tensor y = Tensor::empty(gy.shape()), dx = Tensor::empty(x.shape());
  Tensor dw = Tensor::empty(w.shape()), db = Tensor::empty(b.shape());
  conv1d_forward_kernel.cpu(s, x.data(), w.data(), bias_cpu, y.data());
  conv1d_backward_data_kernel.cpu(s, gy.data(), w.data(), dx.data());
  conv1d_backward_weight_kernel.cpu(s, x.data(), gy.data(), dw.data(), db.data());

  Tensor xg = x.to(kGpu), wg = w.to(kGpu), bg = b.to(kGpu), gyg = gy.to(kGpu);
  const float* bias_gpu = c.bias ? bg.data() : nullptr;
  for (ConvVersion v : {ConvVersion::Auto, ConvVersion::Naive, ConvVersion::Tiled,
                        ConvVersion::Tf32, ConvVersion::Small}) {
    if (!cuda_kernels::conv_version_supported(v, s)) continue;
    if (v == ConvVersion::Naive && !with_naive) continue;
    const std::string name = cuda_kernels::conv_version_name(v);
    CAPTURE(name);
    Tensor yg = Tensor::full(y.shape(), NAN, kGpu), dxg = Tensor::full(x.shape(), NAN, kGpu);
    Tensor dwg = Tensor::full(w.shape(), NAN, kGpu), dbg = Tensor::full(b.shape(), NAN, kGpu);
    cuda_kernels::conv1d_forward_v(v, s, xg.data(), wg.data(), bias_gpu, yg.data());
    expect_close(yg, y, name + " y", conv_tol(v, false));
    cuda_kernels::conv1d_backward_data_v(v, s, gyg.data(), wg.data(), dxg.data());
    expect_close(dxg, dx, name + " dx", conv_tol(v, false));
    cuda_kernels::conv1d_backward_weight_v(v, s, xg.data(), gyg.data(), dwg.data(), dbg.data());
    expect_close(dwg, dw, name + " dw", conv_tol(v, true));
    expect_close(dbg, db, name + " db", Tol{1e-4, 5e-5, false});
    // each gradient alone (the other pointer null)
    Tensor dw2 = Tensor::full(w.shape(), NAN, kGpu), db2 = Tensor::full(b.shape(), NAN, kGpu);
    cuda_kernels::conv1d_backward_weight_v(v, s, xg.data(), gyg.data(), dw2.data(), nullptr);
    cuda_kernels::conv1d_backward_weight_v(v, s, xg.data(), gyg.data(), nullptr, db2.data());
    expect_close(dw2, dw, name + " dw alone", conv_tol(v, true));
    expect_close(db2, db, name + " db alone", Tol{1e-4, 5e-5, false});
  }
}
#endif

}  // namespace

// ------------------------------------------------------------------------------ conv1d

#ifdef SYN_WITH_CUDA
TEST_CASE("conv1d CUDA kernels, every version, match the CPU kernels") {
  uint64_t seed = 1;
  for (const ConvCase& c : kConvCases) check_conv_versions(c, seed++);
}

TEST_CASE("conv1d CUDA kernels match the CPU on SampleCNN's first conv and first block") {
  uint64_t seed = 50;
  for (const ConvCase& c : kSampleCnnCases) check_conv_versions(c, seed++, /*with_naive=*/true);
}

TEST_CASE("conv1d Auto uses TF32 only when asked") {
  const ConvCase c{2, 40, 48, 60, 3, 1, 1, true};
  const Conv1dShape s = shape_of(c);
  Rng rng(9);
  Tensor x = Tensor::randn({c.B, c.Cin, c.L}, rng), w = Tensor::randn({c.Cout, c.Cin, c.K}, rng);
  Tensor xg = x.to(kGpu), wg = w.to(kGpu);
  Tensor a = Tensor::empty({c.B, c.Cout, s.Lout}, kGpu), t = Tensor::empty(a.shape(), kGpu);
  Tensor f = Tensor::empty(a.shape(), kGpu);
  REQUIRE_FALSE(cuda_kernels::conv1d_tf32());
  cuda_kernels::conv1d_forward(s, xg.data(), wg.data(), nullptr, a.data());
  cuda_kernels::conv1d_forward_v(ConvVersion::Tiled, s, xg.data(), wg.data(), nullptr, f.data());
  expect_same(a, f, "Auto == v2 with TF32 off");
  cuda_kernels::conv1d_set_tf32(true);
  cuda_kernels::conv1d_forward(s, xg.data(), wg.data(), nullptr, t.data());
  cuda_kernels::conv1d_set_tf32(false);
  Tensor t3 = Tensor::empty(a.shape(), kGpu);
  cuda_kernels::conv1d_forward_v(ConvVersion::Tf32, s, xg.data(), wg.data(), nullptr, t3.data());
  expect_same(t, t3, "Auto == v3 with TF32 on");
  // TF32 really rounds: on unit-scale data over depth 120 some output differs from fp32
  std::vector<float> tv = t.to_vector(), fv = f.to_vector();
  bool differs = false;
  for (size_t i = 0; i < tv.size(); ++i) differs = differs || tv[i] != fv[i];
  CHECK(differs);
}
#endif

TEST_CASE("conv1d on CUDA computes only the gradients asked for") {
  Rng rng(5);
  Tensor x = Tensor::randn({2, 3, 8}, rng).to(kGpu);  // no gradient wanted
  Pair w = leaf_pair(Tensor::randn({4, 3, 3}, rng));
  Tensor y = ops::conv1d(x, w.gpu, Tensor(), 1, 1);
  y.backward(Tensor::full(y.shape(), 1.0f, kGpu));
  CHECK_FALSE(x.grad().defined());
  REQUIRE(w.gpu.grad().defined());
  CHECK(w.gpu.grad().device() == kGpu);
}

// ------------------------------------------------------------------------------ maxpool

TEST_CASE("maxpool1d on CUDA matches the CPU exactly: values, argmax choice, gradient") {
  struct PoolCase {
    Shape shape;
    int64_t kernel, stride, pad;
  };
  const PoolCase cases[] = {
      {{2, 3, 10}, 3, 3, 0},       // SampleCNN's pool, one sample left over
      {{1, 1, 1}, 1, 1, 0},        // a single element
      {{2, 4, 17}, 3, 2, 1},       // overlapping windows with padding
      {{3, 5, 33}, 4, 1, 2},       // stride 1: every element in up to 4 windows
      {{2, 2, 9}, 2, 0, 1},        // stride 0 = kernel, padding 1
      {{4, 128, 19683}, 3, 3, 0},  // SampleCNN block 1 at batch 4
  };
  uint64_t seed = 300;
  for (const PoolCase& c : cases) {
    INFO("shape ", shape_str(c.shape), " kernel ", c.kernel, " stride ", c.stride, " pad ", c.pad);
    Rng rng(seed++);
    for (bool ties : {false, true}) {
      CAPTURE(ties);
      std::vector<float> v = Tensor::randn(c.shape, rng).to_vector();
      if (ties)  // small integers: many equal maxima (the first must win on both devices)
        for (float& e : v) e = std::round(e * 1.5f);
      if (v.size() > 20) v[7] = NAN;  // a NaN wins its windows on both devices
      Pair x = leaf_pair(Tensor::from_vector(v, c.shape));
      Tensor yc = ops::maxpool1d(x.cpu, c.kernel, c.stride, c.pad);
      Tensor yg = ops::maxpool1d(x.gpu, c.kernel, c.stride, c.pad);
      expect_same(yg, yc, "y");
      Tensor gy = Tensor::randn(yc.shape(), rng);
      yc.backward(gy);
      yg.backward(gy.to(kGpu));
      expect_same(x.gpu.grad(), x.cpu.grad(), "dx");
    }
  }
}

TEST_CASE("maxpool1d on CUDA without gradients skips the index buffer") {
  Rng rng(4);
  Tensor x = Tensor::randn({2, 3, 30}, rng);
  NoGradGuard ng;
  expect_same(ops::maxpool1d(x.to(kGpu), 3), ops::maxpool1d(x, 3), "y (inference)");
}

// ------------------------------------------------------------------------------ GEMM

TEST_CASE("GEMM slot on cuBLAS matches the CPU GEMM: transposes, odd sizes, padding, alpha/beta") {
  struct Dims {
    int64_t M, N, K;
  };
  const Dims dims[] = {{1, 1, 1},    {3, 17, 33},     {33, 1, 65},
                       {64, 64, 64}, {127, 129, 255}, {5, 7, 0}};
  Rng rng(400);
  for (const Dims& d : dims)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.0f, 0.5f}) {
          INFO("M ", d.M, " N ", d.N, " K ", d.K, " trans_a ", ta, " trans_b ", tb, " beta ", beta);
          // leading dimensions padded by 3 (the padding must be left alone in C)
          const int64_t lda = (ta ? d.M : d.K) + 3, ldb = (tb ? d.K : d.N) + 3, ldc = d.N + 3;
          const int64_t arows = ta ? d.K : d.M, brows = tb ? d.N : d.K;
          Tensor A = Tensor::randn({std::max<int64_t>(arows, 1), lda}, rng);
          Tensor B = Tensor::randn({std::max<int64_t>(brows, 1), ldb}, rng);
          Tensor C = Tensor::randn({d.M, ldc}, rng);
          if (beta == 0.0f) {  // C must not be read: NaNs in it must not reach the result
            std::vector<float> cv = C.to_vector();
            for (int64_t r = 0; r < d.M; ++r)
              for (int64_t c = 0; c < d.N; ++c) cv[(size_t)(r * ldc + c)] = NAN;
            C = Tensor::from_vector(cv, C.shape());
          }
          Tensor Cg = C.to(kGpu), Ag = A.to(kGpu), Bg = B.to(kGpu);
          gemm_kernel.cpu(ta, tb, d.M, d.N, d.K, 1.5f, A.data(), lda, B.data(), ldb, beta, C.data(),
                          ldc);
          gemm_kernel.on(kGpu)(ta, tb, d.M, d.N, d.K, 1.5f, Ag.data(), lda, Bg.data(), ldb, beta,
                               Cg.data(), ldc);
          expect_close(Cg, C, "C (padding included)");
        }
}
