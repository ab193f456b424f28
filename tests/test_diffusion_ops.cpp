// test_diffusion_ops.cpp — the diffusion U-Net's ops on the CPU: group norm, SiLU, nearest
// upsampling, the sinusoidal timestep embedding, a stride-2 3x3 convolution (downsampling), and
// spatial self-attention / text cross-attention built from linear + attention + shape ops.
// Each is checked against PyTorch fixtures (tests/reference/gen_diffusion_ops.py: float64
// reference math on float32 inputs) and, where differentiable, against finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/groupnorm.h"
#include "engine/ops/linear.h"
#include "engine/ops/shape.h"
#include "engine/ops/timestep_embedding.h"
#include "engine/ops/upsample.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"
#include "tests/support/gradcheck.h"

using namespace syn;

namespace {

Tensor leaf(const Checkpoint& fx, const std::string& key) {
  return test::fixture_tensor(fx, key).clone().set_requires_grad();
}

Tensor rand_leaf(const Shape& s, Rng& rng, float stddev = 1.0f) {
  return Tensor::randn(s, rng, stddev).set_requires_grad();
}

}  // namespace

// ------------------------------------------------------------------------------- group norm

TEST_CASE("group_norm matches PyTorch (groups 3, 1 on [B, C, L], C, no affine with an offset)") {
  for (const char* name :
       {"diff_gn_g3", "diff_gn_g1_1d", "diff_gn_gC", "diff_gn_noaffine_offset"}) {
    CAPTURE(name);
    auto fx = test::load_fixture(name);
    const int64_t groups = test::fixture_int(fx, "groups");
    const float eps = (float)test::fixture_float(fx, "eps");
    const bool affine = test::fixture_int(fx, "affine") != 0;
    Tensor x = leaf(fx, "x");
    Tensor w = affine ? leaf(fx, "weight") : Tensor();
    Tensor b = affine ? leaf(fx, "bias") : Tensor();
    Tensor y = ops::group_norm(x, groups, w, b, eps);
    const std::string n = name;
    // double statistics, one fp32 rounding: a few ulps of the float64 reference
    test::check_close(y, test::fixture_tensor(fx, "y"), n + " y", 1e-5f, 1e-5f);
    y.backward(test::fixture_tensor(fx, "dy"));
    test::check_close(x.grad(), test::fixture_tensor(fx, "dx"), n + " dx", 1e-5f, 1e-5f);
    if (affine) {
      test::check_close(w.grad(), test::fixture_tensor(fx, "dweight"), n + " dweight", 1e-5f,
                        1e-5f);
      test::check_close(b.grad(), test::fixture_tensor(fx, "dbias"), n + " dbias", 1e-5f, 1e-5f);
    }
  }
}

TEST_CASE("group_norm matches finite differences") {
  Rng rng(81);
  struct Case {
    Shape s;
    int64_t g;
    bool weight, bias;
  };
  for (Case c : {Case{{2, 6, 3, 2}, 3, true, true}, Case{{2, 4, 5}, 1, true, true},
                 Case{{1, 3, 2, 3}, 3, true, false}, Case{{3, 4}, 2, false, true},
                 Case{{2, 2, 1, 1}, 1, false, false}}) {
    INFO(shape_str(c.s), " groups ", c.g);
    const int64_t C = c.s[1];
    Tensor x = rand_leaf(c.s, rng);
    Tensor w = c.weight ? Tensor::uniform({C}, rng, 0.5f, 1.5f).set_requires_grad() : Tensor();
    Tensor b = c.bias ? rand_leaf({C}, rng, 0.5f) : Tensor();
    test::check_gradients(
        [&](auto& in) { return ops::group_norm(in[0], c.g, in[1], in[2], 1e-3f); }, {x, w, b});
  }
}

TEST_CASE("group_norm output has zero mean and unit variance per group") {
  Rng rng(82);
  Tensor x = ops::add_scalar(Tensor::randn({2, 6, 4, 5}, rng, 3.0f), 1000.0f);  // large offset
  std::vector<float> y = ops::group_norm(x, 2, Tensor(), Tensor(), 0.0f).to_vector();
  const size_t len = 3 * 20;
  for (size_t g = 0; g < 4; ++g) {
    double s = 0, s2 = 0;
    for (size_t i = 0; i < len; ++i) {
      const double v = y[g * len + i];
      s += v, s2 += v * v;
    }
    CHECK(std::fabs(s / len) < 1e-5);
    CHECK(s2 / len == doctest::Approx(1.0).epsilon(1e-4));
  }
}

