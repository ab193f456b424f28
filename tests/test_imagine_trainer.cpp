// test_imagine_trainer.cpp — the text-to-image training (apps/train/imagine_task.h, trainer.h)
// and the product API (models/text_to_image.h) on a tiny model and a tiny dataset made here:
// the loss falls, an interrupted run resumed from its checkpoint reproduces the uninterrupted
// losses exactly, weights round-trip through TextToImage (same seed -> same images, equal to the
// in-memory network's), and the configs document every key.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "apps/pipeline/image_grid.h"
#include "apps/train/imagine_focus.h"
#include "apps/train/imagine_task.h"
#include "apps/train/trainer.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "engine/thread_pool.h"
#include "tests/support/tiny_pictures.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

// One thread: these steps are tiny (batch 4 of 8×8), too small to gain from a second thread
// (under OpenMP's spinning barriers, on a shared 2-core machine, two threads were 20× slower).
// The trainer's results do not depend on the count as long as it stays fixed within a test.
const bool kSingleThread = [] {
  set_num_threads(1);
  return true;
}();

Config load_config(const std::string& file) {
  return Config::load(std::string(SYN_SOURCE_DIR) + "/config/" + file);
}

Config tiny_config(const std::string& dir) {
  Config cfg = load_config("train_imagine.yaml");
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
                                                        {"run_name", "t"}})
    cfg.set(k, v);
  cfg.set("log_dir", dir);
  return cfg;
}

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("syn_test_imagine_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("prompt vocabulary holds the captions and the subgroup words") {
  app::ImagineData d = test::tiny_square_pictures();
  CHECK(app::subgroup_words("musical-instrument") == "musical instrument");
  models::PromptTokenizer tok = app::build_prompt_tokenizer(d);
  CHECK(tok.id("warm") != models::PromptTokenizer::kUnk);
  CHECK(tok.id("colour") != models::PromptTokenizer::kUnk);
  CHECK(tok.id("square") != models::PromptTokenizer::kUnk);
  CHECK(tok.id("guitar") == models::PromptTokenizer::kUnk);
}

TEST_CASE("a tiny training run lowers the training and the validation loss") {
  fs::path dir = temp_dir("loss");
  Config cfg = tiny_config(dir.string());
  cfg.set("max_steps", "60");
  cfg.set("cond_drop_prob", "0");
  app::ImagineTask tr(cfg, test::tiny_square_pictures(), test::tiny_square_pictures());
  const double v0 = tr.validation_loss(false);
  CHECK(v0 == doctest::Approx(1.0).epsilon(0.3));  // the zero-initialised output predicts ε̂ = 0
  CHECK(tr.validation_loss(false) == v0);          // fixed t and noise: deterministic
  std::ostringstream log;
  app::Trainer trainer(tr);
  CHECK(trainer.fit(log));
  const auto& l = trainer.losses();
  REQUIRE(l.size() == 60);
  double first = 0, last = 0;
  for (int i = 0; i < 10; ++i) {
    first += l[(size_t)i] / 10;
    last += l[l.size() - 1 - (size_t)i] / 10;
  }
  INFO("first 10 steps ", first, ", last 10 ", last);
  CHECK(last < 0.7 * first);
  CHECK(tr.validation_loss(false) < 0.7 * v0);
  CHECK(fs::exists(dir / "t" / "checkpoint_60.synt"));
  CHECK(fs::exists(dir / "t" / "config.yaml"));
  fs::remove_all(dir);
}

