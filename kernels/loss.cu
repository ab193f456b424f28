// loss.cu — l2_normalize, log_softmax, cross_entropy, bce_with_logits and nt_xent, forward and
// backward. CPU reference: engine/ops/loss.cpp (the *_cpu functions; same signatures, same
// formulas). Like the CPU kernels these accumulate in double, and every sum is taken in an order
// fixed by the shapes alone (no floating-point atomics), so results are bit-reproducible from
// run to run and agree with the CPU to a few fp32 ulps.
//
// Scalar losses are reduced on the device and written to loss[0]; the upstream gradient of a
// scalar loss is read from dloss[0] on the device. Nothing here reads back to the host. The
// final mean over blocks uses the "last block done" pattern (CUDA programming guide, memory
// fence functions): each block writes its partial sum to a static device buffer, fences, bumps
// a counter; the last block adds the partials in index order and resets the counter. This
// relies on kernels of one kind not running concurrently, which holds because the project
// queues everything on the legacy default stream.
//
// Versions (timings not yet measured):
//   Row kernels (l2_normalize fwd/bwd, log_softmax fwd/bwd, cross_entropy bwd):
//     v1  one 256-thread block per row (block reductions through shared memory);
//     v2  (live) one warp per row when rows have <= 1024 elements (8 rows per block, shuffle
//         reductions only, no __syncthreads), one block per row beyond. The rows of this project
//         (C = 50 tags, D = 64 projections) would leave most threads of a block idle in v1.
//   cross_entropy fwd: one version, warp per row, mean through the last block (one launch).
//   bce_with_logits fwd: one version, grid-stride partial sums, last block (one launch); bwd is
//     element-wise.
//   nt_xent fwd (m = 2N rows of d features; CLMR: m <= 96, d = 64):
//     v1  three kernels: normalise rows; per row, similarities with an online logsumexp, then
//         the softmax row (dot products computed twice); mean of the row losses. Any m, d.
//     v2  (live) one fused kernel, one block per row i: the block computes the norms of all m
//         rows itself (m*d reads, as cheap as the similarity row), keeps the m scaled
//         similarities in shared memory, takes the masked logsumexp, writes u_i, norm_i, the
//         softmax row and the row loss, and the last block writes the mean. One launch instead
//         of three; needs 16*m bytes of shared memory, so m <= 2048 (v1 beyond).
//   nt_xent bwd:
//     v1  two kernels: A = W U (W_jk = P_jk + P_kj - 2[k = pos j]) into a double scratch, then
//         per row the projection through the normalisation. Any m, d.
//     v2  (live) one kernel, one block per row j, each thread keeps up to 4 columns of a_j in
//         registers: needs d <= 1024 (v1 beyond).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/device.h"
#include "engine/ops/loss.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/loss_cuda.h"

