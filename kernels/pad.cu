// pad.cu — CUDA constant padding (and, with the geometry reversed, its gradient).
//
// CPU reference: engine/ops/pad.cpp (pad_cpu); same slot signature. One thread per element of y:
// the index is decomposed over y's dims (last first), shifted by `before`, and either read from
// x or set to `value`. Consecutive threads write consecutive y and read consecutive x along the
// last dim: coalesced both ways. Pure data movement, so bit-identical to the CPU.
// Version: v1 (timings not yet measured; memory-bound).
#include <algorithm>

#include "engine/ops/pad.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/pad_cuda.h"

namespace syn::cuda_kernels {

namespace {

using i64 = long long;

__global__ void pad_kernel(const float* __restrict__ x, float* __restrict__ y, PadGeometry g,
                           float value, i64 total) {
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    i64 rem = e, src = 0, stride = 1;
    bool inside = true;
    for (int d = g.rank - 1; d >= 0; --d) {
      const i64 o = rem % g.out[d], i = o - g.before[d];
      rem /= g.out[d];
      inside = inside && i >= 0 && i < g.in[d];
      src += i * stride;
      stride *= g.in[d];
    }
    y[e] = inside ? x[src] : value;
  }
}

}  // namespace

void pad(const float* x, float* y, const PadGeometry& g, float value) {
  i64 total = 1;
  for (int d = 0; d < g.rank; ++d) total *= g.out[d];
  if (total == 0) return;
  pad_kernel<<<grid_for(total, 256), 256>>>(x, y, g, value, total);
  SYN_CUDA_LAUNCH_CHECK("pad rank=", g.rank, " elements=", total);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] { register_cuda_kernel(syn::pad_kernel, pad); });
}  // namespace

}  // namespace syn::cuda_kernels
