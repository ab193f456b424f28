// training_state.h — a model and its optimizer in one training checkpoint, the layout every
// trainer of apps/ writes (pretrain, train_captioner, train_imagine): the model's state_dict under
// "model.<name>", the optimizer's state beside it, and the trainer's own metadata.
//
// Shared so that a resumed run of any app restores the two the same way and reports a mismatch
// (a missing tensor, a wrong shape) naming the checkpoint file.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/checkpoint.h"
#include "engine/config.h"
#include "engine/module.h"
#include "engine/optim/optimizer.h"

namespace syn::app {

// Appends the model's tensors (prefixed "model.") and the optimizer's state to ck.tensors.
void store_model_and_optimizer(Checkpoint& ck, const Module& model, const Optimizer& optimizer);

// Loads them back strictly; any error is rethrown naming `path`. Tensors whose names start with
// one of `other_prefixes` (state the trainer stores beside them, e.g. "ema.") are left out.
void restore_model_and_optimizer(const Checkpoint& ck, const std::string& path, Module& model,
                                 Optimizer& optimizer,
                                 const std::vector<std::string>& other_prefixes = {});

// The trainer metadata of every training checkpoint: which trainer wrote it ("kind"), the steps
// done, the effective config, and the seconds trained so far when the trainer counts them
// (a resumed run keeps counting from there).
void store_run_meta(Checkpoint& ck, const std::string& kind, int64_t step, const Config& cfg,
                    std::optional<double> train_seconds = std::nullopt);

struct RunMeta {
  int64_t step = 0;
  double train_seconds = 0.0;  // 0 when the checkpoint records none
};
// Checks that `ck` (read from `path`) was written by the trainer `kind`, else an error
// "'<path>' is not <what>" (e.g. what = "a train_imagine checkpoint"), and reads its metadata.
RunMeta read_run_meta(const Checkpoint& ck, const std::string& path, const std::string& kind,
                      const std::string& what);

// Where a trainer writes the checkpoint of `step`: <run_dir>/checkpoint_<step>.synt.
std::string checkpoint_file(const std::string& run_dir, int64_t step);

}  // namespace syn::app
