// augment_cuda.h — the CUDA implementation of engine/ops/augment.h's augment_batch slot (same
// signature as augment_batch_cpu): CLMR's chain after the crop for a whole batch of views. See
// kernels/augment.cu for the passes, the versions table and how closely it follows the CPU.
#pragma once
#include <cstdint>

#include "engine/ops/augment.h"

namespace syn::cuda_kernels {

// x, y: [batch, length] device rows; params: host array of `batch` records.
void augment_batch(const float* x, float* y, int64_t batch, int64_t length,
                   const AugmentParams* params, float sample_rate);

}  // namespace syn::cuda_kernels