namespace syn::cuda_kernels {

namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int64_t kWarpRowMax = 1024;  // v2: rows up to this length get one warp each
constexpr int kMaxPartials = 1024;     // blocks of the single-launch reductions

// G = 32: a warp per row; G = kThreads: the block per row (RowGroup, kernels/kernel_helpers.cuh).
template <int G>
using Rows = RowGroup<G, kThreads>;

// Launches kern<32> (warp per row) or kern<256> (block per row) over n rows of length d.
#define SYN_LAUNCH_ROWS(version, n, d, kern, ...)                  \
  do {                                                             \
    if ((version) == 2 && (d) <= kWarpRowMax)                      \
      kern<32><<<grid_for((n), kWarps), kThreads>>>(__VA_ARGS__);  \
    else                                                           \
      kern<kThreads><<<grid_for((n), 1), kThreads>>>(__VA_ARGS__); \
  } while (0)

// Last-block-done: thread 0 of every block stores the block's K partial values in
// partial[blockIdx.x * K ...]; returns true (in every thread of the block) in the last block to
// finish, which may then read all gridDim.x partials (with __ldcg: from L2, never a stale L1).
template <int K>
__device__ bool publish_partials(const double* v, double* partial, unsigned int* counter) {
  __shared__ bool last;
  if (threadIdx.x == 0) {
    for (int q = 0; q < K; ++q) partial[blockIdx.x * K + q] = v[q];
    __threadfence();
    last = atomicAdd(counter, 1u) == gridDim.x - 1;
  }
  __syncthreads();
  return last;
}

// In the last block: sums of the partials in an order fixed by gridDim.x; resets the counter.
template <int K>
__device__ void sum_partials(const double* partial, unsigned int* counter, double* out,
                             double* sh) {
  double t[K];
  for (int q = 0; q < K; ++q) t[q] = 0;
  for (unsigned b = threadIdx.x; b < gridDim.x; b += blockDim.x)
    for (int q = 0; q < K; ++q) t[q] += __ldcg(&partial[b * K + q]);
  for (int q = 0; q < K; ++q) out[q] = block_sum(t[q], sh);
  if (threadIdx.x == 0) *counter = 0;  // ready for the next launch (stream-ordered)
}

// One partial buffer and counter per kernel that uses the pattern.
__device__ double g_ce_partial[kMaxPartials];
__device__ unsigned int g_ce_counter = 0;
__device__ double g_bce_partial[kMaxPartials];
__device__ unsigned int g_bce_counter = 0;
// 16 * m bytes of dynamic shared memory: 32 KiB at most, well inside the 48 KiB a block may use
// without opting in (static shared memory counts towards that limit too).
constexpr int64_t kNtFusedMaxRows = 2048;
__device__ double g_nt_partial[kNtFusedMaxRows];
__device__ unsigned int g_nt_counter = 0;

// ---------------------------------------------------------------------------- l2_normalize

template <int G>
__global__ void l2_normalize_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t n,
                                    int64_t d, float eps) {
  __shared__ double sh[32];
  using R = Rows<G>;
  for (int64_t r = R::first(); r < n; r += R::stride()) {
    const float* xr = x + r * d;
    double s = 0;
    for (int64_t j = R::lane(); j < d; j += G) s += (double)xr[j] * xr[j];
    const double inv = 1.0 / fmax(sqrt(R::sum(s, sh)), (double)eps);
    for (int64_t j = R::lane(); j < d; j += G) y[r * d + j] = (float)(xr[j] * inv);
  }
}

template <int G>
__global__ void l2_normalize_backward_kernel(const float* __restrict__ x,
                                             const float* __restrict__ dy, float* __restrict__ dx,
                                             int64_t n, int64_t d, float eps) {
  __shared__ double sh[32];
  using R = Rows<G>;
  for (int64_t r = R::first(); r < n; r += R::stride()) {
    const float* xr = x + r * d;
    const float* gr = dy + r * d;
    double s = 0;
    for (int64_t j = R::lane(); j < d; j += G) s += (double)xr[j] * xr[j];
    const double norm = sqrt(R::sum(s, sh));
    if (norm >= (double)eps) {
      const double inv = 1.0 / norm;
      double ydg = 0;
      for (int64_t j = R::lane(); j < d; j += G) ydg += xr[j] * inv * gr[j];
      ydg = R::sum(ydg, sh);
      for (int64_t j = R::lane(); j < d; j += G)
        dx[r * d + j] = (float)((gr[j] - xr[j] * inv * ydg) * inv);
    } else {  // clamped: the denominator is the constant eps
      for (int64_t j = R::lane(); j < d; j += G) dx[r * d + j] = (float)(gr[j] / (double)eps);
    }
  }
}

// ----------------------------------------------------------------------------- log_softmax

template <int G>
__global__ void log_softmax_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t n,
                                   int64_t c) {
  __shared__ double sh[32];
  __shared__ float shf[32];
  using R = Rows<G>;
  for (int64_t r = R::first(); r < n; r += R::stride()) {
    const float* xr = x + r * c;
    float mx = -INFINITY;
    for (int64_t j = R::lane(); j < c; j += G) mx = fmaxf(mx, xr[j]);
    mx = R::max(mx, shf);
    double s = 0;
    for (int64_t j = R::lane(); j < c; j += G) s += exp((double)xr[j] - mx);
    const double lse = mx + log(R::sum(s, sh));
    for (int64_t j = R::lane(); j < c; j += G) y[r * c + j] = (float)(xr[j] - lse);
  }
}

