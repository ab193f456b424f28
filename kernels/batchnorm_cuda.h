// batchnorm_cuda.h — CUDA kernels for engine/ops/batchnorm.h (same signatures as the CPU slots).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

void batchnorm_train_forward(const float* x, const float* weight, const float* bias,
                             float* running_mean, float* running_var, float* y, float* save_mean,
                             float* save_invstd, int64_t B, int64_t C, int64_t L, float momentum,
                             float eps);
void batchnorm_eval_forward(const float* x, const float* weight, const float* bias,
                            const float* running_mean, const float* running_var, float* y,
                            float* save_mean, float* save_invstd, int64_t B, int64_t C, int64_t L,
                            float eps);
void batchnorm_backward(const float* x, const float* dy, const float* weight,
                        const float* save_mean, const float* save_invstd, float* dx, float* dweight,
                        float* dbias, int64_t B, int64_t C, int64_t L, bool batch_stats);

}  // namespace syn::cuda_kernels
