// test_tag.cpp — apps/tag's layer: the taggers (musicnn MTT/MSD with the shipped weights, a
// SampleCNN encoder + head), their taggram and clip-level tags, the JSON, and the refined
// profile that merges both musicnn vocabularies. The published musicnn top 10 of the reference
// clip is checked through the same code path apps/tag runs (skipped without ../shared).
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "apps/pipeline/encoder_loading.h"
#include "apps/pipeline/tagger.h"
#include "apps/train/clmr_task.h"
#include "apps/train/trainer.h"
#include "data/audio/synthetic_audio.h"
#include "data/tags/tag_profile.h"
#include "engine/check.h"
#include "engine/parallel.h"
#include "models/clmr_weights.h"
#include "tests/support/fixtures.h"

using namespace syn;
namespace fs = std::filesystem;

static Config tag_config() {
  return Config::load(std::string(SYN_SOURCE_DIR) + "/config/tag.yaml");
}

static fs::path tone_file(const std::string& name, double seconds, int rate) {
  fs::path p = fs::temp_directory_path() / name;
  std::vector<float> x((size_t)(seconds * rate));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.3f * (float)std::sin(2 * M_PI * 440.0 * (double)i / rate) *
           (float)(i % 11025 < 2000 ? 1.0 : 0.2);
  write_wav(p.string(), x, rate);
  return p;
}

// Every taggram row is a probability vector and the clip is their mean.
static void check_consistent(const app::TagResult& r) {
  REQUIRE(!r.taggram.empty());
  REQUIRE(r.clip.size() == r.labels.size());
  for (size_t t = 0; t < r.labels.size(); ++t) {
    double mean = 0;
    for (const auto& row : r.taggram) {
      REQUIRE(row.size() == r.labels.size());
      CHECK(row[t] >= 0.0f);
      CHECK(row[t] <= 1.0f);
      mean += row[t];
    }
    CHECK(r.clip[t] == doctest::Approx(mean / (double)r.taggram.size()).epsilon(1e-5));
  }
  for (size_t c = 0; c < r.taggram.size(); ++c) {
    CHECK(r.chunk_end[c] > r.chunk_start[c]);
    if (c) CHECK(r.chunk_start[c] == doctest::Approx(r.chunk_end[c - 1]));
  }
}

TEST_CASE("the refined profile merges synonyms by their maximum and takes genres from MSD") {
  TaggerOutput mtt{{"female", "woman", "female vocal", "drums", "techno", "electronic", "fast"},
                   {0.2f, 0.7f, 0.4f, 0.3f, 0.6f, 0.5f, 0.1f}};
  TaggerOutput msd{{"rock", "classic rock", "electronic", "electronica", "80s", "Mellow"},
                   {0.1f, 0.4f, 0.2f, 0.3f, 0.25f, 0.35f}};
  auto find = [](const std::vector<ProfileTag>& p, const std::string& t) -> const ProfileTag* {
    for (const auto& x : p)
      if (x.tag == t) return &x;
    return nullptr;
  };
  std::vector<ProfileTag> both = tag_profile(&mtt, &msd);
  REQUIRE(find(both, "female"));
  CHECK(find(both, "female")->probability == 0.7f);  // max of female, woman, female vocal
  CHECK(find(both, "female")->source == "mtt:woman");
  CHECK(find(both, "female")->group == "voice");
  CHECK(find(both, "percussion")->probability == 0.3f);          // the family of drums
  CHECK(find(both, "rock")->probability == 0.4f);                // MSD: rock or classic rock
  CHECK(find(both, "electronic")->source == "msd:electronica");  // genre from MSD, not MTT
  CHECK(find(both, "techno")->source == "mtt:techno");  // a genre MSD cannot name stays MTT's
  CHECK(find(both, "1980s")->group == "era");
  CHECK(find(both, "chill")->probability == 0.35f);
  CHECK(find(both, "fast")->group == "tempo/loudness");
  for (size_t i = 1; i < both.size(); ++i) CHECK(both[i - 1].probability >= both[i].probability);
  // One side alone: only its tags; MTT then keeps its own genres.
  std::vector<ProfileTag> only = tag_profile(&mtt, nullptr);
  CHECK(find(only, "electronic")->source == "mtt:electronic");
  CHECK(find(only, "1980s") == nullptr);
  TaggerOutput broken{{"a", "b"}, {0.5f}};
  CHECK_THROWS_AS(tag_profile(&broken, nullptr), Error);
}