template <int G>
__global__ void log_softmax_backward_kernel(const float* __restrict__ y,
                                            const float* __restrict__ dy, float* __restrict__ dx,
                                            int64_t n, int64_t c) {
  __shared__ double sh[32];
  using R = Rows<G>;
  for (int64_t r = R::first(); r < n; r += R::stride()) {
    double s = 0;
    for (int64_t j = R::lane(); j < c; j += G) s += dy[r * c + j];
    s = R::sum(s, sh);
    for (int64_t j = R::lane(); j < c; j += G)
      dx[r * c + j] = (float)(dy[r * c + j] - exp((double)y[r * c + j]) * s);
  }
}

// --------------------------------------------------------------------------- cross_entropy

// Warp per row: stats[2r] = row max, stats[2r+1] = log sum exp(x - max); lane 0 of each warp
// keeps the running loss of its rows; the block sums its warps, the last block the blocks.
// A negative target code marks an ignored row (adds nothing); the mean divides by `count`.
__global__ void cross_entropy_kernel(const float* __restrict__ logits,
                                     const float* __restrict__ targets, float* __restrict__ stats,
                                     float* __restrict__ loss, int64_t n, int64_t c,
                                     int64_t count) {
  __shared__ double sh[32];
  using R = Rows<32>;
  double acc = 0;
  for (int64_t r = R::first(); r < n; r += R::stride()) {
    const float* x = logits + r * c;
    float mx = -INFINITY;
    for (int64_t j = R::lane(); j < c; j += 32) mx = fmaxf(mx, x[j]);
    mx = warp_max(mx);
    double s = 0;
    for (int64_t j = R::lane(); j < c; j += 32) s += exp((double)x[j] - mx);
    const double logsum = log(warp_sum(s));
    if (R::lane() == 0) {
      stats[2 * r] = mx;
      stats[2 * r + 1] = (float)logsum;
      const float t = targets[r];
      if (t >= 0.0f) acc += logsum - ((double)x[(int64_t)t] - mx);
    }
  }
  double block_total = block_sum(acc, sh);
  if (publish_partials<1>(&block_total, g_ce_partial, &g_ce_counter)) {
    double total;
    sum_partials<1>(g_ce_partial, &g_ce_counter, &total, sh);
    if (threadIdx.x == 0) loss[0] = (float)(total / (double)count);  // count 0: NaN, as PyTorch
  }
}

template <int G>
__global__ void cross_entropy_backward_kernel(const float* __restrict__ logits,
                                              const float* __restrict__ targets,
                                              const float* __restrict__ stats,
                                              const float* __restrict__ dloss,
                                              float* __restrict__ dx, int64_t n, int64_t c,
                                              int64_t count) {
  using R = Rows<G>;
  const double scale = count > 0 ? (double)dloss[0] / (double)count : 0.0;
  for (int64_t r = R::first(); r < n; r += R::stride()) {
    if (targets[r] < 0.0f) {  // ignored row (group-uniform branch)
      for (int64_t j = R::lane(); j < c; j += G) dx[r * c + j] = 0.0f;
      continue;
    }
    const int64_t t = (int64_t)targets[r];
    const double mx = stats[2 * r], logsum = stats[2 * r + 1];
    for (int64_t j = R::lane(); j < c; j += G) {
      const double p = exp(((double)logits[r * c + j] - mx) - logsum);
      dx[r * c + j] = (float)(scale * (p - (j == t ? 1.0 : 0.0)));
    }
  }
}

// ------------------------------------------------------------------------- bce_with_logits

