// training_state.h — a model and its optimizer in one training checkpoint, the layout every
// trainer of apps/ writes (pretrain, train_captioner, train_imagine): the model's state_dict under
// "model.<name>", the optimizer's state beside it, and the trainer's own metadata.
//
// Shared so that a resumed run of any app restores the two the same way and reports a mismatch
// (a missing tensor, a wrong shape) naming the checkpoint file.
#pragma once
#include <string>
#include <vector>

#include "engine/checkpoint.h"
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

}  // namespace syn::app
