// attention.cu — CUDA scaled dot-product attention: a fused streaming-softmax forward and a
// two-kernel, atomic-free backward.
//
// CPU reference: engine/ops/attention.cpp (same slots, same masking rules: key padding, the
// bottom-right-aligned causal rule j <= i + Tk - Tq, zeros and lse = -inf for a row that sees no
// key). Layout: q [B, H, Tq, D], k and v [B, H, Tk, D], contiguous; D <= 128.
//
// Work decomposition shared by the three kernels ("warp per row, lane per column of a tile"):
// a block of kWarps warps owns kBr = kWarps * kRows rows (each warp kRows of them, in registers),
// and streams the other side in tiles of kBc = 32 rows through shared memory, one tile row per
// lane. For its rows a lane computes the 32 dot products against "its" tile row (scores), and
// each lane owns the output columns d = lane + 32c (c < C = ceil(D / 32)); a probability is
// passed to all lanes with a warp shuffle when the tile's rows are accumulated.
// Shared memory rows read "one row per lane" use an odd stride (D | 1): lane l reads bank
// (l * stride + c) mod 32, all distinct, so the dot products are conflict-free.
//
//   forward (v1, fused, flash-attention's online softmax): for each key tile, scores s_ij,
//       the running row max m and sum l (rescaled by exp(m_old - m_new) when the max grows), and
//       the unnormalised output acc += p_ij v_j, all in registers; the [Tq, Tk] matrix never
//       exists. Writes out = acc / l and lse = m + log l. Causal: key tiles past the block's last
//       visible key are skipped.
//   backward (v1, not fused — a documented simplification; the decoder's T <= 128 keeps the
//       recomputation cheap):
//       1. Drow_i = dout_i . out_i (a warp per row);
//       2. dq: rows = queries, tiles = keys: p = exp(scale s - lse_i), dp = dout_i . v_j,
//          ds = p (dp - Drow_i), dq_i += scale ds k_j;
//       3. dk, dv: rows = keys, tiles = queries: the same p and ds recomputed, dv_j += p dout_i,
//          dk_j += scale ds q_i.
//       Scores are computed twice (once per kernel) instead of accumulating dk/dv with atomics:
//       deterministic, every output element written exactly once.
// fp32 throughout (expf, fp32 accumulators), like the CPU kernels' dot products; results agree
// with the CPU to rounding (the order of the sums differs).
// Timings: not yet measured (no GPU was available when this was written).
#include <algorithm>
#include <cmath>

#include "engine/ops/attention.h"
#include "kernels/attention_cuda.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

constexpr int kWarps = 4;
constexpr int kRows = 4;             // rows per warp
constexpr int kBr = kWarps * kRows;  // rows per block
constexpr int kBc = 32;              // tile rows (one per lane)
constexpr int kThreads = kWarps * 32;
constexpr int kDefaultSmem = 48 * 1024;  // usable without opting in

struct Params {
  int B, H, Tq, Tk, D;
  int ks;  // odd shared-memory row stride
  float scale;
  bool causal;
  int off;  // Tk - Tq: query i sees keys j <= i + off when causal
};

// Copies rows [r0, r0 + kBc or kBr) of a [T, D] matrix into shared memory (row stride `stride`),
// zeros past T.
__device__ __forceinline__ void load_rows(float* sm, int stride, const float* __restrict__ base,
                                          int r0, int nrows, int T, int D) {
  for (int e = threadIdx.x; e < nrows * D; e += blockDim.x) {
    const int r = e / D, c = e - r * D, t = r0 + r;
    sm[r * stride + c] = t < T ? base[(long long)t * D + c] : 0.0f;
  }
}

__device__ __forceinline__ bool key_visible(const Params& p, const float* pad_b, int i, int j) {
  if (i >= p.Tq || j >= p.Tk) return false;
  if (pad_b && pad_b[j] != 0.0f) return false;
  return !p.causal || j <= i + p.off;
}

// Keys [0, end) that some row of [i0, i0 + kBr) may see.
__device__ __forceinline__ int key_end_for_block(const Params& p, int i0) {
  if (!p.causal) return p.Tk;
  const int last = min(i0 + kBr - 1, p.Tq - 1);
  return max(0, min(p.Tk, last + p.off + 1));
}

// ---------------------------------------------------------------------------------- forward

