// test_cuda_precision.cpp — --precision tf32|bf16 on the GPU (engine/precision.h): the tensor-core
// conv1d kernels (v5, kernels/conv1d_tc.cu) against the fp32 CPU kernels on SampleCNN's shapes
// and awkward ones; Auto following the precision; cuBLAS GEMMs at each precision; and a whole
// 1,000-step CLMR run whose loss curve under bf16 and tf32 stays within a stated band of fp32's.
// Exits 77 (skipped) without a GPU.
//
// Tolerances: |gpu - cpu| <= tol * max|cpu| element-wise, tol = 2e-2 for bf16 (8-bit
// mantissas: ~4e-3 relative per product, errors grow ~sqrt(depth) relative to the sum's scale)
// and 1e-2 for TF32 (10-bit mantissas; conv1d v3's tests use the same).
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "apps/train/clmr_task.h"
#include "apps/train/trainer.h"
#include "engine/ops/conv1d.h"
#include "engine/ops/linear.h"
#include "engine/precision.h"
#include "engine/rng.h"
#ifdef SYN_WITH_CUDA
#include "kernels/conv1d_cuda.h"
#endif

using namespace syn;

namespace {

constexpr Device kGpu = Device::CUDA;

// Restores fp32 when a test ends, whatever happens.
struct PrecisionScope {
  explicit PrecisionScope(MathPrecision p) { set_math_precision(p); }
  ~PrecisionScope() { set_math_precision(MathPrecision::Fp32); }
};

double max_rel_error(const std::vector<float>& got, const std::vector<float>& ref) {
  REQUIRE(got.size() == ref.size());
  double mx = 0, err = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    mx = std::max(mx, (double)std::fabs(ref[i]));
    err = std::max(err, (double)std::fabs(got[i] - ref[i]));
    if (std::isnan(got[i])) return INFINITY;
  }
  return err / std::max(mx, 1e-30);
}

#ifdef SYN_WITH_CUDA
using cuda_kernels::ConvVersion;

struct ConvCase {
  int64_t B, Cin, Cout, L, K, stride, pad;
};

Conv1dShape shape_of(const ConvCase& c) {
  Conv1dShape s;
  s.B = c.B, s.Cin = c.Cin, s.Cout = c.Cout, s.L = c.L, s.K = c.K, s.stride = c.stride;
  s.padding = c.pad;
  s.Lout = (c.L + 2 * c.pad - c.K) / c.stride + 1;
  return s;
}

void check_tc(const ConvCase& c, uint64_t seed) {
  const Conv1dShape s = shape_of(c);
  INFO("B ", c.B, " Cin ", c.Cin, " Cout ", c.Cout, " L ", c.L, " stride ", c.stride);
  Rng rng(seed);
  Tensor x = Tensor::randn({c.B, c.Cin, c.L}, rng);
  Tensor w = Tensor::randn({c.Cout, c.Cin, c.K}, rng, 1.0f / std::sqrt((float)(c.Cin * c.K)));
  Tensor b = Tensor::randn({c.Cout}, rng);
  Tensor gy = Tensor::randn({c.B, c.Cout, s.Lout}, rng);
  Tensor y = Tensor::empty(gy.shape()), dx = Tensor::empty(x.shape());
  conv1d_forward_kernel.cpu(s, x.data(), w.data(), b.data(), y.data());
  conv1d_backward_data_kernel.cpu(s, gy.data(), w.data(), dx.data());
  Tensor xg = x.to(kGpu), wg = w.to(kGpu), bg = b.to(kGpu), gyg = gy.to(kGpu);
  for (ConvVersion v : {ConvVersion::TcBf16, ConvVersion::TcTf32}) {
    const double tol = v == ConvVersion::TcBf16 ? 2e-2 : 1e-2;
    CAPTURE(cuda_kernels::conv_version_name(v));
    Tensor yg = Tensor::full(y.shape(), NAN, kGpu);
    cuda_kernels::conv1d_forward_v(v, s, xg.data(), wg.data(), bg.data(), yg.data());
    CHECK(max_rel_error(yg.to_vector(), y.to_vector()) <= tol);
    if (c.stride == 1) {
      Tensor dxg = Tensor::full(x.shape(), NAN, kGpu);
      cuda_kernels::conv1d_backward_data_v(v, s, gyg.data(), wg.data(), dxg.data());
      CHECK(max_rel_error(dxg.to_vector(), dx.to_vector()) <= tol);
    }
  }
}
#endif

}  // namespace

