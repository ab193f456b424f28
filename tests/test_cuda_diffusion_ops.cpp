// test_cuda_diffusion_ops.cpp — the CUDA kernels of the diffusion U-Net's ops
// (kernels/{groupnorm,upsample,timestep_embedding}.cu and SiLU in kernels/activation.cu) against
// the CPU kernels, through the ops, forward and backward, on tiny, odd, large-group and random
// shapes. Linked with tests/support/cuda_test_main.cpp: exits with 77 (skipped) without a GPU.
//
// Tolerances. Group norm: double statistics on both devices, sums in a different order
// (rtol 1e-5, floor 1e-5 x max). SiLU: fp32 libm vs CUDA's expf, a few ulps (rtol 1e-5).
// Upsampling: the forward copies and the backward adds in the CPU's order: bit-exact.
// Timestep embedding: double math rounded once on both devices (atol 2e-7 on values in [-1, 1]).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/activation.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/groupnorm.h"
#include "engine/ops/timestep_embedding.h"
#include "engine/ops/upsample.h"
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

// rtol == 0: bit-exact. Otherwise |a - e| <= rtol |e| + rtol * floor_scale * max|e|.
void check_near(const Tensor& actual, const Tensor& expected, const std::string& what, float rtol,
                float floor_scale = 1.0f) {
  REQUIRE(actual.defined());
  REQUIRE(expected.defined());
  test::check_close(actual, expected, what, rtol, rtol * floor_scale * max_abs(expected));
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs `f` on CPU copies and on CUDA copies of `inputs` (leaves requiring a gradient where
// `needs_grad` says so; undefined inputs stay undefined), compares the outputs, backpropagates
// the same random upstream gradient on both devices and compares every input gradient.
void compare(const std::string& what, const OpFn& f, const std::vector<Tensor>& inputs,
             const std::vector<bool>& needs_grad, float rtol, uint64_t seed = 7) {
  REQUIRE(inputs.size() == needs_grad.size());
  std::vector<Tensor> cpu, gpu;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) {
      cpu.emplace_back(), gpu.emplace_back();
      continue;
    }
    Tensor a = inputs[i].clone(), b = inputs[i].to(kGpu);
    if (needs_grad[i]) a.set_requires_grad(), b.set_requires_grad();
    cpu.push_back(a);
    gpu.push_back(b);
  }
  Tensor yc = f(cpu), yg = f(gpu);
  REQUIRE(yg.is_cuda());
  check_near(yg, yc, what + " forward", rtol);
  bool any = false;
  for (size_t i = 0; i < inputs.size(); ++i) any = any || (needs_grad[i] && inputs[i].defined());
  if (!any) return;
  Rng rng(seed);
  Tensor dy = Tensor::randn(yc.shape(), rng);
  yc.backward(dy);
  yg.backward(dy.to(kGpu));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!needs_grad[i] || !inputs[i].defined()) continue;
    REQUIRE(cpu[i].grad().defined());
    REQUIRE(gpu[i].grad().defined());
    CHECK(gpu[i].grad().is_cuda());
    check_near(gpu[i].grad(), cpu[i].grad(), what + " grad of input " + std::to_string(i), rtol);
  }
}

}  // namespace

TEST_CASE("cuda: every diffusion-op slot has a CUDA kernel") {
  const std::vector<std::string> names = {
      "group_norm_forward",       "group_norm_backward",       "silu_forward",      "silu_backward",
      "upsample_nearest_forward", "upsample_nearest_backward", "timestep_embedding"};
  auto& view = kernel_registry_view();
  for (const std::string& n : names) {
    auto it =
        std::find_if(view.begin(), view.end(), [&](const KernelInfo& k) { return n == k.name; });
    REQUIRE_MESSAGE(it != view.end(), "slot ", n, " is not registered");
    CHECK_MESSAGE(it->has_cuda, "slot ", n, " has no CUDA kernel");
  }
}

