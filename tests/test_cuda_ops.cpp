// test_cuda_ops.cpp — the CUDA kernels of the losses, reductions, shape copies, dropout and
// optimizers (kernels/{loss,reduce,shape,dropout,optim}.cu) against the CPU kernels, through the
// ops and optimizers, forward and backward, on tiny, odd and multi-block shapes; the alternative
// kernel versions against the live ones; and the caching allocator (engine/device_cuda.cu).
// Linked with tests/support/cuda_test_main.cpp: exits with 77 (skipped) without a GPU.
//
// Tolerances. Pure data movement (concat, stack, slice, transpose) and dropout are bit-exact.
// The losses and reductions accumulate in double on both devices and differ only in summation
// order, so results agree to about one fp32 ulp; they are checked at rtol 1e-5 with an absolute
// floor of 1e-5 x the largest expected magnitude (sums and differences carry errors in
// proportion to their terms, not to the result). Optimizers: 5 steps, same fp32 formulas,
// differing only where nvcc contracts a*b+c into an FMA: rtol 1e-5, floor 1e-6 x max.
#include <doctest/doctest.h>

#include <cstdlib>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/dropout.h"
#include "engine/ops/loss.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/optim/adam.h"
#include "engine/optim/lars.h"
#include "engine/optim/sgd.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

#ifdef SYN_WITH_CUDA
#include "kernels/dropout_cuda.h"
#include "kernels/loss_cuda.h"
#include "kernels/optim_cuda.h"
#include "kernels/reduce_cuda.h"
#include "kernels/shape_cuda.h"

#endif

using namespace syn;