TEST_CASE("musicnn taggers give a consistent taggram, clip tags and JSON") {
  fs::path wav = tone_file("syn_tag_tone.wav", 7.0, 44100);
  Config cfg = tag_config();
  CHECK(cfg.undocumented_keys().empty());
  for (const char* model : {"musicnn-mtt", "musicnn-msd"}) {
    auto tagger = app::make_tagger(cfg, model);
    app::TagResult r = tagger->tag(wav.string());
    CHECK(r.model == model);
    CHECK(r.labels.size() == 50);
    CHECK(r.taggram.size() == 2);  // 7 s = two whole 3 s patches, the rest dropped as musicnn does
    CHECK(r.duration_seconds == doctest::Approx(7.0).epsilon(1e-3));
    check_consistent(r);
    std::string json = app::tag_result_json(r, nullptr);
    CHECK(json.find("\"taggram\"") != std::string::npos);
    CHECK(json.find("\"" + r.labels[app::top_k(r.clip, 1)[0]] + "\"") != std::string::npos);
  }
  CHECK_THROWS_WITH_AS(app::make_tagger(cfg, "vgg"), doctest::Contains("unknown"), Error);
  cfg.set("weights_dir", "/nonexistent");
  CHECK_THROWS_WITH_AS(app::make_tagger(cfg, "musicnn-mtt"), doctest::Contains("not found"), Error);
  auto tagger = app::make_tagger(tag_config(), "musicnn-mtt");
  CHECK_THROWS_WITH_AS(tagger->tag("/nonexistent.wav"), doctest::Contains("/nonexistent.wav"),
                       Error);
  fs::remove(wav);
}

TEST_CASE("the SampleCNN tagger runs an encoder checkpoint and a tag head") {
  fs::path dir = fs::temp_directory_path() / "syn_tag_samplecnn";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A tiny pretraining checkpoint (3 blocks, 81 samples) and a head with named tags.
  Config pc = Config::load(std::string(SYN_SOURCE_DIR) + "/config/config.yaml");
  for (auto [k, v] :
       std::vector<std::pair<const char*, std::string>>{{"dataset", "synthetic"},
                                                        {"synthetic_clips", "5"},
                                                        {"batch_size", "2"},
                                                        {"encoder_blocks", "3"},
                                                        {"encoder_width_divisor", "16"},
                                                        {"audio_length", "81"},
                                                        {"projection_dim", "8"},
                                                        {"max_steps", "1"},
                                                        {"log_dir", dir.string()}})
    pc.set(k, v);
  std::ostringstream log;
  app::ClmrTask task(pc, app::make_clip_source(pc, log));
  app::optimisation_step(task, 0);
  std::string enc = (dir / "enc.synt").string();
  app::Trainer(task).save_checkpoint(enc);
  Rng rng(1);
  int64_t dim = task.model().encoder().feature_dim();
  auto head = models::make_clmr_head({.in_dim = dim, .out_dim = 3, .hidden_dim = 0}, rng);
  std::string head_path = (dir / "head.synt").string();
  app::save_tag_head(head_path, *head, {"loud", "quiet", "fast"}, false, {});

  Config cfg = tag_config();
  cfg.set("model", "samplecnn");
  CHECK_THROWS_WITH_AS(app::make_tagger(cfg, "samplecnn"),
                       doctest::Contains("--finetuner_checkpoint"), Error);
  cfg.set("encoder_checkpoint", enc);
  cfg.set("finetuner_checkpoint", head_path);
  auto tagger = app::make_tagger(cfg, "samplecnn");
  fs::path wav = tone_file("syn_tag_short.wav", 0.05, 22050);  // 1,102 samples = 13 chunks
  app::TagResult r = tagger->tag(wav.string());
  CHECK(r.labels == std::vector<std::string>{"loud", "quiet", "fast"});
  CHECK(r.taggram.size() == 1102 / 81);
  check_consistent(r);
  fs::remove(wav);
  // A head trained on an encoder of another width is refused up front, naming both files.
  auto wide = models::make_clmr_head({.in_dim = dim * 2, .out_dim = 3, .hidden_dim = 0}, rng);
  std::string wide_path = (dir / "wide_head.synt").string();
  app::save_tag_head(wide_path, *wide, {"loud", "quiet", "fast"}, false, {});
  cfg.set("finetuner_checkpoint", wide_path);
  CHECK_THROWS_WITH_AS(
      app::make_tagger(cfg, "samplecnn"),
      doctest::Contains(("tag head '" + wide_path + "' takes " + std::to_string(dim * 2) +
                         "-wide features but the "
                         "encoder '" +
                         enc + "' gives " + std::to_string(dim))
                            .c_str()),
      Error);
  fs::remove_all(dir);
}

