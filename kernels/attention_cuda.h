// attention_cuda.h — CUDA kernels for engine/ops/attention.h (same signatures as the CPU slots).
// Head sizes up to kAttentionMaxHeadDim (the decoder uses 32..64); larger is a clear error.
#pragma once
#include <cstdint>

#include "engine/ops/attention.h"

namespace syn::cuda_kernels {

inline constexpr int64_t kAttentionMaxHeadDim = 128;

// Fused streaming-softmax forward (writes out and the per-row log-sum-exp).
void attention_forward(const float* q, const float* k, const float* v, const float* key_padding,
                       float* out, float* lse, const AttentionDims& dims);
// Backward from the saved lse: dq by query rows, then dk and dv by key rows (no atomics).
void attention_backward(const float* q, const float* k, const float* v, const float* key_padding,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk,
                        float* dv, const AttentionDims& dims);

}  // namespace syn::cuda_kernels
