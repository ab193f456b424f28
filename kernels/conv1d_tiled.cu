// conv1d_tiled.cu — the implicit-GEMM conv1d kernels: v2 (fp32 FMA, register-blocked) and v3
// (TF32 tensor cores via wmma), for forward, backward-data and backward-weight. Entry points,
// the version table, v1, the Small kernels and the bias gradient are in kernels/conv1d.cu; the
// CPU reference is engine/ops/conv1d.cpp.
//
// One kernel template, igemm_kernel<Loader, Core, Tile>, serves all three GEMMs:
//   Loader  gathers one BK-deep slice of A (BM x BK) and B (BK x BN) straight from x / w / dy
//           (the im2col operand is never built) into registers, then stashes it in shared
//           memory; per-thread im2col coordinates advance incrementally, so the main loop has no
//           integer division. Threads walk the direction contiguous in memory (coalesced).
//   Core    FmaCore (v2): 8x8 outputs per thread, float4 shared loads, fmaf.
//           Tf32Core (v3): 32x64 per warp as 2x4 wmma m16n16k8 TF32 fragments, fp32 accumulate.
//   Tile    128x128 (256 threads) or 64x64 (64 threads, v2 only, when M <= 64).
// Shared memory is double-buffered: slice k+1 is loaded from global memory into registers while
// slice k is multiplied, and one __syncthreads per slice separates the two buffers' uses.
// With fewer output tiles than SMs the depth is split over grid.z into partial sums that a
// second kernel adds in a fixed order (deterministic; no atomics).
#include <mma.h>

#include <algorithm>

#include "kernels/conv1d_cuda.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

using namespace conv1d_detail;
using i64 = long long;

constexpr int BK = 8;   // depth slice staged in shared memory
constexpr int PAD = 4;  // shared rows padded by 4 floats: conflict-free transposed stores, and
                        // rows stay 16-byte aligned for float4 loads

// ------------------------------------------------------------------------------------------
// Output of a tiled GEMM: the final tensor (C(m, n) at (n / seg)*M*seg + m*seg + n % seg, plus
// bias[m]) or, when the depth is split, the partial sums part[z][m][n].
struct Out {
  float* y;
  const float* bias;
  float* part;
  int M, N, seg;
};

template <int BM_, int BN_>
struct Tile {
  static constexpr int BM = BM_, BN = BN_, NT = BM * BN / 64;  // 8x8 outputs per thread
  static constexpr int LDA = BM + PAD, LDB = BN + PAD;
};
using T128 = Tile<128, 128>;
using T64 = Tile<64, 64>;

// ------------------------------------------------------------------ loaders (im2col gathers)
// Each loader fetches one BK-deep slice of A (BM x BK) and B (BK x BN) into registers (fetch)
// and writes them to shared memory as As[k][m], Bs[k][n] (stash). Threads walk the direction
// that is contiguous in memory, so global loads coalesce.

template <class T>
struct FwdLoader {  // A = w [Cout, Cin*K] along depth; B = im2col(x) along n = (b, t)
  static constexpr int AR = T::BM * BK / T::NT, ARS = T::NT / BK;
  static constexpr int BR = T::BN * BK / T::NT, BRS = T::NT / T::BN;
  struct Params {
    const float* x;
    const float* w;
    ConvDims d;
    int M, N, KK, dk, dci;  // dk, dci: BK % K, BK / K
  };
  const float* w;
  const float* xb;
  int M, KK, L, K, dk, dci, kend, kcur, a_k, a_m, b_k, b_n, pos0;
  bool nvalid;
  int ci[BR], kt[BR];
  float ra[AR], rb[BR];