__global__ void bce_with_logits_kernel(const float* __restrict__ x, const float* __restrict__ t,
                                       float* __restrict__ loss, int64_t n) {
  __shared__ double sh[32];
  double s = 0;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    const double xi = x[i];
    // max(x,0) - x t + log(1 + e^{-|x|}): never exponentiates a positive number.
    s += fmax(xi, 0.0) - xi * t[i] + log1p(exp(-fabs(xi)));
  }
  double block_total = block_sum(s, sh);
  if (publish_partials<1>(&block_total, g_bce_partial, &g_bce_counter)) {
    double total;
    sum_partials<1>(g_bce_partial, &g_bce_counter, &total, sh);
    if (threadIdx.x == 0) loss[0] = (float)(total / (double)n);
  }
}

__device__ __forceinline__ double stable_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  const double e = exp(x);
  return e / (1.0 + e);
}

__global__ void bce_with_logits_backward_kernel(const float* __restrict__ x,
                                                const float* __restrict__ t,
                                                const float* __restrict__ dloss,
                                                float* __restrict__ dx, int64_t n) {
  const double scale = (double)dloss[0] / (double)n;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    dx[i] = (float)(scale * (stable_sigmoid(x[i]) - t[i]));
}

// --------------------------------------------------------------------------- nt_xent, v2

// One block per row i (grid = m). Dynamic shared memory: inv[m] then s[m] (doubles).
__global__ void nt_xent_fused_kernel(const float* __restrict__ z, float* __restrict__ u,
                                     float* __restrict__ norm, float* __restrict__ prob,
                                     float* __restrict__ loss, int64_t m, int64_t d, float inv_t,
                                     float eps) {
  extern __shared__ double dyn[];
  double* inv = dyn;    // 1 / max(||z_k||, eps) for every row k
  double* s = dyn + m;  // scaled similarities of row i
  __shared__ double sh[32];
  const int64_t i = blockIdx.x;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  // 1. Norms of all rows (a warp per row).
  for (int64_t k = warp; k < m; k += kWarps) {
    const float* zk = z + k * d;
    double acc = 0;
    for (int64_t j = lane; j < d; j += 32) acc += (double)zk[j] * zk[j];
    const double nr = sqrt(warp_sum(acc));
    if (lane == 0) {
      inv[k] = 1.0 / fmax(nr, (double)eps);
      if (k == i) norm[i] = (float)nr;
    }
  }
  __syncthreads();
  const float* zi = z + i * d;
  const double inv_i = inv[i];
  for (int64_t j = threadIdx.x; j < d; j += blockDim.x) u[i * d + j] = (float)(zi[j] * inv_i);
  // 2. s_ik = u_i . u_k / t, with u rounded to float exactly as the CPU stores it.
  for (int64_t k = warp; k < m; k += kWarps) {
    if (k == i) continue;  // warp-uniform
    const float* zk = z + k * d;
    const double inv_k = inv[k];
    double acc = 0;
    for (int64_t j = lane; j < d; j += 32)
      acc += (double)(float)(zi[j] * inv_i) * (double)(float)(zk[j] * inv_k);
    acc = warp_sum(acc);
    if (lane == 0) s[k] = acc * inv_t;
  }
  __syncthreads();
  // 3. Masked logsumexp over k != i, the softmax row, the row loss.
  double mx = -INFINITY;
  for (int64_t k = threadIdx.x; k < m; k += blockDim.x)
    if (k != i) mx = fmax(mx, s[k]);
  mx = block_max(mx, sh);
  double sum = 0;
  for (int64_t k = threadIdx.x; k < m; k += blockDim.x)
    if (k != i) sum += exp(s[k] - mx);
  const double lse = mx + log(block_sum(sum, sh));
  for (int64_t k = threadIdx.x; k < m; k += blockDim.x)
    prob[i * m + k] = k == i ? 0.0f : (float)exp(s[k] - lse);
  const double row_loss = lse - s[(i + m / 2) % m];
  // 4. The mean over rows, by the last block.
  if (publish_partials<1>(&row_loss, g_nt_partial, &g_nt_counter)) {
    double total;
    sum_partials<1>(g_nt_partial, &g_nt_counter, &total, sh);
    if (threadIdx.x == 0) loss[0] = (float)(total / (double)m);
  }
}