template <int C>
__global__ void __launch_bounds__(kThreads)
    attention_forward_kernel(const float* __restrict__ q, const float* __restrict__ k,
                             const float* __restrict__ v, const float* __restrict__ pad,
                             float* __restrict__ out, float* __restrict__ lse, Params p) {
  extern __shared__ float sm[];
  const int D = p.D, ks = p.ks;
  float* Qs = sm;             // [kBr][D]   broadcast reads
  float* Ks = Qs + kBr * D;   // [kBc][ks]  one row per lane
  float* Vs = Ks + kBc * ks;  // [kBc][D]   one column per lane
  const int qtiles = (p.Tq + kBr - 1) / kBr;
  const long long bh = blockIdx.x / qtiles;
  const int i0 = (int)(blockIdx.x % qtiles) * kBr;
  const int b = (int)(bh / p.H);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const float* pad_b = pad ? pad + (long long)b * p.Tk : nullptr;
  const float* kb = k + bh * p.Tk * D;
  const float* vb = v + bh * p.Tk * D;

  load_rows(Qs, D, q + bh * p.Tq * D, i0, kBr, p.Tq, D);

  float m[kRows], l[kRows], acc[kRows][C];
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    m[r] = -INFINITY, l[r] = 0.0f;
#pragma unroll
    for (int c = 0; c < C; ++c) acc[r][c] = 0.0f;
  }

  const int kend = key_end_for_block(p, i0);
  for (int j0 = 0; j0 < kend; j0 += kBc) {
    __syncthreads();  // the previous tile is consumed (and, first time round, Qs is written)
    load_rows(Ks, ks, kb, j0, kBc, p.Tk, D);
    load_rows(Vs, D, vb, j0, kBc, p.Tk, D);
    __syncthreads();
    const int j = j0 + lane;
    float s[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) s[r] = 0.0f;
    for (int c = 0; c < D; ++c) {
      const float kv = Ks[lane * ks + c];
#pragma unroll
      for (int r = 0; r < kRows; ++r) s[r] += Qs[(warp * kRows + r) * D + c] * kv;
    }
    float pr[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      const int i = i0 + warp * kRows + r;
      const bool ok = key_visible(p, pad_b, i, j);
      const float sv = ok ? s[r] * p.scale : -INFINITY;
      const float mnew = fmaxf(m[r], warp_max(sv));  // warp-uniform
      if (mnew == -INFINITY) {  // nothing visible yet in this row: state stays empty
        pr[r] = 0.0f;
        continue;
      }
      const float pj = ok ? expf(sv - mnew) : 0.0f;
      const float corr = expf(m[r] - mnew);  // 0 when m was -inf
      l[r] = l[r] * corr + warp_sum(pj);
#pragma unroll
      for (int c = 0; c < C; ++c) acc[r][c] *= corr;
      m[r] = mnew;
      pr[r] = pj;
    }
    const int jn = min(kBc, p.Tk - j0);
    for (int jj = 0; jj < jn; ++jj) {
      float vv[C];
#pragma unroll
      for (int c = 0; c < C; ++c) {
        const int d = lane + 32 * c;
        vv[c] = d < D ? Vs[jj * D + d] : 0.0f;
      }
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        const float pj = __shfl_sync(kFullMask, pr[r], jj);
#pragma unroll
        for (int c = 0; c < C; ++c) acc[r][c] += pj * vv[c];
      }
    }
  }

#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const int i = i0 + warp * kRows + r;
    if (i >= p.Tq) continue;
    const float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;  // l == 0: a fully masked row, zeros
    float* oi = out + (bh * p.Tq + i) * D;
#pragma unroll
    for (int c = 0; c < C; ++c) {
      const int d = lane + 32 * c;
      if (d < D) oi[d] = acc[r][c] * inv;
    }
    if (lane == 0) lse[bh * p.Tq + i] = l[r] > 0.0f ? m[r] + logf(l[r]) : -INFINITY;
  }
}

// --------------------------------------------------------------------------------- backward

// Drow_i = dout_i . out_i, a warp per row.
__global__ void attention_row_dot_kernel(const float* __restrict__ out,
                                         const float* __restrict__ dout, float* __restrict__ drow,
                                         long long rows, int D) {
  const long long warps = (long long)gridDim.x * (blockDim.x >> 5);
  for (long long r = blockIdx.x * (long long)(blockDim.x >> 5) + (threadIdx.x >> 5); r < rows;
       r += warps) {
    const int lane = threadIdx.x & 31;
    float s = 0.0f;
    for (int d = lane; d < D; d += 32) s += out[r * D + d] * dout[r * D + d];
    s = warp_sum(s);
    if (lane == 0) drow[r] = s;
  }
}

