// embedding_cuda.h — CUDA kernels for engine/ops/embedding.h (same signatures as the CPU slots).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

void embedding_forward(const float* weight, const float* ids, float* out, int64_t n, int64_t d);
void embedding_backward(const float* dy, const float* order, const float* offsets, float* dweight,
                        int64_t vocab, int64_t d, int64_t padding_idx);

}  // namespace syn::cuda_kernels