// With G = (P - onehot(pos)) * dloss / m and a_j = sum_{k != j} (G_jk + G_kj) u_k (up to the
// factor scale = dloss / (m t)): dz_j = (a_j - u_j (u_j . a_j)) * scale / ||z_j||, or
// a_j * scale / eps where the norm was clamped. One block per row j; thread t owns columns
// t, t + blockDim.x, ... (at most kBwdCols of them).
constexpr int kBwdCols = 4;

__global__ void nt_xent_backward_fused_kernel(const float* __restrict__ u,
                                              const float* __restrict__ norm,
                                              const float* __restrict__ prob,
                                              const float* __restrict__ dloss,
                                              float* __restrict__ dz, int64_t m, int64_t d,
                                              float inv_t, float eps) {
  __shared__ double sh[32];
  const int64_t j = blockIdx.x, pos = (j + m / 2) % m;
  const double scale = (double)dloss[0] * inv_t / (double)m;
  double a[kBwdCols];
  for (int q = 0; q < kBwdCols; ++q) a[q] = 0;
  for (int64_t k = 0; k < m; ++k) {
    if (k == j) continue;
    // The positive relation is symmetric, so the one-hot term appears in G_jk and G_kj.
    const double w = (double)prob[j * m + k] + prob[k * m + j] - (k == pos ? 2.0 : 0.0);
    const float* uk = u + k * d;
    for (int q = 0; q < kBwdCols; ++q) {
      const int64_t c = threadIdx.x + (int64_t)q * blockDim.x;
      if (c < d) a[q] += w * uk[c];
    }
  }
  const float* uj = u + j * d;
  double ua = 0;
  for (int q = 0; q < kBwdCols; ++q) {
    const int64_t c = threadIdx.x + (int64_t)q * blockDim.x;
    if (c < d) ua += uj[c] * a[q];
  }
  ua = block_sum(ua, sh);
  const bool unclamped = (double)norm[j] >= (double)eps;
  const double inv = scale / norm[j];
  for (int q = 0; q < kBwdCols; ++q) {
    const int64_t c = threadIdx.x + (int64_t)q * blockDim.x;
    if (c >= d) continue;
    dz[j * d + c] = unclamped ? (float)((a[q] - uj[c] * ua) * inv) : (float)(a[q] * scale / eps);
  }
}

// --------------------------------------------------------------------------- nt_xent, v1

// u = z / max(||z||, eps) and the raw norms, over rows of length d.
template <int G>
__global__ void normalize_rows_kernel(const float* __restrict__ z, float* __restrict__ u,
                                      float* __restrict__ norm, int64_t m, int64_t d, float eps) {
  __shared__ double sh[32];
  using R = Rows<G>;
  for (int64_t r = R::first(); r < m; r += R::stride()) {
    const float* zr = z + r * d;
    double s = 0;
    for (int64_t j = R::lane(); j < d; j += G) s += (double)zr[j] * zr[j];
    const double nr = sqrt(R::sum(s, sh));
    if (R::lane() == 0) norm[r] = (float)nr;
    const double inv = 1.0 / fmax(nr, (double)eps);
    for (int64_t j = R::lane(); j < d; j += G) u[r * d + j] = (float)(zr[j] * inv);
  }
}

// s_ik for one warp: u_i . u_k * inv_t in double.
__device__ __forceinline__ double warp_similarity(const float* ui, const float* uk, int64_t d,
                                                  float inv_t) {
  double acc = 0;
  for (int64_t j = threadIdx.x & 31; j < d; j += 32) acc += (double)ui[j] * uk[j];
  return warp_sum(acc) * inv_t;
}

