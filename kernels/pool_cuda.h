// pool_cuda.h — CUDA kernels for engine/ops/pool.h (same signatures as the CPU slots).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

void maxpool1d_forward(const float* x, float* y, float* argmax, int64_t rows, int64_t L,
                       int64_t Lout, int64_t kernel, int64_t stride, int64_t padding);
void maxpool1d_backward(const float* dy, const float* argmax, float* dx, int64_t rows, int64_t L,
                        int64_t Lout, int64_t kernel, int64_t stride, int64_t padding);

}  // namespace syn::cuda_kernels
