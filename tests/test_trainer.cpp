// test_trainer.cpp — the one training loop (apps/train/trainer.h) on a toy Task: a linear
// classifier on points drawn from (seed, step). Step counting, the schedule each step sees,
// checkpoint cadence and retention, stopping early, validation and artifact hooks, exact resume,
// the NaN guard, and a task that writes no files. The four real tasks are tested in
// test_pretrain, test_caption_decoder, test_imagine_trainer and test_emoji_classifier.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "apps/train/trainer.h"
#include "apps/train/training_state.h"
#include "engine/nn/layers.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/loss.h"
#include "engine/optim/adam.h"
#include "engine/optim/schedule.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

// Three classes of 2-D points around three centres; the batch of step s depends on s only.
class ToyTask : public app::Task {
 public:
  ToyTask(app::TrainerOptions options, int64_t nan_at = -1)
      : options_(std::move(options)), nan_at_(nan_at) {
    Rng init(3);
    model_ = std::make_unique<nn::Linear>(2, 3, true, init);
    AdamOptions o;
    o.lr = options_.learning_rate;
    optimizer_ = std::make_unique<Adam>(model_->named_parameters(), o);
  }
  std::string name() const override { return "toy"; }
  const Config& config() const override { return cfg_; }
  app::TrainerOptions trainer_options() const override { return options_; }
  std::string summary() const override { return "a linear classifier"; }
  std::string device_description() const override { return "cpu"; }
  Module& trained_module() override { return *model_; }
  Optimizer& optimizer() override { return *optimizer_; }
  double grad_clip() const override { return 0.5; }
  app::StepOutput training_step(int64_t step) override {
    lrs.push_back(optimizer_->lr());
    if (options_.tensorboard) events_bytes.push_back(events_file_bytes());
    Rng rng(100 + (uint64_t)step);
    std::vector<float> x;
    std::vector<int64_t> y;
    for (int i = 0; i < 6; ++i) {
      y.push_back(i % 3);
      x.push_back((float)(i % 3) + 0.3f * rng.normal());
      x.push_back((float)(i % 3 == 1) + 0.3f * rng.normal());
    }
    Tensor loss = ops::cross_entropy(model_->forward(Tensor::from_vector(x, {6, 2})), y);
    if (step == nan_at_) loss = ops::scale(loss, std::numeric_limits<float>::quiet_NaN());
    return {loss, 6, {{"batch", (double)step}}};
  }
  bool has_validation() const override { return true; }
  void validation(std::ostream& log, SummaryWriter*) override {
    validated_at.push_back(step());
    log << "validated at " << step() << "\n";
  }
  void artifacts(bool final, std::ostream&) override {
    artifacts_at.push_back(final ? -step() : step());
  }
  std::string kind() const override { return "toy-train"; }
  std::string what() const override { return "a toy checkpoint"; }
  void save_state(Checkpoint& ck) const override {
    app::store_model_and_optimizer(ck, *model_, *optimizer_);
  }
  void load_state(const Checkpoint& ck, const std::string& path) override {
    app::restore_model_and_optimizer(ck, path, *model_, *optimizer_);
  }

  std::vector<double> lrs;
  std::vector<int64_t> validated_at, artifacts_at;
  std::vector<uintmax_t> events_bytes;  // size of the events file on disk when each step began  //
                                        // artifacts: -step for the final call
  nn::Linear& model() { return *model_; }

 private:
  uintmax_t events_file_bytes() const {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(options_.run_dir, ec))
      if (e.path().filename().string().rfind("events.out.tfevents", 0) == 0)
        return fs::file_size(e.path());
    return 0;
  }
  app::TrainerOptions options_;
  int64_t nan_at_;
  Config cfg_ = Config::parse("seed: 1 # the toy's config, saved in the run dir");
  std::unique_ptr<nn::Linear> model_;
  std::unique_ptr<Adam> optimizer_;
};

