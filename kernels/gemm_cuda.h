// gemm_cuda.h — CUDA kernels for the GEMM slots of engine/ops/linear.h: the row-major GEMM on
// cuBLAS, and the two small helpers linear needs around it (bias broadcast, bias gradient).
#pragma once
#include <cstdint>

namespace syn::cuda_kernels {

// Row-major C[M,N] = alpha * op(A) op(B) + beta * C (the GemmFn contract; cublasSgemm).
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
// y[r, c] = bias[c].
void row_fill(float* y, const float* bias, int64_t rows, int64_t cols);
// out[c] = sum_r g[r, c].
void column_sum(const float* g, float* out, int64_t rows, int64_t cols);

// TF32 tensor cores for the cuBLAS GEMM (CUBLAS_TF32_TENSOR_OP_MATH). Off by default: the fp32
// path is the reference (CUBLAS_DEFAULT_MATH, which never rounds fp32 inputs to TF32 unless the
// NVIDIA_TF32_OVERRIDE environment variable forces it).
void gemm_set_tf32(bool on);
bool gemm_tf32();

}  // namespace syn::cuda_kernels
