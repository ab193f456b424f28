// reduce.cu — sum / mean along one axis of x viewed as [outer, n, inner], and its gradient (a
// broadcast). CPU reference: engine/ops/reduce.cpp (reduce_sum_cpu, reduce_broadcast_cpu).
//
// Accumulation is in double like the CPU kernel (long sums keep fp32 accuracy), and every sum is
// taken in an order fixed by the shape alone (no atomics): results are bit-reproducible from run
// to run, and agree with the CPU to a few fp32 ulps.
//
// Versions of reduce_sum (reduce_sum_v(version, ...)); timings not yet measured:
//   v1  naive: one thread per output element loops over the n reduced elements. Coalesced only
//       when inner > 1; a full reduction (outer = inner = 1) runs on a single thread.
//   v2  (live) three shapes of work:
//       - inner == 1, n <= 1024: one warp per row (8 rows per 256-thread block), shuffle reduce;
//       - inner == 1, n > 1024: blocks of 256 threads each own a chunk of 8192 elements of a
//         row; a second small kernel adds the chunks of a row in order (a full sum of millions
//         of elements uses hundreds of blocks instead of one);
//       - inner > 1: 32x8 thread tiles, threadIdx.x along the contiguous inner axis (coalesced),
//         threadIdx.y striding the reduced axis; when outer x inner offers too few tiles to fill
//         the GPU the reduced axis is also split into chunks, summed by a second kernel.
//       Should be DRAM-bound for large inputs.
// reduce_broadcast has one version: a grid-stride element-wise kernel (memory-bound).
#include <algorithm>

#include "engine/device.h"
#include "engine/ops/reduce.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/reduce_cuda.h"

