// op_cases_diffusion.cpp — the diffusion U-Net's ops: group_norm, SiLU, nearest upsampling and
// the sinusoidal timestep embedding (tests/reference/gen_diffusion_ops.py fixtures: float64
// reference math on float32 inputs).
// Fixture tolerances: group norm keeps double statistics with one fp32 rounding (1e-5); SiLU
// 1e-6 (dx 1e-5); upsampling copies (exact) and sums f^2 values in fp32 (dx 1e-6); timestep
// embedding is double math rounded once (atol 2e-7 on values in [-1, 1]). CUDA vs CPU: group
// norm sums in a different order (rtol 1e-5, floor 1e-5 max); SiLU is fp32 libm vs CUDA's expf
// (1e-5); upsampling copies and adds in the CPU's order (exact); the embedding as above.
#include "engine/ops/activation.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/groupnorm.h"
#include "engine/ops/timestep_embedding.h"
#include "engine/ops/upsample.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

const std::vector<std::string> kGnSlots = {"group_norm_forward", "group_norm_backward"};
const std::vector<std::string> kSiluSlots = {"silu_forward", "silu_backward"};
const std::vector<std::string> kUpSlots = {"upsample_nearest_forward", "upsample_nearest_backward"};

OpForward group_norm_fn(int64_t groups, float eps) {
  return [groups, eps](const Tensors& in) {
    return Tensors{ops::group_norm(in[0], groups, in[1], in[2], eps)};
  };
}
Tensors silu_fn(const Tensors& in) { return {ops::silu(in[0])}; }
OpForward upsample_fn(int64_t f) {
  return [f](const Tensors& in) { return Tensors{ops::upsample_nearest2d(in[0], f)}; };
}
OpForward temb_fn(int64_t dim, TimestepEmbeddingOptions o) {
  return [dim, o](const Tensors& in) { return Tensors{ops::timestep_embedding(in[0], dim, o)}; };
}