TEST_CASE("an interrupted run resumed from its checkpoint reproduces the losses exactly") {
  fs::path dir = temp_dir("resume");
  Config cfg = tiny_config(dir.string());
  std::ostringstream log;
  app::ImagineTask full_task(cfg, test::tiny_square_pictures(), test::tiny_square_pictures());
  app::Trainer full(full_task);
  full.fit(log);
  REQUIRE(full.losses().size() == 10);

  Config cfg2 = cfg;
  cfg2.set("run_name", "part");
  app::ImagineTask part_task(cfg2, test::tiny_square_pictures(), test::tiny_square_pictures());
  // Interrupted after 6 steps: checkpoint_6.
  CHECK_FALSE(app::Trainer(part_task).fit(log, nullptr, 6));
  const std::string ck = (dir / "part" / "checkpoint_6.synt").string();
  REQUIRE(fs::exists(ck));
  Checkpoint c = load_checkpoint(ck);
  models::PromptTokenizer tok = models::PromptTokenizer::from_text(c.meta["vocabulary"], ck);
  app::ImagineTask resumed_task(cfg2, test::tiny_square_pictures(), test::tiny_square_pictures(),
                                tok);
  app::Trainer resumed(resumed_task);
  resumed.resume(ck);
  CHECK(resumed.step() == 6);
  CHECK(resumed.fit(log));
  REQUIRE(resumed.losses().size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(resumed.losses()[i] == full.losses()[6 + i]);
  // The optimizer and the EMA resumed too: same weights, same EMA validation loss.
  CHECK(resumed_task.validation_loss(false) == full_task.validation_loss(false));
  CHECK(resumed_task.validation_loss(true) == full_task.validation_loss(true));
  // Another vocabulary cannot resume this checkpoint.
  app::ImagineData other = test::tiny_square_pictures();
  other.captions[0] = "purple square left";
  app::ImagineTask wrong(cfg2, other, test::tiny_square_pictures());
  CHECK_THROWS_WITH_AS(app::Trainer(wrong).resume(ck), doctest::Contains("vocabulary"), Error);
  fs::remove_all(dir);
}

// The tiny squares with picture 0 captioned "guitar" (a motif caption) of concept "strings", and
// a composed scene of that concept appended after the six single pictures.
app::ImagineData focus_pictures() {
  app::ImagineData d = test::tiny_square_pictures();
  d.captions[0] = "guitar";
  d.subgroups[0] = "strings";
  app::ImagineData scene = test::tiny_square_pictures();
  scene.captions = {"a guitar by the sea"};
  scene.subgroups = {"strings"};
  std::vector<float> first = scene.images.to_vector();
  first.resize(3 * 8 * 8);
  scene.images = Tensor::from_vector(first, {1, 3, 8, 8});
  d.single_pictures = d.size();
  app::append_imagine_data(d, scene);
  return d;
}

TEST_CASE("focus: motifs select the concepts of motif captions, never composed scenes") {
  const app::ImagineData d = focus_pictures();
  REQUIRE(d.size() == 7);
  CHECK(app::focus_concepts(d, "") == std::vector<std::string>{});
  CHECK(app::focus_concepts(d, "motifs") == std::vector<std::string>{"strings"});
  CHECK(app::focus_indices(d, {"strings"}) == std::vector<int64_t>{0});  // not the scene (6)
  CHECK(app::focus_concepts(d, "warm-colour|strings|") ==
        std::vector<std::string>{"strings", "warm-colour"});
  CHECK(app::focus_indices(d, {"warm-colour", "cool-colour"}) ==
        std::vector<int64_t>{1, 2, 3, 4, 5});
  CHECK_THROWS_WITH_AS(app::focus_concepts(d, "strings|purple"), doctest::Contains("'purple'"),
                       Error);
  CHECK_THROWS_WITH_AS(app::focus_concepts(d, "|"), doctest::Contains("names no concept"), Error);
  CHECK_THROWS_WITH_AS(app::focus_concepts(test::tiny_square_pictures(), "motifs"),
                       doctest::Contains("motif table"), Error);
  app::ImagineData all_single = focus_pictures();
  all_single.single_pictures = -1;  // then the scene counts as a picture of its concept
  CHECK(app::focus_indices(all_single, {"strings"}) == std::vector<int64_t>{0, 6});
}

TEST_CASE("focus: batches draw the focus pictures at focus_prob, and off changes nothing") {
  fs::path dir = temp_dir("focus");
  Config cfg = tiny_config(dir.string());
  app::ImagineTask plain(cfg, focus_pictures(), test::tiny_square_pictures());
  cfg.set("focus_concepts", "warm-colour");
  app::ImagineTask named_only(cfg, focus_pictures(), test::tiny_square_pictures());
  CHECK(named_only.focus() == std::vector<int64_t>{1});
  for (int64_t step = 0; step < 5; ++step)  // focus_prob 0: the same batches as without focus
    CHECK(named_only.batch_pictures(step) == plain.batch_pictures(step));

  cfg.set("focus_prob", "1");
  app::ImagineTask always(cfg, focus_pictures(), test::tiny_square_pictures());
  for (int64_t step = 0; step < 5; ++step)
    CHECK(always.batch_pictures(step) == std::vector<int64_t>(4, 1));

  // Half the slots focused: picture 1 takes about 0.5 + 0.5 / 7 of them (0.14 without focus).
  cfg.set("focus_prob", "0.5");
  app::ImagineTask half(cfg, focus_pictures(), test::tiny_square_pictures());
  int64_t hits = 0, slots = 0;
  for (int64_t step = 0; step < 100; ++step)
    for (int64_t i : half.batch_pictures(step)) {
      hits += i == 1;
      ++slots;
    }
  CHECK((double)hits / (double)slots == doctest::Approx(0.5 + 0.5 / 7).epsilon(0.15));
  CHECK(half.batch_pictures(3) == half.batch_pictures(3));  // seeded by the step: resumable

  cfg.set("focus_concepts", "");
  CHECK_THROWS_WITH_AS(app::ImagineTask(cfg, focus_pictures(), test::tiny_square_pictures()),
                       doctest::Contains("--focus_concepts"), Error);
  cfg.set("focus_concepts", "purple");
  cfg.set("focus_prob", "0");
  CHECK_THROWS_WITH_AS(app::ImagineTask(cfg, focus_pictures(), test::tiny_square_pictures()),
                       doctest::Contains("'purple'"), Error);
  fs::remove_all(dir);
}

TEST_CASE("TextToImage: export / load round-trip, seeded generation, prompt-major batches") {
  fs::path dir = temp_dir("t2i");
  Config cfg = tiny_config(dir.string());
  std::ostringstream log;
  app::ImagineTask tr(cfg, test::tiny_square_pictures(), test::tiny_square_pictures());
  app::Trainer(tr).fit(log);

  // fp32 save: the loaded model generates exactly what the in-memory EMA network does.
  const std::string f32 = (dir / "t2i_f32.synckpt").string();
  models::TextToImage::save(f32, tr.ema_net(), tr.tokenizer(), {{"data", "tiny"}}, false);
  models::TextToImage t2i = models::TextToImage::load(f32);
  CHECK(t2i.image_size() == 8);
  CHECK(t2i.provenance().at("data") == "tiny");
  models::ImagineOptions o;
  o.steps = 5;
  o.guidance_scale = 2.5f;
  o.seed = 3;
  o.batch = 2;
  Tensor a = t2i.generate({"red square left", "blue square right"}, o);
  CHECK(a.shape() == Shape{4, 3, 8, 8});
  CHECK(a.to_vector() == t2i.generate({"red square left", "blue square right"}, o).to_vector());
  Tensor mem = models::sample_images(tr.ema_net(), tr.tokenizer(), tr.schedule(),
                                     {"red square left", "blue square right"}, o);
  std::vector<float> m = mem.to_vector(), va = a.to_vector();
  for (size_t i = 0; i < m.size(); ++i)
    REQUIRE(va[i] == std::clamp((m[i] + 1.0f) * 0.5f, 0.0f, 1.0f));
  for (float v : va) REQUIRE((v >= 0.0f && v <= 1.0f));
  // batch copies differ (different noise); a different seed gives different images.
  std::vector<float> img0(va.begin(), va.begin() + 192), img1(va.begin() + 192, va.begin() + 384);
  CHECK(img0 != img1);
  o.seed = 4;
  CHECK(t2i.generate({"red square left", "blue square right"}, o).to_vector() != va);
  // Prompt-major: the first prompt alone, same seed, gives the same first noise image.
  o.seed = 3;
  o.batch = 1;
  std::vector<float> single = t2i.generate({"red square left"}, o).to_vector();
  CHECK(single == img0);
  // Unknown words and an empty prompt are fine.
  CHECK(t2i.generate({"a purple elephant!", ""}, o).size(0) == 2);

  // The fp16 export with provenance loads and generates deterministically.
  const std::string f16 = (dir / "t2i.synckpt").string();
  tr.export_weights(f16, {{"command", "test"}});
  models::TextToImage h = models::TextToImage::load(f16);
  CHECK(h.provenance().at("command") == "test");
  CHECK(h.provenance().at("step") == "10");
  CHECK(h.provenance().count("vocabulary") == 0);
  CHECK(h.tokenizer().vocabulary() == tr.tokenizer().vocabulary());
  CHECK(h.generate({"green square left"}, o).to_vector() ==
        h.generate({"green square left"}, o).to_vector());
  CHECK(fs::file_size(f16) < fs::file_size(f32));

  CHECK_THROWS_WITH_AS(models::TextToImage::load((dir / "missing.synckpt").string()),
                       doctest::Contains("missing.synckpt"), Error);
  const std::string ck = (dir / "t" / "checkpoint_10.synt").string();
  CHECK_THROWS_WITH_AS(models::TextToImage::load(ck), doctest::Contains("checkpoint_10.synt"),
                       Error);
  o.steps = 0;
  CHECK_THROWS_WITH_AS(h.generate({"red"}, o), doctest::Contains("steps"), Error);
  fs::remove_all(dir);
}

TEST_CASE("image grid and nearest upscaling") {
  Tensor img = Tensor::from_vector({0.0f, 1.0f, 0.5f, 0.25f}, {1, 2, 2});
  Tensor up = app::upscale_nearest(img, 4);
  CHECK(up.shape() == Shape{1, 4, 4});
  CHECK(up.to_vector() == std::vector<float>{0, 0, 1, 1, 0, 0, 1, 1, 0.5f, 0.5f, 0.25f, 0.25f, 0.5f,
                                             0.5f, 0.25f, 0.25f});
  CHECK_THROWS_AS(app::upscale_nearest(img, 5), Error);
  Tensor two = Tensor::full({3, 1, 2, 2}, 1.0f);
  Tensor g = app::image_grid(two, 2, 1, 1);  // 2 columns, 2 rows (the third image alone)
  CHECK(g.shape() == Shape{1, 7, 7});
  std::vector<float> v = g.to_vector();
  CHECK(v[0] == 0.25f);          // gutter
  CHECK(v[1 * 7 + 1] == 1.0f);   // first image
  CHECK(v[4 * 7 + 4] == 0.25f);  // the empty fourth cell
}

TEST_CASE("train_imagine.yaml and imagine.yaml document every key") {
  CHECK(load_config("train_imagine.yaml").undocumented_keys().empty());
  CHECK(load_config("imagine.yaml").undocumented_keys().empty());
}
