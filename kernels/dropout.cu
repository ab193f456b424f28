// dropout.cu — the dropout mask. CPU reference: engine/ops/dropout.cpp (dropout_mask_cpu and
// dropout_uniform). The generator is counter-based (splitmix64 of seed + (i + 1) * golden
// ratio), so each element is computed independently and the mask is bit-identical to the CPU's
// for the same seed: integer arithmetic, then an exact conversion of 24 bits to float, and the
// keep value 1/(1-p) computed once on the host with the very same float expression.
//
// Versions (dropout_mask_v(version, ...)); timings not yet measured:
//   v1  one element per thread, grid-stride.
//   v2  (live) four consecutive elements per thread with one float4 store (the mask is a fresh,
//       16-byte aligned allocation; any other pointer takes v1); the 64-bit multiplies of the
//       hash are the cost, the store width halves the memory transactions.
// Applying the mask is the element-wise mul kernel (kernels/elementwise.cu).
#include <algorithm>
#include <cstdint>

#include "engine/ops/dropout.h"
#include "kernels/cuda_check.h"
#include "kernels/dropout_cuda.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

constexpr int kThreads = 256;

// Must stay identical to syn::dropout_uniform (engine/ops/dropout.cpp).
__device__ __forceinline__ float uniform_at(uint64_t seed, int64_t i) {
  uint64_t z = seed + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (float)(z >> 40) * (1.0f / 16777216.0f);  // exact: 24 bits times a power of two
}

__device__ __forceinline__ float mask_at(uint64_t seed, int64_t i, float p, float keep) {
  return uniform_at(seed, i) >= p ? keep : 0.0f;
}

__global__ void mask_kernel(float* __restrict__ mask, int64_t n, float p, float keep,
                            uint64_t seed) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    mask[i] = mask_at(seed, i, p, keep);
}

// Thread q writes elements 4q .. 4q+3 with one float4 store; the last, partial quad (n % 4 != 0)
// is written element by element.
__global__ void mask4_kernel(float* __restrict__ mask, int64_t n, float p, float keep,
                             uint64_t seed) {
  const int64_t quads = (n + 3) / 4;
  for (int64_t q = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; q < quads;
       q += (int64_t)gridDim.x * blockDim.x) {
    const int64_t i = 4 * q;
    if (i + 4 <= n) {
      reinterpret_cast<float4*>(mask)[q] =
          make_float4(mask_at(seed, i, p, keep), mask_at(seed, i + 1, p, keep),
                      mask_at(seed, i + 2, p, keep), mask_at(seed, i + 3, p, keep));
    } else {
      for (int64_t k = i; k < n; ++k) mask[k] = mask_at(seed, k, p, keep);
    }
  }
}

}  // namespace

void dropout_mask_v(int version, float* mask, int64_t n, float p, uint64_t seed) {
  if (n <= 0) return;
  SYN_CHECK(version == 1 || version == 2, "dropout_mask: unknown CUDA kernel version ", version);
  // Same expression as dropout_mask_cpu, evaluated on the host: the same float.
  const float keep = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
  if (version == 2 && (reinterpret_cast<uintptr_t>(mask) & 15u) == 0) {
    mask4_kernel<<<grid_for((n + 3) / 4, kThreads), kThreads>>>(mask, n, p, keep, seed);
    SYN_CUDA_LAUNCH_CHECK("dropout_mask v2 n=", n, " p=", p);
    return;
  }
  mask_kernel<<<grid_for(n, kThreads), kThreads>>>(mask, n, p, keep, seed);
  SYN_CUDA_LAUNCH_CHECK("dropout_mask v1 n=", n, " p=", p);
}

void dropout_mask(float* mask, int64_t n, float p, uint64_t seed) {
  dropout_mask_v(2, mask, n, p, seed);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::dropout_mask_kernel, dropout_mask);
});
}  // namespace

}  // namespace syn::cuda_kernels
