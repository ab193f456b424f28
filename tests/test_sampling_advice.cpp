// test_sampling_advice.cpp — apps/pipeline/sampling_advice.h: what imagine, pipeline and
// eval_imagine draw with when --steps 0, --sampler auto and --guidance_scale 0 leave it to the
// weights. Tiny weights files made here carry each kind of advice (none, the trainer's
// meta/sample.* with its config's sample_guidance, an explicit meta/sample.guidance, a bad one);
// the shipped files, when present, advise ddim / 50 / 8 (unet_emoji) and dpmpp_2m / 20 / 3
// (latent_imagine); and the three apps' configs default to the latent model and that advice.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "apps/pipeline/sampling_advice.h"
#include "engine/check.h"
#include "engine/config.h"
#include "engine/rng.h"
#include "models/text_to_image.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

// A unique folder per process: parallel runs from other worktrees do not collide.
fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("syn_test_sampling_advice_" + std::to_string(getpid()));
  fs::create_directories(d);
  return d;
}

// A tiny pixel-space text-to-image file with `meta` as its provenance.
models::TextToImage tiny_weights(const fs::path& file,
                                 const std::map<std::string, std::string>& meta) {
  models::PromptTokenizer tok = models::PromptTokenizer::build({"red heart", "sun"});
  models::TextToImageConfig c;
  c.unet.image_size = 8;
  c.unet.base_channels = 8;
  c.unet.channel_mult = {1, 2};
  c.unet.attention_levels = {1};
  c.unet.heads = 2;
  c.unet.context_dim = 16;
  c.unet.norm_groups = 4;
  c.text.vocab_size = tok.vocab_size();
  c.text.dim = 16;
  c.text.heads = 2;
  c.text.layers = 1;
  c.text.ff_mult = 2;
  c.text.max_len = 8;
  Rng rng(3);
  models::TextToImageNet net(c, rng);
  models::TextToImage::save(file.string(), net, tok, meta);
  return models::TextToImage::load(file.string());
}

// What a user asked for: steps, sampler and guidance (0, "auto", 0: the weights' advice).
models::ImagineOptions asked(int64_t steps, const std::string& sampler, float guidance) {
  models::ImagineOptions o;
  o.steps = steps;
  o.sampler = sampler;
  o.guidance_scale = guidance;
  return o;
}

const std::string kTrainerConfig =
    "sample_steps: 20 # steps\nsample_sampler: \"dpmpp_2m\" # sampler\n"
    "sample_guidance: 3.0 # the grids' guidance\n";

}  // namespace

TEST_CASE("no advice in the file: DDIM, 50 steps, guidance 8 (the first generation's)") {
  const fs::path dir = temp_dir();
  // The first-generation file's config says sample_guidance 3 too: only its grids used it.
  models::TextToImage t2i = tiny_weights(dir / "old.synckpt", {{"config", kTrainerConfig}});
  const models::ImagineOptions o = app::with_advice(t2i, asked(0, "auto", 0), "old");
  CHECK(o.sampler == "ddim");
  CHECK(o.steps == 50);
  CHECK(o.guidance_scale == 8.0f);
  CHECK(app::describe_sampling(o) == "ddim, 50 steps, guidance 8");
  fs::remove_all(dir);
}

TEST_CASE("the trainer's advice: its sampler and steps, its config's sample_guidance") {
  const fs::path dir = temp_dir();
  models::TextToImage t2i = tiny_weights(
      dir / "new.synckpt",
      {{"sample.sampler", "dpmpp_2m"}, {"sample.steps", "20"}, {"config", kTrainerConfig}});
  models::ImagineOptions o = app::with_advice(t2i, asked(0, "auto", 0), "new");
  CHECK(o.sampler == "dpmpp_2m");
  CHECK(o.steps == 20);
  CHECK(o.guidance_scale == 3.0f);
  // What the user sets is kept.
  o = app::with_advice(t2i, asked(7, "ddim", 5), "new");
  CHECK(o.sampler == "ddim");
  CHECK(o.steps == 7);
  CHECK(o.guidance_scale == 5.0f);
  // Without a stored config: the first generation's 8.
  models::TextToImage bare =
      tiny_weights(dir / "bare.synckpt", {{"sample.sampler", "dpmpp_2m"}, {"sample.steps", "20"}});
  CHECK(app::advised_guidance(bare, "bare") == 8.0f);
  fs::remove_all(dir);
}

TEST_CASE("meta/sample.guidance wins; a bad one is an error naming the file") {
  const fs::path dir = temp_dir();
  models::TextToImage t2i = tiny_weights(
      dir / "g.synckpt",
      {{"sample.sampler", "dpmpp_2m"}, {"sample.guidance", "4.5"}, {"config", kTrainerConfig}});
  CHECK(app::advised_guidance(t2i, "g.synckpt") == 4.5f);
  models::TextToImage bad = tiny_weights(dir / "bad.synckpt", {{"sample.guidance", "lots"}});
  CHECK_THROWS_WITH_AS(app::advised_guidance(bad, "bad.synckpt"),
                       doctest::Contains("bad.synckpt: meta/sample.guidance 'lots'"), Error);
  fs::remove_all(dir);
}

TEST_CASE("the shipped files' advice") {
  const std::string weights = std::string(SYN_SOURCE_DIR) + "/models/weights/";
  if (fs::exists(weights + "unet_emoji.synckpt")) {
    models::TextToImage old = models::TextToImage::load(weights + "unet_emoji.synckpt");
    CHECK(app::describe_sampling(app::with_advice(old, asked(0, "auto", 0), "old")) ==
          "ddim, 50 steps, guidance 8");
  }
  if (fs::exists(weights + "latent_imagine.synckpt")) {
    models::TextToImage t2i = models::TextToImage::load(weights + "latent_imagine.synckpt");
    CHECK(t2i.image_size() == 64);
    CHECK(app::describe_sampling(app::with_advice(t2i, asked(0, "auto", 0), "new")) ==
          "dpmpp_2m, 20 steps, guidance 5");  // meta/sample.guidance
  } else {
    MESSAGE("skipped: models/weights/latent_imagine.synckpt is not available");
  }
}

TEST_CASE("imagine, pipeline and eval_imagine default to the latent model and its advice") {
  const std::string dir = std::string(SYN_SOURCE_DIR) + "/config/";
  for (auto [file, weights_key] :
       std::vector<std::pair<std::string, std::string>>{{"imagine.yaml", "weights"},
                                                        {"pipeline.yaml", "image_model"},
                                                        {"eval_imagine.yaml", "image_model"}}) {
    CAPTURE(file);
    Config cfg = Config::load(dir + file);
    CHECK(cfg.get_string(weights_key) == "models/weights/latent_imagine.synckpt");
    CHECK(cfg.get_int("steps") == 0);
    CHECK(cfg.get_string("sampler") == "auto");
    CHECK(cfg.get_float("guidance_scale") == 0.0);
    cfg.set("guidance_scale", "2.5");  // a float key: a fractional scale is a valid flag
    CHECK(cfg.get_float("guidance_scale") == 2.5);
  }
  Config imagine = Config::load(dir + "imagine.yaml");
  CHECK(imagine.get_int("size") == 0);  // the native size: 64-px pictures from the latent model
}