// dq: rows = queries of the block, tiles = keys.
template <int C>
__global__ void __launch_bounds__(kThreads)
    attention_backward_dq_kernel(const float* __restrict__ q, const float* __restrict__ k,
                                 const float* __restrict__ v, const float* __restrict__ pad,
                                 const float* __restrict__ lse, const float* __restrict__ drow,
                                 const float* __restrict__ dout, float* __restrict__ dq, Params p) {
  extern __shared__ float sm[];
  const int D = p.D, ks = p.ks;
  float* Qs = sm;             // [kBr][D]
  float* Gs = Qs + kBr * D;   // [kBr][D]   dout rows
  float* Ks = Gs + kBr * D;   // [kBc][ks]
  float* Vs = Ks + kBc * ks;  // [kBc][ks]
  const int qtiles = (p.Tq + kBr - 1) / kBr;
  const long long bh = blockIdx.x / qtiles;
  const int i0 = (int)(blockIdx.x % qtiles) * kBr;
  const int b = (int)(bh / p.H);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const float* pad_b = pad ? pad + (long long)b * p.Tk : nullptr;

  load_rows(Qs, D, q + bh * p.Tq * D, i0, kBr, p.Tq, D);
  load_rows(Gs, D, dout + bh * p.Tq * D, i0, kBr, p.Tq, D);
  float L[kRows], Dr[kRows], acc[kRows][C];
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const int i = i0 + warp * kRows + r;
    L[r] = i < p.Tq ? lse[bh * p.Tq + i] : -INFINITY;
    Dr[r] = i < p.Tq ? drow[bh * p.Tq + i] : 0.0f;
#pragma unroll
    for (int c = 0; c < C; ++c) acc[r][c] = 0.0f;
  }

  const int kend = key_end_for_block(p, i0);
  for (int j0 = 0; j0 < kend; j0 += kBc) {
    __syncthreads();
    load_rows(Ks, ks, k + bh * p.Tk * D, j0, kBc, p.Tk, D);
    load_rows(Vs, ks, v + bh * p.Tk * D, j0, kBc, p.Tk, D);
    __syncthreads();
    const int j = j0 + lane;
    float s[kRows], dp[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) s[r] = 0.0f, dp[r] = 0.0f;
    for (int c = 0; c < D; ++c) {
      const float kv = Ks[lane * ks + c], vv = Vs[lane * ks + c];
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        s[r] += Qs[(warp * kRows + r) * D + c] * kv;
        dp[r] += Gs[(warp * kRows + r) * D + c] * vv;
      }
    }
    float ds[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      const int i = i0 + warp * kRows + r;
      const bool ok = key_visible(p, pad_b, i, j) && L[r] != -INFINITY;
      const float pij = ok ? expf(s[r] * p.scale - L[r]) : 0.0f;
      ds[r] = pij * (dp[r] - Dr[r]);
    }
    const int jn = min(kBc, p.Tk - j0);
    for (int jj = 0; jj < jn; ++jj) {
      float kk[C];
#pragma unroll
      for (int c = 0; c < C; ++c) {
        const int d = lane + 32 * c;
        kk[c] = d < D ? Ks[jj * ks + d] : 0.0f;
      }
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        const float g = __shfl_sync(kFullMask, ds[r], jj);
#pragma unroll
        for (int c = 0; c < C; ++c) acc[r][c] += g * kk[c];
      }
    }
  }

#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const int i = i0 + warp * kRows + r;
    if (i >= p.Tq) continue;
    float* o = dq + (bh * p.Tq + i) * D;
#pragma unroll
    for (int c = 0; c < C; ++c) {
      const int d = lane + 32 * c;
      if (d < D) o[d] = acc[r][c] * p.scale;
    }
  }
}

