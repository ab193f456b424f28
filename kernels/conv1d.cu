// conv1d.cu — CUDA conv1d: forward, backward-data, backward-weight (+ bias gradient).
//
// CPU reference: engine/ops/conv1d.cpp (conv1d_forward_cpu, conv1d_backward_data_cpu,
// conv1d_backward_weight_cpu); same slot signatures (engine/ops/conv1d.h).
//
// All three are GEMMs over an implicit (never materialised) im2col operand:
//   forward          y[co, (b,t)]  = sum_{(ci,k)} w[co,ci,k] * x[b, ci, t*s + k - p]
//                    M = Cout, N = B*Lout, depth = Cin*K
//   backward data    dx[ci, (b,l)] = sum_{(co,k)} w[co,ci,k] * dy[b, co, (l + p - k) / s]
//                    (only where l + p - k is a multiple of s inside [0, Lout*s))
//                    M = Cin,  N = B*L,    depth = Cout*K   (any stride, no col2im pass)
//   backward weight  dw[co, (ci,k)] = sum_{(b,t)} dy[b, co, t] * x[b, ci, t*s + k - p]
//                    M = Cout, N = Cin*K,  depth = B*Lout   (long: split over blocks)
//
// Versions (measured by bench_cuda_layers --batch 48 on an H100, 2026-11-24; block 1, 128->128,
// L 19,683, forward / backward-data / backward-weight: v1 32.6 / 30.5 / 107.3 ms, v2 2.92 / 3.09 /
// 2.92 ms, v3 TF32 2.19 / 2.50 / 1.93 ms; cuDNN fp32 2.33 / 3.82 / 4.20 ms; every layer in
// bench/RESULTS.md):
//   v1 Naive  direct loops: one thread per output element (forward, backward data), one block
//             per weight / bias element (backward weight: threads split the B*Lout sum).
//   v2 Tiled  implicit GEMM: 128x128 output tile per block (64x64 when M <= 64), depth slices
//             of 8 staged in shared memory (double-buffered; the next slice is fetched into
//             registers while the current one is multiplied), 8x8 outputs per thread from
//             float4 shared loads. Gathers keep the per-thread im2col coordinates incrementally
//             (no divisions in the main loop). When there are fewer tiles than SMs the depth is
//             split across blocks (grid.z) into scratch partials and summed by a second kernel in a
//             fixed order: deterministic, no atomics. Should buy ~10x+ over v1 on the big layers.
//   v3 Tf32   v2's loaders and tiles, the 128x128x8 product on tensor cores (wmma m16n16k8 TF32,
//             fp32 accumulation). Operands are rounded to 10-bit mantissas: ~1e-3 relative error
//             (tests: 1e-2 of the output's RMS). Never the default; conv1d_set_tf32(true) opts in.
//   Small     for Cin*K <= 16 (SampleCNN's first layer: Cin = 1, K = 3, stride 3, L = 59,049):
//             forward keeps each position's Cin*K inputs in registers and writes 32 channels per
//             thread (bound by writing y); weight gradient accumulates (co, tap) sums per thread
//             plus the bias sum in the same pass, block reduction, then a fixed-order combine.
//             Backward data for Cin <= 16 is the direct v1 kernel (it skips the taps the stride
//             excludes, so it is already cheap there).
//   v5 TcBf16 / TcTf32 (kernels/conv1d_tc.cu; not yet run on a GPU, no timings): implicit GEMM
//             on mma.sync (bf16 m16n8k16 / TF32 m16n8k8, fp32 accumulation), 128x128x32 tiles,
//             8 warps of 64x32, fp32 tiles staged by 4-byte cp.async in two stages, operands
//             rounded as fragments are loaded. Forward and stride-1 backward data; the weight
//             gradient under these precisions runs v3.
// Live (Auto): Small where Cin*K <= 16 (backward data: direct where Cin <= 16), else by
// --precision (engine/precision.h): bf16 -> v5 TcBf16, tf32 -> v5 TcTf32 (weight gradient:
// v3 for both), fp32 -> v2 (v3 if conv1d_set_tf32(true)).
//
// This file: the entry points, v1, Small and the bias gradient; the implicit GEMMs (v2, v3) are
// in kernels/conv1d_tiled.cu. Split-K and bias partials are scratch from the engine's caching
// allocator, returned at the end of each call (Scratch, kernels/kernel_helpers.cuh).
#include <algorithm>
#include <cstdint>

