// clmr_task.h — CLMR contrastive pretraining of SampleCNN as a Task of the Trainer
// (apps/pretrain): clips → two augmented views → Clmr → NT-Xent; Adam or LARS.
//
// Determinism: the clips and augmentations of step s come from Rng streams derived from
// (seed, s, example), not from a running generator, so a run resumed from the checkpoint of
// step s reproduces the uninterrupted run's losses exactly (same thread count, same device).
// Its checkpoint holds the model and the optimiser (kind "clmr-pretrain").
#pragma once
#include <iosfwd>
#include <memory>
#include <string>

#include "apps/pipeline/encoder_loading.h"
#include "apps/train/clip_source.h"
#include "apps/train/clmr_views.h"
#include "apps/train/task.h"
#include "engine/config.h"
#include "engine/optim/optimizer.h"
#include "models/clmr.h"

namespace syn::app {

class ClmrTask : public Task {
 public:
  ClmrTask(const Config& cfg, std::shared_ptr<ClipSource> data);

  std::string name() const override { return "pretrain"; }
  const Config& config() const override { return cfg_; }
  TrainerOptions trainer_options() const override;
  std::string summary() const override;
  std::string device_description() const override;
  Module& trained_module() override { return *model_; }
  Optimizer& optimizer() override { return *optimizer_; }
  StepOutput training_step(int64_t step) override;
  std::string kind() const override { return "clmr-pretrain"; }
  std::string what() const override { return "a CLMR pretraining checkpoint"; }
  void save_state(Checkpoint& ck) const override;
  void load_state(const Checkpoint& ck, const std::string& path) override;

  models::Clmr& model() { return *model_; }
  // One epoch = one pass over the clips at batch_size: ceil(clips / batch_size) steps.
  int64_t steps_per_epoch() const;

 private:
  // Pure in (seed, step): the prefetching loader may call it ahead, on its worker thread.
  HostViews make_views(int64_t step) const;

  Config cfg_;
  std::shared_ptr<ClipSource> data_;
  std::unique_ptr<models::Clmr> model_;
  std::unique_ptr<Optimizer> optimizer_;
  Device device_ = Device::CPU;
  bool augment_on_device_ = false;     // --augment_device cuda: make_views only crops
  std::unique_ptr<ViewLoader> views_;  // make_views, prefetched --prefetch steps ahead
};

}  // namespace syn::app
