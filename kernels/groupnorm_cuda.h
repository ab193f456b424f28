// groupnorm_cuda.h — CUDA kernels for engine/ops/groupnorm.h (same signatures as the CPU slots).
#pragma once
#include <cstdint>

#include "engine/ops/groupnorm.h"

namespace syn::cuda_kernels {

void group_norm_forward(const float* x, const float* weight, const float* bias, float* y,
                        float* mean, float* rstd, const GroupNormDims& dims, float eps);
void group_norm_backward(const float* x, const float* weight, const float* mean, const float* rstd,
                         const float* dy, float* dx, float* dweight, float* dbias,
                         const GroupNormDims& dims);

}  // namespace syn::cuda_kernels