namespace {

constexpr float kLossRtol = 1e-5f;
constexpr float kOptRtol = 1e-5f;
const Device kGpu = Device::CUDA;

float max_abs(const Tensor& t) {
  float m = 0;
  for (float v : t.to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

// rtol == 0: bit-exact. Otherwise |a - e| <= rtol * |e| + rtol * floor_scale * max|e|.
void check_near(const Tensor& actual, const Tensor& expected, const std::string& what, float rtol,
                float floor_scale = 1.0f) {
  REQUIRE(actual.defined());
  REQUIRE(expected.defined());
  test::check_close(actual, expected, what, rtol, rtol * floor_scale * max_abs(expected));
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs `f` on CPU copies and on CUDA copies of `inputs` (leaves requiring a gradient where
// `needs_grad` says so); compares the outputs, then backpropagates the same random upstream
// gradient on both devices and compares every input gradient.
void compare(const std::string& what, const OpFn& f, const std::vector<Tensor>& inputs,
             const std::vector<bool>& needs_grad, float rtol, uint64_t seed = 7) {
  REQUIRE(inputs.size() == needs_grad.size());
  std::vector<Tensor> cpu, gpu;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor a = inputs[i].clone(), b = inputs[i].to(kGpu);
    if (needs_grad[i]) a.set_requires_grad(), b.set_requires_grad();
    cpu.push_back(a);
    gpu.push_back(b);
  }
  Tensor yc = f(cpu), yg = f(gpu);
  REQUIRE(yg.is_cuda());
  check_near(yg, yc, what + " forward", rtol);
  if (std::none_of(needs_grad.begin(), needs_grad.end(), [](bool b) { return b; })) return;
  Rng rng(seed);
  Tensor dy = Tensor::randn(yc.shape(), rng);  // a scalar loss gets a random upstream value too
  yc.backward(dy);
  yg.backward(dy.to(kGpu));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!needs_grad[i]) continue;
    REQUIRE(cpu[i].grad().defined());
    REQUIRE(gpu[i].grad().defined());
    CHECK(gpu[i].grad().is_cuda());
    check_near(gpu[i].grad(), cpu[i].grad(), what + " grad of input " + std::to_string(i), rtol);
  }
}

// A few shapes with every dim in [1, hi], for the "random shapes" part of each test.
std::vector<Shape> random_shapes(Rng& rng, int count, int rank, int hi) {
  std::vector<Shape> out;
  for (int k = 0; k < count; ++k) {
    Shape s;
    for (int d = 0; d < rank; ++d) s.push_back(1 + rng.randint(hi));
    out.push_back(s);
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------------------------ registry

TEST_CASE("cuda: every slot of this family has a CUDA kernel") {
  const std::vector<std::string> names = {"l2_normalize",    "l2_normalize_backward",
                                          "log_softmax",     "log_softmax_backward",
                                          "cross_entropy",   "cross_entropy_backward",
                                          "bce_with_logits", "bce_with_logits_backward",
                                          "nt_xent",         "nt_xent_backward",
                                          "reduce_sum",      "reduce_broadcast",
                                          "copy2d",          "transpose",
                                          "dropout_mask",    "adam_update",
                                          "sgd_update",      "lars_norms",
                                          "lars_update"};
  auto& view = kernel_registry_view();
  for (const std::string& n : names) {
    auto it =
        std::find_if(view.begin(), view.end(), [&](const KernelInfo& k) { return n == k.name; });
    REQUIRE_MESSAGE(it != view.end(), "slot ", n, " is not registered");
    CHECK_MESSAGE(it->has_cuda, "slot ", n, " has no CUDA kernel");
  }
}

// ----------------------------------------------------------------------------------- losses

TEST_CASE("cuda: l2_normalize and log_softmax match the CPU") {
  Rng rng(21);
  SUBCASE("shapes") {
    std::vector<Shape> shapes = {{1, 1}, {3, 17}, {33, 5}, {2, 3, 7}, {4, 1500}, {2, 3001}, {17}};
    for (const Shape& s : random_shapes(rng, 3, 2, 40)) shapes.push_back(s);
    for (const Shape& s : shapes) {
      Tensor x = Tensor::randn(s, rng, 2.0f);
      compare(
          "l2_normalize " + shape_str(s), [](auto& in) { return ops::l2_normalize(in[0]); }, {x},
          {true}, kLossRtol);
      compare(
          "log_softmax " + shape_str(s), [](auto& in) { return ops::log_softmax(in[0]); }, {x},
          {true}, kLossRtol);
    }
  }
  SUBCASE("a zero row takes the clamped branch on both devices") {
    Tensor x = Tensor::randn({3, 9}, rng);
    Tensor zero_row = Tensor::zeros({1, 9});
    x = ops::concat({x, zero_row}, 0);
    compare(
        "l2_normalize zero row", [](auto& in) { return ops::l2_normalize(in[0], 1e-3f); }, {x},
        {true}, kLossRtol);
  }
  SUBCASE("large logits stay finite") {
    Tensor x = Tensor::randn({5, 40}, rng, 200.0f);
    compare(
        "log_softmax large", [](auto& in) { return ops::log_softmax(in[0]); }, {x}, {true},
        kLossRtol);
  }
#ifdef SYN_WITH_CUDA
  SUBCASE("version 1 (block per row) equals version 2 (warp per row)") {
    for (Shape s : std::vector<Shape>{{7, 33}, {40, 3}, {3, 1025}}) {
      Tensor x = Tensor::randn(s, rng).to(kGpu);
      Tensor y1 = Tensor::empty(s, kGpu), y2 = Tensor::empty(s, kGpu);
      cuda_kernels::l2_normalize_v(1, x.data(), y1.data(), s[0], s[1], 1e-12f);
      cuda_kernels::l2_normalize_v(2, x.data(), y2.data(), s[0], s[1], 1e-12f);
      check_near(y1, y2, "l2_normalize v1 vs v2 " + shape_str(s), kLossRtol);
      cuda_kernels::log_softmax_v(1, x.data(), y1.data(), s[0], s[1]);
      cuda_kernels::log_softmax_v(2, x.data(), y2.data(), s[0], s[1]);
      check_near(y1, y2, "log_softmax v1 vs v2 " + shape_str(s), kLossRtol);
    }
  }
#endif
}

TEST_CASE("cuda: cross_entropy matches the CPU") {
  Rng rng(22);
  SUBCASE("sizes") {
    std::vector<std::pair<int64_t, int64_t>> sizes = {{1, 1},    {3, 17},   {33, 50}, {5, 2000},
                                                      {2000, 3}, {9000, 5}, {8, 1}};
    for (int k = 0; k < 3; ++k) sizes.push_back({1 + rng.randint(40), 1 + rng.randint(40)});
    for (auto [n, c] : sizes) {
      std::vector<int64_t> targets;
      for (int64_t r = 0; r < n; ++r) targets.push_back(rng.randint(c));
      Tensor x = Tensor::randn({n, c}, rng, 3.0f);
      compare(
          "cross_entropy " + std::to_string(n) + "x" + std::to_string(c),
          [&](auto& in) { return ops::cross_entropy(in[0], targets); }, {x}, {true}, kLossRtol);
    }
  }
  SUBCASE("large logits") {
    std::vector<int64_t> targets = {0, 3, 2};
    Tensor x = Tensor::randn({3, 4}, rng, 500.0f);
    compare(
        "cross_entropy large", [&](auto& in) { return ops::cross_entropy(in[0], targets); }, {x},
        {true}, kLossRtol);
  }
}

TEST_CASE("cuda: bce_with_logits matches the CPU") {
  Rng rng(23);
  std::vector<Shape> shapes = {{1}, {3}, {17, 3}, {1000, 33}, {300001}, {4, 50}};
  for (const Shape& s : random_shapes(rng, 3, 2, 40)) shapes.push_back(s);
  for (const Shape& s : shapes) {
    Tensor x = Tensor::randn(s, rng, 4.0f);
    Tensor t = Tensor::uniform(s, rng, 0.0f, 1.0f);
    compare(
        "bce_with_logits " + shape_str(s),
        [](auto& in) { return ops::bce_with_logits(in[0], in[1]); }, {x, t}, {true, false},
        kLossRtol);
  }
}

TEST_CASE("cuda: nt_xent matches the CPU") {
  Rng rng(24);
  SUBCASE("sizes") {
    // (m, d): tiny; CLMR's sizes (m <= 96, d = 64); d > 1024 (backward falls back to two kernels);
    // m > 2048 (forward falls back to three kernels).
    std::vector<std::pair<int64_t, int64_t>> sizes = {{2, 1},   {2, 3},     {6, 17},  {34, 64},
                                                      {96, 64}, {10, 1100}, {2050, 5}};
    for (int k = 0; k < 2; ++k) sizes.push_back({2 * (1 + rng.randint(20)), 1 + rng.randint(70)});
    for (auto [m, d] : sizes) {
      for (float temperature : {0.5f, 0.1f}) {
        Tensor z = Tensor::randn({m, d}, rng);
        compare(
            "nt_xent " + std::to_string(m) + "x" + std::to_string(d) +
                " t=" + std::to_string(temperature),
            [temperature](auto& in) { return ops::nt_xent(in[0], temperature); }, {z}, {true},
            kLossRtol);
      }
    }
  }
  SUBCASE("a zero row (clamped norm)") {
    Tensor z = ops::concat({Tensor::randn({5, 8}, rng), Tensor::zeros({1, 8})}, 0);
    compare(
        "nt_xent zero row", [](auto& in) { return ops::nt_xent(in[0], 0.5f); }, {z}, {true},
        kLossRtol);
  }
#ifdef SYN_WITH_CUDA
  SUBCASE("version 1 (separate kernels) equals version 2 (fused)") {
    for (auto [m, d] : std::vector<std::pair<int64_t, int64_t>>{{2, 3}, {96, 64}, {14, 300}}) {
      Tensor z = Tensor::randn({m, d}, rng).to(kGpu);
      Tensor dloss = Tensor::full({}, 0.7f, kGpu);
      Tensor u[2], norm[2], prob[2], loss[2], dz[2];
      for (int v = 0; v < 2; ++v) {
        u[v] = Tensor::empty({m, d}, kGpu), norm[v] = Tensor::empty({m}, kGpu);
        prob[v] = Tensor::empty({m, m}, kGpu), loss[v] = Tensor::empty({}, kGpu);
        dz[v] = Tensor::empty({m, d}, kGpu);
        cuda_kernels::nt_xent_v(v + 1, z.data(), u[v].data(), norm[v].data(), prob[v].data(),
                                loss[v].data(), m, d, 2.0f, kNtXentEps);
        cuda_kernels::nt_xent_backward_v(v + 1, u[v].data(), norm[v].data(), prob[v].data(),
                                         dloss.data(), dz[v].data(), m, d, 2.0f, kNtXentEps);
      }
      const std::string tag = " " + std::to_string(m) + "x" + std::to_string(d);
      check_near(u[0], u[1], "nt_xent u v1 vs v2" + tag, kLossRtol);
      check_near(norm[0], norm[1], "nt_xent norm v1 vs v2" + tag, kLossRtol);
      check_near(prob[0], prob[1], "nt_xent prob v1 vs v2" + tag, kLossRtol);
      check_near(loss[0], loss[1], "nt_xent loss v1 vs v2" + tag, kLossRtol);
      check_near(dz[0], dz[1], "nt_xent dz v1 vs v2" + tag, kLossRtol);
    }
  }
#endif
}

// ------------------------------------------------------------------------------- reductions

TEST_CASE("cuda: sum and mean match the CPU") {
  Rng rng(25);
  SUBCASE("over every element") {
    for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{17}, int64_t{1000}, int64_t{1025},
                      int64_t{100003}, (int64_t{1} << 21) + 5}) {
      Tensor x = Tensor::randn({n}, rng);
      compare(
          "sum n=" + std::to_string(n), [](auto& in) { return ops::sum(in[0]); }, {x}, {true},
          kLossRtol);
      compare(
          "mean n=" + std::to_string(n), [](auto& in) { return ops::mean(in[0]); }, {x}, {true},
          kLossRtol);
    }
  }
  SUBCASE("along one dim") {
    struct DimCase {
      Shape shape;
      int64_t dim;
    };
    std::vector<DimCase> cases = {{{3, 17, 5}, 0},    {{3, 17, 5}, 1},  {{3, 17, 5}, 2},
                                  {{1, 70000, 3}, 1}, {{2, 40000}, 1},  {{70000, 2}, 0},
                                  {{33, 1, 2}, 1},    {{5, 1030}, -1},  {{1, 1}, 0},
                                  {{600, 40, 33}, 0}, {{9, 2000, 1}, 1}};
    for (const Shape& s : random_shapes(rng, 3, 3, 30)) cases.push_back({s, rng.randint(3)});
    for (const DimCase& c : cases) {
      Tensor x = Tensor::randn(c.shape, rng);
      for (bool keep : {false, true}) {
        const std::string tag =
            shape_str(c.shape) + " dim " + std::to_string(c.dim) + (keep ? " keepdim" : "");
        compare(
            "sum " + tag, [&](auto& in) { return ops::sum(in[0], c.dim, keep); }, {x}, {true},
            kLossRtol);
        compare(
            "mean " + tag, [&](auto& in) { return ops::mean(in[0], c.dim, keep); }, {x}, {true},
            kLossRtol);
      }
    }
  }
#ifdef SYN_WITH_CUDA
  SUBCASE("version 1 (naive) equals version 2") {
    struct Geo {
      int64_t outer, n, inner;
    };
    for (Geo g : std::vector<Geo>{{1, 50000, 1}, {7, 3, 1}, {2, 5000, 3}, {4, 9, 100}}) {
      Tensor x = Tensor::randn({g.outer * g.n * g.inner}, rng).to(kGpu);
      Tensor o1 = Tensor::empty({g.outer * g.inner}, kGpu),
             o2 = Tensor::empty({g.outer * g.inner}, kGpu);
      cuda_kernels::reduce_sum_v(1, x.data(), o1.data(), g.outer, g.n, g.inner, 0.5f);
      cuda_kernels::reduce_sum_v(2, x.data(), o2.data(), g.outer, g.n, g.inner, 0.5f);
      check_near(o1, o2, "reduce v1 vs v2", kLossRtol);
    }
  }
#endif
}

// ------------------------------------------------------------------------------ shape ops

TEST_CASE("cuda: transpose is bit-identical to the CPU") {
  Rng rng(26);
  struct TCase {
    Shape shape;
    int64_t d0, d1;
  };
  SUBCASE("shapes") {
    std::vector<TCase> cases = {{{1, 1}, 0, 1},       {{3, 17, 33}, 1, 2},   {{3, 17, 33}, 0, 2},
                                {{3, 17, 33}, 0, 1},  {{2, 3, 4, 5}, 1, 3},  {{2, 3, 4, 5}, 0, 3},
                                {{2, 3, 4, 5}, 2, 3}, {{33, 65, 3}, 0, 1},   {{4, 100, 257}, 1, 2},
                                {{1, 1, 37}, 0, 2},   {{8, 128, 59}, -1, -2}};
    for (const Shape& s : random_shapes(rng, 3, 3, 40)) cases.push_back({s, 0, 2});
    for (const TCase& c : cases) {
      Tensor x = Tensor::randn(c.shape, rng);
      compare(
          "transpose " + shape_str(c.shape) + " " + std::to_string(c.d0) + "," +
              std::to_string(c.d1),
          [&](auto& in) { return ops::transpose(in[0], c.d0, c.d1); }, {x}, {true}, 0.0f);
    }
  }
#ifdef SYN_WITH_CUDA
  SUBCASE("version 1 (gather) equals version 2 (tiles)") {
    Tensor x = Tensor::randn({3 * 70 * 2 * 45}, rng).to(kGpu);
    Tensor y1 = Tensor::empty(x.shape(), kGpu), y2 = Tensor::empty(x.shape(), kGpu);
    cuda_kernels::transpose_v(1, x.data(), y1.data(), 3, 70, 2, 45, 1);
    cuda_kernels::transpose_v(2, x.data(), y2.data(), 3, 70, 2, 45, 1);
    check_near(y1, y2, "transpose v1 vs v2", 0.0f);
  }
#endif
}

TEST_CASE("cuda: concat, stack and slice are bit-identical to the CPU") {
  Rng rng(27);
  SUBCASE("through the ops") {
    auto r = [&](Shape s) { return Tensor::randn(s, rng); };
    compare(
        "concat dim 1 odd",
        [](auto& in) {
          return ops::concat({in[0], in[1]}, 1);
        },
        {r({2, 3, 5}), r({2, 4, 5})}, {true, true}, 0.0f);
    compare(
        "concat dim 2",
        [](auto& in) {
          return ops::concat({in[0], in[1], in[2]}, 2);
        },
        {r({2, 3, 4}), r({2, 3, 8}), r({2, 3, 1})}, {true, false, true}, 0.0f);
    compare(
        "concat dim 1 float4-aligned",
        [](auto& in) {
          return ops::concat({in[0], in[1]}, 1);
        },
        {r({3, 8, 4}), r({3, 4, 4})}, {true, true}, 0.0f);
    compare(
        "concat dim 0",
        [](auto& in) {
          return ops::concat({in[0], in[1]}, 0);
        },
        {r({1, 7}), r({3, 7})}, {true, true}, 0.0f);
    compare(
        "concat large",
        [](auto& in) {
          return ops::concat({in[0], in[1]}, 1);
        },
        {r({64, 300, 33}), r({64, 17, 33})}, {true, true}, 0.0f);
    compare(
        "stack dim 1",
        [](auto& in) {
          return ops::stack({in[0], in[1], in[2]}, 1);
        },
        {r({5, 7}), r({5, 7}), r({5, 7})}, {true, true, true}, 0.0f);
    compare(
        "stack dim 0 scalars-ish",
        [](auto& in) {
          return ops::stack({in[0], in[1]}, 0);
        },
        {r({1}), r({1})}, {true, true}, 0.0f);
    compare(
        "slice dim 1 (copy)", [](auto& in) { return ops::slice(in[0], 1, 2, 7); }, {r({4, 10, 3})},
        {true}, 0.0f);
    compare(
        "slice dim 2 (copy)", [](auto& in) { return ops::slice(in[0], 2, -5, -1); },
        {r({3, 2, 17})}, {true}, 0.0f);
    compare(
        "slice dim 0 (view)", [](auto& in) { return ops::slice(in[0], 0, 1, 3); }, {r({4, 10})},
        {true}, 0.0f);
    for (const Shape& s : random_shapes(rng, 3, 3, 20))
      compare(
          "concat random " + shape_str(s),
          [](auto& in) {
            return ops::concat({in[0], in[1]}, 2);
          },
          {r(s), r(s)}, {true, true}, 0.0f);
  }
#ifdef SYN_WITH_CUDA
  SUBCASE("copy2d versions 1, 2, 3 agree, aligned and not") {
    Tensor src = Tensor::randn({40 * 37}, rng).to(kGpu);
    struct Geo {
      int64_t src_off, sp, dst_off, dp, rows, cols;
    };
    for (Geo g : std::vector<Geo>{{0, 36, 0, 40, 30, 32},
                                  {1, 37, 3, 37, 30, 33},
                                  {0, 37, 0, 37, 39, 37},
                                  {4, 8, 0, 4, 100, 4}}) {
      Tensor out[3];
      for (int v = 0; v < 3; ++v) {
        out[v] = Tensor::zeros({40 * 40}, kGpu);
        cuda_kernels::copy2d_v(v + 1, src.data() + g.src_off, g.sp, out[v].data() + g.dst_off, g.dp,
                               g.rows, g.cols);
      }
      check_near(out[0], out[2], "copy2d v1 vs v3", 0.0f);
      check_near(out[1], out[2], "copy2d v2 vs v3", 0.0f);
    }
  }
#endif
}

// ---------------------------------------------------------------------------------- dropout

TEST_CASE("cuda: dropout draws the same mask as the CPU") {
  SUBCASE("through ops::dropout") {
    for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{17}, int64_t{4099}, int64_t{1000003}}) {
      for (float p : {0.1f, 0.5f, 0.9f, 1.0f}) {
        Rng data_rng(28);
        Tensor x = Tensor::randn({n}, data_rng);
        Rng rc(99 + n), rg(99 + n);  // the same generator state on both devices
        compare(
            "dropout n=" + std::to_string(n) + " p=" + std::to_string(p),
            [&, calls = 0](auto& in) mutable {
              return ops::dropout(in[0], p, true, calls++ == 0 ? rc : rg);  // CPU first
            },
            {x}, {true}, 0.0f);
        CHECK(rc.next_u64() == rg.next_u64());  // both drew exactly once
      }
    }
  }
#ifdef SYN_WITH_CUDA
  SUBCASE("both versions, aligned and misaligned, equal dropout_uniform") {
    const int64_t n = 1001;
    const uint64_t seed = 0x1234567890abcdefull;
    const float p = 0.3f;
    std::vector<float> expected((size_t)n);
    for (int64_t i = 0; i < n; ++i)
      expected[(size_t)i] = dropout_uniform(seed, i) >= p ? 1.0f / (1.0f - p) : 0.0f;
    Tensor want = Tensor::from_vector(expected, {n});
    for (int v = 1; v <= 2; ++v) {
      for (int64_t off : {int64_t{0}, int64_t{1}}) {
        Tensor buf = Tensor::zeros({n + 1}, kGpu);
        cuda_kernels::dropout_mask_v(v, buf.data() + off, n, p, seed);
        Tensor got = ops::slice(buf, 0, off, off + n);
        check_near(got, want,
                   "dropout_mask v" + std::to_string(v) + " offset " + std::to_string(off), 0.0f);
      }
    }
  }
#endif
}

