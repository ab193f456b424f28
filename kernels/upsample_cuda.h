// upsample_cuda.h — CUDA kernels for engine/ops/upsample.h (same signatures as the CPU slots).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

void upsample_nearest_forward(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                              int64_t factor);
void upsample_nearest_backward(const float* dy, float* dx, int64_t planes, int64_t H, int64_t W,
                               int64_t factor);

}  // namespace syn::cuda_kernels
