// elementwise_cuda.h — CUDA kernels for engine/ops/elementwise.h (same signatures as the CPU ones).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {
void add(const float* a, const float* b, float* out, int64_t n);
void sub(const float* a, const float* b, float* out, int64_t n);
void mul(const float* a, const float* b, float* out, int64_t n);
void affine(const float* a, float alpha, float beta, float* out, int64_t n);
void relu(const float* a, float alpha, float beta, float* out, int64_t n);
void relu_backward(const float* x, const float* dy, float* dx, int64_t n);
}  // namespace syn::cuda_kernels