// ------------------------------------------------------------------------------- optimizers

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(NamedTensors)>;

// Identical parameters on both devices: odd shapes, a tiny one, a multi-block one, and one that is
// a view at an odd offset (misaligned: the kernels' scalar path).
NamedTensors make_params(Device dev) {
  Rng rng(31);
  NamedTensors out;
  auto add = [&](const std::string& name, Shape s) {
    out.emplace_back(name, Tensor::randn(s, rng, 0.5f).to(dev).set_requires_grad());
  };
  add("conv.weight", {3, 17});
  add("conv.bias", {33});
  add("bn1.weight", {1});
  add("fc.weight", {5, 5, 7});
  add("big.weight", {100003});
  Tensor base = Tensor::randn({101}, rng, 0.5f).to(dev);
  Tensor view = ops::slice(base, 0, 1, 101);  // not recorded: base needs no gradient
  out.emplace_back("offset.weight", view.set_requires_grad());
  return out;
}

// Five steps with the same gradients on CPU and CUDA (a parameter without a gradient at step 3,
// which must be skipped on both), then parameters and every state buffer compared.
void compare_optimizer(const std::string& what, const MakeOptimizer& make) {
  NamedTensors pc = make_params(Device::CPU), pg = make_params(kGpu);
  std::unique_ptr<Optimizer> oc = make(pc), og = make(pg);
  Rng rng(32);
  for (int step = 1; step <= 5; ++step) {
    oc->set_lr(0.05 / step);
    og->set_lr(0.05 / step);
    for (size_t i = 0; i < pc.size(); ++i) {
      Tensor g = Tensor::randn(pc[i].second.shape(), rng);
      if (step == 3 && i == 1) g = Tensor();
      Tensor(pc[i].second).set_grad(g.defined() ? g.clone() : Tensor());
      Tensor(pg[i].second).set_grad(g.defined() ? g.to(kGpu) : Tensor());
    }
    oc->step();
    og->step();
  }
  for (size_t i = 0; i < pc.size(); ++i) {
    CHECK(pg[i].second.is_cuda());
    check_near(pg[i].second, pc[i].second, what + " param " + pc[i].first, kOptRtol, 0.1f);
  }
  NamedTensors sc = oc->state_dict(), sg = og->state_dict();
  REQUIRE(sc.size() == sg.size());
  for (size_t i = 0; i < sc.size(); ++i) {
    REQUIRE(sc[i].first == sg[i].first);
    check_near(sg[i].second, sc[i].second, what + " state " + sc[i].first, kOptRtol, 0.1f);
  }
}

}  // namespace