TEST_CASE("group_norm errors name the op and the shapes") {
  Tensor x = Tensor::zeros({2, 6, 3, 3});
  CHECK_THROWS_WITH_AS(ops::group_norm(x, 4, Tensor(), Tensor()),
                       doctest::Contains("6 channels cannot be split into 4 groups"), Error);
  CHECK_THROWS_WITH_AS(ops::group_norm(x, 0, Tensor(), Tensor()),
                       doctest::Contains("cannot be split into 0 groups"), Error);
  CHECK_THROWS_WITH_AS(ops::group_norm(x, 3, Tensor::zeros({3}), Tensor()),
                       doctest::Contains("weight [3] cpu must be [C] = [6]"), Error);
  CHECK_THROWS_WITH_AS(ops::group_norm(Tensor::zeros({6}), 3, Tensor(), Tensor()),
                       doctest::Contains("expected x [B, C, *]"), Error);
  CHECK_THROWS_WITH_AS(ops::group_norm(x, 3, Tensor(), Tensor(), -1.0f),
                       doctest::Contains("eps must be >= 0"), Error);
}

// ------------------------------------------------------------------------------------- SiLU

TEST_CASE("silu matches PyTorch, including saturated inputs") {
  auto fx = test::load_fixture("diff_silu");
  Tensor x = leaf(fx, "x");
  Tensor y = ops::silu(x);
  test::check_close(y, test::fixture_tensor(fx, "y"), "silu y", 1e-6f, 1e-7f);
  y.backward(test::fixture_tensor(fx, "dy"));
  test::check_close(x.grad(), test::fixture_tensor(fx, "dx"), "silu dx", 1e-5f, 1e-7f);
  // known values: silu(0) = 0, silu(-100) -> 0 (no NaN from e^100), silu(100) = 100
  std::vector<float> v =
      ops::silu(Tensor::from_vector({0.0f, -100.0f, 100.0f, -1000.0f}, {4})).to_vector();
  CHECK(v[0] == 0.0f);
  CHECK(std::fabs(v[1]) < 1e-30f);
  CHECK(v[2] == 100.0f);
  CHECK(v[3] == 0.0f);  // -1000 / (1 + inf)
}

TEST_CASE("silu matches finite differences") {
  Rng rng(83);
  Tensor x = rand_leaf({3, 4, 5}, rng, 2.0f);
  test::check_gradients([](auto& in) { return ops::silu(in[0]); }, {x});
}

// ----------------------------------------------------------------------- nearest upsampling

TEST_CASE("upsample_nearest2d matches PyTorch (factor 2 on odd sizes, factor 3)") {
  for (const char* name : {"diff_up2", "diff_up3"}) {
    CAPTURE(name);
    auto fx = test::load_fixture(name);
    Tensor x = leaf(fx, "x");
    Tensor y = ops::upsample_nearest2d(x, test::fixture_int(fx, "factor"));
    test::check_close(y, test::fixture_tensor(fx, "y"), std::string(name) + " y", 0.0f, 0.0f);
    y.backward(test::fixture_tensor(fx, "dy"));
    // a sum of f² fp32 values vs the float64 sum
    test::check_close(x.grad(), test::fixture_tensor(fx, "dx"), std::string(name) + " dx", 1e-6f,
                      1e-6f);
  }
}

TEST_CASE("upsample_nearest2d: layout, finite differences, factor 1, errors") {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {1, 1, 2, 3});
  CHECK(ops::upsample_nearest2d(x, 2).to_vector() ==
        std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6});
  CHECK(ops::upsample_nearest2d(x, 1).to_vector() == x.to_vector());
  Rng rng(84);
  Tensor xl = rand_leaf({2, 2, 3, 2}, rng);
  test::check_gradients([](auto& in) { return ops::upsample_nearest2d(in[0], 2); }, {xl});
  CHECK_THROWS_WITH_AS(ops::upsample_nearest2d(Tensor::zeros({2, 3, 4}), 2),
                       doctest::Contains("expected x [B, C, H, W]"), Error);
  CHECK_THROWS_WITH_AS(ops::upsample_nearest2d(x, 0), doctest::Contains("factor must be >= 1"),
                       Error);
}

// ------------------------------------------------------------------- timestep embedding

TEST_CASE("timestep_embedding matches diffusers' get_timestep_embedding (float64)") {
  for (const char* name : {"diff_temb_default", "diff_temb_sd_odd", "diff_temb_scaled"}) {
    CAPTURE(name);
    auto fx = test::load_fixture(name);
    TimestepEmbeddingOptions o;
    o.flip_sin_to_cos = test::fixture_int(fx, "flip") != 0;
    o.downscale_freq_shift = (float)test::fixture_float(fx, "shift");
    o.scale = (float)test::fixture_float(fx, "scale");
    o.max_period = (float)test::fixture_float(fx, "max_period");
    Tensor emb =
        ops::timestep_embedding(test::fixture_tensor(fx, "t"), test::fixture_int(fx, "dim"), o);
    // double math rounded once: within an fp32 ulp of the rounded float64 reference
    test::check_close(emb, test::fixture_tensor(fx, "emb"), name, 0.0f, 2e-7f);
  }
}

