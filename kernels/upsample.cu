// upsample.cu — CUDA nearest-neighbour upsampling by an integer factor, forward and backward.
//
// CPU reference: engine/ops/upsample.cpp (same slots).
//   forward   one thread per output element (consecutive threads write consecutive outputs:
//             coalesced stores; the reads hit the same input element f times, from cache).
//   backward  gather, not scatter: one thread per dx element sums its f×f block of dy, rows in
//             order and each row left to right (the CPU's order: bit-identical results), writing
//             every dx element exactly once: no atomics, no memset, deterministic.
// Version: v1 only (not yet timed; both kernels should run near memory bandwidth).
#include "engine/ops/upsample.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/upsample_cuda.h"

namespace syn::cuda_kernels {

namespace {

__global__ void upsample_nearest_forward_kernel(const float* __restrict__ x, float* __restrict__ y,
                                                int64_t planes, int64_t H, int64_t W, int64_t f) {
  const int64_t Ho = H * f, Wo = W * f, total = planes * Ho * Wo;
  for (int64_t o = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; o < total;
       o += (int64_t)gridDim.x * blockDim.x) {
    const int64_t jo = o % Wo, rest = o / Wo, io = rest % Ho, p = rest / Ho;
    y[o] = x[(p * H + io / f) * W + jo / f];
  }
}

__global__ void upsample_nearest_backward_kernel(const float* __restrict__ dy,
                                                 float* __restrict__ dx, int64_t planes, int64_t H,
                                                 int64_t W, int64_t f) {
  const int64_t Wo = W * f, total = planes * H * W;
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
       e += (int64_t)gridDim.x * blockDim.x) {
    const int64_t j = e % W, pi = e / W;  // pi = p·H + i, so the block's first row is pi·f
    float acc = 0.0f;
    for (int64_t a = 0; a < f; ++a) {
      const float* g = dy + (pi * f + a) * Wo + j * f;
      for (int64_t b = 0; b < f; ++b) acc += g[b];
    }
    dx[e] = acc;
  }
}

}  // namespace

void upsample_nearest_forward(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                              int64_t factor) {
  const long long total = (long long)planes * H * factor * W * factor;
  if (total == 0) return;
  upsample_nearest_forward_kernel<<<grid_for(total, 256), 256>>>(x, y, planes, H, W, factor);
  SYN_CUDA_LAUNCH_CHECK("upsample_nearest2d forward planes=", planes, " H=", H, " W=", W,
                        " factor=", factor);
}

void upsample_nearest_backward(const float* dy, float* dx, int64_t planes, int64_t H, int64_t W,
                               int64_t factor) {
  const long long total = (long long)planes * H * W;
  if (total == 0) return;
  upsample_nearest_backward_kernel<<<grid_for(total, 256), 256>>>(dy, dx, planes, H, W, factor);
  SYN_CUDA_LAUNCH_CHECK("upsample_nearest2d backward planes=", planes, " H=", H, " W=", W,
                        " factor=", factor);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::upsample_nearest_forward_kernel, upsample_nearest_forward);
  register_cuda_kernel(syn::upsample_nearest_backward_kernel, upsample_nearest_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
