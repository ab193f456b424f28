// test_linear_evaluation.cpp — CLMR's linear evaluation end to end on a miniature MagnaTagATune
// tree (tests/support/mini_mtt.h) with a tiny encoder, plus its building blocks: chunking as
// CLMR's concat_clip does it, clip predictions as the mean of chunk sigmoids, the head's
// early stopping and learning-rate plateau, and the saved head evaluating to the same numbers.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/eval/linear_evaluation.h"
#include "apps/pipeline/chunk_features.h"
#include "apps/pipeline/encoder_loading.h"
#include "apps/pipeline/json_io.h"
#include "apps/pipeline/tag_head.h"
#include "engine/check.h"
#include "engine/optim/plateau.h"
#include "models/clmr_weights.h"
#include "tests/support/mini_mtt.h"

using namespace syn;
namespace fs = std::filesystem;

TEST_CASE("chunks follow CLMR's concat_clip: consecutive, the remainder dropped") {
  CHECK(app::chunk_starts(10, 3) == std::vector<int64_t>{0, 3, 6});
  CHECK(app::chunk_starts(9, 3) == std::vector<int64_t>{0, 3, 6});
  CHECK(app::chunk_starts(2, 3) == std::vector<int64_t>{0});  // short: one zero-padded chunk
  // MagnaTagATune at 22,050 Hz: 29.1 s -> 10 chunks of 59,049 samples.
  CHECK(app::chunk_starts(641655, 59049).size() == 10);
  CHECK_THROWS_AS(app::chunk_starts(10, 0), Error);
}

TEST_CASE("clip predictions are the mean over their chunks") {
  Tensor per_chunk = Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  Tensor m = app::mean_over_chunks(per_chunk, {0, 0, 1, 0}, 2);
  CHECK(m.to_vector() == std::vector<float>{(1 + 3 + 7) / 3.0f, (2 + 4 + 8) / 3.0f, 5, 6});
  Tensor e = app::expand_to_chunks(Tensor::from_vector({1, 2, 3, 4}, {2, 2}), {1, 0, 1});
  CHECK(e.to_vector() == std::vector<float>{3, 4, 1, 2, 3, 4});
  CHECK_THROWS_AS(app::mean_over_chunks(per_chunk, {0, 0, 0, 0}, 2), Error);  // clip 1 empty
}

TEST_CASE("plateau and early stopping follow PyTorch's and Lightning's rules") {
  ReduceLrOnPlateau p({.factor = 0.1, .patience = 2, .threshold = 1e-4});
  double lr = 1.0;
  lr = p.step(1.0, lr);      // best 1.0
  lr = p.step(0.99995, lr);  // not better by the relative threshold: bad 1
  lr = p.step(1.0, lr);      // bad 2
  CHECK(lr == 1.0);
  lr = p.step(1.0, lr);  // bad 3 > patience: decay
  CHECK(lr == doctest::Approx(0.1));
  lr = p.step(0.5, lr);
  CHECK(lr == doctest::Approx(0.1));
  EarlyStopping s(2);
  CHECK_FALSE(s.step(1.0));
  CHECK(s.improved());
  CHECK_FALSE(s.step(1.0));  // equal is not better: wait 1
  CHECK(s.step(2.0));        // wait 2 = patience: stop
  CHECK(s.best() == 1.0);
}

TEST_CASE("the tag head learns separable labels and keeps the best validation epoch") {
  // Two Gaussian blobs; tag 0 = blob, tag 1 = the opposite.
  Rng rng(3);
  auto make = [&](int n, Tensor& x, Tensor& y) {
    std::vector<float> xv, yv;
    for (int i = 0; i < n; ++i) {
      int c = i % 2;
      for (int d = 0; d < 8; ++d) xv.push_back(rng.normal() * 0.5f + (c ? 1.5f : -1.5f));
      yv.push_back((float)c);
      yv.push_back((float)(1 - c));
    }
    x = Tensor::from_vector(xv, {n, 8});
    y = Tensor::from_vector(yv, {n, 2});
  };
  Tensor tx, ty, vx, vy;
  make(64, tx, ty);
  make(32, vx, vy);
  Rng init(1);
  auto head = models::make_clmr_head({.in_dim = 8, .out_dim = 2, .hidden_dim = 0}, init);
  double before = app::head_loss(*head, vx, vy, Device::CPU);
  std::ostringstream log;
  app::HeadTrainingOptions o;
  o.max_epochs = 60;
  o.lr = 1e-2;
  app::HeadTrainingResult r = app::train_tag_head(*head, tx, ty, vx, vy, o, log);
  double after = app::head_loss(*head, vx, vy, Device::CPU);
  CHECK(after < 0.2 * before);
  // The weights kept are those of the best validation epoch.
  CHECK(after == doctest::Approx(r.valid_loss[(size_t)r.best_epoch - 1]).epsilon(1e-5));
  for (double v : r.valid_loss) CHECK(v >= r.valid_loss[(size_t)r.best_epoch - 1] - 1e-12);
  Tensor p = app::head_probabilities(*head, vx, Device::CPU);
  std::vector<float> pv = p.to_vector(), yv = vy.to_vector();
  int correct = 0;
  for (size_t i = 0; i < pv.size(); ++i) correct += (pv[i] > 0.5f) == (yv[i] > 0.5f);
  CHECK(correct == (int)pv.size());
}