  __device__ FwdLoader(const Params& p, int tid, int bm0, int bn0, int kbeg, int kend_)
      : w(p.w),
        M(p.M),
        KK(p.KK),
        L(p.d.L),
        K(p.d.K),
        dk(p.dk),
        dci(p.dci),
        kend(kend_),
        kcur(kbeg) {
    a_k = tid % BK;
    a_m = tid / BK;
    b_k = tid / T::BN;
    b_n = tid % T::BN;
    const int n = bn0 + b_n;
    nvalid = n < p.N;
    const int b = nvalid ? n / p.d.Lout : 0, t = nvalid ? n - b * p.d.Lout : 0;
    xb = p.x + (i64)b * p.d.Cin * L;
    pos0 = t * p.d.stride - p.d.pad;
#pragma unroll
    for (int i = 0; i < BR; ++i) {
      const int kk = kbeg + b_k + i * BRS;
      ci[i] = kk / K;
      kt[i] = kk - ci[i] * K;
    }
    a_m += bm0;
  }
  __device__ void fetch() {
    const int ka = kcur + a_k;
#pragma unroll
    for (int i = 0; i < AR; ++i) {
      const int m = a_m + i * ARS;
      ra[i] = (m < M && ka < kend) ? __ldg(w + (i64)m * KK + ka) : 0.f;
    }
#pragma unroll
    for (int i = 0; i < BR; ++i) {
      const int kk = kcur + b_k + i * BRS, pos = pos0 + kt[i];
      rb[i] = (nvalid && kk < kend && pos >= 0 && pos < L) ? __ldg(xb + (i64)ci[i] * L + pos) : 0.f;
      kt[i] += dk;
      ci[i] += dci;
      if (kt[i] >= K) kt[i] -= K, ++ci[i];
    }
    kcur += BK;
  }
  __device__ void stash(float* As, float* Bs, int bm0) const {
#pragma unroll
    for (int i = 0; i < AR; ++i) As[a_k * T::LDA + (a_m - bm0) + i * ARS] = ra[i];
#pragma unroll
    for (int i = 0; i < BR; ++i) Bs[(b_k + i * BRS) * T::LDB + b_n] = rb[i];
  }
};

// Square tiles only: the A rows (tid / BM + i*NT/BM) and B rows (tid / BN + i*NT/BN) are then
// the same depth indices, so one (co, k) state per row serves both operands.
template <class T, bool kStride1>
struct DataLoader {  // A = w seen as [Cin, (co,k)] along m; B = dy gathered along n = (b, l)
  static_assert(T::BM == T::BN, "DataLoader shares its depth coordinates between A and B");
  static constexpr int R = T::BM * BK / T::NT, RS = T::NT / T::BM;
  struct Params {
    const float* dy;
    const float* w;
    ConvDims d;
    int M, N, KK, dk, dci;
  };
  const float* w;
  const float* dyb;
  int Cin, K, Lout, stride, dk, dci, kend, kcur, r_k, c, m, q0;
  bool mvalid, nvalid;
  int co[R], kt[R];
  float ra[R], rb[R];

  __device__ DataLoader(const Params& p, int tid, int bm0, int bn0, int kbeg, int kend_)
      : w(p.w),
        Cin(p.d.Cin),
        K(p.d.K),
        Lout(p.d.Lout),
        stride(p.d.stride),
        dk(p.dk),
        dci(p.dci),
        kend(kend_),
        kcur(kbeg) {
    c = tid % T::BM;  // this thread's column of the A tile (m) and of the B tile (n)
    r_k = tid / T::BM;
    m = bm0 + c;
    mvalid = m < p.M;
    const int n = bn0 + c;
    nvalid = n < p.N;
    const int b = nvalid ? n / p.d.L : 0, l = nvalid ? n - b * p.d.L : 0;
    dyb = p.dy + (i64)b * p.d.Cout * Lout;
    q0 = l + p.d.pad;
#pragma unroll
    for (int i = 0; i < R; ++i) {
      const int kk = kbeg + r_k + i * RS;
      co[i] = kk / K;
      kt[i] = kk - co[i] * K;
    }
  }
  __device__ void fetch() {
#pragma unroll
    for (int i = 0; i < R; ++i) {
      const bool ok_k = kcur + r_k + i * RS < kend;
      ra[i] = (mvalid && ok_k) ? __ldg(w + ((i64)co[i] * Cin + m) * K + kt[i]) : 0.f;
      const int num = q0 - kt[i];
      int t;
      bool ok;
      if (kStride1) {
        t = num;
        ok = t >= 0 && t < Lout;
      } else {
        t = num >= 0 ? num / stride : -1;
        ok = num >= 0 && t * stride == num && t < Lout;
      }
      rb[i] = (nvalid && ok_k && ok) ? __ldg(dyb + (i64)co[i] * Lout + t) : 0.f;
      kt[i] += dk;
      co[i] += dci;
      if (kt[i] >= K) kt[i] -= K, ++co[i];
    }
    kcur += BK;
  }
  __device__ void stash(float* As, float* Bs, int) const {
#pragma unroll
    for (int i = 0; i < R; ++i) {
      As[(r_k + i * RS) * T::LDA + c] = ra[i];
      Bs[(r_k + i * RS) * T::LDB + c] = rb[i];
    }
  }
};