TEST_CASE("timestep_embedding: layout, integer overload, no recording, errors") {
  // dim 4, shift 1: half 2, freqs 1 and 1e-4: t = 2 -> [sin 2, sin 2e-4, cos 2, cos 2e-4]
  Tensor e = ops::timestep_embedding(std::vector<int64_t>{0, 2}, 4, Device::CPU);
  REQUIRE(e.shape() == Shape{2, 4});
  std::vector<float> v = e.to_vector();
  CHECK(v == std::vector<float>{0, 0, 1, 1, (float)std::sin(2.0), (float)std::sin(2e-4),
                                (float)std::cos(2.0), (float)std::cos(2e-4)});
  TimestepEmbeddingOptions sd;
  sd.flip_sin_to_cos = true;
  sd.downscale_freq_shift = 0.0f;
  Tensor f = ops::timestep_embedding(std::vector<int64_t>{3}, 5, Device::CPU, sd);
  // half 2, freqs 1 and 10000^(-1/2) = 0.01; cos first; odd dim: a trailing zero
  CHECK(f.to_vector() == std::vector<float>{(float)std::cos(3.0), (float)std::cos(0.03),
                                            (float)std::sin(3.0), (float)std::sin(0.03), 0.0f});
  Tensor t = Tensor::from_vector({1.0f}, {1}).set_requires_grad();
  CHECK_FALSE(ops::timestep_embedding(t, 8).requires_grad());
  CHECK_THROWS_WITH_AS(ops::timestep_embedding(std::vector<int64_t>{1}, 2, Device::CPU),
                       doctest::Contains("divides the frequency exponent by zero"), Error);
  CHECK_THROWS_WITH_AS(ops::timestep_embedding(Tensor::zeros({2, 1}), 8),
                       doctest::Contains("expected timesteps [B]"), Error);
  CHECK_THROWS_WITH_AS(ops::timestep_embedding(std::vector<int64_t>{1}, 0, Device::CPU),
                       doctest::Contains("dim must be >= 1"), Error);
}

// ------------------------------------------------------- downsampling: stride-2 3x3 conv

TEST_CASE("stride-2 3x3 conv2d with padding 1 (the U-Net's downsampling) matches PyTorch") {
  auto fx = test::load_fixture("diff_conv_down");
  Tensor x = leaf(fx, "x"), w = leaf(fx, "weight"), b = leaf(fx, "bias");
  Tensor y = ops::conv2d(x, w, b, 2, 2, Padding2d::symmetric(1, 1));
  REQUIRE(y.shape() == Shape{2, 4, 5, 4});  // 9x8 -> 5x4
  test::check_close(y, test::fixture_tensor(fx, "y"), "conv down y", 1e-5f, 1e-5f);
  y.backward(test::fixture_tensor(fx, "dy"));
  test::check_close(x.grad(), test::fixture_tensor(fx, "dx"), "conv down dx", 1e-5f, 1e-5f);
  test::check_close(w.grad(), test::fixture_tensor(fx, "dweight"), "conv down dw", 1e-5f, 1e-5f);
  test::check_close(b.grad(), test::fixture_tensor(fx, "dbias"), "conv down db", 1e-5f, 1e-5f);
}

// ------------------------------------------- spatial self-attention, text cross-attention