// One block per row i; no shared memory proportional to m: a per-warp online logsumexp, then
// the similarities are recomputed for the softmax row.
__global__ void nt_xent_rows_kernel(const float* __restrict__ u, float* __restrict__ prob,
                                    double* __restrict__ row_loss, int64_t m, int64_t d,
                                    float inv_t) {
  __shared__ double wmax[kWarps], wsum[kWarps], s_pos;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t pos_of_i_offset = m / 2;
  for (int64_t i = blockIdx.x; i < m; i += gridDim.x) {
    const float* ui = u + i * d;
    const int64_t pos = (i + pos_of_i_offset) % m;
    double mx = -INFINITY, sum = 0;  // lane-uniform within the warp
    for (int64_t k = warp; k < m; k += kWarps) {
      if (k == i) continue;
      const double sk = warp_similarity(ui, u + k * d, d, inv_t);
      if (sk > mx) {
        sum = sum * exp(mx - sk) + 1.0;
        mx = sk;
      } else {
        sum += exp(sk - mx);
      }
      if (k == pos && lane == 0) s_pos = sk;
    }
    if (lane == 0) wmax[warp] = mx, wsum[warp] = sum;
    __syncthreads();
    double gmax = -INFINITY;
    for (int w = 0; w < kWarps; ++w) gmax = fmax(gmax, wmax[w]);
    double gsum = 0;
    for (int w = 0; w < kWarps; ++w)
      if (wsum[w] > 0) gsum += wsum[w] * exp(wmax[w] - gmax);
    const double lse = gmax + log(gsum);
    for (int64_t k = warp; k < m; k += kWarps) {
      const double p = k == i ? 0.0 : exp(warp_similarity(ui, u + k * d, d, inv_t) - lse);
      if (lane == 0) prob[i * m + k] = (float)p;
    }
    if (threadIdx.x == 0) row_loss[i] = lse - s_pos;
    __syncthreads();  // wmax / wsum / s_pos are rewritten for the next row
  }
}

// One block: loss[0] = mean of the m row losses, in index order per thread.
__global__ void mean_kernel(const double* __restrict__ v, float* __restrict__ loss, int64_t m) {
  __shared__ double sh[32];
  double s = 0;
  for (int64_t k = threadIdx.x; k < m; k += blockDim.x) s += v[k];
  s = block_sum(s, sh);
  if (threadIdx.x == 0) loss[0] = (float)(s / (double)m);
}

// a[j, c] = sum_{k != j} W_jk u[k, c], one thread per element.
__global__ void nt_xent_grad_u_kernel(const float* __restrict__ u, const float* __restrict__ prob,
                                      double* __restrict__ a, int64_t m, int64_t d) {
  for (int64_t idx = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; idx < m * d;
       idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t j = idx / d, c = idx - j * d, pos = (j + m / 2) % m;
    double acc = 0;
    for (int64_t k = 0; k < m; ++k) {
      if (k == j) continue;
      const double w = (double)prob[j * m + k] + prob[k * m + j] - (k == pos ? 2.0 : 0.0);
      acc += w * u[k * d + c];
    }
    a[idx] = acc;
  }
}

// dz_j from a_j, one block per row.
__global__ void nt_xent_project_kernel(const float* __restrict__ u, const float* __restrict__ norm,
                                       const double* __restrict__ a,
                                       const float* __restrict__ dloss, float* __restrict__ dz,
                                       int64_t m, int64_t d, float inv_t, float eps) {
  __shared__ double sh[32];
  const double scale = (double)dloss[0] * inv_t / (double)m;
  for (int64_t j = blockIdx.x; j < m; j += gridDim.x) {
    const float* uj = u + j * d;
    const double* aj = a + j * d;
    double ua = 0;
    for (int64_t c = threadIdx.x; c < d; c += blockDim.x) ua += uj[c] * aj[c];
    ua = block_sum(ua, sh);
    const bool unclamped = (double)norm[j] >= (double)eps;
    const double inv = scale / norm[j];
    for (int64_t c = threadIdx.x; c < d; c += blockDim.x)
      dz[j * d + c] =
          unclamped ? (float)((aj[c] - uj[c] * ua) * inv) : (float)(aj[c] * scale / eps);
  }
}

void check_version(const char* op, int version) {
  SYN_CHECK(version == 1 || version == 2, op, ": unknown CUDA kernel version ", version);
}

}  // namespace

// ------------------------------------------------------------------------------ entry points