#include "engine/ops/conv1d.h"
#include "engine/precision.h"
#include "kernels/conv1d_cuda.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace conv1d_detail {

ConvDims dims_of(const Conv1dShape& s, const char* op) {
  const long long lim = (1LL << 31) - 1;
  SYN_CHECK(s.B * s.Lout <= lim && s.B * s.L <= lim && s.Cin * s.K <= lim && s.Cout * s.K <= lim &&
                s.Cin * s.L <= lim && s.Cout * s.Lout <= lim,
            op, ": sizes exceed the CUDA kernels' 32-bit index range: B ", s.B, " Cin ", s.Cin,
            " Cout ", s.Cout, " L ", s.L, " K ", s.K);
  return ConvDims{(int)s.B, (int)s.Cin,    (int)s.Cout,    (int)s.L,
                  (int)s.K, (int)s.stride, (int)s.padding, (int)s.Lout};
}

}  // namespace conv1d_detail

namespace {

using namespace conv1d_detail;
using i64 = long long;

bool g_tf32 = false;

// ------------------------------------------------------------------ v1: direct kernels
__global__ void fwd_naive_kernel(const float* x, const float* w, const float* bias, float* y,
                                 ConvDims d) {
  const i64 total = (i64)d.B * d.Cout * d.Lout;
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x) {
    const int t = (int)(i % d.Lout);
    const i64 r = i / d.Lout;
    const int co = (int)(r % d.Cout), b = (int)(r / d.Cout);
    float acc = bias ? bias[co] : 0.f;
    for (int ci = 0; ci < d.Cin; ++ci)
      for (int k = 0; k < d.K; ++k) {
        const int pos = t * d.stride + k - d.pad;
        if (pos >= 0 && pos < d.L)
          acc =
              fmaf(w[((i64)co * d.Cin + ci) * d.K + k], x[((i64)b * d.Cin + ci) * d.L + pos], acc);
      }
    y[i] = acc;
  }
}

__global__ void data_naive_kernel(const float* dy, const float* w, float* dx, ConvDims d) {
  const i64 total = (i64)d.B * d.Cin * d.L;
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x) {
    const int l = (int)(i % d.L);
    const i64 r = i / d.L;
    const int ci = (int)(r % d.Cin), b = (int)(r / d.Cin);
    float acc = 0.f;
    for (int k = 0; k < d.K; ++k) {  // only taps whose output position exists
      const int num = l + d.pad - k;
      if (num < 0 || num % d.stride != 0) continue;
      const int t = num / d.stride;
      if (t >= d.Lout) continue;
      const float* g = dy + (i64)b * d.Cout * d.Lout + t;
      const float* wp = w + (i64)ci * d.K + k;
      for (int co = 0; co < d.Cout; ++co)
        acc = fmaf(wp[(i64)co * d.Cin * d.K], g[(i64)co * d.Lout], acc);
    }
    dx[i] = acc;
  }
}