namespace {

// [B, C, H, W] -> [B, H·W, C] tokens (positions row-major), and back.
Tensor to_tokens(const Tensor& x) {
  const int64_t B = x.size(0), C = x.size(1);
  return ops::transpose(ops::reshape(x, {B, C, -1}), 1, 2);
}
Tensor from_tokens(const Tensor& t, int64_t H, int64_t W) {
  const int64_t B = t.size(0), C = t.size(2);
  return ops::reshape(ops::transpose(t, 1, 2), {B, C, H, W});
}
// [B, T, C] -> [B, heads, T, C / heads] and back.
Tensor split_heads(const Tensor& t, int64_t heads) {
  const int64_t B = t.size(0), T = t.size(1), C = t.size(2);
  return ops::transpose(ops::reshape(t, {B, T, heads, C / heads}), 1, 2);
}
Tensor merge_heads(const Tensor& t) {
  const int64_t B = t.size(0), h = t.size(1), T = t.size(2), Dh = t.size(3);
  return ops::reshape(ops::transpose(t, 1, 2), {B, T, h * Dh});
}

// nn.MultiheadAttention's computation: q, k, v projections, per-head scaled dot-product
// attention (scale 1/sqrt(C / heads)), heads concatenated, output projection.
Tensor mha(const Tensor& q_in, const Tensor& kv_in, const Tensor& wq, const Tensor& wk,
           const Tensor& wv, const Tensor& bq, const Tensor& bk, const Tensor& bv, const Tensor& wo,
           const Tensor& bo, int64_t heads, const Tensor& key_padding) {
  Tensor q = split_heads(ops::linear(q_in, wq, bq), heads);
  Tensor k = split_heads(ops::linear(kv_in, wk, bk), heads);
  Tensor v = split_heads(ops::linear(kv_in, wv, bv), heads);
  ops::AttentionOptions opt;
  opt.key_padding = key_padding;
  return ops::linear(merge_heads(ops::attention(q, k, v, opt)), wo, bo);
}

}  // namespace

TEST_CASE("spatial self-attention on [B, H*W, C] tokens equals nn.MultiheadAttention") {
  auto fx = test::load_fixture("diff_spatial_attn");
  const int64_t heads = test::fixture_int(fx, "heads");
  Tensor x = leaf(fx, "x"), w_in = leaf(fx, "in_proj_weight");
  Tensor b_in = test::fixture_tensor(fx, "in_proj_bias");
  const int64_t C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor wq = ops::slice(w_in, 0, 0, C), wk = ops::slice(w_in, 0, C, 2 * C),
         wv = ops::slice(w_in, 0, 2 * C, 3 * C);
  Tensor bq = ops::slice(b_in, 0, 0, C), bk = ops::slice(b_in, 0, C, 2 * C),
         bv = ops::slice(b_in, 0, 2 * C, 3 * C);
  Tensor t = to_tokens(x);
  Tensor y =
      from_tokens(mha(t, t, wq, wk, wv, bq, bk, bv, test::fixture_tensor(fx, "out_proj_weight"),
                      test::fixture_tensor(fx, "out_proj_bias"), heads, Tensor()),
                  H, W);
  test::check_close(y, test::fixture_tensor(fx, "y"), "spatial attention y", 1e-4f, 1e-5f);
  y.backward(test::fixture_tensor(fx, "dy"));
  test::check_close(x.grad(), test::fixture_tensor(fx, "dx"), "spatial attention dx", 1e-4f, 1e-5f);
  test::check_close(w_in.grad(), test::fixture_tensor(fx, "din_proj_weight"),
                    "spatial attention d in_proj_weight", 1e-4f, 1e-5f);
}

TEST_CASE("text cross-attention (kdim != C, padded text) equals nn.MultiheadAttention") {
  auto fx = test::load_fixture("diff_cross_attn");
  const int64_t heads = test::fixture_int(fx, "heads");
  Tensor x = leaf(fx, "x"), ctx = leaf(fx, "context");
  Tensor b_in = test::fixture_tensor(fx, "in_proj_bias");
  const int64_t C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor y = from_tokens(
      mha(to_tokens(x), ctx, test::fixture_tensor(fx, "q_proj_weight"),
          test::fixture_tensor(fx, "k_proj_weight"), test::fixture_tensor(fx, "v_proj_weight"),
          ops::slice(b_in, 0, 0, C), ops::slice(b_in, 0, C, 2 * C),
          ops::slice(b_in, 0, 2 * C, 3 * C), test::fixture_tensor(fx, "out_proj_weight"),
          test::fixture_tensor(fx, "out_proj_bias"), heads,
          test::fixture_tensor(fx, "key_padding")),
      H, W);
  test::check_close(y, test::fixture_tensor(fx, "y"), "cross attention y", 1e-4f, 1e-5f);
  y.backward(test::fixture_tensor(fx, "dy"));
  test::check_close(x.grad(), test::fixture_tensor(fx, "dx"), "cross attention dx", 1e-4f, 1e-5f);
  // padded text positions (item 1, tokens 3 and 4) receive exactly zero gradient
  test::check_close(ctx.grad(), test::fixture_tensor(fx, "dcontext"), "cross attention dcontext",
                    1e-4f, 1e-5f);
  std::vector<float> dc = ctx.grad().to_vector();
  const int64_t T = ctx.size(1), D = ctx.size(2);
  for (int64_t tk = 3; tk < T; ++tk)
    for (int64_t j = 0; j < D; ++j) CHECK(dc[(size_t)((1 * T + tk) * D + j)] == 0.0f);
}
