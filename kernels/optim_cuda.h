// optim_cuda.h — CUDA kernels for engine/optim/{adam,sgd,lars}.h (same signatures as the CPU
// ones), plus the versioned entry points the benchmarks time (see kernels/optim.cu).
#pragma once
#include <cstdint>

#include "engine/optim/adam.h"
#include "engine/optim/lars.h"
#include "engine/optim/sgd.h"

namespace syn::cuda_kernels {

// The live versions (registered in their slots at the end of the .cu file).
void adam_update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                 AdamStepArgs args);
void sgd_update(float* param, const float* grad, float* momentum_buffer, int64_t n,
                SgdStepArgs args);
void lars_norms(const float* param, const float* grad, float weight_decay, float* sums, int64_t n);
void lars_update(float* param, const float* grad, float* momentum_buffer, const float* sums,
                 int64_t n, LarsStepArgs args);

// Element-wise updates: 1 one element per thread, 2 float4 when every pointer is 16-byte aligned
// (live). lars_norms: 1 two kernels (partials, then their sum), 2 one launch (live).
void adam_update_v(int version, float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                   int64_t n, AdamStepArgs args);
void sgd_update_v(int version, float* param, const float* grad, float* momentum_buffer, int64_t n,
                  SgdStepArgs args);
void lars_norms_v(int version, const float* param, const float* grad, float weight_decay,
                  float* sums, int64_t n);
void lars_update_v(int version, float* param, const float* grad, float* momentum_buffer,
                   const float* sums, int64_t n, LarsStepArgs args);

}  // namespace syn::cuda_kernels