// One block per weight element (co, ci, k): its threads stride over the B*Lout positions
// (coalesced along t), then a block reduction. Direct, no reuse, but parallel over the long
// reduction (one thread per element would leave an H100 nearly idle: 49k threads, 945k terms).
__global__ void weight_naive_kernel(const float* x, const float* dy, float* dw, ConvDims d) {
  __shared__ float red[32];
  const int i = blockIdx.x;
  const int k = i % d.K, r = i / d.K, ci = r % d.Cin, co = r / d.Cin, J = d.B * d.Lout;
  float acc = 0.f;
  for (int j = threadIdx.x; j < J; j += blockDim.x) {
    const int b = j / d.Lout, t = j - b * d.Lout, pos = t * d.stride + k - d.pad;
    if (pos >= 0 && pos < d.L)
      acc =
          fmaf(dy[((i64)b * d.Cout + co) * d.Lout + t], x[((i64)b * d.Cin + ci) * d.L + pos], acc);
  }
  acc = block_sum(acc, red);
  if (threadIdx.x == 0) dw[i] = acc;
}

__global__ void bias_naive_kernel(const float* dy, float* db, ConvDims d) {  // block per co
  __shared__ float red[32];
  const int co = blockIdx.x, J = d.B * d.Lout;
  float acc = 0.f;
  for (int j = threadIdx.x; j < J; j += blockDim.x) {
    const int b = j / d.Lout, t = j - b * d.Lout;
    acc += dy[((i64)b * d.Cout + co) * d.Lout + t];
  }
  acc = block_sum(acc, red);
  if (threadIdx.x == 0) db[co] = acc;
}

// ------------------------------------------------------------------ bias gradient (v2, v3)
// db[c] = sum over (b, t) of dy[b, c, t]: grid (C, S) partial sums in double, fixed-order combine.

__global__ void channel_sum_partial_kernel(const float* g, int B, int C, int L, int S,
                                           double* part) {
  __shared__ double red[32];
  const int c = blockIdx.x, s = blockIdx.y, nt = blockDim.x;
  const i64 N = (i64)B * L, i0 = N * s / S, i1 = N * (s + 1) / S;
  i64 i = i0 + threadIdx.x;
  int b = (int)(i / L), l = (int)(i % L);
  const int db = nt / L, dl = nt % L;
  double total = 0;
  while (i < i1) {
    float chunk = 0.f;  // float within runs of <= 32 terms, double across (as the CPU does)
    for (int r = 0; r < 32 && i < i1; ++r) {
      chunk += g[((i64)b * C + c) * L + l];
      i += nt;
      l += dl;
      b += db;
      if (l >= L) l -= L, ++b;
    }
    total += chunk;
  }
  total = block_sum(total, red);
  if (threadIdx.x == 0) part[(i64)c * S + s] = total;
}

__global__ void channel_sum_final_kernel(const double* part, int C, int S, float* out) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  double v = 0;
  for (int s = 0; s < S; ++s) v += part[(i64)c * S + s];
  out[c] = (float)v;
}

void bias_grad(const ConvDims& d, const float* dy, float* db) {
  const i64 N = (i64)d.B * d.Lout;
  if (N == 0) {
    SYN_CUDA_CHECK(cudaMemset(db, 0, sizeof(float) * (size_t)d.Cout), "conv1d bias grad memset");
    return;
  }
  const int S = (int)std::clamp<i64>(ceil_div(4 * sm_count(), d.Cout), 1,
                                     std::max<i64>(1, std::min<i64>(65535, N / 4096)));
  Scratch scratch(sizeof(double) * (size_t)d.Cout * S);
  double* part = (double*)scratch.p;
  channel_sum_partial_kernel<<<dim3((unsigned)d.Cout, (unsigned)S), 256>>>(dy, d.B, d.Cout, d.Lout,
                                                                           S, part);
  SYN_CUDA_LAUNCH_CHECK("conv1d bias grad B=", d.B, " C=", d.Cout, " L=", d.Lout);
  channel_sum_final_kernel<<<(unsigned)ceil_div(d.Cout, 128), 128>>>(part, d.Cout, S, db);
  SYN_CUDA_LAUNCH_CHECK("conv1d bias grad combine C=", d.Cout);
}