void l2_normalize_v(int version, const float* x, float* y, int64_t n, int64_t d, float eps) {
  check_version("l2_normalize", version);
  if (n <= 0 || d <= 0) return;
  SYN_LAUNCH_ROWS(version, n, d, l2_normalize_kernel, x, y, n, d, eps);
  SYN_CUDA_LAUNCH_CHECK("l2_normalize v", version, " [", n, ", ", d, "]");
}

void l2_normalize(const float* x, float* y, int64_t n, int64_t d, float eps) {
  l2_normalize_v(2, x, y, n, d, eps);
}

void l2_normalize_backward(const float* x, const float* dy, float* dx, int64_t n, int64_t d,
                           float eps) {
  if (n <= 0 || d <= 0) return;
  SYN_LAUNCH_ROWS(2, n, d, l2_normalize_backward_kernel, x, dy, dx, n, d, eps);
  SYN_CUDA_LAUNCH_CHECK("l2_normalize_backward [", n, ", ", d, "]");
}

void log_softmax_v(int version, const float* x, float* y, int64_t n, int64_t c) {
  check_version("log_softmax", version);
  if (n <= 0 || c <= 0) return;
  SYN_LAUNCH_ROWS(version, n, c, log_softmax_kernel, x, y, n, c);
  SYN_CUDA_LAUNCH_CHECK("log_softmax v", version, " [", n, ", ", c, "]");
}

void log_softmax(const float* x, float* y, int64_t n, int64_t c) { log_softmax_v(2, x, y, n, c); }

void log_softmax_backward(const float* y, const float* dy, float* dx, int64_t n, int64_t c) {
  if (n <= 0 || c <= 0) return;
  SYN_LAUNCH_ROWS(2, n, c, log_softmax_backward_kernel, y, dy, dx, n, c);
  SYN_CUDA_LAUNCH_CHECK("log_softmax_backward [", n, ", ", c, "]");
}

void cross_entropy(const float* logits, const float* targets, float* stats, float* loss, int64_t n,
                   int64_t c, int64_t count) {
  // n > 0 and c > 0 are checked by ops::cross_entropy.
  const unsigned grid = std::min<unsigned>(kMaxPartials, grid_for(n, kWarps));
  cross_entropy_kernel<<<grid, kThreads>>>(logits, targets, stats, loss, n, c, count);
  SYN_CUDA_LAUNCH_CHECK("cross_entropy [", n, ", ", c, "]");
}

void cross_entropy_backward(const float* logits, const float* targets, const float* stats,
                            const float* dloss, float* dx, int64_t n, int64_t c, int64_t count) {
  if (n <= 0 || c <= 0) return;
  SYN_LAUNCH_ROWS(2, n, c, cross_entropy_backward_kernel, logits, targets, stats, dloss, dx, n, c,
                  count);
  SYN_CUDA_LAUNCH_CHECK("cross_entropy_backward [", n, ", ", c, "]");
}

void bce_with_logits(const float* x, const float* t, float* loss, int64_t n) {
  // n > 0 is checked by ops::bce_with_logits. Eight elements per thread before striding.
  const unsigned grid = std::min<unsigned>(kMaxPartials, grid_for(n, kThreads * 8));
  bce_with_logits_kernel<<<grid, kThreads>>>(x, t, loss, n);
  SYN_CUDA_LAUNCH_CHECK("bce_with_logits n=", n);
}

void bce_with_logits_backward(const float* x, const float* t, const float* dloss, float* dx,
                              int64_t n) {
  if (n <= 0) return;
  bce_with_logits_backward_kernel<<<grid_for(n, kThreads), kThreads>>>(x, t, dloss, dx, n);
  SYN_CUDA_LAUNCH_CHECK("bce_with_logits_backward n=", n);
}

