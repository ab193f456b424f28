// gemm.h — the CPU backend's single-precision matrix multiply: a cache-blocked GEMM (BLIS/Goto
// structure: packed panels of A and B, a register-blocked micro-kernel, both cores).
//
// Two entry points:
//  * gemm(...)       the BLAS-like row-major C = alpha * op(A) op(B) + beta * C, used by
//                    linear/matmul (and the `gemm_kernel` slot in engine/ops/linear.h);
//  * gemm_run(p)     the engine underneath: A and B are never read directly but through packing
//                    callbacks, so an operand may be *implicit* — e.g. conv1d's im2col matrix is
//                    packed straight from the input signal, never materialised — and C may be
//                    split into segments (e.g. the per-item blocks of a [B, C, L] output).
//
// Packed layout: a block of A (rows) or B (columns) is cut into strips of MR rows / NR columns,
// each strip stored depth-major so the micro-kernel reads it sequentially. MR and NR belong to
// the instruction-set level chosen at run time (engine/cpu/cpu_level.h): gemm_kernels().
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>

#include "engine/cpu/gemm_kernels.h"

namespace syn::cpu {

namespace detail {
// The level in force's table, set at first use and by set_cpu_kernel_level (cpu_level.cpp).
extern std::atomic<const GemmKernels*> g_active_kernels;
const GemmKernels& init_active_kernels();
}  // namespace detail

// The kernel table of the level in force (cpu_kernel_level()). Inline and cheap (one load), so
// the packers may call it in their inner loops.
inline const GemmKernels& gemm_kernels() {
  const GemmKernels* k = detail::g_active_kernels.load(std::memory_order_acquire);
  return k ? *k : detail::init_active_kernels();
}

// Packs a block of an operand into strips of `w` (MR for the A role, NR for the B role;
// gemm_run may swap roles). The operand is seen as E(x, k): x = row i of A or column j of
// B, k = the depth. Writes dst[s*kc*w + k*w + r] = E(x0 + s*w + r, k0 + k) for
// s < ceil(nx / w), zero where x0 + s*w + r >= x0 + nx.
using GemmPack =
    std::function<void(int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst)>;

// The packer for a plain strided matrix: E(x, k) = p[x*stride_x + k*stride_k]. Either stride
// may be 1 (fast paths for both).
void gemm_pack_strided(const float* p, int64_t stride_x, int64_t stride_k, int64_t x0, int64_t nx,
                       int64_t k0, int64_t kc, int64_t w, float* dst);

// Maps an index of C along one axis to a float offset: (i / seg) * seg_stride + (i % seg) * stride.
// conv1d's [B, Cout, L] output seen as Cout x (B*L) has rows {L} and columns {1, L, Cout*L}.
struct GemmAxis {
  int64_t stride = 1;
  int64_t seg = INT64_MAX;
  int64_t seg_stride = 0;
  int64_t offset(int64_t i) const { return (i / seg) * seg_stride + (i % seg) * stride; }
};

struct GemmOut {
  float* c = nullptr;
  GemmAxis rows, cols;  // C(i, j) = c[rows.offset(i) + cols.offset(j)]
};

// A plain row-major matrix with leading dimension ldc.
inline GemmOut gemm_out_plain(float* c, int64_t ldc) {
  GemmOut o;
  o.c = c;
  o.rows.stride = ldc;
  return o;
}

struct GemmProblem {
  int64_t M = 0, N = 0, K = 0;
  GemmPack pack_a;  // E(i, k) = A(i, k)
  GemmPack pack_b;  // E(j, k) = B(k, j)
  GemmOut out;
  float alpha = 1.0f;
  float beta = 0.0f;                // C is not read when beta == 0
  const float* row_bias = nullptr;  // optional: C(i, j) += row_bias[i]
  // Allows splitting the depth K across threads (private partial sums, then a reduction): the
  // best split when M and N are small and K is long (conv1d's weight gradient).
  bool allow_split_k = false;
};

// Computes C = alpha * A B + beta * C (+ row_bias) on all threads. When N is much narrower than
// a micro-tile it solves C^T = B^T A^T instead (less zero padding).
void gemm_run(const GemmProblem& p);
// The same on the calling thread only (for callers that split the work across threads
// themselves, e.g. one problem per thread accumulating into a private C).
void gemm_run_serial(const GemmProblem& p);

// out[c * ld_out + r] = in[r * ld_in + c] for r < rows, c < cols (16x16 register tiles).
void transpose(const float* in, int64_t ld_in, float* out, int64_t ld_out, int64_t rows,
               int64_t cols);

// Row-major BLAS-like GEMM: C[M,N] = alpha * op(A) op(B) + beta * C, where op(A) is A[M,K]
// (lda >= K) or, with trans_a, A stored as [K,M] (lda >= M); likewise B[K,N] or [N,K].
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The straightforward triple loop (double accumulation): the reference in tests.
void gemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                int64_t ldc);

}  // namespace syn::cpu
