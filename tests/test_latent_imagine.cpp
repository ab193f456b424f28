// test_latent_imagine.cpp — the second-generation text-to-image model (issue 18) on a tiny
// autoencoder, U-Net and dataset made here: v-prediction with min-SNR-γ weighting on latents
// lowers the loss; a run with byte-spelled prompts resumes exactly; the export holds the
// autoencoder and loads as "synesthesia-text-to-image-2" that generates pictures (decoded)
// equal to the in-memory network's, with DPM-Solver++ as its advised sampler; a model without
// the new features is still written as the first kind; bad combinations fail clearly.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/train/imagine_task.h"
#include "apps/train/trainer.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "engine/thread_pool.h"
#include "models/latent_codec.h"
#include "tests/support/tiny_pictures.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

const bool kSingleThread = [] {
  set_num_threads(1);  // tiny steps; results must not depend on the count within a test
  return true;
}();

std::shared_ptr<models::Autoencoder> tiny_autoencoder() {
  models::AutoencoderConfig c;
  c.image_size = 8;
  c.latent_channels = 4;
  c.base_channels = 8;
  c.channel_mult = {1, 2};
  c.norm_groups = 4;
  Rng rng(5);
  auto ae = std::make_shared<models::Autoencoder>(c, rng);
  ae->set_latent_scale(1.7);
  ae->eval();
  return ae;
}

app::ImagineData as_latents(models::Autoencoder& ae, app::ImagineData d) {
  d.images = models::encode_to_latents(ae, d.images);
  return d;
}

Config latent_config(const std::string& dir) {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/train_imagine.yaml");
  for (auto [k, v] :
       std::vector<std::pair<const char*, const char*>>{{"workers", "0"},
                                                        {"base_channels", "8"},
                                                        {"channel_mult", "1,2"},
                                                        {"attention_levels", "1"},
                                                        {"unet_heads", "2"},
                                                        {"norm_groups", "4"},
                                                        {"text_dim", "16"},
                                                        {"text_heads", "2"},
                                                        {"text_layers", "1"},
                                                        {"text_max_len", "24"},
                                                        {"batch_size", "4"},
                                                        {"learning_rate", "0.003"},
                                                        {"warmup_steps", "2"},
                                                        {"max_steps", "10"},
                                                        {"timesteps", "100"},
                                                        {"val_timesteps", "10,50,90"},
                                                        {"val_every", "0"},
                                                        {"sample_every", "-1"},
                                                        {"sample_steps", "4"},
                                                        {"sample_prompts", "red square left|blue"},
                                                        {"checkpoint_every", "0"},
                                                        {"keep_checkpoints", "0"},
                                                        {"log_every_steps", "0"},
                                                        {"log_every_seconds", "0"},
                                                        {"run_name", "t"},
                                                        {"max_shift", "0"},
                                                        {"prediction", "v"},
                                                        {"loss_weighting", "min_snr"},
                                                        {"tokenizer", "words+bytes"},
                                                        {"spell_prob", "0.3"},
                                                        {"sample_sampler", "dpmpp_2m"}})
    cfg.set(k, v);
  cfg.set("log_dir", dir);
  return cfg;
}

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() /
               ("syn_test_latent_imagine_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("v-prediction with min-SNR weighting on latents lowers the loss") {
  fs::path dir = temp_dir("loss");
  Config cfg = latent_config(dir.string());
  cfg.set("max_steps", "150");
  cfg.set("cond_drop_prob", "0");
  auto ae = tiny_autoencoder();
  app::ImagineTask tr(cfg, as_latents(*ae, test::tiny_square_pictures()),
                      as_latents(*ae, test::tiny_square_pictures()), std::nullopt, ae);
  CHECK(tr.net().config().unet.in_channels == 4);
  CHECK(tr.net().config().unet.image_size == 4);
  CHECK(tr.net().config().latent);
  const double v0 = tr.validation_loss(false);
  std::ostringstream log;
  app::Trainer trainer(tr);
  CHECK(trainer.fit(log));
  const auto& l = trainer.losses();
  REQUIRE(l.size() == 150);
  double first = 0, last = 0;
  for (int i = 0; i < 10; ++i) {
    first += l[(size_t)i] / 10;
    last += l[l.size() - 1 - (size_t)i] / 10;
  }
  INFO("first 10 steps ", first, ", last 10 ", last, "; validation before ", v0);
  CHECK(last < 0.8 * first);
  CHECK(tr.validation_loss(false) < 0.8 * v0);
  fs::remove_all(dir);
}

