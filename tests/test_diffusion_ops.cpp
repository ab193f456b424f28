// test_diffusion_ops.cpp — the diffusion U-Net's ops on the CPU: group norm's statistics, SiLU's
// saturated values, nearest upsampling's layout, the timestep embedding's layout, and spatial
// self-attention / text cross-attention built from linear + attention + shape ops against
// PyTorch fixtures (tests/reference/gen_diffusion_ops.py: float64 reference math on float32
// inputs); errors. (The single ops against their fixtures and finite differences, and the U-Net's
// stride-2 downsampling conv, are op cases: tests/support/op_cases_{diffusion,conv}.cpp, run by
// tests/test_ops.cpp.)
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

using namespace syn;

namespace {

Tensor leaf(const Checkpoint& fx, const std::string& key) {
  return test::fixture_tensor(fx, key).clone().set_requires_grad();
}

}  // namespace

// ------------------------------------------------------------------------------- group norm

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

TEST_CASE("silu known values on saturated inputs") {
  // known values: silu(0) = 0, silu(-100) -> 0 (no NaN from e^100), silu(100) = 100
  std::vector<float> v =
      ops::silu(Tensor::from_vector({0.0f, -100.0f, 100.0f, -1000.0f}, {4})).to_vector();
  CHECK(v[0] == 0.0f);
  CHECK(std::fabs(v[1]) < 1e-30f);
  CHECK(v[2] == 100.0f);
  CHECK(v[3] == 0.0f);  // -1000 / (1 + inf)
}

// ----------------------------------------------------------------------- nearest upsampling

TEST_CASE("upsample_nearest2d: layout, factor 1, errors") {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {1, 1, 2, 3});
  CHECK(ops::upsample_nearest2d(x, 2).to_vector() ==
        std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6});
  CHECK(ops::upsample_nearest2d(x, 1).to_vector() == x.to_vector());
  CHECK_THROWS_WITH_AS(ops::upsample_nearest2d(Tensor::zeros({2, 3, 4}), 2),
                       doctest::Contains("expected x [B, C, H, W]"), Error);
  CHECK_THROWS_WITH_AS(ops::upsample_nearest2d(x, 0), doctest::Contains("factor must be >= 1"),
                       Error);
}

// ------------------------------------------------------------------- timestep embedding

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
