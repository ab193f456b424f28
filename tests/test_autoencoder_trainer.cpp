// test_autoencoder_trainer.cpp — the autoencoder's training (apps/train/autoencoder_task.h with
// the Trainer) on a tiny model and tiny pictures made here: the L1 and 2×2-mean helpers, the loss
// and its gradient against finite differences (every term, the judge's perceptual one included),
// the loss falling, exact resume, the evaluation's numbers, latent_scale, the export, the contact
// sheet, and the config documenting every key.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/train/autoencoder_task.h"
#include "apps/train/trainer.h"
#include "data/images/png_image.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "engine/thread_pool.h"
#include "tests/support/gradcheck.h"
#include "tests/support/temp_dir.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

// One thread: the steps are tiny, and results must not depend on a changing count.
const bool kSingleThread = [] {
  set_num_threads(1);
  return true;
}();

Config load_config(const std::string& file) {
  return Config::load(std::string(SYN_SOURCE_DIR) + "/config/" + file);
}

// Eight 8×8 pictures on grey: a coloured square (red, green, blue, yellow) in the left or the
// right half; concept "<colour>".
app::AutoencoderData tiny_data() {
  const float colours[4][3] = {{1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}, {1, 1, -1}};
  const char* names[] = {"red", "green", "blue", "yellow"};
  app::AutoencoderData d;
  std::vector<float> v;
  for (int c = 0; c < 4; ++c)
    for (int k = 0; k < 2; ++k) {
      for (int ch = 0; ch < 3; ++ch)
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x) {
            const bool in = y >= 2 && y < 6 && (k == 0 ? x >= 1 && x < 4 : x >= 4 && x < 7);
            v.push_back(in ? colours[c][ch] : 0.0f);
          }
      d.concepts.push_back(names[c]);
    }
  d.images = Tensor::from_vector(v, {8, 3, 8, 8});
  return d;
}

Config tiny_config(const std::string& dir) {
  Config cfg = load_config("train_autoencoder.yaml");
  for (auto [k, v] : std::vector<std::pair<const char*, const char*>>{{"workers", "1"},
                                                                      {"image_size", "8"},
                                                                      {"latent_channels", "2"},
                                                                      {"base_channels", "8"},
                                                                      {"channel_mult", "1,2"},
                                                                      {"norm_groups", "4"},
                                                                      {"batch_size", "4"},
                                                                      {"learning_rate", "0.003"},
                                                                      {"warmup_steps", "2"},
                                                                      {"max_steps", "10"},
                                                                      {"val_every", "0"},
                                                                      {"val_pictures", "8"},
                                                                      {"sheet_every", "-1"},
                                                                      {"checkpoint_every", "0"},
                                                                      {"keep_checkpoints", "0"},
                                                                      {"log_every_steps", "0"},
                                                                      {"log_every_seconds", "0"},
                                                                      {"tensorboard", "false"},
                                                                      {"run_name", "t"}})
    cfg.set(k, v);
  cfg.set("log_dir", dir);
  return cfg;
}

void randomise(Module& m, Rng& rng, float sd) {
  NoGradGuard ng;
  for (Tensor p : m.parameters()) p.copy_(Tensor::randn(p.shape(), rng, sd));
}

models::AutoencoderConfig tiny_ae() {
  models::AutoencoderConfig c;
  c.image_size = 8;
  c.latent_channels = 2;
  c.base_channels = 4;
  c.channel_mult = {1, 2};
  c.norm_groups = 2;
  return c;
}

}  // namespace

TEST_CASE("l1_loss and downsample2x compute what they say") {
  Tensor a = Tensor::from_vector({1, -2, 3, 0.5f}, {4}),
         b = Tensor::from_vector({0, 0, 5, 0.5f}, {4});
  CHECK(app::l1_loss(a, b).item() == doctest::Approx((1 + 2 + 2 + 0) / 4.0));
  std::vector<float> v(2 * 4 * 4);
  for (size_t i = 0; i < v.size(); ++i) v[i] = (float)i;
  Tensor d = app::downsample2x(Tensor::from_vector(v, {1, 2, 4, 4}));
  CHECK(d.shape() == Shape{1, 2, 2, 2});
  // Plane 0 rows 0-1, columns 0-1: (0 + 1 + 4 + 5) / 4.
  CHECK(d.to_vector() == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f, 18.5f, 20.5f, 26.5f, 28.5f});
  CHECK_THROWS_AS(app::downsample2x(Tensor::zeros({1, 1, 3, 4})), Error);
  Rng rng(5);
  Tensor x = Tensor::randn({1, 2, 4, 4}, rng).set_requires_grad();
  test::check_gradients([](const std::vector<Tensor>& in) { return app::downsample2x(in[0]); },
                        {x});
}