template <class T>
struct WeightLoader {  // A = dy [Cout, (b,t)], B = im2col(x)^T [(b,t), (ci,k)]; both along depth
  static constexpr int AR = T::BM * BK / T::NT, ARS = T::NT / BK;
  static constexpr int BR = T::BN * BK / T::NT, BRS = T::NT / BK;
  struct Params {
    const float* x;
    const float* dy;
    ConvDims d;
    int M, N, db, dt;  // db, dt: BK / Lout, BK % Lout
  };
  const float* x;
  const float* dy;
  int Cin, Cout, L, Lout, stride, M, db, dt, kend, j, b, t, a_j, a_m, b_n;
  int boff[BR], koff[BR];  // koff is far negative for columns past N (never inside [0, L))
  float ra[AR], rb[BR];

  __device__ WeightLoader(const Params& p, int tid, int bm0, int bn0, int kbeg, int kend_)
      : x(p.x),
        dy(p.dy),
        Cin(p.d.Cin),
        Cout(p.d.Cout),
        L(p.d.L),
        Lout(p.d.Lout),
        stride(p.d.stride),
        M(p.M),
        db(p.db),
        dt(p.dt),
        kend(kend_) {
    a_j = tid % BK;
    a_m = bm0 + tid / BK;
    b_n = tid / BK;
    j = kbeg + a_j;
    b = j / Lout;
    t = j - b * Lout;
#pragma unroll
    for (int i = 0; i < BR; ++i) {
      const int n = bn0 + b_n + i * BRS;
      const bool ok = n < p.N;
      const int ci = ok ? n / p.d.K : 0, k = ok ? n - ci * p.d.K : 0;
      boff[i] = ci * L;
      koff[i] = ok ? k - p.d.pad : -(1 << 30);
    }
  }
  __device__ void fetch() {
    const bool okj = j < kend;
    const float* g = dy + (i64)b * Cout * Lout + t;
#pragma unroll
    for (int i = 0; i < AR; ++i) {
      const int m = a_m + i * ARS;
      ra[i] = (okj && m < M) ? __ldg(g + (i64)m * Lout) : 0.f;
    }
    const float* xb = x + (i64)b * Cin * L;
    const int pb = t * stride;
#pragma unroll
    for (int i = 0; i < BR; ++i) {
      const int pos = pb + koff[i];
      rb[i] = (okj && pos >= 0 && pos < L) ? __ldg(xb + boff[i] + pos) : 0.f;
    }
    j += BK;
    t += dt;
    b += db;
    if (t >= Lout) t -= Lout, ++b;
  }
  __device__ void stash(float* As, float* Bs, int bm0) const {
#pragma unroll
    for (int i = 0; i < AR; ++i) As[a_j * T::LDA + (a_m - bm0) + i * ARS] = ra[i];
#pragma unroll
    for (int i = 0; i < BR; ++i) Bs[a_j * T::LDB + b_n + i * BRS] = rb[i];
  }
};

