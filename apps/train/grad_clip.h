// grad_clip.h — global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_: when the norm
// of all gradients together exceeds max_norm, every gradient is scaled by
// max_norm / (norm + 1e-6). Used by the Trainer for the tasks that set grad_clip.
#pragma once
#include <vector>

#include "engine/tensor.h"

namespace syn::app {

// Returns the norm before clipping; parameters without a gradient are left out.
double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm);

}  // namespace syn::app
