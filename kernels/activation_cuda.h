// activation_cuda.h — CUDA kernels for engine/ops/activation.h (same signatures as the CPU slots).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

void gelu_forward(const float* x, float* y, int64_t n, int approx);
void gelu_backward(const float* x, const float* dy, float* dx, int64_t n, int approx);
void silu_forward(const float* x, float* y, int64_t n);
void silu_backward(const float* x, const float* dy, float* dx, int64_t n);

}  // namespace syn::cuda_kernels
