// text_common.cuh — small device helpers shared by the text-decoder kernels
// (kernels/{embedding,layernorm,activation,attention}.cu): warp reductions and a scratch buffer
// from the caching allocator. Header-only, internal to those files.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>

#include "engine/device.h"

namespace syn::cuda_kernels::text {

constexpr unsigned kFullMask = 0xffffffffu;

// Butterfly reductions: every lane ends with the same value, whatever the lane order.
template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
  return v;
}

// Sum over a 1-D block (a multiple of 32 threads, at most 1024); every thread gets the result.
// `sh` holds 32 values and may be reused right after the call.
template <class T>
__device__ __forceinline__ T block_sum(T v, T* sh) {
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
  v = warp_sum(v);
  if (lane == 0) sh[w] = v;
  __syncthreads();
  T t = sh[0];
  for (int q = 1; q < nw; ++q) t += sh[q];  // same order in every thread and every run
  __syncthreads();
  return t;
}

// Temporary device memory: released after the launches that use it are queued (the caching
// allocator hands it to a later user queued behind them on the same stream).
struct Scratch {
  void* ptr;
  explicit Scratch(size_t bytes) : ptr(bytes ? device_alloc(Device::CUDA, bytes) : nullptr) {}
  ~Scratch() {
    if (ptr) device_free(Device::CUDA, ptr);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr);
  }
};

inline unsigned grid_1d(long long n, int threads, long long cap = 1LL << 20) {
  long long g = (n + threads - 1) / threads;
  return (unsigned)(g < 1 ? 1 : (g > cap ? cap : g));
}

}  // namespace syn::cuda_kernels::text