TEST_CASE("the autoencoder loss (L1, MSE, latent L2, perceptual) has the right gradient") {
  Rng rng(11);
  models::Autoencoder ae(tiny_ae(), rng);
  randomise(ae, rng, 0.3f);
  // A judge whose image tower sees 4 px: the 8-px pictures halved once.
  models::ClipJudgeConfig jc;
  jc.widths = {4};
  jc.image_size = 4;
  jc.embed_dim = 6;
  jc.text_hidden = 8;
  models::ClipJudge judge(jc, models::PromptTokenizer::build({"red", "blue"}), rng);
  judge.eval();
  for (Tensor p : judge.parameters()) p.set_requires_grad(false);
  Tensor x = Tensor::uniform({2, 3, 8, 8}, rng, -1.0f, 1.0f);
  NamedTensors p = ae.named_parameters();
  std::vector<Tensor> inputs;
  for (const char* n : {"encoder.conv_in.bias", "encoder.conv_out.bias", "decoder.conv_in.weight",
                        "decoder.up.1.upsample.bias", "decoder.conv_out.bias"})
    inputs.push_back(*find_named(p, n));
  app::AeLossWeights w;
  w.l1 = 0.7;
  w.mse = 0.5;
  w.latent_l2 = 0.3;
  w.perceptual = 0.4;
  ae.zero_grad();
  app::AeLoss l = app::autoencoder_loss(ae, x, w, &judge);
  CHECK(l.perceptual > 0.0);
  CHECK(l.perceptual < 2.0);
  CHECK(l.total.item() ==
        doctest::Approx(0.7 * l.l1 + 0.5 * l.mse + 0.3 * l.latent_l2 + 0.4 * l.perceptual)
            .epsilon(1e-5));
  test::GradcheckOptions o;
  o.eps = 2e-3f;
  test::check_gradients(
      [&](const std::vector<Tensor>&) { return app::autoencoder_loss(ae, x, w, &judge).total; },
      inputs, o);
  w.perceptual = 0.5;
  CHECK_THROWS_WITH_AS(app::autoencoder_loss(ae, x, w, nullptr), doctest::Contains("judge"), Error);
}

TEST_CASE("a tiny training run lowers the loss and raises the held-out PSNR") {
  syn::test::TempDir dir("syn_ae_trainer");
  Config cfg = tiny_config(dir.path.string());
  cfg.set("max_steps", "80");
  cfg.set("tensorboard", "true");
  cfg.set("sheet_pictures", "8");
  cfg.set("sheet_every", "0");  // only the final sheet
  app::AutoencoderTask task(cfg, tiny_data(), tiny_data());
  const double psnr0 =
      app::evaluate_autoencoder(task.autoencoder(), tiny_data(), 3, nullptr, {}).psnr;
  std::ostringstream log;
  app::Trainer trainer(task);
  CHECK(trainer.fit(log));
  const auto& l = trainer.losses();
  REQUIRE(l.size() == 80);
  double first = 0, last = 0;
  for (int i = 0; i < 10; ++i) {
    first += l[(size_t)i] / 10;
    last += l[l.size() - 1 - (size_t)i] / 10;
  }
  INFO("first 10 steps ", first, ", last 10 ", last, "\n", log.str());
  CHECK(last < 0.5 * first);
  REQUIRE(task.val_psnr().size() == 1);  // the final validation
  CHECK(task.val_psnr().back() > psnr0 + 3.0);
  CHECK(log.str().find("PSNR") != std::string::npos);
  CHECK(fs::exists(dir.path / "t" / "checkpoint_80.synt"));
  const fs::path sheet = dir.path / "t" / "sheet_80.png";
  REQUIRE(fs::exists(sheet));
  // 8 pairs in one row of originals over one of reconstructions, 2-px gutters.
  CHECK(read_png(sheet.string()).shape() == Shape{3, 2 + 2 * 10, 2 + 8 * 10});
}

