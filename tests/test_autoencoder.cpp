// test_autoencoder.cpp — the picture autoencoder (models/autoencoder.h): encode/decode shapes
// for the shipped layout, parameter names, gradients of a tiny autoencoder against finite
// differences (the input and parameters of every kind of layer), the fp16 weights file round
// trip (sizes, latent_scale, values within half precision) and errors naming the problem.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "models/autoencoder.h"
#include "tests/support/gradcheck.h"
#include "tests/support/temp_dir.h"

using namespace syn;
using namespace syn::models;
namespace fs = std::filesystem;

namespace {

AutoencoderConfig tiny_config() {
  AutoencoderConfig c;
  c.image_size = 8;
  c.latent_channels = 2;
  c.base_channels = 4;
  c.channel_mult = {1, 2};
  c.norm_groups = 2;
  return c;
}

// Replaces every parameter by N(0, sd) values, so no gradient path starts at zero (the real
// initialisation zeroes each ResBlock's second convolution).
void randomise(Module& m, Rng& rng, float sd) {
  NoGradGuard ng;
  for (Tensor p : m.parameters()) p.copy_(Tensor::randn(p.shape(), rng, sd));
}

}  // namespace

TEST_CASE("the shipped layout maps 64-px pictures to a 4×16×16 latent and back") {
  Rng rng(1);
  AutoencoderConfig c;  // 64 px, latent 4 channels, base 32, mult 1,2,2
  Autoencoder ae(c, rng);
  CHECK(c.latent_size() == 16);
  NoGradGuard ng;
  Tensor x = Tensor::uniform({2, 3, 64, 64}, rng, -1.0f, 1.0f);
  Tensor z = ae.encode(x);
  CHECK(z.shape() == Shape{2, 4, 16, 16});
  Tensor y = ae.decode(z);
  CHECK(y.shape() == Shape{2, 3, 64, 64});
  for (float v : y.to_vector()) REQUIRE(std::isfinite(v));
  CHECK(ae.latent_scale() == 1.0);
  NamedTensors p = ae.named_parameters();
  CHECK(find_named(p, "encoder.down.0.res.conv1.weight") != nullptr);
  CHECK(find_named(p, "encoder.down.1.res.skip.weight") != nullptr);  // 32 -> 64 channels
  CHECK(find_named(p, "encoder.down.1.downsample.weight") != nullptr);
  CHECK(find_named(p, "encoder.down.2.downsample.weight") == nullptr);  // none after the last
  CHECK(find_named(p, "decoder.up.2.upsample.weight")->shape() == Shape{64, 64, 3, 3});
  CHECK(find_named(p, "decoder.up.1.upsample.weight")->shape() == Shape{32, 64, 3, 3});
  CHECK(find_named(p, "decoder.up.0.upsample.weight") == nullptr);
  CHECK(find_named(p, "encoder.mid.temb_proj.weight") == nullptr);  // no timestep here
  CHECK(find_named(p, "decoder.conv_out.weight")->shape() == Shape{3, 32, 3, 3});
}

TEST_CASE("the encoder and decoder of a tiny autoencoder have the right gradients") {
  Rng rng(7);
  Autoencoder ae(tiny_config(), rng);
  randomise(ae, rng, 0.3f);
  NamedTensors p = ae.named_parameters();
  std::vector<std::string> names = {
      "encoder.conv_in.bias",           "encoder.down.0.res.norm1.weight",
      "encoder.down.0.downsample.bias", "encoder.down.1.res.skip.bias",
      "encoder.mid.conv2.bias",         "encoder.conv_out.bias",
      "decoder.conv_in.bias",           "decoder.up.1.upsample.bias",
      "decoder.up.0.res.norm2.bias",    "decoder.conv_out.bias"};
  Tensor x = Tensor::uniform({2, 3, 8, 8}, rng, -1.0f, 1.0f).set_requires_grad();
  std::vector<Tensor> inputs{x};
  for (const auto& n : names) {
    const Tensor* q = find_named(p, n);
    REQUIRE_MESSAGE(q != nullptr, n);
    inputs.push_back(*q);
  }
  ae.zero_grad();
  test::GradcheckOptions o;
  o.eps = 2e-3f;
  test::check_gradients([&](const std::vector<Tensor>& in) { return ae.reconstruct(in[0]); },
                        inputs, o);
}