TEST_CASE("cuda: group_norm matches the CPU") {
  Rng rng(91);
  struct Case {
    Shape s;
    int64_t g;
  };
  std::vector<Case> cases = {{{1, 1, 1, 1}, 1}, {{2, 6, 5, 3}, 3},     {{3, 5, 2, 3}, 5},
                             {{2, 4, 7}, 1},    {{2, 64, 16, 16}, 32}, {{1, 32, 40, 37}, 8},
                             {{4, 3}, 3},       {{2, 8, 1, 1}, 2}};
  for (int k = 0; k < 3; ++k) {
    const int64_t g = 1 + rng.randint(4), C = g * (1 + rng.randint(5));
    cases.push_back({{1 + rng.randint(3), C, 1 + rng.randint(20), 1 + rng.randint(20)}, g});
  }
  for (const Case& c : cases) {
    INFO(shape_str(c.s), " groups ", c.g);
    const int64_t C = c.s[1];
    Tensor x = ops::add_scalar(Tensor::randn(c.s, rng, 2.0f), 5.0f);
    Tensor w = Tensor::uniform({C}, rng, 0.5f, 1.5f), b = Tensor::randn({C}, rng, 0.5f);
    auto f = [&](const std::vector<Tensor>& in) {
      return ops::group_norm(in[0], c.g, in[1], in[2], 1e-5f);
    };
    compare("group_norm " + shape_str(c.s), f, {x, w, b}, {true, true, true}, 1e-5f);
    compare("group_norm no affine " + shape_str(c.s), f, {x, Tensor(), Tensor()},
            {true, false, false}, 1e-5f);
    compare("group_norm dx only " + shape_str(c.s), f, {x, w, b}, {true, false, false}, 1e-5f);
    compare("group_norm params only " + shape_str(c.s), f, {x, w, b}, {false, true, true}, 1e-5f);
  }
}

TEST_CASE("cuda: group_norm is deterministic") {
  Rng rng(92);
  Tensor x = Tensor::randn({2, 64, 32, 32}, rng).to(kGpu).set_requires_grad();
  Tensor w = Tensor::uniform({64}, rng, 0.5f, 1.5f).to(kGpu).set_requires_grad();
  Tensor dy = Tensor::randn({2, 64, 32, 32}, rng).to(kGpu);
  std::vector<std::vector<float>> runs;
  for (int r = 0; r < 2; ++r) {
    x.zero_grad(), w.zero_grad();
    Tensor y = ops::group_norm(x, 32, w, Tensor());
    y.backward(dy);
    std::vector<float> all = y.to_vector(), gx = x.grad().to_vector(), gw = w.grad().to_vector();
    all.insert(all.end(), gx.begin(), gx.end());
    all.insert(all.end(), gw.begin(), gw.end());
    runs.push_back(all);
  }
  CHECK(runs[0] == runs[1]);
}

TEST_CASE("cuda: silu matches the CPU") {
  Rng rng(93);
  for (int64_t n : {1, 7, 1000, 100003}) {
    Tensor x = Tensor::randn({n}, rng, 4.0f);
    compare(
        "silu n=" + std::to_string(n), [](auto& in) { return ops::silu(in[0]); }, {x}, {true},
        1e-5f);
  }
  Tensor extremes = Tensor::from_vector({-1000.0f, -100.0f, -20.0f, 0.0f, 20.0f, 100.0f}, {6});
  compare(
      "silu extremes", [](auto& in) { return ops::silu(in[0]); }, {extremes}, {true}, 1e-5f);
}

TEST_CASE("cuda: upsample_nearest2d matches the CPU bit for bit") {
  Rng rng(94);
  struct Case {
    Shape s;
    int64_t f;
  };
  std::vector<Case> cases = {{{1, 1, 1, 1}, 2},    {{2, 3, 3, 5}, 2}, {{1, 2, 2, 3}, 3},
                             {{2, 64, 16, 16}, 2}, {{1, 3, 7, 1}, 1}, {{1, 1, 1, 9}, 4}};
  for (int k = 0; k < 3; ++k)
    cases.push_back(
        {{1 + rng.randint(3), 1 + rng.randint(9), 1 + rng.randint(17), 1 + rng.randint(17)},
         1 + rng.randint(3)});
  for (const Case& c : cases) {
    INFO(shape_str(c.s), " factor ", c.f);
    compare(
        "upsample " + shape_str(c.s), [&](auto& in) { return ops::upsample_nearest2d(in[0], c.f); },
        {Tensor::randn(c.s, rng)}, {true}, 0.0f);
  }
}

TEST_CASE("cuda: timestep_embedding matches the CPU") {
  std::vector<int64_t> steps = {0, 1, 2, 17, 250, 500, 999, 998, 3};
  TimestepEmbeddingOptions sd;
  sd.flip_sin_to_cos = true;
  sd.downscale_freq_shift = 0.0f;
  TimestepEmbeddingOptions scaled;
  scaled.scale = 1000.0f;
  scaled.max_period = 100.0f;
  for (int64_t dim : {1, 3, 4, 33, 128, 320}) {
    for (const TimestepEmbeddingOptions* o : {&sd, &scaled}) {
      if (dim / 2 == (int64_t)o->downscale_freq_shift && dim >= 2) continue;
      INFO("dim ", dim, " flip ", o->flip_sin_to_cos);
      Tensor c = ops::timestep_embedding(steps, dim, Device::CPU, *o);
      Tensor g = ops::timestep_embedding(steps, dim, kGpu, *o);
      REQUIRE(g.is_cuda());
      test::check_close(g, c, "timestep_embedding dim " + std::to_string(dim), 0.0f, 2e-7f);
    }
  }
}
