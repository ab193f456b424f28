// linear.h — dense layers on the GEMM: linear (PyTorch layout, y = x w^T + b) and matmul, with
// their gradient rules, and the GEMM kernel slot a cuBLAS call plugs into.
//
//   linear(x [N, Din], w [Dout, Din], bias [Dout] or undefined) -> [N, Dout]
//          (x [..., Din] -> [..., Dout]: leading dims are flattened into N)
//   matmul(a [M, K], b [K, N]) -> [M, N]
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Row-major BLAS GEMM: C[M,N] = alpha * op(A) op(B) + beta * C (C not read when beta == 0).
// op(A) = A [M,K] with lda >= K, or with trans_a A stored [K,M] with lda >= M; likewise B.
// (cuBLAS is column-major: this call is cublasSgemm on the transposed problem C^T = B^T A^T.)
using GemmFn = void(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc);
// y[r, c] = bias[c] for r < rows (initialises a linear output before GEMM with beta = 1).
using RowFillFn = void(float* y, const float* bias, int64_t rows, int64_t cols);
// out[c] = sum_r g[r, c] (the bias gradient).
using ColumnSumFn = void(const float* g, float* out, int64_t rows, int64_t cols);

extern Kernel<GemmFn> gemm_kernel;
extern Kernel<RowFillFn> row_fill_kernel;
extern Kernel<ColumnSumFn> column_sum_kernel;

namespace ops {

// bias may be an undefined Tensor (no bias). x of rank > 2 is flattened over its leading dims.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias);
Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace ops
}  // namespace syn