void add_group_norm(std::vector<OpCase>& out) {
  struct Fd {
    Shape s;
    int64_t g;
    bool weight, bias;
  };
  uint64_t seed = 81;
  for (Fd c : {Fd{{2, 6, 3, 2}, 3, true, true}, Fd{{2, 4, 5}, 1, true, true},
               Fd{{1, 3, 2, 3}, 3, true, false}, Fd{{3, 4}, 2, false, true},
               Fd{{2, 2, 1, 1}, 1, false, false}}) {
    add_case(
        out,
        str_cat("group_norm ", shape_str(c.s), " groups ", c.g, c.weight ? " w" : "",
                c.bias ? " b" : ""),
        kGnSlots,
        [c, sd = seed++] {
          Rng rng(sd);
          const int64_t C = c.s[1];
          Tensor x = Tensor::randn(c.s, rng);
          Tensor w = c.weight ? Tensor::uniform({C}, rng, 0.5f, 1.5f) : Tensor();
          Tensor b = c.bias ? Tensor::randn({C}, rng, 0.5f) : Tensor();
          return Tensors{x, w, b};
        },
        group_norm_fn(c.g, 1e-3f), {true, c.weight, c.bias}, kModeBackward);
  }
  for (const char* name :
       {"diff_gn_g3", "diff_gn_g1_1d", "diff_gn_gC", "diff_gn_noaffine_offset"}) {
    OpCase& k = add_case(out, std::string("fixture ") + name, kGnSlots, nullptr,
                         group_norm_fn(1, 1e-5f), {true, true, true}, 0);
    k.fixture =
        FixtureSpec{name, {"x", "?weight", "?bias"}, {"y"}, "dy", {"dx", "?dweight", "?dbias"}};
    k.fixture->out = k.fixture->grad = Tol{1e-5f, 1e-5f};
    k.fixture->configure = [](const Checkpoint& fx) {
      return group_norm_fn(meta_int(fx, "groups"), (float)meta_float(fx, "eps"));
    };
  }
  // CUDA: tiny, odd, large-group and random shapes; every combination of gradients.
  struct Case {
    Shape s;
    int64_t g;
  };
  std::vector<Case> cases = {{{1, 1, 1, 1}, 1}, {{2, 6, 5, 3}, 3},     {{3, 5, 2, 3}, 5},
                             {{2, 4, 7}, 1},    {{2, 64, 16, 16}, 32}, {{1, 32, 40, 37}, 8},
                             {{4, 3}, 3},       {{2, 8, 1, 1}, 2}};
  Rng rng(91);
  for (int k = 0; k < 3; ++k) {
    const int64_t g = 1 + rng.randint(4), C = g * (1 + rng.randint(5));
    cases.push_back({{1 + rng.randint(3), C, 1 + rng.randint(20), 1 + rng.randint(20)}, g});
  }
  cases.push_back({{8, 256, 32, 32}, 32});  // a U-Net block (timing)
  seed = 91;
  for (const Case& c : cases) {
    const uint64_t sd = seed++;
    auto inputs = [c, sd] {
      Rng r(sd);
      const int64_t C = c.s[1];
      Tensor x = ops::add_scalar(Tensor::randn(c.s, r, 2.0f), 5.0f);
      Tensor w = Tensor::uniform({C}, r, 0.5f, 1.5f);
      return Tensors{x, w, Tensor::randn({C}, r, 0.5f)};
    };
    const std::string s = shape_str(c.s) + " groups " + std::to_string(c.g);
    if (c.s[0] == 8) {
      add_case(out, "group_norm " + s, kGnSlots, inputs, group_norm_fn(c.g, 1e-5f),
               {true, true, true}, kModePerf)
          .work.bytes = 4.0 * (double)shape_numel(c.s) * 2;
      continue;
    }
    add_case(out, "group_norm " + s, kGnSlots, inputs, group_norm_fn(c.g, 1e-5f),
             {true, true, true}, kModeCuda);
    add_case(
        out, "group_norm no affine " + s, kGnSlots,
        [inputs] {
          return Tensors{inputs()[0], Tensor(), Tensor()};
        },
        group_norm_fn(c.g, 1e-5f), {true, false, false}, kModeCuda);
    add_case(out, "group_norm dx only " + s, kGnSlots, inputs, group_norm_fn(c.g, 1e-5f),
             {true, false, false}, kModeCuda);
    add_case(out, "group_norm params only " + s, kGnSlots, inputs, group_norm_fn(c.g, 1e-5f),
             {false, true, true}, kModeCuda);
  }
}

void add_silu(std::vector<OpCase>& out) {
  add_case(out, "silu [3, 4, 5]", kSiluSlots, randn_inputs(83, {{3, 4, 5}}, 2.0f), silu_fn, {true},
           kModeBackward);
  OpCase& k = add_case(out, "fixture silu", kSiluSlots, nullptr, silu_fn, {true}, 0);
  k.fixture = FixtureSpec{"diff_silu", {"x"}, {"y"}, "dy", {"dx"}};
  k.fixture->out = Tol{1e-6f, 1e-7f};
  k.fixture->grad = Tol{1e-5f, 1e-7f};
  uint64_t seed = 93;
  for (int64_t n : {1, 7, 1000, 100003}) {
    OpCase& c = add_case(out, str_cat("silu n=", n), kSiluSlots, randn_inputs(seed++, {{n}}, 4.0f),
                         silu_fn, {true}, n == 100003 ? kModeCuda | kModePerf : kModeCuda);
    c.cuda_out = Tol{1e-5f, 0.0f, 1e-5f};
    c.work.bytes = 8.0 * (double)n;
  }
  add_case(
      out, "silu extremes", kSiluSlots,
      [] {
        return Tensors{Tensor::from_vector({-1000.0f, -100.0f, -20.0f, 0.0f, 20.0f, 100.0f}, {6})};
      },
      silu_fn, {true}, kModeCuda);
}

