// trainer.cpp — see trainer.h.
#include "apps/train/trainer.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <ostream>

#include "apps/train/grad_clip.h"
#include "apps/train/training_state.h"
#include "engine/checkpoint.h"
#include "engine/dist/collectives.h"
#include "engine/dist/test_hooks.h"
#include "engine/optim/schedule.h"

namespace syn::app {

namespace fs = std::filesystem;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

StepResult optimisation_step(Task& task, int64_t step, dist::Communicator* comm) {
  StepOutput out = task.training_step(step);
  float loss = out.loss.item();  // the one host round trip of a step
  const bool parallel = comm && comm->world() > 1;
  if (parallel) {  // every rank guards (and reports) the same value
    Tensor l = Tensor::from_vector({loss}, {1}, Device::CPU);
    comm->all_reduce_mean(l);
    loss = l.item();
  }
  throw_if_nonfinite(loss, step);
  out.loss.backward();
  if (parallel) dist::average_gradients(task.trained_module().parameters(), *comm);
  if (task.grad_clip() > 0) clip_grad_norm(task.trained_module().parameters(), task.grad_clip());
  task.optimizer().step();
  task.optimizer().zero_grad();
  task.after_optimizer_step();
  return {loss, out.units, std::move(out.metrics)};
}

Trainer::Trainer(Task& task) : Trainer(task, task.trainer_options()) {}

Trainer::Trainer(Task& task, TrainerOptions options) : task_(task), options_(std::move(options)) {}

void Trainer::save_checkpoint(const std::string& path) const {
  Checkpoint ck;
  task_.save_state(ck);
  store_run_meta(
      ck, task_.kind(), task_.step(), task_.config(),
      options_.record_train_seconds ? std::optional<double>(train_seconds_) : std::nullopt);
  syn::save_checkpoint(path, ck);
}

void Trainer::resume(const std::string& path) {
  Checkpoint ck = syn::load_checkpoint(path);
  const RunMeta meta = read_run_meta(ck, path, task_.kind(), task_.what());
  task_.load_state(ck, path);
  task_.step_ = meta.step;
  train_seconds_ = meta.train_seconds;
}

bool Trainer::fit(std::ostream& log, const std::atomic<bool>* stop, int64_t until_step) {
  const TrainerOptions& o = options_;
  const int64_t max_steps = o.max_steps, every = o.checkpoint_every;
  const bool files = !o.run_dir.empty();
  const bool parallel = comm_ && comm_->world() > 1;
  const bool lead = !parallel || comm_->rank() == 0;  // prints and writes the files
  std::ostream discarded(nullptr);                    // the other ranks' lines go nowhere
  std::ostream& out = lead ? log : discarded;
  std::unique_ptr<SummaryWriter> tb;
  if (files && lead) {
    fs::create_directories(o.run_dir);
    task_.config().save((fs::path(o.run_dir) / "config.yaml").string());
    if (o.tensorboard) tb = std::make_unique<SummaryWriter>(o.run_dir);
  }
  const CosineSchedule schedule{o.learning_rate, o.min_learning_rate, o.warmup_steps, max_steps};
  const std::string summary = task_.summary();
  if (!summary.empty())
    out << task_.name() << ": " << summary << ", steps " << task_.step() << " -> " << max_steps
        << ", device " << task_.device_description() << ", run dir " << o.run_dir << "\n";
  ProgressOptions progress_options = o.progress;
  if (parallel && progress_options.prefix.empty()) progress_options.prefix = comm_->where();
  Progress progress(max_steps, out, progress_options);
  const auto start = std::chrono::steady_clock::now();

  std::string last_good;
  auto checkpoint = [&] {
    const std::string path = checkpoint_file(o.run_dir, task_.step());
    if (lead) {
      // What was logged up to this checkpoint is on disk with it: a run killed later and
      // resumed from here loses no TensorBoard value before the checkpoint.
      if (tb) tb->flush();
      save_checkpoint(path);
    }
    if (parallel) comm_->barrier();  // no rank runs ahead of (or reads) a half-written file
    last_good = path;
    kept_checkpoints_.push_back(path);
    while (o.keep_checkpoints > 0 && (int64_t)kept_checkpoints_.size() > o.keep_checkpoints) {
      std::error_code ec;
      if (lead) fs::remove(kept_checkpoints_.front(), ec);
      kept_checkpoints_.erase(kept_checkpoints_.begin());
    }
    if (o.log_checkpoints) out << "checkpoint " << path << "\n";
  };

  double window = 0;  // losses since the last progress line (average_loss)
  int64_t window_n = 0;
  const char* stopped = nullptr;
  while (task_.step() < max_steps) {
    if (stop && stop->load())
      stopped = "interrupted";
    else if (until_step >= 0 && task_.step() >= until_step)
      stopped = "until_step reached";
    else if (o.max_seconds > 0 && seconds_since(start) >= o.max_seconds)
      stopped = "max_seconds reached";
    // Ranks stop together: a signal or a clock may reach one rank a step before another.
    if (parallel && (stop || o.max_seconds > 0)) {
      Tensor any = Tensor::from_vector({stopped ? 1.0f : 0.0f}, {1}, Device::CPU);
      comm_->all_reduce_sum(any);
      if (any.item() > 0 && !stopped) stopped = "another rank stopped";
    }
    if (stopped) break;
    const double lr = o.cosine ? schedule.lr(task_.step()) : schedule.base_lr;
    task_.optimizer().set_lr(lr);
    const auto t0 = std::chrono::steady_clock::now();
    if (parallel) dist::failure_test_hook(*comm_, task_.step());
    StepResult r =
        step_or_stop([&] { return optimisation_step(task_, task_.step(), comm_); }, last_good);
    train_seconds_ += seconds_since(t0);
    const int64_t step = ++task_.step_;
    losses_.push_back(r.loss);
    if (tb) {
      tb->add_scalar("train/loss", r.loss, step);
      tb->add_scalar("train/learning_rate", lr, step);
    }
    std::vector<ProgressMetric> metrics{{"loss", r.loss}};
    if (o.average_loss) {
      window += r.loss;
      ++window_n;
      metrics.push_back({"avg_loss", window / (double)window_n});
    }
    for (ProgressMetric& m : r.metrics) metrics.push_back(std::move(m));
    metrics.push_back({"lr", lr});
    if (progress.update(step, r.units, metrics)) {
      window = 0;
      window_n = 0;
      if (tb) tb->flush();  // a killed run keeps every value up to its last progress line
    }
    if (tb && !o.rate_scalar.empty() && progress.rate() > 0)
      tb->add_scalar(o.rate_scalar, progress.rate(), step);
    if (step < max_steps) {
      if (task_.has_validation() && o.val_every > 0 && step % o.val_every == 0)
        task_.validation(out, tb.get());
      task_.artifacts(false, out);
    }
    if (files && every > 0 && step % every == 0) checkpoint();
  }
  progress.finish();
  if (stopped) out << "stopping at step " << task_.step() << " (" << stopped << ")\n";
  if (task_.has_validation()) task_.validation(out, tb.get());
  task_.artifacts(true, out);
  if (files) {
    if (last_good.empty() || every <= 0 || task_.step() % every != 0) checkpoint();
    if (tb) tb->flush();
    out << "final checkpoint: " << last_good;
    if (o.record_train_seconds) out << " (training time " << train_seconds_ << " s)";
    out << "\n";
  }
  return task_.step() >= max_steps;
}

}  // namespace syn::app
