// pool2d_cuda.h — CUDA kernels for engine/ops/pool2d.h (same signatures as the CPU slots).
#pragma once
#include "engine/ops/pool2d.h"

namespace syn::cuda_kernels {

void maxpool2d_forward(const Pool2dShape& s, const float* x, float* y, float* argmax);
void maxpool2d_backward(const Pool2dShape& s, const float* dy, const float* argmax, float* dx);

}  // namespace syn::cuda_kernels
