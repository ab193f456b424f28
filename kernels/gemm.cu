// gemm.cu — the GEMM slot on cuBLAS, plus linear's bias broadcast and bias gradient.
//
// CPU reference: engine/cpu/gemm.cpp (cpu::gemm) and engine/ops/linear.cpp (row_fill_cpu,
// column_sum_cpu); same slot signatures (engine/ops/linear.h).
//
// Row-major to column-major: a row-major [R, C] matrix with leading dimension ld is, to cuBLAS,
// the column-major [C, R] matrix (its transpose) with the same ld. So the row-major product
// C = op(A) op(B) is computed as the column-major C^T = op(B)^T op(A)^T:
//   cublasSgemm(opB, opA, N, M, K, alpha, B, ldb, A, lda, beta, C, ldc)
// where opB = CUBLAS_OP_T exactly when trans_b (B stored [N, K]), likewise opA. (A row-major
// [M, K] read column-major is already A^T, which is what C^T = B^T A^T needs: OP_N.)
//
// One cuBLAS handle, created on first use and kept for the process (destroying it at exit can
// run after the CUDA context is gone), bound to the default stream like every other kernel here.
// Math mode CUBLAS_DEFAULT_MATH (fp32) unless gemm_set_tf32(true) or --precision tf32
// (CUBLAS_TF32_TENSOR_OP_MATH); --precision bf16 (engine/precision.h) calls cublasGemmEx with
// CUBLAS_COMPUTE_32F_FAST_16BF: fp32 operands rounded to bf16 inside cuBLAS, fp32 accumulation.
// Version: cuBLAS only (no hand-written GEMM); timings not yet measured.
#include <cublas_v2.h>

#include <algorithm>
#include <climits>
#include <mutex>

#include "engine/ops/linear.h"
#include "engine/precision.h"
#include "kernels/cuda_check.h"
#include "kernels/gemm_cuda.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

bool g_tf32 = false;

const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "cuBLAS error";
  }
}

#define SYN_CUBLAS_CHECK(call, ...)                                                      \
  do {                                                                                   \
    cublasStatus_t st_ = (call);                                                         \
    SYN_CHECK(st_ == CUBLAS_STATUS_SUCCESS, __VA_ARGS__, ": ", cublas_status_name(st_)); \
  } while (0)

std::mutex g_mutex;
cublasHandle_t g_handle = nullptr;
bool g_handle_tf32 = false;

cublasHandle_t handle() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_handle) {
    SYN_CUBLAS_CHECK(cublasCreate(&g_handle), "gemm: cublasCreate");
    SYN_CUBLAS_CHECK(cublasSetStream(g_handle, 0), "gemm: cublasSetStream");
    SYN_CUBLAS_CHECK(cublasSetMathMode(g_handle, CUBLAS_DEFAULT_MATH), "gemm: cublasSetMathMode");
    g_handle_tf32 = false;
  }
  // --precision tf32 (engine/precision.h) switches TF32 on as gemm_set_tf32(true) does.
  const bool tf32 = g_tf32 || math_precision() == MathPrecision::Tf32;
  if (g_handle_tf32 != tf32) {
    SYN_CUBLAS_CHECK(
        cublasSetMathMode(g_handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
        "gemm: cublasSetMathMode");
    g_handle_tf32 = tf32;
  }
  return g_handle;
}

__global__ void scale_kernel(float* C, long long M, long long N, long long ldc, float beta) {
  const long long total = M * N;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    float* c = C + (i / N) * ldc + i % N;
    *c = beta == 0.0f ? 0.0f : beta * *c;  // beta == 0: C is not read (NaN-safe)
  }
}

__global__ void row_fill_kernel(float* y, const float* bias, long long rows, long long cols) {
  const long long total = rows * cols;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x)
    y[i] = bias[i % cols];
}

// One thread per column, rows summed in order in double (as the CPU kernel does): coalesced
// across the warp, deterministic. Bias gradients are small (rows = batch, cols = features).
__global__ void column_sum_kernel(const float* g, float* out, long long rows, long long cols) {
  const long long c = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (c >= cols) return;
  double acc = 0;
  for (long long r = 0; r < rows; ++r) acc += g[r * cols + c];
  out[c] = (float)acc;
}

}  // namespace

void gemm_set_tf32(bool on) { g_tf32 = on; }
bool gemm_tf32() { return g_tf32; }

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  SYN_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm: negative size M ", M, " N ", N, " K ", K);
  if (M == 0 || N == 0) return;
  SYN_CHECK(M <= INT_MAX && N <= INT_MAX && K <= INT_MAX && lda <= INT_MAX && ldb <= INT_MAX &&
                ldc <= INT_MAX,
            "gemm: sizes exceed cuBLAS's int range: M ", M, " N ", N, " K ", K);
  SYN_CHECK(ldc >= N && lda >= (trans_a ? M : K) && ldb >= (trans_b ? K : N), "gemm: leading ",
            "dimensions too small: M ", M, " N ", N, " K ", K, " lda ", lda, " ldb ", ldb, " ldc ",
            ldc, " trans_a ", trans_a, " trans_b ", trans_b);
  if (K == 0 || alpha == 0.0f) {  // no product: C = beta * C (cuBLAS rejects lda = 0)
    scale_kernel<<<grid_for(M * N, 256), 256>>>(C, M, N, ldc, beta);
    SYN_CUDA_LAUNCH_CHECK("gemm (scale only) M=", M, " N=", N);
    return;
  }
  const cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (math_precision() == MathPrecision::Bf16) {  // fp32 data, bf16 products, fp32 sums
    SYN_CUBLAS_CHECK(cublasGemmEx(handle(), op_b, op_a, (int)N, (int)M, (int)K, &alpha, B,
                                  CUDA_R_32F, (int)std::max<int64_t>(ldb, 1), A, CUDA_R_32F,
                                  (int)std::max<int64_t>(lda, 1), &beta, C, CUDA_R_32F, (int)ldc,
                                  CUBLAS_COMPUTE_32F_FAST_16BF, CUBLAS_GEMM_DEFAULT),
                     "gemm: cublasGemmEx (bf16) M=", M, " N=", N, " K=", K);
    return;
  }
  SYN_CUBLAS_CHECK(cublasSgemm(handle(), op_b, op_a, (int)N, (int)M, (int)K, &alpha, B,
                               (int)std::max<int64_t>(ldb, 1), A, (int)std::max<int64_t>(lda, 1),
                               &beta, C, (int)ldc),
                   "gemm: cublasSgemm M=", M, " N=", N, " K=", K, " trans_a=", trans_a,
                   " trans_b=", trans_b, " lda=", lda, " ldb=", ldb, " ldc=", ldc);
}

void row_fill(float* y, const float* bias, int64_t rows, int64_t cols) {
  if (rows * cols == 0) return;
  row_fill_kernel<<<grid_for(rows * cols, 256), 256>>>(y, bias, rows, cols);
  SYN_CUDA_LAUNCH_CHECK("row_fill rows=", rows, " cols=", cols);
}

void column_sum(const float* g, float* out, int64_t rows, int64_t cols) {
  if (cols == 0) return;
  column_sum_kernel<<<blocks_for(cols, 256), 256>>>(g, out, rows, cols);
  SYN_CUDA_LAUNCH_CHECK("column_sum rows=", rows, " cols=", cols);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::gemm_kernel, gemm);
  register_cuda_kernel(syn::row_fill_kernel, row_fill);
  register_cuda_kernel(syn::column_sum_kernel, column_sum);
});
}  // namespace

}  // namespace syn::cuda_kernels