// dk, dv: rows = keys of the block, tiles = queries.
template <int C>
__global__ void __launch_bounds__(kThreads)
    attention_backward_dkv_kernel(const float* __restrict__ q, const float* __restrict__ k,
                                  const float* __restrict__ v, const float* __restrict__ pad,
                                  const float* __restrict__ lse, const float* __restrict__ drow,
                                  const float* __restrict__ dout, float* __restrict__ dk,
                                  float* __restrict__ dv, Params p) {
  extern __shared__ float sm[];
  const int D = p.D, ks = p.ks;
  float* Kr = sm;             // [kBr][D]   this block's keys (broadcast reads)
  float* Vr = Kr + kBr * D;   // [kBr][D]
  float* Qs = Vr + kBr * D;   // [kBc][ks]  query tile
  float* Gs = Qs + kBc * ks;  // [kBc][ks]  dout tile
  const int ktiles = (p.Tk + kBr - 1) / kBr;
  const long long bh = blockIdx.x / ktiles;
  const int j0 = (int)(blockIdx.x % ktiles) * kBr;
  const int b = (int)(bh / p.H);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const float* pad_b = pad ? pad + (long long)b * p.Tk : nullptr;

  load_rows(Kr, D, k + bh * p.Tk * D, j0, kBr, p.Tk, D);
  load_rows(Vr, D, v + bh * p.Tk * D, j0, kBr, p.Tk, D);
  float ak[kRows][C], av[kRows][C];
#pragma unroll
  for (int r = 0; r < kRows; ++r)
#pragma unroll
    for (int c = 0; c < C; ++c) ak[r][c] = 0.0f, av[r][c] = 0.0f;

  // Queries that can see one of this block's keys: i >= j0 - off under the causal rule.
  const int qstart = p.causal ? max(0, j0 - p.off) : 0;
  for (int t0 = qstart; t0 < p.Tq; t0 += kBc) {
    __syncthreads();
    load_rows(Qs, ks, q + bh * p.Tq * D, t0, kBc, p.Tq, D);
    load_rows(Gs, ks, dout + bh * p.Tq * D, t0, kBc, p.Tq, D);
    __syncthreads();
    const int i = t0 + lane;
    const float Li = i < p.Tq ? lse[bh * p.Tq + i] : -INFINITY;
    const float Di = i < p.Tq ? drow[bh * p.Tq + i] : 0.0f;
    float s[kRows], dp[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) s[r] = 0.0f, dp[r] = 0.0f;
    for (int c = 0; c < D; ++c) {
      const float qv = Qs[lane * ks + c], gv = Gs[lane * ks + c];
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        s[r] += Kr[(warp * kRows + r) * D + c] * qv;
        dp[r] += Vr[(warp * kRows + r) * D + c] * gv;
      }
    }
    float pr[kRows], ds[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      const int j = j0 + warp * kRows + r;
      const bool ok = key_visible(p, pad_b, i, j) && Li != -INFINITY;
      pr[r] = ok ? expf(s[r] * p.scale - Li) : 0.0f;
      ds[r] = pr[r] * (dp[r] - Di);
    }
    const int in = min(kBc, p.Tq - t0);
    for (int ii = 0; ii < in; ++ii) {
      float qq[C], gg[C];
#pragma unroll
      for (int c = 0; c < C; ++c) {
        const int d = lane + 32 * c;
        qq[c] = d < D ? Qs[ii * ks + d] : 0.0f;
        gg[c] = d < D ? Gs[ii * ks + d] : 0.0f;
      }
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        const float pj = __shfl_sync(kFullMask, pr[r], ii);
        const float dsj = __shfl_sync(kFullMask, ds[r], ii);
#pragma unroll
        for (int c = 0; c < C; ++c) {
          av[r][c] += pj * gg[c];
          ak[r][c] += dsj * qq[c];
        }
      }
    }
  }

#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const int j = j0 + warp * kRows + r;
    if (j >= p.Tk) continue;
    float* okk = dk + (bh * p.Tk + j) * D;
    float* ovv = dv + (bh * p.Tk + j) * D;
#pragma unroll
    for (int c = 0; c < C; ++c) {
      const int d = lane + 32 * c;
      if (d < D) okk[d] = ak[r][c] * p.scale, ovv[d] = av[r][c];
    }
  }
}

// ----------------------------------------------------------------------------------- launch

Params make_params(const AttentionDims& m) {
  SYN_CHECK(m.D >= 1 && m.D <= kAttentionMaxHeadDim, "attention (CUDA): head size ", m.D,
            " is outside the supported 1..", kAttentionMaxHeadDim);
  SYN_CHECK(m.B * m.H * m.Tq * m.D < (int64_t{1} << 40) && m.Tq < (1 << 30) && m.Tk < (1 << 30),
            "attention (CUDA): sizes B=", m.B, " H=", m.H, " Tq=", m.Tq, " Tk=", m.Tk,
            " are too large");
  Params p;
  p.B = (int)m.B, p.H = (int)m.H, p.Tq = (int)m.Tq, p.Tk = (int)m.Tk, p.D = (int)m.D;
  p.ks = p.D | 1;
  p.scale = m.scale;
  p.causal = m.causal;
  p.off = p.Tk - p.Tq;
  return p;
}

// Dynamic shared memory above 48 KiB must be opted into per kernel (sm_80: up to 163 KiB).
template <class Kern>
void allow_smem(Kern kernel, size_t bytes, const char* what) {
  if (bytes <= (size_t)kDefaultSmem) return;
  SYN_CUDA_CHECK(
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes),
      "attention ", what, ": allowing ", bytes, " bytes of shared memory");
}