// ------------------------------------------------------------------ Small: Cin*K <= 16
constexpr int kSmallMax = 16;
constexpr int kFwdCoPerBlock = 32;

template <int MAXKK>
__global__ void __launch_bounds__(128)
    fwd_small_kernel(const float* x, const float* w, const float* bias, float* y, ConvDims d) {
  __shared__ float ws[kFwdCoPerBlock * MAXKK];
  __shared__ float bs[kFwdCoPerBlock];
  const int KK = d.Cin * d.K, co0 = blockIdx.y * kFwdCoPerBlock, b = blockIdx.z;
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  for (int e = threadIdx.x; e < kFwdCoPerBlock * MAXKK; e += blockDim.x) {
    const int c = e / MAXKK, q = e % MAXKK;
    ws[e] = (co0 + c < d.Cout && q < KK) ? w[(i64)(co0 + c) * KK + q] : 0.f;
  }
  for (int e = threadIdx.x; e < kFwdCoPerBlock; e += blockDim.x)
    bs[e] = (bias && co0 + e < d.Cout) ? bias[co0 + e] : 0.f;
  __syncthreads();
  if (t >= d.Lout) return;
  float xv[MAXKK];
#pragma unroll
  for (int q = 0; q < MAXKK; ++q) {
    xv[q] = 0.f;
    if (q < KK) {
      const int ci = q / d.K, pos = t * d.stride + (q - ci * d.K) - d.pad;
      if (pos >= 0 && pos < d.L) xv[q] = x[((i64)b * d.Cin + ci) * d.L + pos];
    }
  }
  const int nco = min(kFwdCoPerBlock, d.Cout - co0);
  float* yp = y + ((i64)b * d.Cout + co0) * d.Lout + t;
  for (int c = 0; c < nco; ++c) {
    float acc = bs[c];
#pragma unroll
    for (int q = 0; q < MAXKK; ++q) acc = fmaf(ws[c * MAXKK + q], xv[q], acc);
    yp[(i64)c * d.Lout] = acc;
  }
}

// grid (ceil(Cout / CO_T), S): block (g, s) accumulates, for channels [g*CO_T, +CO_T) and
// positions [s*chunk, +chunk), the KK weight sums and the bias sum; part[s][co][KK + 1].
template <int MAXKK, int CO_T>
__global__ void __launch_bounds__(256)
    weight_small_kernel(const float* x, const float* dy, ConvDims d, int chunk, float* part) {
  constexpr int V = CO_T * (MAXKK + 1);
  __shared__ float red[8][V];
  const int KK = d.Cin * d.K, co0 = blockIdx.x * CO_T, s = blockIdx.y, nt = blockDim.x;
  const int J = d.B * d.Lout, j1 = min(J, s * chunk + chunk);
  int boff[MAXKK], koff[MAXKK];
#pragma unroll
  for (int q = 0; q < MAXKK; ++q) {
    const int ci = q < KK ? q / d.K : 0;
    boff[q] = ci * d.L;
    koff[q] = q < KK ? q - ci * d.K - d.pad : -(1 << 30);  // never inside [0, L)
  }
  float acc[CO_T][MAXKK + 1];
#pragma unroll
  for (int c = 0; c < CO_T; ++c)
#pragma unroll
    for (int q = 0; q <= MAXKK; ++q) acc[c][q] = 0.f;
  int j = s * chunk + threadIdx.x, b = j / d.Lout, t = j - b * d.Lout;
  const int db = nt / d.Lout, dt = nt % d.Lout;
  for (; j < j1; j += nt) {
    const float* xb = x + (i64)b * d.Cin * d.L;
    float xv[MAXKK];
#pragma unroll
    for (int q = 0; q < MAXKK; ++q) {
      const int pos = t * d.stride + koff[q];
      xv[q] = (pos >= 0 && pos < d.L) ? xb[boff[q] + pos] : 0.f;
    }
    const float* g = dy + ((i64)b * d.Cout + co0) * d.Lout + t;
#pragma unroll
    for (int c = 0; c < CO_T; ++c) {
      const float gv = co0 + c < d.Cout ? g[(i64)c * d.Lout] : 0.f;
#pragma unroll
      for (int q = 0; q < MAXKK; ++q) acc[c][q] = fmaf(gv, xv[q], acc[c][q]);
      acc[c][MAXKK] += gv;
    }
    t += dt;
    b += db;
    if (t >= d.Lout) t -= d.Lout, ++b;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
#pragma unroll
  for (int c = 0; c < CO_T; ++c)
#pragma unroll
    for (int q = 0; q <= MAXKK; ++q) {
      float v = acc[c][q];
      v = warp_sum(v);  // lane 0 holds the total
      if (lane == 0) red[warp][c * (MAXKK + 1) + q] = v;
    }
  __syncthreads();
  for (int v = threadIdx.x; v < V; v += nt) {
    const int c = v / (MAXKK + 1), q = v % (MAXKK + 1), co = co0 + c;
    if (co >= d.Cout || (q >= KK && q != MAXKK)) continue;
    float sum = 0.f;
    for (int w = 0; w < nt / 32; ++w) sum += red[w][v];
    part[((i64)s * d.Cout + co) * (KK + 1) + (q == MAXKK ? KK : q)] = sum;
  }
}

__global__ void weight_small_final_kernel(const float* part, int S, int Cout, int KK, float* dw,
                                          float* dbias) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= Cout * (KK + 1)) return;
  const int co = i / (KK + 1), q = i % (KK + 1);
  double v = 0;
  for (int s = 0; s < S; ++s) v += part[((i64)s * Cout + co) * (KK + 1) + q];
  if (q < KK) {
    if (dw) dw[(i64)co * KK + q] = (float)v;
  } else if (dbias) {
    dbias[co] = (float)v;
  }
}

