// pretrainer.h — the CLMR pretraining loop behind apps/pretrain, as a class so tests can drive
// it step by step: config → clips → two augmented views → Clmr → NT-Xent → optimizer → log.
//
// Determinism: the clips and augmentations of step s come from Rng streams derived from
// (seed, s, example), not from a running generator, so a run resumed from the checkpoint of
// step s reproduces the uninterrupted run's losses exactly (same thread count, same device).
#pragma once
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "apps/pipeline/encoder_loading.h"
#include "apps/train/loss_guard.h"  // NonFiniteLoss, thrown by train_step
#include "engine/check.h"
#include "engine/config.h"
#include "engine/optim/optimizer.h"
#include "models/clmr.h"

namespace syn::app {

// Where training clips come from: a preprocessed audio folder, or the built-in synthetic corpus.
class ClipSource {
 public:
  virtual ~ClipSource() = default;
  virtual int64_t size() const = 0;
  virtual std::span<const float> clip(int64_t i) const = 0;
  virtual std::string name(int64_t i) const = 0;
};

// Builds the source named by the config's `dataset` key ("audio" reads/creates the cache of
// `dataset_dir`; "magnatagatune" does the same for a MagnaTagATune root and keeps the clips of
// the training split named by `split`/`split_dir`; "synthetic" generates `synthetic_clips` clips
// in memory).
std::shared_ptr<ClipSource> make_clip_source(const Config& cfg, std::ostream& log);
std::shared_ptr<ClipSource> make_memory_source(std::vector<std::vector<float>> clips);

class Pretrainer {
 public:
  Pretrainer(const Config& cfg, std::shared_ptr<ClipSource> data);

  // One optimisation step (step = number of steps done before it); returns the loss. Throws
  // NonFiniteLoss, leaving parameters untouched, when the loss is NaN or infinite.
  float train_step(int64_t step);
  // The whole run: steps from the resumed step to max_steps, with progress lines, TensorBoard
  // scalars and checkpoints every checkpoint_every steps and at the end.
  void run(std::ostream& log);

  // Atomic checkpoint: model + optimizer state + step + the effective config.
  void save_checkpoint(const std::string& path) const;
  // Restores model, optimizer and step; errors name the file and every mismatch.
  void load_checkpoint(const std::string& path);

  int64_t step() const { return step_; }
  const std::vector<float>& losses() const { return losses_; }
  models::Clmr& model() { return *model_; }
  std::string run_dir() const;

 private:
  struct Views {
    Tensor x_i, x_j;
  };
  Views make_views(int64_t step) const;

  Config cfg_;
  std::shared_ptr<ClipSource> data_;
  std::unique_ptr<models::Clmr> model_;
  std::unique_ptr<Optimizer> optimizer_;
  Device device_ = Device::CPU;
  int64_t step_ = 0;
  std::vector<float> losses_;  // losses of the steps run by this process
};

}  // namespace syn::app
