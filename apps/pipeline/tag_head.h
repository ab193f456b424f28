// tag_head.h — the multi-label tag head of CLMR's linear evaluation, trained on frozen features.
//
// The head is CLMR's finetuner, built by models::make_clmr_head (models/clmr_weights.h), so a
// head we train and one of CLMR's finetuner_checkpoint_*.pt files are interchangeable. Training
// follows CLMR's
// clmr/modules/linear_evaluation.py: BCE with logits, Adam (lr 1e-3, L2 weight decay 1e-6),
// mini-batches of 48 shuffled each epoch, ReduceLROnPlateau on the validation loss (factor 0.1,
// patience 5), early stopping on it (patience 10), at most 200 epochs. One deliberate
// difference: CLMR evaluates the weights of the last epoch; we keep those of the epoch with the
// lowest validation loss (what early stopping is for), and report both epochs.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <vector>

#include "engine/nn/layers.h"

namespace syn::app {

struct HeadTrainingOptions {
  double lr = 1e-3;
  double weight_decay = 1e-6;
  int64_t batch = 48;
  int64_t max_epochs = 200;
  int64_t early_stopping_patience = 10;
  int64_t plateau_patience = 5;
  double plateau_factor = 0.1;
  uint64_t seed = 42;
  Device device = Device::CPU;
};

struct HeadTrainingResult {
  std::vector<double> train_loss, valid_loss, lr;  // per epoch run
  int64_t best_epoch = 0;                          // 1-based; its weights are kept
  bool early_stopped = false;
};

// x [N, D] features and y [N, T] 0/1 labels, CPU tensors (moved to options.device inside). One
// progress line per epoch goes to `log`.
HeadTrainingResult train_tag_head(nn::Sequential& head, const Tensor& train_x,
                                  const Tensor& train_y, const Tensor& valid_x,
                                  const Tensor& valid_y, const HeadTrainingOptions& options,
                                  std::ostream& log);

// Mean BCE-with-logits of the head over (x, y), no gradient, in batches.
double head_loss(nn::Sequential& head, const Tensor& x, const Tensor& y, Device device);
// Sigmoid probabilities [N, T] (CPU) of the head on features x [N, D].
Tensor head_probabilities(nn::Sequential& head, const Tensor& x, Device device);

}  // namespace syn::app