TEST_CASE("cuda: optimizers match the CPU over 5 steps") {
  compare_optimizer("adam", [](NamedTensors p) {
    return std::make_unique<Adam>(p, AdamOptions{.lr = 0.05, .weight_decay = 0.01});
  });
  compare_optimizer("adamw", [](NamedTensors p) {
    return std::make_unique<Adam>(
        p, AdamOptions{.lr = 0.05, .weight_decay = 0.1, .decoupled_weight_decay = true});
  });
  compare_optimizer("sgd", [](NamedTensors p) { return std::make_unique<Sgd>(p, SgdOptions{}); });
  compare_optimizer("sgd momentum dampening wd", [](NamedTensors p) {
    return std::make_unique<Sgd>(
        p, SgdOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 1e-3});
  });
  compare_optimizer("sgd nesterov", [](NamedTensors p) {
    return std::make_unique<Sgd>(p, SgdOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
  });
  compare_optimizer("lars", [](NamedTensors p) {
    return std::make_unique<Lars>(p, LarsOptions{.lr = 0.05, .weight_decay = 1e-4});
  });
  compare_optimizer("lars nesterov 1d-exclusion", [](NamedTensors p) {
    LarsOptions o;
    o.lr = 0.05;
    o.weight_decay = 1e-4;
    o.nesterov = true;
    o.exclude_from_weight_decay = lars_exclude_1d;
    return std::make_unique<Lars>(p, o);
  });
}