bool small_ok(const Conv1dShape& s) { return s.Cin * s.K <= kSmallMax && s.B <= 65535; }

void forward_small(const ConvDims& d, const float* x, const float* w, const float* bias, float* y) {
  if (d.B == 0 || d.Lout == 0 || d.Cout == 0) return;
  const dim3 grid((unsigned)ceil_div(d.Lout, 128), (unsigned)ceil_div(d.Cout, kFwdCoPerBlock),
                  (unsigned)d.B);
  if (d.Cin * d.K <= 4)
    fwd_small_kernel<4><<<grid, 128>>>(x, w, bias, y, d);
  else
    fwd_small_kernel<kSmallMax><<<grid, 128>>>(x, w, bias, y, d);
  SYN_CUDA_LAUNCH_CHECK("conv1d forward (small) B=", d.B, " Cin=", d.Cin, " Cout=", d.Cout,
                        " L=", d.L, " K=", d.K);
}

void weight_small(const ConvDims& d, const float* x, const float* dy, float* dw, float* dbias) {
  const int KK = d.Cin * d.K;
  const i64 J = (i64)d.B * d.Lout;
  if (J == 0) {
    if (dw) SYN_CUDA_CHECK(cudaMemset(dw, 0, sizeof(float) * (size_t)d.Cout * KK), "memset dw");
    if (dbias) SYN_CUDA_CHECK(cudaMemset(dbias, 0, sizeof(float) * (size_t)d.Cout), "memset db");
    return;
  }
  const bool tiny = KK <= 4;
  const int co_t = tiny ? 8 : 2;
  const i64 groups = ceil_div(d.Cout, co_t);
  int S = (int)std::clamp<i64>(ceil_div(4 * sm_count(), groups), 1,
                               std::max<i64>(1, std::min<i64>(65535, J / 2048)));
  const int chunk = (int)ceil_div(J, S);
  S = (int)ceil_div(J, chunk);
  Scratch scratch(sizeof(float) * (size_t)S * d.Cout * (KK + 1));
  float* part = (float*)scratch.p;
  const dim3 grid((unsigned)groups, (unsigned)S);
  if (tiny)
    weight_small_kernel<4, 8><<<grid, 256>>>(x, dy, d, chunk, part);
  else
    weight_small_kernel<kSmallMax, 2><<<grid, 256>>>(x, dy, d, chunk, part);
  SYN_CUDA_LAUNCH_CHECK("conv1d backward weight (small) B=", d.B, " Cin=", d.Cin, " Cout=", d.Cout,
                        " L=", d.L, " K=", d.K, " splits=", S);
  weight_small_final_kernel<<<(unsigned)ceil_div((i64)d.Cout * (KK + 1), 128), 128>>>(
      part, S, d.Cout, KK, dw, dbias);
  SYN_CUDA_LAUNCH_CHECK("conv1d backward weight (small, combine) Cout=", d.Cout, " KK=", KK);
}

