// batchnorm2d.h — 2-D batch normalisation (PyTorch BatchNorm2d semantics) over x [B, C, H, W].
//
// Statistics are per channel over B·H·W values, which is exactly batchnorm1d over the view
// [B, C, H·W] (engine/ops/batchnorm.h): this op is that view, so it shares batchnorm1d's CPU and
// CUDA kernels, its running-statistics update (unbiased variance into running_var) and its
// gradients. eps is honoured as given: layers converted from TensorFlow pass TF's 1e-3 (and
// momentum = 1 - TF's decay, e.g. 0.01 for decay 0.99).
#pragma once
#include "engine/tensor.h"

namespace syn::ops {

// weight, bias [C] or undefined (affine=False); running_mean, running_var [C] (updated in place
// when training; may be undefined in training only). Returns y with x's shape.
Tensor batchnorm2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const Tensor& running_mean, const Tensor& running_var, bool training,
                   float momentum = 0.1f, float eps = 1e-5f);

}  // namespace syn::ops