void add_upsample(std::vector<OpCase>& out) {
  add_case(out, "upsample_nearest2d [2, 2, 3, 2] x2", kUpSlots, randn_inputs(84, {{2, 2, 3, 2}}),
           upsample_fn(2), {true}, kModeBackward);
  for (const char* name : {"diff_up2", "diff_up3"}) {
    OpCase& k =
        add_case(out, std::string("fixture ") + name, kUpSlots, nullptr, upsample_fn(2), {true}, 0);
    k.fixture = FixtureSpec{name, {"x"}, {"y"}, "dy", {"dx"}};
    k.fixture->out = Tol{};
    k.fixture->grad = Tol{1e-6f, 1e-6f};
    k.fixture->configure = [](const Checkpoint& fx) { return upsample_fn(meta_int(fx, "factor")); };
  }
  struct Case {
    Shape s;
    int64_t f;
  };
  std::vector<Case> cases = {{{1, 1, 1, 1}, 2},    {{2, 3, 3, 5}, 2}, {{1, 2, 2, 3}, 3},
                             {{2, 64, 16, 16}, 2}, {{1, 3, 7, 1}, 1}, {{1, 1, 1, 9}, 4}};
  Rng rng(94);
  for (int k = 0; k < 3; ++k)
    cases.push_back(
        {{1 + rng.randint(3), 1 + rng.randint(9), 1 + rng.randint(17), 1 + rng.randint(17)},
         1 + rng.randint(3)});
  cases.push_back({{8, 256, 32, 32}, 2});  // timing
  uint64_t seed = 94;
  for (const Case& c : cases) {
    const bool perf = c.s[0] == 8;
    OpCase& k = add_case(out, str_cat("upsample_nearest2d ", shape_str(c.s), " x", c.f), kUpSlots,
                         randn_inputs(seed++, {c.s}), upsample_fn(c.f), {true},
                         perf ? kModePerf : kModeCuda);
    k.cuda_out = Tol{};
    k.work.bytes = 4.0 * (double)shape_numel(c.s) * (1.0 + (double)(c.f * c.f));
  }
}

void add_timestep_embedding(std::vector<OpCase>& out) {
  const std::vector<std::string> slots = {"timestep_embedding"};
  for (const char* name : {"diff_temb_default", "diff_temb_sd_odd", "diff_temb_scaled"}) {
    OpCase& k =
        add_case(out, std::string("fixture ") + name, slots, nullptr, temb_fn(1, {}), {false}, 0);
    k.fixture = FixtureSpec{name, {"t"}, {"emb"}, "", {}};
    k.fixture->out = Tol{0.0f, 2e-7f};
    k.fixture->configure = [](const Checkpoint& fx) {
      TimestepEmbeddingOptions o;
      o.flip_sin_to_cos = meta_int(fx, "flip") != 0;
      o.downscale_freq_shift = (float)meta_float(fx, "shift");
      o.scale = (float)meta_float(fx, "scale");
      o.max_period = (float)meta_float(fx, "max_period");
      return temb_fn(meta_int(fx, "dim"), o);
    };
  }
  TimestepEmbeddingOptions sd;
  sd.flip_sin_to_cos = true;
  sd.downscale_freq_shift = 0.0f;
  TimestepEmbeddingOptions scaled;
  scaled.scale = 1000.0f;
  scaled.max_period = 100.0f;
  auto steps = [] { return Tensors{indices_tensor({0, 1, 2, 17, 250, 500, 999, 998, 3})}; };
  for (int64_t dim : {1, 3, 4, 33, 128, 320})
    for (const TimestepEmbeddingOptions* o : {&sd, &scaled}) {
      if (dim / 2 == (int64_t)o->downscale_freq_shift && dim >= 2) continue;
      OpCase& k =
          add_case(out, str_cat("timestep_embedding dim ", dim, o == &sd ? " sd" : " scaled"),
                   slots, steps, temb_fn(dim, *o), {false}, kModeCuda);
      k.cuda_out = Tol{0.0f, 2e-7f};
    }
  OpCase& p = add_case(
      out, "timestep_embedding [4096] dim 320", slots,
      [] {
        std::vector<int64_t> t;
        for (int64_t i = 0; i < 4096; ++i) t.push_back(i % 1000);
        return Tensors{indices_tensor(t)};
      },
      temb_fn(320, sd), {false}, kModePerf);
  p.work.bytes = 4.0 * 4096 * 320;
}

}  // namespace

void add_diffusion_cases(std::vector<OpCase>& out) {
  add_group_norm(out);
  add_silu(out);
  add_upsample(out);
  add_timestep_embedding(out);
}

}  // namespace syn::test
