// task.h — one model's part of training, the way Lightning's LightningModule separates it from
// the loop: the task builds its model, optimiser and data, computes one step's loss, validates,
// and says what its checkpoint holds; the one Trainer (apps/train/trainer.h) owns everything
// else (step counting, schedule, progress, TensorBoard, checkpoints, the NaN guard, resume).
//
// Exact resume is a contract between the two: a task draws every random number of step s from
// generators derived from (seed, s), so the Trainer only has to restore the step count, the
// model and the optimiser state (save_state / load_state) to continue bit for bit.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "apps/train/trainer_options.h"
#include "engine/checkpoint.h"
#include "engine/config.h"
#include "engine/module.h"
#include "engine/optim/optimizer.h"
#include "engine/progress.h"
#include "engine/tensorboard.h"

namespace syn::app {

struct StepOutput {
  Tensor loss;        // scalar, with the graph the Trainer runs backward through
  int64_t units = 0;  // what the progress rate counts (samples, tokens, images) this step
  std::vector<ProgressMetric> metrics;  // shown after the loss (e.g. a batch accuracy)
};

class Task {
 public:
  virtual ~Task() = default;

  virtual std::string name() const = 0;      // the app, first word of its lines ("pretrain")
  virtual const Config& config() const = 0;  // saved in the run dir and every checkpoint
  virtual TrainerOptions trainer_options() const = 0;
  // The header after "<name>: " up to ", steps a -> b, ..." (parameters, data, batch); empty:
  // no header line.
  virtual std::string summary() const = 0;
  virtual std::string device_description() const = 0;

  virtual Module& trained_module() = 0;  // whose gradients grad_clip() bounds
  virtual Optimizer& optimizer() = 0;
  virtual double grad_clip() const { return 0.0; }  // global gradient norm bound; 0: none

  // The loss of step `step` (= steps done before it), in training mode, not yet backpropagated.
  virtual StepOutput training_step(int64_t step) = 0;
  // After the optimiser's update (e.g. an EMA of the weights follows it).
  virtual void after_optimizer_step() {}

  virtual bool has_validation() const { return false; }
  // Validates at step() and reports it (a log line; scalars to `tb` when there is one).
  virtual void validation(std::ostream& /*log*/, SummaryWriter* /*tb*/) {}
  // Files beside the checkpoints (sample pictures): after the periodic work of step() < max,
  // and once more at the end (final = true).
  virtual void artifacts(bool /*final*/, std::ostream& /*log*/) {}

  // The checkpoint: "kind" in its meta, the words of the error for a wrong file ("a train_imagine
  // checkpoint"), and the tensors and meta the task adds (its model, optimiser, EMA,
  // tokenizer). load_state checks and restores them; errors name `path`. A task that cannot
  // resume exactly (its generator runs on across steps) keeps these defaults, which refuse, and
  // gives the Trainer no run directory.
  virtual std::string kind() const { return ""; }
  virtual std::string what() const { return "a checkpoint"; }
  virtual void save_state(Checkpoint& ck) const;
  virtual void load_state(const Checkpoint& ck, const std::string& path);

  // Optimisation steps done (Lightning's global_step); the Trainer advances and restores it.
  int64_t step() const { return step_; }

 private:
  friend class Trainer;
  int64_t step_ = 0;
};

}  // namespace syn::app
