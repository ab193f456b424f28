// test_unet.cpp — the diffusion U-Net (models/unet.h) and the transformer pieces it shares
// with the prompt encoder: output shapes, the zero-initialised output, gradients of a tiny
// U-Net against finite differences (input, text context, and parameters of every kind of
// layer), the text conditioning reaching the output, padding keys being ignored, and errors.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/attention.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "models/unet.h"
#include "tests/support/gradcheck.h"

using namespace syn;
using namespace syn::models;

namespace {

UNetConfig tiny_config() {
  UNetConfig c;
  c.image_size = 8;
  c.base_channels = 8;
  c.channel_mult = {1, 2};
  c.res_blocks = 1;
  c.attention_levels = {1};
  c.heads = 2;
  c.context_dim = 6;
  c.norm_groups = 4;
  c.ff_mult = 2;
  return c;
}

// Replaces every parameter by N(0, sd) values, so no gradient path starts at zero (the real
// initialisation zeroes the branch outputs, which would hide errors behind zero gradients).
void randomise(Module& m, Rng& rng, float sd) {
  NoGradGuard ng;
  for (Tensor p : m.parameters()) p.copy_(Tensor::randn(p.shape(), rng, sd));
}

}  // namespace

TEST_CASE("U-Net maps [B, 3, S, S] to [B, 3, S, S] and starts by predicting zero") {
  Rng rng(1);
  UNetConfig c;  // the shipped layout: 32 px, three levels, attention at 8×8
  c.base_channels = 16;
  UNet net(c, rng);
  Tensor x = Tensor::randn({2, 3, 32, 32}, rng);
  Tensor t = Tensor::from_vector({10.0f, 900.0f}, {2});
  Tensor ctx = Tensor::randn({2, 5, c.context_dim}, rng);
  Tensor y = net.forward(x, t, ctx, ops::key_padding_from_lengths({5, 2}, 5));
  CHECK(y.shape() == Shape{2, 3, 32, 32});
  // conv_out is zero-initialised: the untrained net predicts ε̂ = 0 (a loss of 1 on unit noise).
  for (float v : y.to_vector()) REQUIRE(v == 0.0f);
  // Names follow the layout (checkpoints are read by name).
  NamedTensors p = net.named_parameters();
  CHECK(find_named(p, "down.2.0.attn.block.cross_attn.k_proj.weight") != nullptr);
  CHECK(find_named(p, "mid.attn.block.self_attn.q_proj.weight") != nullptr);
  CHECK(find_named(p, "up.0.1.res.skip.weight") != nullptr);
  CHECK(find_named(p, "down.0.downsample.weight") != nullptr);
  CHECK(find_named(p, "down.2.downsample.weight") ==
        nullptr);  // no downsampling after the last level
}

TEST_CASE("tiny U-Net gradients match finite differences") {
  Rng rng(7);
  UNetConfig c = tiny_config();
  UNet net(c, rng);
  randomise(net, rng, 0.3f);
  Tensor x = Tensor::randn({1, 3, 8, 8}, rng).set_requires_grad();
  Tensor ctx = Tensor::randn({1, 3, c.context_dim}, rng).set_requires_grad();
  Tensor t = Tensor::from_vector({123.0f}, {1});
  Tensor pad = ops::key_padding_from_lengths({2}, 3);
  NamedTensors p = net.named_parameters();
  // One parameter of each kind of layer: time MLP, a conv bias, GroupNorm, the temb projection,
  // cross-attention k/v, the feed-forward, the downsampling and upsampling convolutions.
  std::vector<std::string> names = {"time_fc1.bias",
                                    "conv_out.bias",
                                    "down.0.0.res.norm1.weight",
                                    "mid.res1.temb_proj.bias",
                                    "down.1.0.attn.block.cross_attn.k_proj.bias",
                                    "mid.attn.block.cross_attn.v_proj.bias",
                                    "up.1.0.attn.block.ff.fc2.bias",
                                    "down.0.downsample.bias",
                                    "up.1.upsample.bias",
                                    "up.0.0.res.skip.bias"};
  std::vector<Tensor> inputs{x, ctx};
  for (const auto& n : names) {
    const Tensor* q = find_named(p, n);
    REQUIRE_MESSAGE(q != nullptr, n);
    inputs.push_back(*q);
  }
  net.zero_grad();
  test::GradcheckOptions o;
  o.eps = 2e-3f;
  test::check_gradients(
      [&](const std::vector<Tensor>& in) { return net.forward(in[0], t, in[1], pad); }, inputs, o);
}

