// groupnorm.h — group normalisation (PyTorch nn.GroupNorm / F.group_norm), the diffusion U-Net's
// normalisation: the C channels of each item are split into G groups of C/G consecutive channels,
// and every (item, group) is normalised over its channels and all spatial positions:
//
//   x [B, C, *]  (any trailing spatial dims: [B, C], [B, C, L], [B, C, H, W]; S = their product)
//   y = (x - mean_bg) / sqrt(var_bg + eps) * weight[c] + bias[c]
//
// the variance biased (divided by the group's (C/G)·S elements), weight/bias per channel. G = 1
// is a layer norm over (C, *); G = C an instance norm. One group is a contiguous run of (C/G)·S
// floats, which both the CPU and CUDA kernels exploit.
//
// The forward saves mean and rstd = 1/sqrt(var + eps) of every group ([B·G] each); the backward
// gives dx (the statistics depend on x) and the per-channel sums dweight, dbias.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Sizes of one group-norm call: x viewed as [B, C, S], G groups (C % G == 0).
struct GroupNormDims {
  int64_t B, C, S, G;
};

// weight, bias: [C] or null (no affine part). Writes y [B, C, S], mean [B·G], rstd [B·G].
using GroupNormFwdFn = void(const float* x, const float* weight, const float* bias, float* y,
                            float* mean, float* rstd, const GroupNormDims& dims, float eps);
// dx [B, C, S], dweight, dbias [C]: each may be null (not needed). weight may be null (no affine
// part: the gradient of the normalised value is dy itself).
using GroupNormBwdFn = void(const float* x, const float* weight, const float* mean,
                            const float* rstd, const float* dy, float* dx, float* dweight,
                            float* dbias, const GroupNormDims& dims);

extern Kernel<GroupNormFwdFn> group_norm_forward_kernel;
extern Kernel<GroupNormBwdFn> group_norm_backward_kernel;

namespace ops {

// x [B, C, *] with C divisible by groups; weight, bias [C] or undefined (each independently).
// Returns a tensor of x's shape. eps as nn.GroupNorm's (default 1e-5; Stable Diffusion uses 1e-6).
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias,
                  float eps = 1e-5f);

}  // namespace ops
}  // namespace syn