#ifdef SYN_WITH_CUDA
TEST_CASE("cuda: lars_norms versions agree and a zero-length tensor gives zeros") {
  Rng rng(33);
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{4097}, int64_t{3000001}}) {
    Tensor w = Tensor::randn({std::max<int64_t>(n, 1)}, rng).to(kGpu);
    Tensor g = Tensor::randn({std::max<int64_t>(n, 1)}, rng).to(kGpu);
    Tensor s1 = Tensor::full({2}, -1.0f, kGpu), s2 = Tensor::full({2}, -1.0f, kGpu);
    cuda_kernels::lars_norms_v(1, w.data(), g.data(), 0.01f, s1.data(), n);
    cuda_kernels::lars_norms_v(2, w.data(), g.data(), 0.01f, s2.data(), n);
    check_near(s1, s2, "lars_norms v1 vs v2 n=" + std::to_string(n), kLossRtol);
    if (n == 0) check_near(s2, Tensor::zeros({2}), "lars_norms n=0", 0.0f);
  }
}

// ------------------------------------------------------------------------- caching allocator

TEST_CASE("cuda: the caching allocator reuses, trims and reports out-of-memory clearly") {
  if (const char* off = std::getenv("SYN_CUDA_NO_CACHE"); off && off[0] == '1') {
    MESSAGE("SYN_CUDA_NO_CACHE=1: the cache is off by request, nothing to test here");
    return;
  }
  SUBCASE("size classes: at least the request, at most 25% (and 512 B) more") {
    for (size_t b : {size_t{0}, size_t{1}, size_t{512}, size_t{513}, size_t{1000}, size_t{1025},
                     size_t{4096}, size_t{4097}, size_t{123457}, size_t{1} << 30}) {
      size_t c = cuda::allocation_class(b);
      CHECK(c >= b);
      CHECK(c % 512 == 0);
      CHECK((double)c <= std::max(512.0, 1.25 * (double)b + 512.0));
    }
    CHECK(cuda::allocation_class(1000) == cuda::allocation_class(1024));
  }
  SUBCASE("a freed block is handed out again without cudaMalloc") {
    cuda::trim_cache();
    { Tensor a = Tensor::empty({12345}, kGpu); }
    cuda::CacheStats s0 = cuda::cache_stats();
    CHECK(s0.cached_blocks >= 1);
    {
      Tensor b = Tensor::full({12345}, 2.0f, kGpu);
      CHECK(b.to_vector()[12344] == 2.0f);
    }
    cuda::CacheStats s1 = cuda::cache_stats();
    CHECK(s1.cuda_malloc_calls == s0.cuda_malloc_calls);
    CHECK(s1.cache_hits == s0.cache_hits + 1);
    CHECK(cuda::trim_cache() >= cuda::allocation_class(12345 * sizeof(float)));
    CHECK(cuda::cache_stats().cached_bytes == 0);
  }
  SUBCASE("out of memory names the request and leaves the device usable") {
    const int64_t huge = int64_t{1} << 46;  // 256 TiB of floats
    bool threw = false;
    try {
      Tensor t = Tensor::empty({huge}, kGpu);
    } catch (const Error& e) {
      threw = true;
      std::string msg = e.what();
      CHECK(msg.find("out of memory") != std::string::npos);
      CHECK(msg.find(std::to_string(huge * 4)) != std::string::npos);
      CHECK(msg.find("free") != std::string::npos);
    }
    CHECK(threw);
    Tensor ok = Tensor::full({3}, 1.5f, kGpu);
    CHECK(ok.to_vector() == std::vector<float>{1.5f, 1.5f, 1.5f});
  }
}
#endif