app::TrainerOptions toy_options(const fs::path& dir) {
  app::TrainerOptions o;
  o.max_steps = 6;
  o.run_dir = dir.string();
  o.checkpoint_every = 2;
  o.val_every = 4;
  o.learning_rate = 0.1;
  o.min_learning_rate = 0.01;
  o.warmup_steps = 2;
  o.progress.every_seconds = 0;
  return o;
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("syn_trainer_" + name);
  fs::remove_all(d);
  return d;
}

}  // namespace

TEST_CASE("TensorBoard events reach the disk at every progress line, not only at the end") {
  // A killed run keeps what it logged: with a progress line every step and no checkpoint before
  // the end, the events file on disk must grow while training runs (it stayed at its 40-byte
  // header until the final flush before).
  fs::path dir = fresh_dir("events");
  app::TrainerOptions o = toy_options(dir);
  o.tensorboard = true;
  o.checkpoint_every = 0;
  o.progress.every_steps = 1;
  ToyTask task(o);
  app::Trainer trainer(task);
  std::ostringstream log;
  CHECK(trainer.fit(log));
  REQUIRE(task.events_bytes.size() == 6);
  for (size_t k = 1; k < task.events_bytes.size(); ++k) {
    CAPTURE(k);
    CHECK(task.events_bytes[k] > task.events_bytes[k - 1]);
  }
  fs::remove_all(dir);
}

TEST_CASE("fit: steps, schedule, hooks, checkpoints and the lines it prints") {
  fs::path dir = fresh_dir("fit");
  app::TrainerOptions o = toy_options(dir);
  o.keep_checkpoints = 2;
  o.log_checkpoints = true;
  o.record_train_seconds = true;
  o.tensorboard = true;
  ToyTask task(o);
  app::Trainer trainer(task);
  std::ostringstream log;
  CHECK(trainer.fit(log));
  CHECK(trainer.step() == 6);
  CHECK(trainer.losses().size() == 6);
  // Each step ran at the schedule's rate for that step (linear warmup, then cosine).
  const CosineSchedule s{0.1, 0.01, 2, 6};
  REQUIRE(task.lrs.size() == 6);
  for (int64_t k = 0; k < 6; ++k) CHECK(task.lrs[(size_t)k] == s.lr(k));
  // Validation every 4 steps and at the end; artifacts after every step before the last, and
  // once at the end.
  CHECK(task.validated_at == std::vector<int64_t>{4, 6});
  CHECK(task.artifacts_at == std::vector<int64_t>{1, 2, 3, 4, 5, -6});
  // Checkpoints 2, 4, 6, of which the newest two are kept.
  CHECK_FALSE(fs::exists(dir / "checkpoint_2.synt"));
  CHECK(fs::exists(dir / "checkpoint_4.synt"));
  CHECK(fs::exists(dir / "checkpoint_6.synt"));
  CHECK(fs::exists(dir / "config.yaml"));
  const std::string text = log.str();
  CHECK(text.find("toy: a linear classifier, steps 0 -> 6, device cpu, run dir " + dir.string()) !=
        std::string::npos);
  CHECK(text.find("checkpoint " + (dir / "checkpoint_4.synt").string()) != std::string::npos);
  CHECK(text.find("| batch 5.0000 |") != std::string::npos);  // the task's metric
  CHECK(text.find("final checkpoint: " + (dir / "checkpoint_6.synt").string() +
                  " (training time ") != std::string::npos);
  Checkpoint ck = load_checkpoint((dir / "checkpoint_6.synt").string());
  CHECK(ck.meta.at("kind") == "toy-train");
  CHECK(ck.meta.at("step") == "6");
  CHECK(ck.meta.count("train_seconds") == 1);
  CHECK(ck.meta.at("config").find("seed: 1") != std::string::npos);
}