TEST_CASE("the U-Net's output depends on the text, but not on padded text positions") {
  Rng rng(3);
  UNetConfig c = tiny_config();
  UNet net(c, rng);
  randomise(net, rng, 0.3f);
  NoGradGuard ng;
  Tensor x = Tensor::randn({1, 3, 8, 8}, rng);
  Tensor t = Tensor::from_vector({500.0f}, {1});
  std::vector<float> a = Tensor::randn({1, 4, c.context_dim}, rng).to_vector();
  std::vector<float> b = a;
  for (size_t i = 2 * (size_t)c.context_dim; i < b.size(); ++i) b[i] += 5.0f;  // positions 2, 3
  Tensor pad = ops::key_padding_from_lengths({2}, 4);
  Tensor ya = net.forward(x, t, Tensor::from_vector(a, {1, 4, c.context_dim}), pad);
  Tensor yb = net.forward(x, t, Tensor::from_vector(b, {1, 4, c.context_dim}), pad);
  CHECK(ya.to_vector() == yb.to_vector());  // masked positions never reach the output
  Tensor yc = net.forward(x, t, Tensor::from_vector(b, {1, 4, c.context_dim}), Tensor());
  double diff = 0;
  auto va = ya.to_vector(), vc = yc.to_vector();
  for (size_t i = 0; i < va.size(); ++i) diff = std::max(diff, (double)std::fabs(va[i] - vc[i]));
  CHECK(diff > 1e-3);  // unmasked, the changed words change the prediction
}

TEST_CASE("the U-Net depends on the timestep") {
  Rng rng(5);
  UNet net(tiny_config(), rng);
  randomise(net, rng, 0.3f);
  NoGradGuard ng;
  Tensor x = Tensor::randn({1, 3, 8, 8}, rng), ctx = Tensor::randn({1, 2, 6}, rng);
  auto y1 = net.forward(x, Tensor::from_vector({10.0f}, {1}), ctx, Tensor()).to_vector();
  auto y2 = net.forward(x, Tensor::from_vector({700.0f}, {1}), ctx, Tensor()).to_vector();
  double diff = 0;
  for (size_t i = 0; i < y1.size(); ++i) diff = std::max(diff, (double)std::fabs(y1[i] - y2[i]));
  CHECK(diff > 1e-3);
}

TEST_CASE("U-Net errors name the shapes") {
  Rng rng(2);
  UNet net(tiny_config(), rng);
  Tensor ctx = Tensor::zeros({1, 2, 6});
  Tensor t = Tensor::zeros({1});
  CHECK_THROWS_WITH_AS(net.forward(Tensor::zeros({1, 3, 7, 7}), t, ctx, Tensor()),
                       doctest::Contains("divisible by 2"), Error);
  CHECK_THROWS_WITH_AS(
      net.forward(Tensor::zeros({1, 3, 8, 8}), t, Tensor::zeros({1, 2, 5}), Tensor()),
      doctest::Contains("text context"), Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor::zeros({1, 3, 8, 8}), Tensor::zeros({2}), ctx, Tensor()),
                       doctest::Contains("timesteps"), Error);
  UNetConfig bad = tiny_config();
  bad.norm_groups = 3;
  CHECK_THROWS_WITH_AS(UNet(bad, rng), doctest::Contains("norm_groups"), Error);
  bad = tiny_config();
  bad.attention_levels = {4};
  CHECK_THROWS_WITH_AS(UNet(bad, rng), doctest::Contains("attention level 4"), Error);
  CHECK(parse_int_list("1, 2,3", "x") == std::vector<int64_t>{1, 2, 3});
  CHECK(format_int_list({1, 2, 2}) == "1,2,2");
  CHECK_THROWS_WITH_AS(parse_int_list("1,a", "--channel_mult"), doctest::Contains("--channel_mult"),
                       Error);
}