void nt_xent_v(int version, const float* z, float* u, float* norm, float* prob, float* loss,
               int64_t m, int64_t d, float inv_t, float eps) {
  check_version("nt_xent", version);
  if (m <= 0 || d <= 0) return;
  if (version == 2 && m <= kNtFusedMaxRows) {
    const size_t shared = 2 * (size_t)m * sizeof(double);
    nt_xent_fused_kernel<<<(unsigned)m, kThreads, shared>>>(z, u, norm, prob, loss, m, d, inv_t,
                                                            eps);
    SYN_CUDA_LAUNCH_CHECK("nt_xent fused [", m, ", ", d, "]");
    return;
  }
  SYN_LAUNCH_ROWS(2, m, d, normalize_rows_kernel, z, u, norm, m, d, eps);
  SYN_CUDA_LAUNCH_CHECK("nt_xent normalize [", m, ", ", d, "]");
  Scratch row_loss((size_t)m * sizeof(double));
  nt_xent_rows_kernel<<<grid_for(m, 1), kThreads>>>(u, prob, row_loss.as<double>(), m, d, inv_t);
  SYN_CUDA_LAUNCH_CHECK("nt_xent rows [", m, ", ", d, "]");
  mean_kernel<<<1, kThreads>>>(row_loss.as<double>(), loss, m);
  SYN_CUDA_LAUNCH_CHECK("nt_xent mean [", m, ", ", d, "]");
}

void nt_xent(const float* z, float* u, float* norm, float* prob, float* loss, int64_t m, int64_t d,
             float inv_t, float eps) {
  nt_xent_v(2, z, u, norm, prob, loss, m, d, inv_t, eps);
}

void nt_xent_backward_v(int version, const float* u, const float* norm, const float* prob,
                        const float* dloss, float* dz, int64_t m, int64_t d, float inv_t,
                        float eps) {
  check_version("nt_xent_backward", version);
  if (m <= 0 || d <= 0) return;
  if (version == 2 && d <= (int64_t)kBwdCols * kThreads) {
    // Just enough threads for the columns (whole warps), so small d leaves no thread idle.
    const int threads =
        (int)std::min<int64_t>(kThreads, (std::min<int64_t>(d, kThreads) + 31) / 32 * 32);
    nt_xent_backward_fused_kernel<<<(unsigned)m, threads>>>(u, norm, prob, dloss, dz, m, d, inv_t,
                                                            eps);
    SYN_CUDA_LAUNCH_CHECK("nt_xent_backward fused [", m, ", ", d, "]");
    return;
  }
  Scratch a((size_t)(m * d) * sizeof(double));
  nt_xent_grad_u_kernel<<<grid_for(m * d, kThreads), kThreads>>>(u, prob, a.as<double>(), m, d);
  SYN_CUDA_LAUNCH_CHECK("nt_xent_backward A=WU [", m, ", ", d, "]");
  nt_xent_project_kernel<<<grid_for(m, 1), kThreads>>>(u, norm, a.as<double>(), dloss, dz, m, d,
                                                       inv_t, eps);
  SYN_CUDA_LAUNCH_CHECK("nt_xent_backward project [", m, ", ", d, "]");
}

void nt_xent_backward(const float* u, const float* norm, const float* prob, const float* dloss,
                      float* dz, int64_t m, int64_t d, float inv_t, float eps) {
  nt_xent_backward_v(2, u, norm, prob, dloss, dz, m, d, inv_t, eps);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::l2_normalize_kernel, l2_normalize);
  register_cuda_kernel(syn::l2_normalize_backward_kernel, l2_normalize_backward);
  register_cuda_kernel(syn::log_softmax_kernel, log_softmax);
  register_cuda_kernel(syn::log_softmax_backward_kernel, log_softmax_backward);
  register_cuda_kernel(syn::cross_entropy_kernel, cross_entropy);
  register_cuda_kernel(syn::cross_entropy_backward_kernel, cross_entropy_backward);
  register_cuda_kernel(syn::bce_with_logits_kernel, bce_with_logits);
  register_cuda_kernel(syn::bce_with_logits_backward_kernel, bce_with_logits_backward);
  register_cuda_kernel(syn::nt_xent_kernel, nt_xent);
  register_cuda_kernel(syn::nt_xent_backward_kernel, nt_xent_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
