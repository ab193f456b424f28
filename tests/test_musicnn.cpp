// test_musicnn.cpp — the musicnn port (models/musicnn.h) with the converted weights
// (models/weights/musicnn_{mtt,msd}.synckpt, apps/convert_musicnn):
//  * the weight files load strictly, with their config, labels and provenance;
//  * on one log-mel patch, every stage agrees with musicnn's own TensorFlow graph and checkpoints
//    (tests/fixtures/musicnn_tf_reference.synt, tests/reference/gen_musicnn_tf.py): the edge
//    frames of the front-end and mid-end maps, the pooled features, the penultimate layer, the
//    logits and the probabilities, for MTT_musicnn and MSD_musicnn;
//  * the TF variable mapping (models/musicnn_tf.h) puts known elements where TF's layouts say
//    and is strict about missing, unexpected and mis-shaped variables;
//  * patches are independent, the clip prediction is their mean, top_tags orders correctly;
//  * on the reference clip in ../shared/fixtures/musicnn-reference (skipped when absent), the
//    clip-level top 10 of MTT_musicnn is the list musicnn's documentation publishes, in order.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "apps/pipeline/tagger.h"
#include "data/audio/audio_io.h"
#include "data/audio/spectrogram.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/config.h"
#include "engine/ops/shape.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "models/musicnn.h"
#include "models/musicnn_tf.h"
#include "tests/support/fixtures.h"

using namespace syn;
namespace fs = std::filesystem;
using models::Musicnn;

static std::string weights(const std::string& name) {
  return std::string(SYN_SOURCE_DIR) + "/models/weights/" + name;
}

template <class F>
static std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("the converted weights load strictly, with config, labels and provenance") {
  for (auto [file, name, first, last] :
       {std::tuple{"musicnn_mtt.synckpt", "MTT_musicnn", "guitar", "choral"},
        std::tuple{"musicnn_msd.synckpt", "MSD_musicnn", "rock", "happy"}}) {
    CAPTURE(file);
    models::LoadedMusicnn m = models::load_musicnn(weights(file));
    CHECK(models::musicnn_model_name(m.dataset) == name);
    REQUIRE(m.labels.size() == 50);
    CHECK(m.labels.front() == first);
    CHECK(m.labels.back() == last);
    CHECK_FALSE(m.model->is_training());
    CHECK(m.model->num_parameters() == 787159);
    CHECK(m.meta.at("source").find("musicnn 0.1.0") != std::string::npos);
    CHECK(m.meta.at("bn_eps") == "0.001");
    // The input batch norm's statistics are real values, not an initialisation.
    CHECK(m.model->input_bn->running_mean.item() != 0.0f);
    CHECK(m.model->input_bn->running_var.item() != 1.0f);
  }
  // apps/convert_musicnn's config documents every key (its --help text).
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/convert_musicnn.yaml");
  CHECK(cfg.undocumented_keys().empty());
  CHECK(cfg.has("model_dir"));
  CHECK(models::musicnn_labels(models::MusicnnDataset::MTT)[3] == "techno");
  CHECK(models::musicnn_labels(models::MusicnnDataset::MSD)[33] == "Hip-Hop");
  // Anything else is refused by name.
  std::string msg = error_of(
      [] { models::load_musicnn(std::string(SYN_FIXTURE_DIR) + "/tf_checkpoint_expected.synt"); });
  CHECK(msg.find("tf_checkpoint_expected.synt") != std::string::npos);
  CHECK(msg.find("'model'") != std::string::npos);
}

// [1, C, T] -> frames 0..3 and T-4..T-1 in TF's layout [1, 8, C].
static Tensor edges(const Tensor& x) {
  const int64_t T = x.size(2);
  Tensor e = ops::concat({ops::slice(x, 2, 0, 4), ops::slice(x, 2, T - 4, T)}, 2);
  return ops::transpose(e, 1, 2);
}

