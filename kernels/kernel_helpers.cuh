// kernel_helpers.cuh — what the kernels/*.cu files share: launch geometry (ceil_div, blocks_for,
// grid_for, sm_count), warp and block reductions (sum, max) with a fixed combination order, a
// row-per-warp / row-per-block scheme, and scratch device memory from the engine's caching
// allocator. Header-only and for .cu files only (it holds device code); tests and benchmarks
// include the *_cuda.h headers instead.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "engine/device.h"

namespace syn::cuda_kernels {

// ------------------------------------------------------------------------- launch geometry

// Grid-stride kernels cover any size with at most this many blocks.
constexpr long long kMaxGridBlocks = 1LL << 20;

inline long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

// One thread per element, no cap: for kernels that are not grid-strided.
inline unsigned blocks_for(long long n, int threads) { return (unsigned)ceil_div(n, threads); }

// Blocks for a grid-stride loop over n items taking per_block items per block (per_block is the
// thread count for an element per thread, the warps per block for a row per warp, 1 for a row
// per block): ceil(n / per_block), at least 1 and at most cap.
inline unsigned grid_for(long long n, int per_block, long long cap = kMaxGridBlocks) {
  const long long g = ceil_div(n, per_block);
  return (unsigned)(g < 1 ? 1 : (g > cap ? cap : g));
}

// Streaming multiprocessors of the current device, asked once (108, an A100's, when the device
// cannot be asked: the count only sizes split work, never decides a result's value).
inline int sm_count() {
  static const int n = [] {
    int dev = 0, v = 0;
    if (cudaGetDevice(&dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess) {
      cudaGetLastError();
      v = 0;
    }
    return v > 0 ? v : 108;
  }();
  return n;
}

// ------------------------------------------------------------------------------ reductions

constexpr unsigned kFullMask = 0xffffffffu;

// Butterfly (xor) reductions over a warp: every lane ends with the same value, whatever the lane
// order (a + b == b + a). Lane 0's value is bit for bit that of a __shfl_down_sync tree (the
// same operands meet in the same order), so either form of reduction gives the same total.
template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
  return v;
}
__device__ __forceinline__ double warp_max(double v) {
  for (int o = 16; o > 0; o >>= 1) v = fmax(v, __shfl_xor_sync(kFullMask, v, o));
  return v;
}

// Combines the warps' values of a 1-D block (a multiple of 32 threads, at most 1024): `v` is
// already reduced over its warp. Every thread gets the result, combined in warp order (the same
// in every thread and every run). `sh` holds 32 values and may be reused right after the call.
template <class T, class Op>
__device__ __forceinline__ T block_combine(T v, T* sh, Op op) {
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
  if (lane == 0) sh[w] = v;
  __syncthreads();
  T t = sh[0];
  for (int q = 1; q < nw; ++q) t = op(t, sh[q]);
  __syncthreads();
  return t;
}
template <class T>
__device__ __forceinline__ T block_sum(T v, T* sh) {
  return block_combine(warp_sum(v), sh, [](T a, T b) { return a + b; });
}
__device__ __forceinline__ float block_max(float v, float* sh) {
  return block_combine(warp_max(v), sh, [](float a, float b) { return fmaxf(a, b); });
}
__device__ __forceinline__ double block_max(double v, double* sh) {
  return block_combine(warp_max(v), sh, [](double a, double b) { return fmax(a, b); });
}

// A row handled by a group of G threads of a Threads-thread block: G = 32 (a warp per row) or
// G = Threads (the block per row). All threads of a group walk the same rows, so the group
// reductions are uniform. Launch with grid_for(rows, Threads / 32) or grid_for(rows, 1).
template <int G, int Threads>
struct RowGroup {
  static_assert(G == 32 || G == Threads, "a row group is a warp or the block");
  static constexpr int kWarps = Threads / 32;
  __device__ static int64_t first() {
    return G == 32 ? (int64_t)blockIdx.x * kWarps + (threadIdx.x >> 5) : (int64_t)blockIdx.x;
  }
  __device__ static int64_t stride() {
    return G == 32 ? (int64_t)gridDim.x * kWarps : (int64_t)gridDim.x;
  }
  __device__ static int lane() { return G == 32 ? (threadIdx.x & 31) : threadIdx.x; }
  template <class T>
  __device__ static T sum(T v, T* sh) {
    if constexpr (G == 32)
      return warp_sum(v);
    else
      return block_sum(v, sh);
  }
  template <class T>
  __device__ static T max(T v, T* sh) {
    if constexpr (G == 32)
      return warp_max(v);
    else
      return block_max(v, sh);
  }
};

// --------------------------------------------------------------------------- scratch memory

// Temporary device memory from the engine's caching allocator (engine/device.h), returned at
// scope exit. Returning it while kernels that use it are still queued is safe: every launch is
// on the legacy default stream, so whatever reuses the block runs after them. Zero bytes: null.
struct Scratch {
  void* p = nullptr;
  explicit Scratch(size_t bytes) : p(bytes ? syn::cuda::malloc_bytes(bytes) : nullptr) {}
  ~Scratch() { syn::cuda::free_bytes(p); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(p);
  }
};

}  // namespace syn::cuda_kernels