namespace syn::cuda_kernels {

namespace {

constexpr int kThreads = 256;

// ------------------------------------------------------------------------------- v1: naive

__global__ void reduce_naive_kernel(const float* __restrict__ x, float* __restrict__ out,
                                    int64_t outer, int64_t n, int64_t inner, float scale) {
  const int64_t total = outer * inner;
  for (int64_t idx = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; idx < total;
       idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t o = idx / inner, i = idx - o * inner;
    const float* p = x + o * n * inner + i;
    double acc = 0;
    for (int64_t j = 0; j < n; ++j) acc += p[j * inner];
    out[idx] = (float)(acc * (double)scale);
  }
}

// --------------------------------------------------------------------- v2: rows (inner == 1)

constexpr int64_t kWarpRowMax = 1024;  // rows up to this length: one warp each
constexpr int64_t kRowChunk = 8192;    // longer rows: one block per chunk of this many elements

__global__ void reduce_rows_warp_kernel(const float* __restrict__ x, float* __restrict__ out,
                                        int64_t outer, int64_t n, float scale) {
  const int warps = blockDim.x >> 5, lane = threadIdx.x & 31;
  for (int64_t row = blockIdx.x * (int64_t)warps + (threadIdx.x >> 5); row < outer;
       row += (int64_t)gridDim.x * warps) {
    const float* p = x + row * n;
    double acc = 0;
    for (int64_t j = lane; j < n; j += 32) acc += p[j];
    acc = warp_sum(acc);  // the whole warp shares `row`, so all 32 lanes take part
    if (lane == 0) out[row] = (float)(acc * (double)scale);
  }
}

// Block b handles chunk (b % chunks) of row (b / chunks). With one chunk per row the result goes
// straight to out; otherwise the chunk's double sum goes to partial[row * chunks + chunk].
__global__ void reduce_rows_chunk_kernel(const float* __restrict__ x, float* __restrict__ out,
                                         double* __restrict__ partial, int64_t outer, int64_t n,
                                         int64_t chunks, float scale) {
  __shared__ double sh[32];
  const int64_t total = outer * chunks;
  for (int64_t b = blockIdx.x; b < total; b += gridDim.x) {
    const int64_t row = b / chunks, c = b - row * chunks;
    const int64_t j0 = c * kRowChunk, j1 = n < j0 + kRowChunk ? n : j0 + kRowChunk;
    const float* p = x + row * n;
    double acc = 0;
    for (int64_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) acc += p[j];
    acc = block_sum(acc, sh);
    if (threadIdx.x == 0) {
      if (chunks == 1)
        out[row] = (float)(acc * (double)scale);
      else
        partial[b] = acc;
    }
  }
}

// out[row] = scale * sum of the row's `chunks` partials, one warp per row.
__global__ void sum_row_partials_kernel(const double* __restrict__ partial, float* __restrict__ out,
                                        int64_t outer, int64_t chunks, float scale) {
  const int warps = blockDim.x >> 5, lane = threadIdx.x & 31;
  for (int64_t row = blockIdx.x * (int64_t)warps + (threadIdx.x >> 5); row < outer;
       row += (int64_t)gridDim.x * warps) {
    double acc = 0;
    for (int64_t c = lane; c < chunks; c += 32) acc += partial[row * chunks + c];
    acc = warp_sum(acc);
    if (lane == 0) out[row] = (float)(acc * (double)scale);
  }
}

// -------------------------------------------------------------------- v2: columns (inner > 1)

constexpr int kTileW = 32, kTileH = 8;  // blockDim (32, 8)
constexpr int64_t kColChunk = 256;      // reduced-axis rows per block when the axis is split

// Block b = (o * tiles + t) * chunks + c sums rows [c * chunk_len, ...) of columns
// t*32 .. t*32+31 of slab o.
__global__ void reduce_cols_kernel(const float* __restrict__ x, float* __restrict__ out,
                                   double* __restrict__ partial, int64_t outer, int64_t n,
                                   int64_t inner, int64_t tiles, int64_t chunks, int64_t chunk_len,
                                   float scale) {
  __shared__ double sh[kTileH][kTileW + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t total = outer * tiles * chunks;
  for (int64_t b = blockIdx.x; b < total; b += gridDim.x) {
    const int64_t c = b % chunks, ot = b / chunks, t = ot % tiles, o = ot / tiles;
    const int64_t i = t * kTileW + tx;
    const int64_t j0 = c * chunk_len, j1 = n < j0 + chunk_len ? n : j0 + chunk_len;
    double acc = 0;
    if (i < inner)
      for (int64_t j = j0 + ty; j < j1; j += kTileH) acc += x[(o * n + j) * inner + i];
    sh[ty][tx] = acc;
    __syncthreads();
    if (ty == 0 && i < inner) {
      double s = 0;
      for (int k = 0; k < kTileH; ++k) s += sh[k][tx];
      if (chunks == 1)
        out[o * inner + i] = (float)(s * (double)scale);
      else
        partial[(o * chunks + c) * inner + i] = s;
    }
    __syncthreads();  // sh is rewritten by the next iteration
  }
}

__global__ void sum_col_partials_kernel(const double* __restrict__ partial, float* __restrict__ out,
                                        int64_t outer, int64_t chunks, int64_t inner, float scale) {
  const int64_t total = outer * inner;
  for (int64_t idx = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; idx < total;
       idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t o = idx / inner, i = idx - o * inner;
    double s = 0;
    for (int64_t c = 0; c < chunks; ++c) s += partial[(o * chunks + c) * inner + i];
    out[idx] = (float)(s * (double)scale);
  }
}

void reduce_v2(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, float scale) {
  if (inner == 1) {
    if (n <= kWarpRowMax) {
      reduce_rows_warp_kernel<<<grid_for(outer, kThreads / 32), kThreads>>>(x, out, outer, n,
                                                                            scale);
      SYN_CUDA_LAUNCH_CHECK("reduce_sum rows/warp outer=", outer, " n=", n);
      return;
    }
    const int64_t chunks = (n + kRowChunk - 1) / kRowChunk;
    Scratch part(chunks > 1 ? (size_t)(outer * chunks) * sizeof(double) : 0);
    reduce_rows_chunk_kernel<<<grid_for(outer * chunks, 1), kThreads>>>(x, out, part.as<double>(),
                                                                        outer, n, chunks, scale);
    SYN_CUDA_LAUNCH_CHECK("reduce_sum rows/chunks outer=", outer, " n=", n, " chunks=", chunks);
    if (chunks > 1) {
      sum_row_partials_kernel<<<grid_for(outer, kThreads / 32), kThreads>>>(part.as<double>(), out,
                                                                            outer, chunks, scale);
      SYN_CUDA_LAUNCH_CHECK("reduce_sum row partials outer=", outer, " chunks=", chunks);
    }
    return;
  }
  const int64_t tiles = (inner + kTileW - 1) / kTileW;
  // Split the reduced axis only when the (outer, tile) pairs alone leave the GPU mostly idle,
  // and only into as many chunks as needed for about 2048 blocks.
  int64_t chunks = 1;
  if (outer * tiles < 512 && n > kColChunk)
    chunks =
        std::min((n + kColChunk - 1) / kColChunk, std::max<int64_t>(1, 2048 / (outer * tiles)));
  const int64_t chunk_len = std::max<int64_t>(1, (n + chunks - 1) / chunks);
  Scratch part(chunks > 1 ? (size_t)(outer * chunks * inner) * sizeof(double) : 0);
  reduce_cols_kernel<<<grid_for(outer * tiles * chunks, 1), dim3(kTileW, kTileH)>>>(
      x, out, part.as<double>(), outer, n, inner, tiles, chunks, chunk_len, scale);
  SYN_CUDA_LAUNCH_CHECK("reduce_sum cols outer=", outer, " n=", n, " inner=", inner,
                        " chunks=", chunks);
  if (chunks > 1) {
    sum_col_partials_kernel<<<grid_for(outer * inner, kThreads), kThreads>>>(
        part.as<double>(), out, outer, chunks, inner, scale);
    SYN_CUDA_LAUNCH_CHECK("reduce_sum col partials outer=", outer, " inner=", inner,
                          " chunks=", chunks);
  }
}

// ------------------------------------------------------------------------------ broadcast

__global__ void broadcast_kernel(const float* __restrict__ g, float* __restrict__ dx, int64_t outer,
                                 int64_t n, int64_t inner, float scale) {
  const int64_t total = outer * n * inner, slab = n * inner;
  for (int64_t idx = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; idx < total;
       idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t o = idx / slab, i = idx % inner;
    dx[idx] = scale * g[o * inner + i];
  }
}

}  // namespace

void reduce_sum_v(int version, const float* x, float* out, int64_t outer, int64_t n, int64_t inner,
                  float scale) {
  if (outer <= 0 || inner <= 0) return;  // no outputs
  if (version == 1) {
    reduce_naive_kernel<<<grid_for(outer * inner, kThreads), kThreads>>>(x, out, outer, n, inner,
                                                                         scale);
    SYN_CUDA_LAUNCH_CHECK("reduce_sum v1 outer=", outer, " n=", n, " inner=", inner);
    return;
  }
  SYN_CHECK(version == 2, "reduce_sum: unknown CUDA kernel version ", version);
  reduce_v2(x, out, outer, n, inner, scale);
}

void reduce_sum(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, float scale) {
  reduce_sum_v(2, x, out, outer, n, inner, scale);
}

void reduce_broadcast(const float* g, float* dx, int64_t outer, int64_t n, int64_t inner,
                      float scale) {
  const int64_t total = outer * n * inner;
  if (total <= 0) return;
  broadcast_kernel<<<grid_for(total, kThreads), kThreads>>>(g, dx, outer, n, inner, scale);
  SYN_CUDA_LAUNCH_CHECK("reduce_broadcast outer=", outer, " n=", n, " inner=", inner);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::reduce_sum_kernel, reduce_sum);
  register_cuda_kernel(syn::reduce_broadcast_kernel, reduce_broadcast);
});
}  // namespace

}  // namespace syn::cuda_kernels