// ------------------------------------------------------------------ dispatch per version
// The GEMM version Auto uses at the current precision (engine/precision.h).
ConvVersion gemm_version() {
  switch (math_precision()) {
    case MathPrecision::Bf16:
      return ConvVersion::TcBf16;
    case MathPrecision::Tf32:
      return ConvVersion::TcTf32;
    default:
      return g_tf32 ? ConvVersion::Tf32 : ConvVersion::Tiled;
  }
}

bool is_tc(ConvVersion v) { return v == ConvVersion::TcBf16 || v == ConvVersion::TcTf32; }

ConvVersion resolve(ConvVersion v, const Conv1dShape& s) {
  if (v != ConvVersion::Auto) return v;
  if (small_ok(s)) return ConvVersion::Small;
  return gemm_version();
}

void check_version(ConvVersion v, const Conv1dShape& s, const char* op) {
  SYN_CHECK(conv_version_supported(v, s), op, ": version ", conv_version_name(v),
            " does not support B ", s.B, " Cin ", s.Cin, " K ", s.K);
}

}  // namespace

// ------------------------------------------------------------------ public entry points
const char* conv_version_name(ConvVersion v) {
  switch (v) {
    case ConvVersion::Auto:
      return "auto";
    case ConvVersion::Naive:
      return "v1 naive";
    case ConvVersion::Tiled:
      return "v2 tiled";
    case ConvVersion::Tf32:
      return "v3 tf32";
    case ConvVersion::Small:
      return "small";
    case ConvVersion::TcBf16:
      return "v5 tc bf16";
    case ConvVersion::TcTf32:
      return "v5 tc tf32";
  }
  return "?";
}

bool conv_version_supported(ConvVersion v, const Conv1dShape& s) {
  return v != ConvVersion::Small || small_ok(s);
}

void conv1d_set_tf32(bool on) { g_tf32 = on; }
bool conv1d_tf32() { return g_tf32; }

void conv1d_forward_v(ConvVersion v, const Conv1dShape& s, const float* x, const float* w,
                      const float* bias, float* y) {
  const ConvDims d = dims_of(s, "conv1d forward");
  v = resolve(v, s);
  check_version(v, s, "conv1d forward");
  switch (v) {
    case ConvVersion::Naive: {
      const i64 total = (i64)d.B * d.Cout * d.Lout;
      if (total == 0) return;
      fwd_naive_kernel<<<grid_for(total, 256), 256>>>(x, w, bias, y, d);
      SYN_CUDA_LAUNCH_CHECK("conv1d forward (naive) B=", s.B, " Cin=", s.Cin, " Cout=", s.Cout,
                            " L=", s.L);
      return;
    }
    case ConvVersion::Small:
      forward_small(d, x, w, bias, y);
      return;
    case ConvVersion::TcBf16:
    case ConvVersion::TcTf32:
      forward_tc(v == ConvVersion::TcBf16, s, x, w, bias, y);
      return;
    default:
      forward_tiled(v == ConvVersion::Tf32, s, x, w, bias, y);
      return;
  }
}

