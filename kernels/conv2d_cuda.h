// conv2d_cuda.h — CUDA kernels for engine/ops/conv2d.h (same signatures as the CPU slots).
#pragma once
#include "engine/ops/conv2d.h"

namespace syn::cuda_kernels {

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                    float* y);
void conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw,
                            float* dbias);

}  // namespace syn::cuda_kernels
