// reduce_max_cuda.h — CUDA kernels for engine/ops/reduce_max.h (same signatures as the CPU slots).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

void reduce_max(const float* x, float* out, float* argmax, int64_t outer, int64_t n, int64_t inner,
                bool minimum);
void reduce_max_backward(const float* g, const float* argmax, float* dx, int64_t outer, int64_t n,
                         int64_t inner);

}  // namespace syn::cuda_kernels