// ------------------------------------------------------------------ compute cores
// v2: each thread owns rows {ty*4 + q, BM/2 + ty*4 + q} and columns {tx*4 + q, BN/2 + tx*4 + q}
// (q < 4) of the tile, read as float4 from shared memory (a warp reads 2 A and 16 B vectors per
// depth step: broadcast and conflict-free).
template <class T>
struct FmaCore {
  float acc[8][8];
  int ty, tx;
  __device__ explicit FmaCore(int tid) : ty(tid / (T::BN / 8)), tx(tid % (T::BN / 8)) {
#pragma unroll
    for (int i = 0; i < 8; ++i)
#pragma unroll
      for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;
  }
  __device__ void step(const float* As, const float* Bs) {
#pragma unroll
    for (int k = 0; k < BK; ++k) {
      const float4 a0 = *reinterpret_cast<const float4*>(As + k * T::LDA + ty * 4);
      const float4 a1 = *reinterpret_cast<const float4*>(As + k * T::LDA + T::BM / 2 + ty * 4);
      const float4 b0 = *reinterpret_cast<const float4*>(Bs + k * T::LDB + tx * 4);
      const float4 b1 = *reinterpret_cast<const float4*>(Bs + k * T::LDB + T::BN / 2 + tx * 4);
      const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
  }
  // Column by column (one division per column, no per-column arrays: keeps registers low).
  __device__ void finish(const Out& o, int bm0, int bn0, int z, float*) const {
    float* dst = o.part ? o.part : o.y;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int n = bn0 + (j < 4 ? tx * 4 + j : T::BN / 2 + tx * 4 + j - 4);
      if (n >= o.N) continue;
      const i64 col = o.part ? (i64)n : (i64)(n / o.seg) * o.M * o.seg + n % o.seg;
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const int m = bm0 + (i < 4 ? ty * 4 + i : T::BM / 2 + ty * 4 + i - 4);
        if (m >= o.M) continue;
        const i64 row = o.part ? ((i64)z * o.M + m) * o.N : (i64)m * o.seg;
        dst[row + col] = acc[i][j] + ((!o.part && o.bias) ? o.bias[m] : 0.f);
      }
    }
  }
};

// v3: warps own 32x64 sub-tiles (2x4 wmma 16x16 accumulators); As is read as a col-major
// 16x8 A fragment, Bs as a row-major 8x16 B fragment, both rounded to TF32.
template <class T>
struct Tf32Core {
  static constexpr int WM = 32, WN = 64, WARPS_N = T::BN / WN;
  static_assert(T::BM % WM == 0 && T::BN % WN == 0 && (T::BM / WM) * WARPS_N * 32 == T::NT,
                "tile does not split into 32x64 warp tiles");
  nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 8, float> acc[2][4];
  int warp, wm, wn;
  __device__ explicit Tf32Core(int tid) : warp(tid / 32) {
    wm = (warp / WARPS_N) * WM;
    wn = (warp % WARPS_N) * WN;
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) nvcuda::wmma::fill_fragment(acc[i][j], 0.f);
  }
  __device__ void step(const float* As, const float* Bs) {
    using namespace nvcuda;
    wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major> a[2];
    wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[4];
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      wmma::load_matrix_sync(a[i], As + wm + i * 16, T::LDA);
#pragma unroll
      for (int e = 0; e < a[i].num_elements; ++e) a[i].x[e] = wmma::__float_to_tf32(a[i].x[e]);
    }
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      wmma::load_matrix_sync(b[j], Bs + wn + j * 16, T::LDB);
#pragma unroll
      for (int e = 0; e < b[j].num_elements; ++e) b[j].x[e] = wmma::__float_to_tf32(b[j].x[e]);
    }
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
  }
  // Each warp stages one 16x16 accumulator at a time in its own 256 floats of shared memory
  // (the operand buffers, free after the main loop), then writes it with the output mapping.
  __device__ void finish(const Out& o, int bm0, int bn0, int z, float* smem) {
    float* scratch = smem + warp * 256;
    const int lane = threadIdx.x % 32;
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        nvcuda::wmma::store_matrix_sync(scratch, acc[i][j], 16, nvcuda::wmma::mem_row_major);
        __syncwarp();
        for (int e = lane; e < 256; e += 32) {
          const int m = bm0 + wm + i * 16 + e / 16, n = bn0 + wn + j * 16 + e % 16;
          if (m >= o.M || n >= o.N) continue;
          if (o.part)
            o.part[((i64)z * o.M + m) * o.N + n] = scratch[e];
          else
            o.y[(i64)(n / o.seg) * o.M * o.seg + (i64)m * o.seg + n % o.seg] =
                scratch[e] + (o.bias ? o.bias[m] : 0.f);
        }
        __syncwarp();
      }
  }
};

