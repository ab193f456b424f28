// layernorm_cuda.h — CUDA kernels for engine/ops/layernorm.h (same signatures as the CPU slots).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

void layer_norm_forward(const float* x, const float* weight, const float* bias, float* y,
                        float* mean, float* rstd, int64_t n, int64_t d, float eps);
void layer_norm_backward(const float* x, const float* weight, const float* mean, const float* rstd,
                         const float* dy, float* dx, float* dweight, float* dbias, int64_t n,
                         int64_t d);

}  // namespace syn::cuda_kernels