#ifdef SYN_WITH_CUDA
TEST_CASE("v5 tensor-core conv1d (bf16, tf32) matches the fp32 CPU kernels within tolerance") {
  const ConvCase cases[] = {
      {2, 128, 128, 19683, 3, 1, 1},  // SampleCNN block 1 at batch 2
      {2, 128, 256, 243, 3, 1, 1},    // block 5
      {3, 512, 512, 9, 3, 1, 1},      // block 8: N smaller than a tile
      {2, 33, 65, 500, 3, 1, 1},      // M, N and depth not multiples of the tiles
      {2, 40, 20, 1000, 3, 2, 1},     // stride 2 (forward only on v5)
      {1, 7, 130, 50, 5, 1, 2},       // K = 5
  };
  uint64_t seed = 1;
  for (const ConvCase& c : cases) check_tc(c, seed++);
}

TEST_CASE("conv1d Auto follows --precision; bf16 really rounds") {
  const ConvCase c{2, 64, 96, 300, 3, 1, 1};
  const Conv1dShape s = shape_of(c);
  Rng rng(5);
  Tensor x = Tensor::randn({c.B, c.Cin, c.L}, rng).to(kGpu);
  Tensor w = Tensor::randn({c.Cout, c.Cin, c.K}, rng).to(kGpu);
  Tensor a = Tensor::empty({c.B, c.Cout, s.Lout}, kGpu), e = Tensor::empty(a.shape(), kGpu);
  Tensor f = Tensor::empty(a.shape(), kGpu);
  cuda_kernels::conv1d_forward(s, x.data(), w.data(), nullptr, f.data());  // fp32
  for (auto [p, v] : {std::pair{MathPrecision::Bf16, ConvVersion::TcBf16},
                      std::pair{MathPrecision::Tf32, ConvVersion::TcTf32}}) {
    PrecisionScope scope(p);
    cuda_kernels::conv1d_forward(s, x.data(), w.data(), nullptr, a.data());
    cuda_kernels::conv1d_forward_v(v, s, x.data(), w.data(), nullptr, e.data());
    CHECK(a.to_vector() == e.to_vector());
    CHECK(a.to_vector() != f.to_vector());
  }
}
#endif

TEST_CASE("linear (cuBLAS) at tf32 and bf16 stays within tolerance of fp32") {
  Rng rng(3);
  Tensor x = Tensor::randn({64, 512}, rng), w = Tensor::randn({256, 512}, rng, 0.05f);
  Tensor b = Tensor::randn({256}, rng);
  const std::vector<float> ref = ops::linear(x, w, b).to_vector();
  for (auto [p, tol] : {std::pair{MathPrecision::Fp32, 1e-5}, std::pair{MathPrecision::Tf32, 1e-2},
                        std::pair{MathPrecision::Bf16, 2e-2}}) {
    PrecisionScope scope(p);
    CAPTURE(math_precision_name(p));
    const std::vector<float> got = ops::linear(x.to(kGpu), w.to(kGpu), b.to(kGpu)).to_vector();
    CHECK(max_rel_error(got, ref) <= tol);
  }
}

TEST_CASE("1,000 CLMR steps under tf32 and bf16 follow fp32's loss curve within the band") {
  // The demo model on synthetic clips. Band: every 100-step window's mean loss within 5 % of
  // fp32's, and the last window within 3 % (the runs diverge slowly from rounding; they must
  // keep learning alike).
  auto run = [](const char* precision) {
    Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/demo.yaml");
    cfg.set("device", "cuda");
    cfg.set("precision", precision);
    cfg.set("max_steps", "1000");
    cfg.set("checkpoint_every", "0");
    cfg.set("log_dir", "");
    cfg.set("log_every_seconds", "1000");
    std::ostringstream log;
    app::ClmrTask task(cfg, app::make_clip_source(cfg, log));
    app::TrainerOptions o = task.trainer_options();
    o.run_dir = "";
    app::Trainer t(task, o);
    t.fit(log);
    set_math_precision(MathPrecision::Fp32);
    return t.losses();
  };
  const std::vector<float> fp32 = run("fp32");
  REQUIRE(fp32.size() == 1000);
  for (const char* p : {"tf32", "bf16"}) {
    CAPTURE(p);
    const std::vector<float> other = run(p);
    REQUIRE(other.size() == 1000);
    for (size_t w0 = 0; w0 < 1000; w0 += 100) {
      double a = 0, b = 0;
      for (size_t i = w0; i < w0 + 100; ++i) a += fp32[i] / 100.0, b += other[i] / 100.0;
      MESSAGE(p, " steps ", w0, "..", w0 + 99, ": mean loss ", b, " (fp32 ", a, ")");
      CHECK(std::fabs(b - a) <= (w0 == 900 ? 0.03 : 0.05) * a);
    }
  }
}