unsigned blocks_for_rows(const Params& p, int rows) {
  const long long tiles = (rows + kBr - 1) / kBr;
  const long long n = (long long)p.B * p.H * tiles;
  SYN_CHECK(n < (1LL << 31), "attention (CUDA): ", n, " blocks exceed the grid");
  return (unsigned)n;
}

template <int C>
void forward_c(const float* q, const float* k, const float* v, const float* pad, float* out,
               float* lse, const Params& p) {
  const size_t smem = sizeof(float) * ((size_t)kBr * p.D + (size_t)kBc * p.ks + (size_t)kBc * p.D);
  allow_smem(attention_forward_kernel<C>, smem, "forward");
  attention_forward_kernel<C>
      <<<blocks_for_rows(p, p.Tq), kThreads, smem>>>(q, k, v, pad, out, lse, p);
}

template <int C>
void backward_c(const float* q, const float* k, const float* v, const float* pad, const float* lse,
                const float* drow, const float* dout, float* dq, float* dk, float* dv,
                const Params& p) {
  const size_t smem = sizeof(float) * (2 * (size_t)kBr * p.D + 2 * (size_t)kBc * p.ks);
  allow_smem(attention_backward_dq_kernel<C>, smem, "backward dq");
  attention_backward_dq_kernel<C>
      <<<blocks_for_rows(p, p.Tq), kThreads, smem>>>(q, k, v, pad, lse, drow, dout, dq, p);
  SYN_CUDA_LAUNCH_CHECK("attention backward dq B=", p.B, " H=", p.H, " Tq=", p.Tq, " Tk=", p.Tk,
                        " D=", p.D);
  allow_smem(attention_backward_dkv_kernel<C>, smem, "backward dk/dv");
  attention_backward_dkv_kernel<C>
      <<<blocks_for_rows(p, p.Tk), kThreads, smem>>>(q, k, v, pad, lse, drow, dout, dk, dv, p);
  SYN_CUDA_LAUNCH_CHECK("attention backward dk/dv B=", p.B, " H=", p.H, " Tq=", p.Tq, " Tk=", p.Tk,
                        " D=", p.D);
}

}  // namespace

void attention_forward(const float* q, const float* k, const float* v, const float* key_padding,
                       float* out, float* lse, const AttentionDims& dims) {
  if (dims.B * dims.H * dims.Tq == 0) return;
  const Params p = make_params(dims);
  switch ((p.D + 31) / 32) {
    case 1:
      forward_c<1>(q, k, v, key_padding, out, lse, p);
      break;
    case 2:
      forward_c<2>(q, k, v, key_padding, out, lse, p);
      break;
    case 3:
      forward_c<3>(q, k, v, key_padding, out, lse, p);
      break;
    default:
      forward_c<4>(q, k, v, key_padding, out, lse, p);
      break;
  }
  SYN_CUDA_LAUNCH_CHECK("attention forward B=", p.B, " H=", p.H, " Tq=", p.Tq, " Tk=", p.Tk,
                        " D=", p.D, " causal=", p.causal);
}

void attention_backward(const float* q, const float* k, const float* v, const float* key_padding,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk,
                        float* dv, const AttentionDims& dims) {
  const Params p = make_params(dims);
  const long long rows = (long long)p.B * p.H * p.Tq;
  if (rows == 0 || p.Tk == 0) {  // nothing to attend: the op handles these before calling
    return;
  }
  Scratch drow_buf((size_t)rows * sizeof(float));
  float* drow = drow_buf.as<float>();
  attention_row_dot_kernel<<<grid_for(rows, kThreads / 32), kThreads>>>(out, dout, drow, rows, p.D);
  SYN_CUDA_LAUNCH_CHECK("attention backward row dots rows=", rows, " D=", p.D);
  switch ((p.D + 31) / 32) {
    case 1:
      backward_c<1>(q, k, v, key_padding, lse, drow, dout, dq, dk, dv, p);
      break;
    case 2:
      backward_c<2>(q, k, v, key_padding, lse, drow, dout, dq, dk, dv, p);
      break;
    case 3:
      backward_c<3>(q, k, v, key_padding, lse, drow, dout, dq, dk, dv, p);
      break;
    default:
      backward_c<4>(q, k, v, key_padding, lse, drow, dout, dq, dk, dv, p);
      break;
  }
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::attention_forward_kernel, attention_forward);
  register_cuda_kernel(syn::attention_backward_kernel, attention_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