// ------------------------------------------------------------------ the tiled kernel
// grid (N tiles, M tiles, depth splits). Block z covers depth [z*kchunk, min(depth, (z+1)*kchunk)).
template <class Loader, class Core, class T>
__global__ void __launch_bounds__(T::NT, T::NT >= 256 ? 2 : 4)
    igemm_kernel(typename Loader::Params p, Out o, int kchunk, int depth) {
  __shared__ __align__(128) float As[2][BK * T::LDA];
  __shared__ __align__(128) float Bs[2][BK * T::LDB];
  const int tid = threadIdx.x;
  const int bm0 = blockIdx.y * T::BM, bn0 = blockIdx.x * T::BN;
  const int kbeg = blockIdx.z * kchunk, kend = min(depth, kbeg + kchunk);
  const int ntiles = kend > kbeg ? (kend - kbeg + BK - 1) / BK : 0;
  Loader ld(p, tid, bm0, bn0, kbeg, kend);
  Core core(tid);
  if (ntiles > 0) {
    ld.fetch();
    ld.stash(As[0], Bs[0], bm0);
  }
  __syncthreads();
  for (int kt = 0; kt < ntiles; ++kt) {
    const int cur = kt & 1;
    if (kt + 1 < ntiles) ld.fetch();  // global loads in flight during the product
    core.step(As[cur], Bs[cur]);
    if (kt + 1 < ntiles) ld.stash(As[cur ^ 1], Bs[cur ^ 1], bm0);
    __syncthreads();
  }
  core.finish(o, bm0, bn0, blockIdx.z, As[0]);
}

// Sums the split partials in order z = 0, 1, ... and writes the final layout (+ bias).
__global__ void reduce_splits_kernel(Out o, int splits) {
  const i64 total = (i64)o.M * o.N;
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x) {
    const int m = (int)(i / o.N), n = (int)(i % o.N);
    float v = 0.f;
    for (int z = 0; z < splits; ++z) v += o.part[(i64)z * total + i];
    o.y[(i64)(n / o.seg) * o.M * o.seg + (i64)m * o.seg + n % o.seg] =
        v + (o.bias ? o.bias[m] : 0.f);
  }
}

// Depth splits: only when the output tiles alone leave SMs idle; aim for ~2 blocks per SM,
// each split at least 16 depth slices long.
int choose_splits(i64 tiles, i64 depth) {
  const i64 sms = sm_count();
  if (tiles >= sms) return 1;
  const i64 want = ceil_div(2 * sms, tiles), cap = std::max<i64>(1, depth / (16 * BK));
  return (int)std::clamp<i64>(std::min(want, cap), 1, 256);
}

template <class Loader, class Core, class T>
void run_igemm(const char* what, const Conv1dShape& s, const typename Loader::Params& p, int M,
               int N, int depth, float* y, const float* bias, int seg) {
  if (M == 0 || N == 0) return;
  const i64 tm = ceil_div(M, T::BM), tn = ceil_div(N, T::BN);
  SYN_CHECK(tm <= 65535, what, ": too many output rows (", M, ") for the grid");
  int splits = choose_splits(tm * tn, depth), kchunk = depth;
  if (splits > 1) {
    kchunk = (int)(ceil_div(ceil_div(depth, splits), BK) * BK);
    splits = (int)ceil_div(depth, kchunk);
  }
  Scratch scratch(splits > 1 ? sizeof(float) * (size_t)splits * M * N : 0);
  Out o{y, bias, (float*)scratch.p, M, N, seg};
  igemm_kernel<Loader, Core, T>
      <<<dim3((unsigned)tn, (unsigned)tm, (unsigned)splits), T::NT>>>(p, o, kchunk, depth);
  SYN_CUDA_LAUNCH_CHECK(what, " B=", s.B, " Cin=", s.Cin, " Cout=", s.Cout, " L=", s.L, " K=", s.K,
                        " stride=", s.stride, " pad=", s.padding, " splits=", splits);
  if (splits > 1) {
    reduce_splits_kernel<<<grid_for((i64)M * N, 256), 256>>>(o, splits);
    SYN_CUDA_LAUNCH_CHECK(what, " (split reduction) M=", M, " N=", N, " splits=", splits);
  }
}

