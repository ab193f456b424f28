// pad_cuda.h — CUDA kernel for engine/ops/pad.h (same signature as the CPU slot).
#pragma once
#include "engine/ops/pad.h"

namespace syn::cuda_kernels {

void pad(const float* x, float* y, const PadGeometry& g, float value);

}  // namespace syn::cuda_kernels