namespace {

Config tiny_eval_config(const fs::path& root, const fs::path& runs) {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/linear_evaluation.yaml");
  for (auto [k, v] :
       std::vector<std::pair<const char*, std::string>>{{"dataset_dir", root.string()},
                                                        {"encoder_blocks", "3"},
                                                        {"encoder_width_divisor", "16"},
                                                        {"audio_length", "81"},
                                                        {"finetuner_max_epochs", "5"},
                                                        {"log_dir", runs.string()},
                                                        {"run_name", "tiny"},
                                                        {"labels", "refined"},
                                                        {"refined_top_n", "8"}})
    cfg.set(k, v);
  return cfg;
}

}  // namespace

TEST_CASE("linear evaluation runs end to end on a miniature MagnaTagATune") {
  fs::path base = fs::temp_directory_path() / "syn_linear_eval";
  fs::remove_all(base);
  fs::path root = base / "mtt";
  test::write_mini_mtt(root);
  Config cfg = tiny_eval_config(root, base / "runs");
  CHECK(Config::load(std::string(SYN_SOURCE_DIR) + "/config/linear_evaluation.yaml")
            .undocumented_keys()
            .empty());

  std::ostringstream log;
  app::LinearEvaluationResult r = app::run_linear_evaluation(cfg, log);
  INFO(log.str());
  // Train: folders 0..b (the good clips: 2, 6, 10, 11, 12, 20, 21, 22, 24, 26; 25 does not
  // decode, 23 is missing, 35644 is known-bad); valid: c (30, 31); test: d..f good (40..43).
  CHECK(r.train_clips == 10);
  CHECK(r.valid_clips == 2);
  CHECK(r.test_clips == 4);
  // 3 s at 22,050 Hz = 66,150 samples -> 816 chunks of 81 samples per clip.
  CHECK(r.test_chunks == 4 * (66150 / 81));
  CHECK(r.tags.size() == 8);
  CHECK(r.epochs >= 1);
  CHECK(r.best_epoch >= 1);
  CHECK(r.test.roc_auc.size() == 8);
  for (size_t t = 0; t < 8; ++t) {
    CHECK(r.test.average_precision[t] >= 0.0);
    CHECK(r.test.average_precision[t] <= 1.0);
  }
  CHECK(fs::exists(r.head_path));
  CHECK(fs::exists(r.results_path));
  const app::Json results = app::read_json_file(r.results_path);  // apps/pipeline/json_io
  CHECK(results["per_tag"].size() == 8);
  CHECK(results["per_tag"][0]["tag"] == r.tags[0]);
  if (std::isfinite(r.test.roc_auc_macro))
    CHECK(results["roc_auc"].get<double>() == doctest::Approx(r.test.roc_auc_macro).epsilon(1e-5));
  else
    CHECK(results["roc_auc"].is_null());  // a tag without positives in the miniature test split
  CHECK(results["clips"]["test"] == 4);
  CHECK(log.str().find("RANDOMLY INITIALISED") != std::string::npos);

  // The saved head, evaluated without training, gives exactly the same test metrics.
  Config again = cfg;
  again.set("finetuner_checkpoint_path", r.head_path);
  again.set("run_name", "reloaded");
  std::ostringstream log2;
  app::LinearEvaluationResult r2 = app::run_linear_evaluation(again, log2);
  CHECK(r2.epochs == 0);
  for (size_t t = 0; t < 8; ++t) {
    CHECK(r2.test.average_precision[t] == r.test.average_precision[t]);
    CHECK((std::isnan(r2.test.roc_auc[t]) == std::isnan(r.test.roc_auc[t])));
    if (!std::isnan(r.test.roc_auc[t])) CHECK(r2.test.roc_auc[t] == r.test.roc_auc[t]);
  }

  // A head trained on other tags is refused; so is a non-head file.
  Config other = again;
  other.set("refined_top_n", "6");
  CHECK_THROWS_WITH_AS(app::run_linear_evaluation(other, log2), doctest::Contains("other tags"),
                       Error);
  Config bad = cfg;
  bad.set("finetuner_checkpoint_path", (root / "annotations_final.csv").string());
  CHECK_THROWS_AS(app::run_linear_evaluation(bad, log2), Error);
  Config nodir = cfg;
  nodir.set("dataset_dir", (base / "nowhere").string());
  CHECK_THROWS_AS(app::run_linear_evaluation(nodir, log2), Error);
  fs::remove_all(base);
}