TEST_CASE("an interrupted run resumed from its checkpoint reproduces the losses exactly") {
  syn::test::TempDir dir("syn_ae_trainer");
  Config cfg = tiny_config(dir.path.string());
  std::ostringstream log;
  app::AutoencoderTask full_task(cfg, tiny_data(), tiny_data());
  app::Trainer full(full_task);
  full.fit(log);
  REQUIRE(full.losses().size() == 10);

  Config cfg2 = cfg;
  cfg2.set("run_name", "part");
  app::AutoencoderTask part_task(cfg2, tiny_data(), tiny_data());
  CHECK_FALSE(app::Trainer(part_task).fit(log, nullptr, 6));
  const std::string ck = (dir.path / "part" / "checkpoint_6.synt").string();
  REQUIRE(fs::exists(ck));
  app::AutoencoderTask resumed_task(cfg2, tiny_data(), tiny_data());
  app::Trainer resumed(resumed_task);
  resumed.resume(ck);
  CHECK(resumed.step() == 6);
  CHECK(resumed.fit(log));
  REQUIRE(resumed.losses().size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(resumed.losses()[i] == full.losses()[6 + i]);
  CHECK(resumed_task.val_psnr().back() == full_task.val_psnr().back());
  // Another model size cannot resume it; the error names the file.
  Config other = cfg2;
  other.set("base_channels", "4");
  app::AutoencoderTask wrong(other, tiny_data(), tiny_data());
  CHECK_THROWS_WITH_AS(app::Trainer(wrong).resume(ck), doctest::Contains("checkpoint_6.synt"),
                       Error);
}

TEST_CASE("evaluation: PSNR by its formula, latent_scale, the judge's top-1, fp16 export") {
  syn::test::TempDir dir("syn_ae_trainer");
  Config cfg = tiny_config(dir.path.string());
  app::AutoencoderTask task(cfg, tiny_data(), tiny_data());
  std::ostringstream log;
  app::Trainer(task).fit(log);
  app::AutoencoderData data = tiny_data();
  app::AeQuality q = app::evaluate_autoencoder(task.autoencoder(), data, 3, nullptr, {});
  REQUIRE(q.pictures == 8);
  // PSNR and L1 again from the returned reconstructions.
  std::vector<float> r = q.reconstructions.to_vector(), o = data.images.to_vector();
  double se = 0, ab = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    REQUIRE((r[i] >= 0.0f && r[i] <= 1.0f));
    const double d = (double)r[i] - (o[i] + 1.0) / 2.0;
    se += d * d;
    ab += std::fabs(d);
  }
  CHECK(q.psnr == doctest::Approx(10.0 * std::log10(r.size() / se)).epsilon(1e-9));
  CHECK(q.l1 == doctest::Approx(ab / (double)r.size()).epsilon(1e-9));
  CHECK(q.judge_top1_original == -1.0);  // no judge

  const double z_std = task.measure_latent_scale(100);
  CHECK(z_std == doctest::Approx(q.latent_std).epsilon(1e-6));  // all 8 pictures either way
  CHECK(task.autoencoder().latent_scale() == doctest::Approx(1.0 / z_std).epsilon(1e-12));

  // A judge that sees the pictures at 4 px: the same zero-shot numbers for originals given as
  // reconstructions, and top-1 values that are fractions of the 8 pictures.
  Rng rng(3);
  models::ClipJudgeConfig jc;
  jc.widths = {4};
  jc.image_size = 4;
  jc.embed_dim = 6;
  jc.text_hidden = 8;
  std::vector<std::string> names{"red", "green", "blue", "yellow"};
  models::ClipJudge judge(jc, models::PromptTokenizer::build(names), rng);
  judge.eval();
  app::AeQuality j = app::evaluate_autoencoder(task.autoencoder(), data, 3, &judge, names);
  CHECK(j.judge_concepts == 4);
  CHECK(j.judge_top1_original >= 0.0);
  CHECK(std::fabs(j.judge_top1_original * 8 - std::round(j.judge_top1_original * 8)) < 1e-9);
  CHECK(j.judge_top5_original == 1.0);  // four concepts: always within the first five
  CHECK(j.psnr == q.psnr);

  const std::string path = (dir.path / "ae.synckpt").string();
  task.export_weights(path, {{"data", "tiny"}});
  std::map<std::string, std::string> meta;
  auto back = models::load_autoencoder(path, &meta);
  CHECK(meta.at("step") == "10");
  CHECK(meta.at("data") == "tiny");
  CHECK(back->latent_scale() == task.autoencoder().latent_scale());
  app::AeQuality h = app::evaluate_autoencoder(*back, data, 8, nullptr, {});
  CHECK(h.psnr == doctest::Approx(q.psnr).epsilon(0.02));  // fp16 weights: nearly the same
}

TEST_CASE("the task refuses a perceptual weight without a judge and a wrong image size") {
  syn::test::TempDir dir("syn_ae_trainer");
  Config cfg = tiny_config(dir.path.string());
  cfg.set("perceptual_weight", "0.1");
  CHECK_THROWS_WITH_AS(app::AutoencoderTask(cfg, tiny_data(), tiny_data()),
                       doctest::Contains("--judge"), Error);
  cfg = tiny_config(dir.path.string());
  cfg.set("image_size", "16");
  CHECK_THROWS_WITH_AS(app::AutoencoderTask(cfg, tiny_data(), tiny_data()),
                       doctest::Contains("--image_size 16"), Error);
}

TEST_CASE("train_autoencoder.yaml documents every key") {
  CHECK(load_config("train_autoencoder.yaml").undocumented_keys().empty());
}