TEST_CASE("fp16 weights file: sizes, latent_scale and values survive the round trip") {
  syn::test::TempDir dir("syn_autoencoder");
  const std::string path = (dir.path / "ae.synckpt").string();
  Rng rng(3);
  AutoencoderConfig c = tiny_config();
  c.latent_channels = 3;
  Autoencoder ae(c, rng);
  randomise(ae, rng, 0.2f);
  ae.set_latent_scale(0.7312345678901234);
  save_autoencoder(path, ae, {{"data", "unit test"}});
  std::map<std::string, std::string> meta;
  auto back = load_autoencoder(path, &meta);
  CHECK(back->config().latent_channels == 3);
  CHECK(back->config().channel_mult == std::vector<int64_t>{1, 2});
  CHECK(back->config().norm_groups == 2);
  CHECK(back->latent_scale() == 0.7312345678901234);  // stored as text, exactly
  CHECK(meta.at("data") == "unit test");
  CHECK(meta.at("kind") == "synesthesia-autoencoder-1");
  CHECK_FALSE(back->is_training());
  NamedTensors a = ae.state_dict(), b = back->state_dict();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].first == b[i].first);
    auto va = a[i].second.to_vector(), vb = b[i].second.to_vector();
    for (size_t j = 0; j < va.size(); ++j)
      REQUIRE(vb[j] == half_to_float(float_to_half(va[j])));  // exactly the fp16 rounding
  }
  // fp32 on request: exact.
  save_autoencoder(path, ae, {}, false);
  auto exact = load_autoencoder(path);
  CHECK(exact->state_dict()[0].second.to_vector() == a[0].second.to_vector());
}

TEST_CASE("autoencoder errors name the file, the key or the shape") {
  syn::test::TempDir dir("syn_autoencoder");
  Rng rng(2);
  Autoencoder ae(tiny_config(), rng);
  NoGradGuard ng;
  CHECK_THROWS_WITH_AS(ae.encode(Tensor::zeros({1, 3, 16, 16})),
                       doctest::Contains("must be [B, 3, 8, 8]"), Error);
  CHECK_THROWS_WITH_AS(ae.decode(Tensor::zeros({1, 3, 4, 4})),
                       doctest::Contains("must be [B, 2, 4, 4]"), Error);
  AutoencoderConfig bad = tiny_config();
  bad.image_size = 9;
  CHECK_THROWS_WITH_AS(Autoencoder(bad, rng), doctest::Contains("image_size 9"), Error);
  bad = tiny_config();
  bad.norm_groups = 3;
  CHECK_THROWS_WITH_AS(Autoencoder(bad, rng), doctest::Contains("norm_groups 3"), Error);
  CHECK_THROWS_AS(ae.set_latent_scale(0.0), Error);

  const std::string other = (dir.path / "other.synckpt").string();
  save_module(other, ae, {{"kind", "something-else"}});
  CHECK_THROWS_WITH_AS(load_autoencoder(other), doctest::Contains("not an autoencoder"), Error);
  const std::string path = (dir.path / "ae.synckpt").string();
  save_autoencoder(path, ae);
  Checkpoint ck = load_checkpoint(path);
  ck.meta.erase("ae.norm_groups");
  save_checkpoint(path, ck);
  CHECK_THROWS_WITH_AS(load_autoencoder(path), doctest::Contains("'ae.norm_groups' is missing"),
                       Error);
  ck.meta["ae.norm_groups"] = std::to_string(2);  // (a literal here trips GCC 12's -Wrestrict)
  ck.meta["latent_scale"] = std::to_string(-1);
  save_checkpoint(path, ck);
  CHECK_THROWS_WITH_AS(load_autoencoder(path), doctest::Contains("latent_scale"), Error);
  CHECK_THROWS_WITH_AS(load_autoencoder((dir.path / "missing.synckpt").string()),
                       doctest::Contains("missing.synckpt"), Error);
}
