// reduce_cuda.h — CUDA kernels for engine/ops/reduce.h (same signatures as the CPU ones), plus
// the versioned entry points the benchmarks time (see kernels/reduce.cu for what each does).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

// The live versions (registered in their slots at the end of the .cu file).
void reduce_sum(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, float scale);
void reduce_broadcast(const float* g, float* dx, int64_t outer, int64_t n, int64_t inner,
                      float scale);

// version 1: one thread per output (naive); 2: warp/block row reductions and column tiles (live).
void reduce_sum_v(int version, const float* x, float* out, int64_t outer, int64_t n, int64_t inner,
                  float scale);

}  // namespace syn::cuda_kernels
