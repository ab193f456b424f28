// dropout_cuda.h — CUDA kernel for engine/ops/dropout.h (same signature as the CPU one), plus the
// versioned entry point the benchmarks time (see kernels/dropout.cu).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

// The live version (registered in its slot at the end of the .cu file).
void dropout_mask(float* mask, int64_t n, float p, uint64_t seed);

// 1: one element per thread; 2: four elements per thread, float4 stores (live).
void dropout_mask_v(int version, float* mask, int64_t n, float p, uint64_t seed);

}  // namespace syn::cuda_kernels