TEST_CASE("a latent run with byte-spelled prompts resumes exactly; the scheme must match") {
  fs::path dir = temp_dir("resume");
  Config cfg = latent_config(dir.string());
  auto ae = tiny_autoencoder();
  auto data = as_latents(*ae, test::tiny_square_pictures());
  std::ostringstream log;
  app::ImagineTask full_task(cfg, data, data, std::nullopt, ae);
  app::Trainer full(full_task);
  full.fit(log);
  Config cfg2 = cfg;
  cfg2.set("run_name", "part");
  app::ImagineTask part_task(cfg2, data, data, std::nullopt, ae);
  CHECK_FALSE(app::Trainer(part_task).fit(log, nullptr, 6));
  const std::string ck = (dir / "part" / "checkpoint_6.synt").string();
  Checkpoint c = load_checkpoint(ck);
  CHECK(c.meta.at("tokenizer") == "words+bytes");
  auto tok = models::PromptTokenizer::from_text(c.meta["vocabulary"], ck, true);
  app::ImagineTask resumed_task(cfg2, data, data, tok, ae);
  app::Trainer resumed(resumed_task);
  resumed.resume(ck);
  CHECK(resumed.fit(log));
  REQUIRE(resumed.losses().size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(resumed.losses()[i] == full.losses()[6 + i]);
  CHECK(resumed_task.validation_loss(true) == full_task.validation_loss(true));
  // A word-level run cannot resume it.
  Config words = cfg2;
  words.set("tokenizer", "words");
  app::ImagineTask wrong(words, data, data,
                         models::PromptTokenizer::from_text(c.meta["vocabulary"], ck, false), ae);
  CHECK_THROWS_WITH_AS(app::Trainer(wrong).resume(ck), doctest::Contains("words+bytes"), Error);
  fs::remove_all(dir);
}

TEST_CASE("the latent export holds the autoencoder and generates decoded pictures") {
  fs::path dir = temp_dir("export");
  Config cfg = latent_config(dir.string());
  auto ae = tiny_autoencoder();
  auto data = as_latents(*ae, test::tiny_square_pictures());
  std::ostringstream log;
  app::ImagineTask tr(cfg, data, data, std::nullopt, ae);
  app::Trainer(tr).fit(log);
  const std::string f16 = (dir / "latent.synckpt").string();
  tr.export_weights(f16, {{"command", "test"}});
  Checkpoint raw = load_checkpoint(f16);
  CHECK(raw.meta.at("kind") == "synesthesia-text-to-image-2");
  CHECK(raw.meta.at("prediction") == "v");
  CHECK(raw.meta.at("latent") == "autoencoder");
  CHECK(raw.meta.at("text.tokenizer") == "words+bytes");
  CHECK(raw.meta.at("sample.guidance") == "3");  // the grids' guidance, the file's advice
  CHECK(find_named(raw.tensors, "ae.decoder.conv_out.weight") != nullptr);

  models::TextToImage t2i = models::TextToImage::load(f16);
  CHECK(t2i.image_size() == 8);  // the autoencoder's pictures, not the 4×4 latents
  CHECK(t2i.default_steps() == 4);
  models::ImagineOptions o;
  o.steps = 6;
  o.guidance_scale = 2.0f;
  o.seed = 3;
  CHECK(t2i.resolved(o).sampler == "dpmpp_2m");
  Tensor a = t2i.generate({"red square left", "a purple elephant 🐘"}, o);
  CHECK(a.shape() == Shape{2, 3, 8, 8});
  for (float v : a.to_vector()) REQUIRE((v >= 0.0f && v <= 1.0f));
  // The loaded file generates what the in-memory EMA network and autoencoder do (fp16 weights:
  // close, not equal).
  o.sampler = "dpmpp_2m";
  Tensor z = models::sample_images(tr.ema_net(), tr.tokenizer(), tr.schedule(),
                                   {"red square left", "a purple elephant 🐘"}, o);
  CHECK(z.shape() == Shape{2, 4, 4, 4});
  std::vector<float> m = models::decode_latents(*ae, z).to_vector(), va = a.to_vector();
  double worst = 0;
  for (size_t i = 0; i < m.size(); ++i)
    worst = std::max(worst, (double)std::fabs(std::clamp((m[i] + 1) / 2, 0.0f, 1.0f) - va[i]));
  CHECK(worst < 0.05);
  // ddim on the same file works too, and differs from DPM-Solver++.
  o.sampler = "ddim";
  CHECK(t2i.generate({"red square left"}, o).to_vector() !=
        std::vector<float>(va.begin(), va.begin() + 192));
  fs::remove_all(dir);
}

TEST_CASE("a model without the new features is still written as the first kind") {
  fs::path dir = temp_dir("first");
  Config cfg = latent_config(dir.string());
  for (auto [k, v] : std::vector<std::pair<const char*, const char*>>{{"prediction", "eps"},
                                                                      {"loss_weighting", "none"},
                                                                      {"tokenizer", "words"},
                                                                      {"sample_sampler", "ddim"},
                                                                      {"max_steps", "2"}})
    cfg.set(k, v);
  app::ImagineTask tr(cfg, test::tiny_square_pictures(), test::tiny_square_pictures());
  std::ostringstream log;
  app::Trainer(tr).fit(log);
  const std::string f = (dir / "first.synckpt").string();
  tr.export_weights(f, {});
  Checkpoint raw = load_checkpoint(f);
  CHECK(raw.meta.at("kind") == "synesthesia-text-to-image-1");
  CHECK(raw.meta.count("prediction") == 0);
  CHECK(raw.meta.count("sample.sampler") == 0);
  models::TextToImage t2i = models::TextToImage::load(f);
  CHECK(t2i.default_steps() == 50);
  models::ImagineOptions o;
  CHECK(t2i.resolved(o).sampler == "ddim");
  // A latent config without its autoencoder cannot be saved, nor a pixel one with one.
  CHECK_THROWS_WITH_AS(models::TextToImage::save(f, tr.ema_net(), tr.tokenizer(), {}, true,
                                                 tiny_autoencoder().get()),
                       doctest::Contains("no autoencoder"), Error);
  fs::remove_all(dir);
}

TEST_CASE("the shipped first-generation weights still load as before") {
  const std::string path = std::string(SYN_SOURCE_DIR) + "/models/weights/unet_emoji.synckpt";
  if (!fs::exists(path)) return;
  models::TextToImage t2i = models::TextToImage::load(path);
  CHECK(t2i.image_size() == 32);
  CHECK(t2i.tokenizer().scheme() == "words");
  CHECK(t2i.default_steps() == 50);
  CHECK(t2i.resolved(models::ImagineOptions{}).sampler == "ddim");
  models::ImagineOptions o;
  o.steps = 2;
  o.sampler = "ddim";
  Tensor a = t2i.generate({"guitar"}, o);
  o.sampler = "auto";
  CHECK(t2i.generate({"guitar"}, o).to_vector() == a.to_vector());
}

TEST_CASE("train_imagine_latent.yaml documents every key and holds train_imagine.yaml's keys") {
  const std::string dir = std::string(SYN_SOURCE_DIR) + "/config/";
  Config latent = Config::load(dir + "train_imagine_latent.yaml");
  Config base = Config::load(dir + "train_imagine.yaml");
  CHECK(latent.undocumented_keys().empty());
  auto keys = [](const Config& c) {
    std::vector<std::string> k;
    for (const auto& e : c.entries()) k.push_back(e.key);
    return k;
  };
  CHECK(keys(latent) == keys(base));
  CHECK(latent.get_string("prediction") == "v");
  CHECK(latent.get_string("sample_sampler") == "dpmpp_2m");
}

TEST_CASE("append_imagine_data puts extra pictures (e.g. scenes) after the corpus's") {
  app::ImagineData a = test::tiny_square_pictures(), b = test::tiny_square_pictures();
  b.captions[0] = "a drum under the moon";
  app::append_imagine_data(a, b);
  CHECK(a.size() == 12);
  CHECK(a.images.shape() == Shape{12, 3, 8, 8});
  CHECK(a.captions[6] == "a drum under the moon");
  CHECK(a.subgroups.size() == 12);
  std::vector<float> v = a.images.to_vector(), w = b.images.to_vector();
  CHECK(std::vector<float>(v.begin() + 6 * 192, v.end()) == w);
  app::ImagineData small = test::tiny_square_pictures();
  small.images = Tensor::zeros({6, 3, 4, 4});
  CHECK_THROWS_WITH_AS(app::append_imagine_data(a, small), doctest::Contains("cannot append"),
                       Error);
  app::ImagineData empty;
  app::append_imagine_data(empty, b);
  CHECK(empty.size() == 6);
}
