// reduce_max.cu — CUDA max or min along one dim (x viewed as [outer, n, inner]) and its gradient.
//
// CPU reference: engine/ops/reduce_max.cpp; same slot signatures, same selection rule (a later
// element replaces the best only when strictly greater (smaller, for min), or when it is the first
// NaN: the first maximum wins ties, the first NaN wins), same float index buffer. Exact on both
// devices.
//   forward   one thread per output (o, i), scanning j; for inner > 1 neighbouring threads read
//             neighbouring i (coalesced); for inner == 1 each thread scans its own row.
//   backward  one thread per dx element: g where j is the saved index, else 0.
// Version: v1 (timings not yet measured; musicnn's time axes are ~200 long).
#include <algorithm>

#include "engine/ops/reduce_max.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/reduce_max_cuda.h"

namespace syn::cuda_kernels {

namespace {

using i64 = long long;

template <bool Min>
__global__ void reduce_max_kernel(const float* __restrict__ x, float* __restrict__ out,
                                  float* __restrict__ argmax, i64 outer, i64 n, i64 inner) {
  const i64 total = outer * inner;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    const i64 o = e / inner, i = e - o * inner;
    const float* p = x + o * n * inner + i;
    float best = p[0];
    i64 bi = 0;
    for (i64 j = 1; j < n; ++j) {
      const float v = p[j * inner];
      if ((Min ? v < best : v > best) || (v != v && best == best)) best = v, bi = j;
    }
    out[e] = best;
    if (argmax) argmax[e] = (float)bi;
  }
}

__global__ void reduce_max_backward_kernel(const float* __restrict__ g,
                                           const float* __restrict__ argmax, float* __restrict__ dx,
                                           i64 outer, i64 n, i64 inner) {
  const i64 total = outer * n * inner;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    const i64 i = e % inner, j = (e / inner) % n, o = e / (inner * n);
    const i64 k = o * inner + i;
    dx[e] = argmax[k] == (float)j ? g[k] : 0.0f;
  }
}

}  // namespace

void reduce_max(const float* x, float* out, float* argmax, int64_t outer, int64_t n, int64_t inner,
                bool minimum) {
  const i64 total = (i64)outer * inner;
  if (total == 0) return;
  if (minimum)
    reduce_max_kernel<true><<<grid_for(total, 256), 256>>>(x, out, argmax, outer, n, inner);
  else
    reduce_max_kernel<false><<<grid_for(total, 256), 256>>>(x, out, argmax, outer, n, inner);
  SYN_CUDA_LAUNCH_CHECK(minimum ? "reduce_min" : "reduce_max", " outer=", outer, " n=", n,
                        " inner=", inner);
}

void reduce_max_backward(const float* g, const float* argmax, float* dx, int64_t outer, int64_t n,
                         int64_t inner) {
  const i64 total = (i64)outer * n * inner;
  if (total == 0) return;
  reduce_max_backward_kernel<<<grid_for(total, 256), 256>>>(g, argmax, dx, outer, n, inner);
  SYN_CUDA_LAUNCH_CHECK("reduce_max backward outer=", outer, " n=", n, " inner=", inner);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::reduce_max_kernel, reduce_max);
  register_cuda_kernel(syn::reduce_max_backward_kernel, reduce_max_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