TEST_CASE("an interrupted fit resumed from its checkpoint continues exactly") {
  fs::path dir = fresh_dir("resume");
  ToyTask full_task(toy_options(dir / "full"));
  app::Trainer full(full_task);
  std::ostringstream log;
  REQUIRE(full.fit(log));

  ToyTask part_task(toy_options(dir / "part"));
  app::Trainer part(part_task);
  CHECK_FALSE(part.fit(log, nullptr, 3));  // until_step: stops like an interrupt
  CHECK(log.str().find("stopping at step 3 (until_step reached)") != std::string::npos);
  const std::string ck = (dir / "part" / "checkpoint_3.synt").string();
  REQUIRE(fs::exists(ck));
  CHECK(load_checkpoint(ck).meta.count("train_seconds") == 0);  // not recorded by this task

  ToyTask resumed_task(toy_options(dir / "part"));
  app::Trainer resumed(resumed_task);
  resumed.resume(ck);
  CHECK(resumed.step() == 3);
  CHECK(resumed.fit(log));
  REQUIRE(resumed.losses().size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(resumed.losses()[i] == full.losses()[3 + i]);
  CHECK(resumed_task.model().weight.to_vector() == full_task.model().weight.to_vector());

  // A stop request before the first step: nothing trained, still a checkpoint to resume from.
  ToyTask stopped_task(toy_options(dir / "stopped"));
  std::atomic<bool> stop{true};
  CHECK_FALSE(app::Trainer(stopped_task).fit(log, &stop));
  CHECK(log.str().find("stopping at step 0 (interrupted)") != std::string::npos);
  CHECK(fs::exists(dir / "stopped" / "checkpoint_0.synt"));

  // A checkpoint of another kind is refused by name.
  Checkpoint other = load_checkpoint(ck);
  other.meta["kind"] = "caption-train";
  const std::string wrong = (dir / "wrong.synt").string();
  save_checkpoint(wrong, other);
  CHECK_THROWS_WITH_AS(app::Trainer(resumed_task).resume(wrong),
                       doctest::Contains(("'" + wrong + "' is not a toy checkpoint").c_str()),
                       Error);
}

TEST_CASE("a non-finite loss stops the fit, naming the last checkpoint, parameters untouched") {
  fs::path dir = fresh_dir("nan");
  ToyTask task(toy_options(dir), /*nan_at=*/3);
  app::Trainer trainer(task);
  std::ostringstream log;
  std::string message;
  try {
    trainer.fit(log);
  } catch (const app::NonFiniteLoss& e) {
    message = e.what();
  }
  CHECK(message.find("loss is nan at step 4; parameters were not updated") != std::string::npos);
  const std::string last = (dir / "checkpoint_2.synt").string();
  CHECK(message.find("last good checkpoint: " + last) != std::string::npos);
  CHECK(trainer.step() == 3);
  // The non-finite step updated nothing: the weights are those after 3 good steps.
  ToyTask three(toy_options(fresh_dir("nan3")));
  app::Trainer(three).fit(log, nullptr, 3);
  CHECK(three.model().weight.to_vector() == task.model().weight.to_vector());
}

TEST_CASE("a task without a run directory writes nothing and cannot checkpoint") {
  app::TrainerOptions o;
  o.max_steps = 3;
  o.learning_rate = 0.05;
  o.progress.every_seconds = 0;
  o.progress.prefix = "train";
  ToyTask task(o);
  app::Trainer trainer(task);
  std::ostringstream log;
  CHECK(trainer.fit(log));
  CHECK(log.str().find("train | step 3/3") != std::string::npos);
  CHECK(log.str().find("final checkpoint") == std::string::npos);
  // The Task defaults refuse to checkpoint (the toy overrides them; a bare task does not).
  struct Bare : ToyTask {
    using ToyTask::ToyTask;
    void save_state(Checkpoint& ck) const override { app::Task::save_state(ck); }
  } bare(o);
  Checkpoint ck;
  CHECK_THROWS_WITH_AS(bare.save_state(ck), doctest::Contains("toy writes no checkpoints"), Error);
}