TEST_CASE("swapped MTT and MSD weight files are an error naming the file and both models") {
  const std::string msd = weights("musicnn_msd.synckpt");
  std::string err = error_of([&] { models::load_musicnn(msd, models::MusicnnDataset::MTT); });
  CHECK(err.find(msd) != std::string::npos);
  CHECK(err.find("hold MSD_musicnn, but MTT_musicnn was asked for") != std::string::npos);
  CHECK(models::load_musicnn(msd, models::MusicnnDataset::MSD).dataset ==
        models::MusicnnDataset::MSD);
  // Through the tagger: a weights folder whose musicnn_mtt.synckpt is really the MSD model.
  const fs::path dir = fs::temp_directory_path() / ("syn_swapped_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::copy_file(msd, dir / "musicnn_mtt.synckpt", fs::copy_options::overwrite_existing);
  err = error_of([&] { app::make_musicnn_tagger("musicnn-mtt", Device::CPU, dir.string()); });
  CHECK(err.find((dir / "musicnn_mtt.synckpt").string()) != std::string::npos);
  CHECK(err.find("swapped") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("every stage matches musicnn's TensorFlow graph on one patch (MTT and MSD)") {
  auto fx = test::load_fixture("musicnn_tf_reference");
  Tensor x = test::fixture_tensor(fx, "x");
  REQUIRE(x.shape() == Shape{1, 187, 96});
  for (auto [file, key] :
       {std::pair{"musicnn_mtt.synckpt", "mtt"}, std::pair{"musicnn_msd.synckpt", "msd"}}) {
    CAPTURE(file);
    const std::string k = std::string(key) + "/";
    auto m = models::load_musicnn(weights(file));
    Musicnn::Outputs out;
    {
      NoGradGuard no_grad;
      out = m.model->forward_all(x);
    }
    // Float32 sums of up to 3,927 products in another order than TF's: a few 1e-5 relative.
    const float rtol = 2e-4f, atol = 2e-4f;
    test::check_close(edges(out.timbral), test::fixture_tensor(fx, k + "timbral_edges"),
                      k + "timbral edge frames", rtol, atol);
    test::check_close(edges(out.temporal), test::fixture_tensor(fx, k + "temporal_edges"),
                      k + "temporal edge frames", rtol, atol);
    test::check_close(edges(out.cnn3), test::fixture_tensor(fx, k + "cnn3_edges"),
                      k + "cnn3 edge frames", rtol, atol);
    test::check_close(out.max_pool, test::fixture_tensor(fx, k + "max_pool"), k + "max_pool", rtol,
                      atol);
    test::check_close(out.mean_pool, test::fixture_tensor(fx, k + "mean_pool"), k + "mean_pool",
                      rtol, atol);
    test::check_close(out.penultimate, test::fixture_tensor(fx, k + "penultimate"),
                      k + "penultimate", rtol, atol);
    test::check_close(out.logits, test::fixture_tensor(fx, k + "logits"), k + "logits", rtol, atol);
    std::vector<float> p = out.logits.to_vector();
    for (float& v : p) v = 1.0f / (1.0f + std::exp(-v));
    test::check_close(Tensor::from_vector(p, {1, 50}),
                      test::fixture_tensor(fx, k + "probabilities"), k + "probabilities", 1e-4f,
                      1e-6f);
  }
}

TEST_CASE("the TF mapping puts elements where TF's layouts say, and is strict") {
  Rng rng(5);
  models::MusicnnConfig cfg;
  Musicnn model(cfg, rng);
  auto tf = models::musicnn_to_tf(model);
  CHECK(tf.size() == 64);
  CHECK(tf.at("conv2d/kernel").shape == Shape{7, 38, 1, 204});  // HWIO
  CHECK(tf.at("conv2d_2/kernel").shape == Shape{128, 1, 1, 51});
  CHECK(tf.at("conv2d_5/kernel").shape == Shape{7, 561, 1, 64});  // [7, features, 1, F]
  CHECK(tf.at("dense/kernel").shape == Shape{1506, 200});         // [in, out]
  CHECK(tf.at("batch_normalization_9/moving_variance").shape == Shape{1506});

  // Known elements: TF kernel [h, w, i, o] -> weight [o, i, h, w], etc.
  tf.at("conv2d/kernel").data[((2 * 38 + 5) * 1 + 0) * 204 + 7] = 42.0f;
  tf.at("conv2d_5/kernel").data[(4 * 561 + 100) * 64 + 9] = 43.0f;
  tf.at("dense/kernel").data[3 * 200 + 11] = 44.0f;
  tf.at("batch_normalization/gamma").data[0] = 45.0f;
  // Training-only variables are ignored by name.
  tf["dense/kernel/Adam"] = tf.at("dense/kernel");
  tf["dense/kernel/Adam_1"] = tf.at("dense/kernel");
  tf["beta1_power"] = TfTensor{kTfFloat, {}, {0.9f}};
  tf["global_step"] = TfTensor{kTfInt64, {}, {100.0f}};
  auto conv = models::musicnn_from_tf(tf, cfg, "mem");
  CHECK(conv.used.size() == 64);
  CHECK(conv.ignored == std::vector<std::string>{"beta1_power", "dense/kernel/Adam",
                                                 "dense/kernel/Adam_1", "global_step"});
  CHECK(conv.defaulted.size() == 6);  // the BatchNorm2d counters
  auto value = [&](const std::string& name, std::vector<int64_t> idx) {
    const Tensor* t = find_named(conv.state, name);
    REQUIRE(t != nullptr);
    int64_t flat = 0;
    for (size_t d = 0; d < idx.size(); ++d) flat = flat * t->size((int64_t)d) + idx[d];
    return t->to_vector()[(size_t)flat];
  };
  CHECK(value("timbral1.conv.weight", {7, 0, 2, 5}) == 42.0f);
  CHECK(value("midend1.conv.weight", {9, 100, 4}) == 43.0f);
  CHECK(value("dense.weight", {11, 3}) == 44.0f);
  CHECK(value("input_bn.weight", {0}) == 45.0f);
  // Everything else round-trips exactly.
  Musicnn back(cfg, rng);
  back.load_state_dict(conv.state);
  auto again = models::musicnn_to_tf(back);
  for (auto& [name, t] : again) {
    if (name.find("/Adam") != std::string::npos) continue;
    CAPTURE(name);
    CHECK(t.data == tf.at(name).data);
  }

  auto broken = tf;
  broken.erase("conv2d_7/bias");
  broken["conv2d_8/kernel"] = TfTensor{kTfFloat, {1}, {0.0f}};
  broken["dense_1/kernel"].shape = {50, 200};
  std::string msg = error_of([&] { models::musicnn_from_tf(broken, cfg, "broken.index"); });
  CHECK(msg.find("broken.index") != std::string::npos);
  CHECK(msg.find("missing: conv2d_7/bias (for midend3.conv.bias)") != std::string::npos);
  CHECK(msg.find("unexpected: conv2d_8/kernel") != std::string::npos);
  CHECK(msg.find("dense_1/kernel is float32 [50, 200], expected float32 [200, 50]") !=
        std::string::npos);
  auto wrong_dtype = tf;
  wrong_dtype["dense_1/bias"].dtype = kTfHalf;
  CHECK(error_of([&] { models::musicnn_from_tf(wrong_dtype, cfg, "x"); }).find("float16") !=
        std::string::npos);
}

TEST_CASE("patches are independent; the clip probability is their mean; top_tags orders") {
  auto fx = test::load_fixture("musicnn_tf_reference");
  Tensor x = test::fixture_tensor(fx, "x");
  std::vector<float> v = x.to_vector(), rev(v.size());
  for (int64_t t = 0; t < 187; ++t)  // the patch played backwards: a different input
    for (int64_t f = 0; f < 96; ++f) rev[(size_t)(t * 96 + f)] = v[(size_t)((186 - t) * 96 + f)];
  Tensor y = Tensor::from_vector(rev, {1, 187, 96});
  auto m = models::load_musicnn(weights("musicnn_mtt.synckpt"));
  auto both = models::musicnn_predict(*m.model, ops::concat({x, y}, 0));
  auto py = models::musicnn_predict(*m.model, y);
  REQUIRE(both.patch_probabilities.shape() == Shape{2, 50});
  // Patch 0 is the TF fixture's input: TF's probabilities.
  Tensor tf_px = test::fixture_tensor(fx, "mtt/probabilities");
  test::check_close(ops::slice(both.patch_probabilities, 0, 0, 1), tf_px, "patch 0 in a batch of 2",
                    1e-4f, 1e-6f);
  test::check_close(ops::slice(both.patch_probabilities, 0, 1, 2), py.patch_probabilities,
                    "patch 1 in a batch of 2", 1e-5f, 1e-7f);
  REQUIRE(both.clip_probabilities.size() == 50);
  const std::vector<float> p0 = both.patch_probabilities.to_vector();
  for (size_t k = 0; k < 50; ++k)
    CHECK(both.clip_probabilities[k] == doctest::Approx(0.5 * (p0[k] + p0[50 + k])).epsilon(1e-6));
  CHECK(py.clip_probabilities == py.patch_probabilities.to_vector());  // one patch: itself

  CHECK(models::top_tags({0.1f, 0.9f, 0.5f, 0.9f, 0.0f}, 3) == std::vector<int64_t>{1, 3, 2});
  CHECK(models::top_tags({0.1f, 0.2f}, 5) == std::vector<int64_t>{1, 0});
  CHECK(error_of([&] {
          m.model->forward(Tensor::zeros({1, 187, 80}));
        }).find("[1, 187, 80]") != std::string::npos);
}

TEST_CASE("the reference clip's top 10 is musicnn's published list, in order") {
  const std::string dir = test::shared_dir() + "/fixtures/musicnn-reference";
  const std::string clip = dir + "/joram-moments_of_clarity-08-solipsism-59-88.mp3";
  if (!std::filesystem::exists(clip)) {
    MESSAGE("skipped: ", clip, " is not available");
    return;
  }
  std::vector<float> audio = load_audio(clip, kMusicnnSampleRate);
  Tensor mel = musicnn_log_mel(audio.data(), (int64_t)audio.size());
  Tensor patches = musicnn_patches(mel);
  CHECK(patches.size(0) == 9);  // 29 s: 1 + n/256 frames, 187 per patch, the remainder dropped
  auto m = models::load_musicnn(weights("musicnn_mtt.synckpt"));
  auto pred = models::musicnn_predict(*m.model, patches);
  std::vector<std::string> top;
  std::string report;
  for (int64_t i : models::top_tags(pred.clip_probabilities, 10)) {
    top.push_back(m.labels[(size_t)i]);
    report += m.labels[(size_t)i] + " " + std::to_string(pred.clip_probabilities[(size_t)i]) + ", ";
  }
  INFO("ours: ", report);
  const std::vector<std::string> published = {"techno", "electronic", "synth",     "fast",
                                              "beat",   "drums",      "no vocals", "no vocal",
                                              "dance",  "ambient"};
  CHECK(top == published);
}

TEST_CASE("musicnn's outputs are the same bits on 1, 2 and 3 threads (branches side by side)") {
  // On two threads the five front-end branches run as two tasks, one thread each; on one or
  // three every op runs over all threads. All must agree exactly, every output of the model.
  auto m = models::load_musicnn(weights("musicnn_mtt.synckpt"));
  Rng rng(5);
  std::vector<float> v(3 * 187 * 96);
  for (auto& e : v) e = (float)(3.0 * rng.uniform());
  const Tensor x = Tensor::from_vector(v, {3, 187, 96});
  NoGradGuard no_grad;
  std::vector<std::vector<float>> runs;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    models::Musicnn::Outputs o = m.model->forward_all(x);
    std::vector<float> all;
    for (const Tensor* t : {&o.timbral, &o.temporal, &o.cnn3, &o.penultimate, &o.logits}) {
      std::vector<float> e = t->to_vector();
      all.insert(all.end(), e.begin(), e.end());
    }
    runs.push_back(all);
  }
  set_num_threads(0);
  CHECK(std::memcmp(runs[0].data(), runs[1].data(), runs[0].size() * sizeof(float)) == 0);
  CHECK(std::memcmp(runs[0].data(), runs[2].data(), runs[0].size() * sizeof(float)) == 0);
}
