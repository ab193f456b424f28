// timestep_embedding_cuda.h — CUDA kernel for engine/ops/timestep_embedding.h (same signature as
// the CPU slot).
#pragma once
#include <cstdint>

#include "engine/ops/timestep_embedding.h"

namespace syn::cuda_kernels {

void timestep_embedding(const float* t, float* out, int64_t B, int64_t D,
                        const TimestepEmbeddingOptions& options);

}  // namespace syn::cuda_kernels
