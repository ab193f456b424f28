// shape_cuda.h — CUDA kernels for engine/ops/shape.h (same signatures as the CPU ones), plus the
// versioned entry points the benchmarks time (see kernels/shape.cu).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

// The live versions (registered in their slots at the end of the .cu file).
void copy2d(const float* src, int64_t src_pitch, float* dst, int64_t dst_pitch, int64_t rows,
            int64_t cols);
void transpose(const float* x, float* y, int64_t outer, int64_t a, int64_t mid, int64_t b,
               int64_t inner);

// copy2d: 1 element-wise, 2 float4 when aligned (live), 3 cudaMemcpy2DAsync.
void copy2d_v(int version, const float* src, int64_t src_pitch, float* dst, int64_t dst_pitch,
              int64_t rows, int64_t cols);
// transpose: 1 element-wise gather, 2 shared-memory tiles when inner == 1 (live).
void transpose_v(int version, const float* x, float* y, int64_t outer, int64_t a, int64_t mid,
                 int64_t b, int64_t inner);

}  // namespace syn::cuda_kernels
