// test_pretrain.cpp — CLMR pretraining end to end on the CPU: learning on a folder of generated
// audio (loss falls; a linear probe on the learned features beats a random encoder), exact
// resume from a checkpoint, and a clear stop on a non-finite loss.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/eval/linear_probe.h"
#include "apps/train/clmr_task.h"
#include "apps/train/trainer.h"
#include "data/audio/synthetic_audio.h"
#include "engine/checkpoint.h"

using namespace syn;
namespace fs = std::filesystem;

static Config load_config(const std::string& file) {
  return Config::load(std::string(SYN_SOURCE_DIR) + "/config/" + file);
}

// The directories fresh_dir made, removed when the process exits.
static struct DirCleanup {
  std::vector<fs::path> dirs;
  ~DirCleanup() {
    std::error_code ec;
    for (const fs::path& d : dirs) fs::remove_all(d, ec);
  }
} dir_cleanup;

// Per process: two runs at once (two build directories, or two checkouts on one machine) would
// otherwise delete each other's checkpoints.
static fs::path fresh_dir(const std::string& name) {
  fs::path d =
      fs::temp_directory_path() / ("syn_pretrain_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  dir_cleanup.dirs.push_back(d);
  return d;
}

// A tiny model so the loop-mechanics tests take milliseconds: 3 blocks, 81 samples.
static Config tiny_config(const fs::path& dir) {
  Config cfg = load_config("config.yaml");
  for (auto [k, v] :
       std::vector<std::pair<const char*, std::string>>{{"dataset", "synthetic"},
                                                        {"synthetic_clips", "10"},
                                                        {"batch_size", "4"},
                                                        {"encoder_blocks", "3"},
                                                        {"encoder_width_divisor", "16"},
                                                        {"audio_length", "81"},
                                                        {"projection_dim", "8"},
                                                        {"max_steps", "6"},
                                                        {"checkpoint_every", "3"},
                                                        {"log_dir", dir.string()},
                                                        {"run_name", "tiny"},
                                                        {"log_every_seconds", "0"}})
    cfg.set(k, v);
  return cfg;
}

TEST_CASE("a resumed run reproduces the uninterrupted run's losses exactly") {
  fs::path dir = fresh_dir("resume");
  Config cfg = tiny_config(dir);
  std::ostringstream log;
  app::ClmrTask full_task(cfg, app::make_clip_source(cfg, log));
  app::Trainer full(full_task);
  full.fit(log);
  REQUIRE(full.losses().size() == 6);
  fs::path ck3 = dir / "tiny" / "checkpoint_3.synt";
  REQUIRE(fs::exists(ck3));
  CHECK(fs::exists(dir / "tiny" / "checkpoint_6.synt"));
  CHECK(fs::exists(dir / "tiny" / "config.yaml"));

  Config cfg2 = cfg;
  cfg2.set("run_name", "tiny_resumed");
  app::ClmrTask resumed_task(cfg2, app::make_clip_source(cfg2, log));
  app::Trainer resumed(resumed_task);
  resumed.resume(ck3.string());
  CHECK(resumed.step() == 3);
  resumed.fit(log);
  REQUIRE(resumed.losses().size() == 3);
  for (int i = 0; i < 3; ++i) CHECK(resumed.losses()[(size_t)i] == full.losses()[(size_t)(i + 3)]);
  // The event file that TensorBoard reads was written (its format is tested in test_tensorboard).
  bool has_events = false;
  for (auto& e : fs::directory_iterator(dir / "tiny"))
    has_events |= e.path().filename().string().rfind("events.out.tfevents.", 0) == 0 &&
                  fs::file_size(e.path()) > 100;
  CHECK(has_events);
}

TEST_CASE("--prefetch 0 and --prefetch 2 give bit-identical losses and checkpoints") {
  fs::path dir = fresh_dir("prefetch");
  std::vector<std::vector<float>> losses;
  std::vector<Checkpoint> finals;
  for (const char* depth : {"0", "2", "5"}) {
    Config cfg = tiny_config(dir);
    cfg.set("prefetch", depth);
    cfg.set("run_name", std::string("prefetch_") + depth);
    std::ostringstream log;
    app::ClmrTask task(cfg, app::make_clip_source(cfg, log));
    app::Trainer t(task);
    t.fit(log);
    losses.push_back(t.losses());
    finals.push_back(
        load_checkpoint((dir / cfg.get_string("run_name") / "checkpoint_6.synt").string()));
  }
  REQUIRE(losses[0].size() == 6);
  for (size_t r = 1; r < losses.size(); ++r) {
    CHECK(losses[r] == losses[0]);
    REQUIRE(finals[r].tensors.size() == finals[0].tensors.size());
    for (size_t i = 0; i < finals[0].tensors.size(); ++i) {
      CHECK(finals[r].tensors[i].first == finals[0].tensors[i].first);
      CHECK(finals[r].tensors[i].second.to_vector() == finals[0].tensors[i].second.to_vector());
    }
  }
}

TEST_CASE("an error while preparing views ahead reaches the caller with its message") {
  fs::path dir = fresh_dir("prefetch_error");
  Config cfg = tiny_config(dir);
  cfg.set("batch_size", "1");  // refused by make_views, which now runs on the worker thread
  std::ostringstream log;
  app::ClmrTask task(cfg, app::make_clip_source(cfg, log));
  app::Trainer t(task);
  CHECK_THROWS_WITH(t.fit(log), doctest::Contains("--batch_size must be at least 2"));
}

TEST_CASE("a checkpoint of another model is refused with every mismatch named") {
  fs::path dir = fresh_dir("mismatch");
  Config cfg = tiny_config(dir);
  cfg.set("max_steps", "1");
  std::ostringstream log;
  app::ClmrTask a(cfg, app::make_clip_source(cfg, log));
  app::Trainer(a).fit(log);
  Config other = cfg;
  other.set("projection_dim", "16");
  app::ClmrTask b(other, app::make_clip_source(other, log));
  std::string path = (dir / "tiny" / "checkpoint_1.synt").string();
  CHECK_THROWS_WITH_AS(app::Trainer(b).resume(path),
                       doctest::Contains("projector.2.weight expects [16, 16]"), Error);
}

TEST_CASE("a non-finite loss stops the run and keeps the last good checkpoint") {
  // An absurd learning rate blows the weights up within a few steps; the step whose loss is
  // non-finite must not update anything, and the message must point at the last checkpoint.
  fs::path dir = fresh_dir("nan");
  Config cfg = tiny_config(dir);
  cfg.set("learning_rate", "1e30");
  cfg.set("checkpoint_every", "1");
  cfg.set("max_steps", "50");
  std::ostringstream log;
  app::ClmrTask task(cfg, app::make_clip_source(cfg, log));
  app::Trainer t(task);
  std::string message;
  try {
    t.fit(log);
  } catch (const app::NonFiniteLoss& e) {
    message = e.what();
  }
  REQUIRE_MESSAGE(!message.empty(), "the run never hit a non-finite loss");
  CHECK(message.find("parameters were not updated") != std::string::npos);
  std::string last = (dir / "tiny" / ("checkpoint_" + std::to_string(t.step()) + ".synt")).string();
  CHECK(message.find("last good checkpoint: " + last) != std::string::npos);
  // The parameters in memory are exactly those of the last good checkpoint.
  Checkpoint ck = load_checkpoint(last);
  for (auto& [name, p] : task.model().named_parameters()) {
    const Tensor* saved = find_named(ck.tensors, "model." + name);
    REQUIRE(saved != nullptr);
    CHECK(saved->to_vector() == p.to_vector());
  }
}

TEST_CASE("config errors name the key") {
  Config cfg = load_config("config.yaml");
  CHECK_THROWS_WITH_AS(cfg.set("bach_size", "4"), doctest::Contains("bach_size"), Error);
  cfg.set("encoder_blocks", "3");
  CHECK_THROWS_WITH_AS(app::clmr_config_from(cfg), doctest::Contains("--audio_length"), Error);
  Config c2 = load_config("config.yaml");
  c2.set("dataset", "audio");
  c2.set("dataset_dir", "/nonexistent/music");
  std::ostringstream log;
  CHECK_THROWS_WITH_AS(app::make_clip_source(c2, log), doctest::Contains("/nonexistent/music"),
                       Error);
  CHECK(load_config("config.yaml").undocumented_keys().empty());
  CHECK(load_config("demo.yaml").undocumented_keys().empty());
}

TEST_CASE("pretraining on a folder of generated audio learns timbre features") {
  // A folder of WAV files of 5 synthetic instruments, read through the real audio pipeline
  // (scan, decode, resample 44.1 kHz -> 22.05 kHz, cache). Then 600 steps of the demo model.
  fs::path dir = fresh_dir("learn");
  fs::path music = dir / "music";
  fs::create_directories(music / "nested");
  auto corpus = make_synthetic_corpus(20, 44100 * 2, 44100, 5);
  for (size_t i = 0; i < corpus.clips.size(); ++i)
    write_wav((music / (i % 2 ? "nested" : ".") / ("clip" + std::to_string(i) + ".wav")).string(),
              corpus.clips[i], 44100);
  Config cfg = load_config("demo.yaml");
  cfg.set("dataset", "audio");
  cfg.set("dataset_dir", music.string());
  cfg.set("cache_dir", (dir / "cache").string());
  cfg.set("log_dir", dir.string());
  cfg.set("checkpoint_every", "0");
  cfg.set("max_steps", "600");
  std::ostringstream log;
  auto source = app::make_clip_source(cfg, log);
  CHECK(source->size() == 100);
  app::ClmrTask task(cfg, source);
  app::Trainer trainer(task);
  trainer.fit(log);
  const auto& l = trainer.losses();
  REQUIRE(l.size() == 600);
  double first = 0, last = 0;
  for (int i = 0; i < 20; ++i) first += l[(size_t)i] / 20, last += l[l.size() - 1 - (size_t)i] / 20;
  MESSAGE("NT-Xent loss: first 20 steps ", first, ", last 20 steps ", last);
  CHECK(last < first - 0.3);

  Rng rng(7);
  models::Clmr random_model(app::clmr_config_from(cfg), rng);
  int64_t len = cfg.get_int("audio_length");
  auto trained =
      app::synthetic_timbre_probe(task.model().encoder(), len, 22050, Device::CPU, 10, 100, 77);
  auto random =
      app::synthetic_timbre_probe(random_model.encoder(), len, 22050, Device::CPU, 10, 100, 77);
  MESSAGE("held-out probe accuracy: trained ", trained.test_accuracy, ", random ",
          random.test_accuracy);
  CHECK(trained.test_accuracy > random.test_accuracy + 0.05);
}