void conv1d_backward_data_v(ConvVersion v, const Conv1dShape& s, const float* dy, const float* w,
                            float* dx) {
  const ConvDims d = dims_of(s, "conv1d backward data");
  if (v == ConvVersion::Auto) {
    v = s.Cin <= 16 ? ConvVersion::Naive : gemm_version();
    if (is_tc(v) && s.stride != 1) v = ConvVersion::Tf32;  // v5's data path is stride 1 only
  }
  check_version(v, s, "conv1d backward data");
  switch (v) {
    case ConvVersion::Naive:
    case ConvVersion::Small: {  // the direct kernel is the small-Cin path
      const i64 total = (i64)d.B * d.Cin * d.L;
      if (total == 0) return;
      data_naive_kernel<<<grid_for(total, 256), 256>>>(dy, w, dx, d);
      SYN_CUDA_LAUNCH_CHECK("conv1d backward data (direct) B=", s.B, " Cin=", s.Cin,
                            " Cout=", s.Cout, " L=", s.L);
      return;
    }
    case ConvVersion::TcBf16:
    case ConvVersion::TcTf32:
      data_tc(v == ConvVersion::TcBf16, s, dy, w, dx);
      return;
    default:
      data_tiled(v == ConvVersion::Tf32, s, dy, w, dx);
      return;
  }
}

void conv1d_backward_weight_v(ConvVersion v, const Conv1dShape& s, const float* x, const float* dy,
                              float* dw, float* dbias) {
  const ConvDims d = dims_of(s, "conv1d backward weight");
  v = resolve(v, s);
  check_version(v, s, "conv1d backward weight");
  switch (v) {
    case ConvVersion::Naive: {
      const i64 total = (i64)d.Cout * d.Cin * d.K;
      SYN_CHECK(total < (i64{1} << 31), "conv1d backward weight (naive): ", total,
                " weights exceed the grid");
      if (dw && total > 0) {
        weight_naive_kernel<<<(unsigned)total, 256>>>(x, dy, dw, d);
        SYN_CUDA_LAUNCH_CHECK("conv1d backward weight (naive) B=", s.B, " Cin=", s.Cin,
                              " Cout=", s.Cout, " L=", s.L);
      }
      if (dbias && d.Cout > 0) {
        bias_naive_kernel<<<(unsigned)d.Cout, 256>>>(dy, dbias, d);
        SYN_CUDA_LAUNCH_CHECK("conv1d bias grad (naive) Cout=", s.Cout);
      }
      return;
    }
    case ConvVersion::Small:
      weight_small(d, x, dy, dw, dbias);
      return;
    default:  // v5 has no weight-gradient kernel: its precisions run v3 (TF32) here
      if (dw) weight_tiled(v == ConvVersion::Tf32 || is_tc(v), s, x, dy, dw);
      if (dbias) bias_grad(d, dy, dbias);
      return;
  }
}

void conv1d_forward(const Conv1dShape& s, const float* x, const float* w, const float* bias,
                    float* y) {
  conv1d_forward_v(ConvVersion::Auto, s, x, w, bias, y);
}
void conv1d_backward_data(const Conv1dShape& s, const float* dy, const float* w, float* dx) {
  conv1d_backward_data_v(ConvVersion::Auto, s, dy, w, dx);
}
void conv1d_backward_weight(const Conv1dShape& s, const float* x, const float* dy, float* dw,
                            float* dbias) {
  conv1d_backward_weight_v(ConvVersion::Auto, s, x, dy, dw, dbias);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::conv1d_forward_kernel, conv1d_forward);
  register_cuda_kernel(syn::conv1d_backward_data_kernel, conv1d_backward_data);
  register_cuda_kernel(syn::conv1d_backward_weight_kernel, conv1d_backward_weight);
});
}  // namespace

}  // namespace syn::cuda_kernels
