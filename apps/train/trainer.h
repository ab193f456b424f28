// trainer.h — the one training loop of apps/ (pretrain, train_captioner, train_imagine,
// train_emoji_classifier), the way Lightning's Trainer runs a LightningModule: it runs a Task's
// steps up to max_steps (or a time budget, or a stop request), sets the learning rate of each
// step, guards against a non-finite loss, prints progress lines, writes TensorBoard scalars,
// validates, writes periodic and final atomic checkpoints, and resumes exactly from one.
//
// What a run writes in TrainerOptions::run_dir: config.yaml (the effective config), the
// TensorBoard event file when enabled, checkpoint_<step>.synt (training_state.h's layout: the
// task's tensors, meta kind / step / config [/ train_seconds] and the task's own meta).
//
// Data-parallel (set_communicator with a world > 1, issue 17): every rank runs the loop; the
// step's loss is the mean over the ranks (the NaN guard sees the same value everywhere); the
// gradients are averaged over the ranks after backward; rank 0 alone prints, writes config.yaml,
// TensorBoard and the checkpoints, and the other ranks wait at a barrier after each checkpoint,
// so no rank goes on (or reads it) before it is complete. The progress line says "rank 0/W".
#pragma once
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "apps/train/loss_guard.h"  // NonFiniteLoss, thrown by fit and optimisation_step
#include "apps/train/task.h"
#include "apps/train/trainer_options.h"
#include "engine/dist/communicator.h"

namespace syn::app {

struct StepResult {
  float loss = 0.0f;
  int64_t units = 0;
  std::vector<ProgressMetric> metrics;
};

// One optimisation step of `task` at step `step` with the optimiser's current learning rate:
// its loss, the NaN guard (NonFiniteLoss, parameters untouched), backward, gradient clipping,
// the optimiser's update. Trainer::fit runs its steps through it; benchmarks time it alone.
// With `comm` (world > 1): the loss is averaged over the ranks before the guard, and the
// gradients after backward.
StepResult optimisation_step(Task& task, int64_t step, dist::Communicator* comm = nullptr);

class Trainer {
 public:
  // Options from task.trainer_options(), or given (tests change a setting without a config).
  explicit Trainer(Task& task);
  Trainer(Task& task, TrainerOptions options);

  // Steps from task.step() to max_steps; stops early (still validating and checkpointing) on
  // max_seconds, when *stop becomes true (a signal handler's flag) or, for tests, once
  // `until_step` (>= 0) steps are done. Returns true when max_steps was reached. A non-finite
  // loss throws NonFiniteLoss naming the last good checkpoint.
  bool fit(std::ostream& log, const std::atomic<bool>* stop = nullptr, int64_t until_step = -1);

  // Data-parallel training over `comm` (null or world 1: one process, as before). `comm` must
  // outlive fit().
  void set_communicator(dist::Communicator* comm) { comm_ = comm; }

  // Atomic checkpoint of the task at its step.
  void save_checkpoint(const std::string& path) const;
  // Restores the task (model, optimiser, its own state) and the step; errors name the file.
  void resume(const std::string& path);

  int64_t step() const { return task_.step(); }
  const std::vector<float>& losses() const { return losses_; }  // steps run by this process
  // Wall time of the training steps, summed over this run and the runs it resumed when the
  // task records it.
  double train_seconds() const { return train_seconds_; }
  const TrainerOptions& options() const { return options_; }

 private:
  Task& task_;
  TrainerOptions options_;
  std::vector<float> losses_;
  double train_seconds_ = 0.0;
  std::vector<std::string> kept_checkpoints_;
  dist::Communicator* comm_ = nullptr;
};

}  // namespace syn::app
