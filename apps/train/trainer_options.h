// trainer_options.h — the loop settings a Task reads from its app's config and hands to the one
// Trainer (apps/train/trainer.h): how long to train, where and how often to write, the learning
// rate schedule and the progress lines. The apps spell these keys differently (pretrain has
// lr_schedule, train_emoji_classifier `steps`, train_imagine a time budget), so each task fills
// them from its own config and the Trainer never reads a config key itself.
#pragma once
#include <cstdint>
#include <string>

#include "engine/progress.h"

namespace syn::app {

struct TrainerOptions {
  int64_t max_steps = 0;
  // The run directory (its config.yaml, TensorBoard events and checkpoints); empty: the run
  // writes no file at all (train_emoji_classifier's loop, whose app writes only the weights).
  std::string run_dir;
  bool tensorboard = false;           // train/loss, train/learning_rate, rate_scalar, val/*
  std::string rate_scalar;            // e.g. "train/tokens_per_second"; empty: not logged
  int64_t checkpoint_every = 0;       // <= 0: only the final checkpoint
  int64_t keep_checkpoints = 0;       // > 0: delete the oldest beyond this many
  bool log_checkpoints = false;       // a "checkpoint <path>" line for each one
  bool record_train_seconds = false;  // train_seconds in the meta, "(training time T s)" at the end
  int64_t val_every = 0;              // validation every K steps (<= 0: only at the end)
  double max_seconds = 0.0;           // wall-clock budget of one fit() (<= 0: none)
  // Learning rate: linear warmup then cosine from learning_rate to min_learning_rate over
  // max_steps, or learning_rate throughout (cosine = false).
  double learning_rate = 0.0, min_learning_rate = 0.0;
  int64_t warmup_steps = 0;
  bool cosine = true;
  ProgressOptions progress;
  bool average_loss = false;  // progress lines also show avg_loss since the previous line
};

}  // namespace syn::app
