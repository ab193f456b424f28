// batchnorm.h — 1-D batch normalisation (PyTorch BatchNorm1d semantics) over x [B, C, L] or [B, C].
//
// Training normalises with the batch statistics (biased variance) and updates the running
// statistics in place: new = (1 - momentum) * old + momentum * batch, the running variance taking
// the UNBIASED batch variance. Evaluation normalises with the running statistics. Gradients flow
// to x, weight and bias in both modes; the running statistics are buffers, never differentiated.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Kernel signatures. x, y, dy, dx: [B, C, L] contiguous ([B, C] is L = 1). weight, bias: [C] or
// null (affine off). Every forward writes save_mean[C] and save_invstd[C] = 1/sqrt(var + eps) (the
// statistics it normalised with), which the backward reads.
//
// Training: running_mean / running_var [C] are updated in place, or null when not tracked.
using BatchNormTrainForwardFn = void(const float* x, const float* weight, const float* bias,
                                     float* running_mean, float* running_var, float* y,
                                     float* save_mean, float* save_invstd, int64_t B, int64_t C,
                                     int64_t L, float momentum, float eps);
// Evaluation: normalises with the running statistics (read only).
using BatchNormEvalForwardFn = void(const float* x, const float* weight, const float* bias,
                                    const float* running_mean, const float* running_var, float* y,
                                    float* save_mean, float* save_invstd, int64_t B, int64_t C,
                                    int64_t L, float eps);
// Backward; dx, dweight, dbias may each be null (not needed). `batch_stats` selects the training
// gradient (the statistics depend on x) or the evaluation one (they are constants).
using BatchNormBackwardFn = void(const float* x, const float* dy, const float* weight,
                                 const float* save_mean, const float* save_invstd, float* dx,
                                 float* dweight, float* dbias, int64_t B, int64_t C, int64_t L,
                                 bool batch_stats);

extern Kernel<BatchNormTrainForwardFn> batchnorm_train_forward_kernel;
extern Kernel<BatchNormEvalForwardFn> batchnorm_eval_forward_kernel;
extern Kernel<BatchNormBackwardFn> batchnorm_backward_kernel;

namespace ops {

// x [B, C, L] or [B, C]; weight, bias [C] or undefined (affine=False); running_mean, running_var
// [C] (updated in place when training; they may be undefined in training only, like
// track_running_stats=False). Returns y with x's shape.
Tensor batchnorm1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const Tensor& running_mean, const Tensor& running_var, bool training,
                   float momentum = 0.1f, float eps = 1e-5f);

}  // namespace ops
}  // namespace syn