TEST_CASE("apps/tag's path reproduces musicnn's published top 10 for the reference clip") {
  if (!test::shared_available()) {
    MESSAGE("skipped: ../shared is not present");
    return;
  }
  std::string clip = test::shared_dir() +
                     "/fixtures/musicnn-reference/joram-moments_of_clarity-08-solipsism-59-88.mp3";
  if (!fs::exists(clip)) {
    MESSAGE("skipped: the musicnn reference clip is not present");
    return;
  }
  app::TagResult r = app::make_tagger(tag_config(), "musicnn-mtt")->tag(clip);
  std::vector<std::string> top;
  for (size_t i : app::top_k(r.clip, 10)) top.push_back(r.labels[i]);
  CHECK(top == std::vector<std::string>{"techno", "electronic", "synth", "fast", "beat", "drums",
                                        "no vocals", "no vocal", "dance", "ambient"});
}

TEST_CASE("tag_musicnn_shared: both models from one front end give their own passes' results") {
  // 54.5 s at 22.05 kHz: resampled, and 18 patches, more than one batch of the stream (16). A
  // unique directory: other checkouts run this test at the same time.
  char tmpl[] = "/tmp/syn_test_tag_shared_XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path dir(tmpl);
  const int rate = 22050;
  std::vector<float> x((size_t)(54.5 * rate));
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = (double)i / rate;
    x[i] = (float)(0.3 * std::sin(2 * M_PI * (110.0 + 20.0 * std::floor(t)) * t) +
                   0.1 * std::sin(2 * M_PI * 1760.0 * t) * (std::fmod(t, 0.5) < 0.1 ? 1.0 : 0.0));
  }
  const std::string file = (dir / "clip.wav").string();
  write_wav(file, x, rate);
  // Two threads: the shared pass runs the models side by side, one thread each, and must give
  // the bits of their own passes, which split each op over both threads.
  set_num_threads(2);
  auto mtt = app::make_musicnn_tagger("musicnn-mtt", Device::CPU, "");
  auto msd = app::make_musicnn_tagger("musicnn-msd", Device::CPU, "");
  std::vector<app::TagResult> both = app::tag_musicnn_shared({mtt.get(), msd.get()}, file);
  REQUIRE(both.size() == 2);
  const app::TagResult own[2] = {mtt->tag(file), msd->tag(file)};
  for (int i = 0; i < 2; ++i) {
    CAPTURE(own[i].model);
    CHECK(both[i].model == own[i].model);
    CHECK(both[i].file == own[i].file);
    CHECK(both[i].labels == own[i].labels);
    CHECK(both[i].taggram.size() == 18);
    CHECK(both[i].taggram == own[i].taggram);
    CHECK(both[i].clip == own[i].clip);
    CHECK(both[i].chunk_start == own[i].chunk_start);
    CHECK(both[i].chunk_end == own[i].chunk_end);
    CHECK(both[i].duration_seconds == own[i].duration_seconds);
    CHECK(both[i].input_check.music == own[i].input_check.music);
    check_consistent(both[i]);
  }
  CHECK(both[0].labels != both[1].labels);
  CHECK_THROWS_WITH_AS(app::tag_musicnn_shared({nullptr}, file),
                       doctest::Contains("not a musicnn tagger"), Error);
  set_num_threads(0);
  fs::remove_all(dir);
}