// kSmallTile: use the 64x64 tile when M <= 64 (v2 only; v3 keeps the 128x128 warp layout).
template <template <class> class Core, bool kSmallTile>
void forward_tiled_t(const Conv1dShape& s, const ConvDims& d, const float* x, const float* w,
                     const float* bias, float* y) {
  const int M = d.Cout, N = d.B * d.Lout, KK = d.Cin * d.K;
  if constexpr (kSmallTile) {
    if (M <= 64) {
      typename FwdLoader<T64>::Params p{x, w, d, M, N, KK, BK % d.K, BK / d.K};
      run_igemm<FwdLoader<T64>, Core<T64>, T64>("conv1d forward", s, p, M, N, KK, y, bias, d.Lout);
      return;
    }
  }
  typename FwdLoader<T128>::Params p{x, w, d, M, N, KK, BK % d.K, BK / d.K};
  run_igemm<FwdLoader<T128>, Core<T128>, T128>("conv1d forward", s, p, M, N, KK, y, bias, d.Lout);
}

template <template <class> class Core, class T>
void data_tiled_tile(const Conv1dShape& s, const ConvDims& d, const float* dy, const float* w,
                     float* dx) {
  const int M = d.Cin, N = d.B * d.L, KK = d.Cout * d.K;
  if (d.stride == 1) {
    typename DataLoader<T, true>::Params p{dy, w, d, M, N, KK, BK % d.K, BK / d.K};
    run_igemm<DataLoader<T, true>, Core<T>, T>("conv1d backward data", s, p, M, N, KK, dx, nullptr,
                                               d.L);
  } else {
    typename DataLoader<T, false>::Params p{dy, w, d, M, N, KK, BK % d.K, BK / d.K};
    run_igemm<DataLoader<T, false>, Core<T>, T>("conv1d backward data", s, p, M, N, KK, dx, nullptr,
                                                d.L);
  }
}

template <template <class> class Core, bool kSmallTile>
void data_tiled_t(const Conv1dShape& s, const ConvDims& d, const float* dy, const float* w,
                  float* dx) {
  if constexpr (kSmallTile) {
    if (d.Cin <= 64) return data_tiled_tile<Core, T64>(s, d, dy, w, dx);
  }
  data_tiled_tile<Core, T128>(s, d, dy, w, dx);
}

template <template <class> class Core, bool kSmallTile>
void weight_tiled_t(const Conv1dShape& s, const ConvDims& d, const float* x, const float* dy,
                    float* dw) {
  const int M = d.Cout, N = d.Cin * d.K, J = d.B * d.Lout;
  if (J == 0) {  // no positions: the gradient is zero
    SYN_CUDA_CHECK(cudaMemset(dw, 0, sizeof(float) * (size_t)M * N), "conv1d: memset dw");
    return;
  }
  if constexpr (kSmallTile) {
    if (M <= 64) {
      typename WeightLoader<T64>::Params p{x, dy, d, M, N, BK / d.Lout, BK % d.Lout};
      run_igemm<WeightLoader<T64>, Core<T64>, T64>("conv1d backward weight", s, p, M, N, J, dw,
                                                   nullptr, N);
      return;
    }
  }
  typename WeightLoader<T128>::Params p{x, dy, d, M, N, BK / d.Lout, BK % d.Lout};
  run_igemm<WeightLoader<T128>, Core<T128>, T128>("conv1d backward weight", s, p, M, N, J, dw,
                                                  nullptr, N);
}

}  // namespace

namespace conv1d_detail {

void forward_tiled(bool tf32, const Conv1dShape& s, const float* x, const float* w,
                   const float* bias, float* y) {
  const ConvDims d = dims_of(s, "conv1d forward");
  if (tf32)
    forward_tiled_t<Tf32Core, false>(s, d, x, w, bias, y);
  else
    forward_tiled_t<FmaCore, true>(s, d, x, w, bias, y);
}

void data_tiled(bool tf32, const Conv1dShape& s, const float* dy, const float* w, float* dx) {
  const ConvDims d = dims_of(s, "conv1d backward data");
  if (tf32)
    data_tiled_t<Tf32Core, false>(s, d, dy, w, dx);
  else
    data_tiled_t<FmaCore, true>(s, d, dy, w, dx);
}

void weight_tiled(bool tf32, const Conv1dShape& s, const float* x, const float* dy, float* dw) {
  const ConvDims d = dims_of(s, "conv1d backward weight");
  if (tf32)
    weight_tiled_t<Tf32Core, false>(s, d, x, dy, dw);
  else
    weight_tiled_t<FmaCore, true>(s, d, x, dy, dw);
}

}  // namespace conv1d_detail

}  // namespace syn::cuda_kernels
