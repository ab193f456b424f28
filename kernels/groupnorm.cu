// groupnorm.cu — CUDA group normalisation over x [B, C, S], forward and backward.
//
// CPU reference: engine/ops/groupnorm.cpp (same slots, same formulas). Like the CPU kernels these
// take the statistics in double with two passes (mean, then mean squared deviation) and sum in an
// order fixed by the shapes (per-thread strided partials, then block_sum; no floating-point
// atomics): bit-reproducible run to run, a few fp32 ulps from the CPU.
//   forward, backward dx   one 256-thread block per (item, group): the group is a contiguous run
//                          of (C/G)·S floats, read coalesced (the U-Net's groups are 32 channels
//                          of up to 64×64 positions: 10^4..10^5 floats per block).
//   backward dweight/dbias one block per channel, walking the items in order (each thread keeps
//                          its double partials across items), then one block reduction.
// Version: v1 only (not yet timed).
#include <algorithm>

#include "engine/ops/groupnorm.h"
#include "kernels/cuda_check.h"
#include "kernels/groupnorm_cuda.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

constexpr int kThreads = 256;

__global__ void group_norm_forward_kernel(const float* __restrict__ x,
                                          const float* __restrict__ weight,
                                          const float* __restrict__ bias, float* __restrict__ y,
                                          float* __restrict__ mean, float* __restrict__ rstd,
                                          GroupNormDims d, float eps) {
  __shared__ double sh[32];
  const int64_t cpg = d.C / d.G, len = cpg * d.S;
  for (int64_t bg = blockIdx.x; bg < d.B * d.G; bg += gridDim.x) {
    const float* xg = x + bg * len;
    double s = 0;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) s += xg[i];
    const double mu = block_sum(s, sh) / (double)len;
    double v = 0;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x)
      v += ((double)xg[i] - mu) * ((double)xg[i] - mu);
    const double rs = 1.0 / sqrt(block_sum(v, sh) / (double)len + (double)eps);
    if (threadIdx.x == 0) mean[bg] = (float)mu, rstd[bg] = (float)rs;
    const int64_t c0 = (bg % d.G) * cpg;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
      const int64_t c = c0 + i / d.S;
      const double w = weight ? (double)weight[c] : 1.0;
      const double b = bias ? (double)bias[c] : 0.0;
      y[bg * len + i] = (float)(((double)xg[i] - mu) * rs * w + b);
    }
  }
}

__global__ void group_norm_backward_dx_kernel(const float* __restrict__ x,
                                              const float* __restrict__ weight,
                                              const float* __restrict__ mean,
                                              const float* __restrict__ rstd,
                                              const float* __restrict__ dy, float* __restrict__ dx,
                                              GroupNormDims d) {
  __shared__ double sh[32];
  const int64_t cpg = d.C / d.G, len = cpg * d.S;
  for (int64_t bg = blockIdx.x; bg < d.B * d.G; bg += gridDim.x) {
    const int64_t c0 = (bg % d.G) * cpg;
    const float* xg = x + bg * len;
    const float* gg = dy + bg * len;
    const double mu = mean[bg], rs = rstd[bg];
    double sg = 0, sgx = 0;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
      const double g = (double)gg[i] * (weight ? (double)weight[c0 + i / d.S] : 1.0);
      sg += g;
      sgx += g * ((double)xg[i] - mu) * rs;
    }
    sg = block_sum(sg, sh) / (double)len;
    sgx = block_sum(sgx, sh) / (double)len;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
      const double g = (double)gg[i] * (weight ? (double)weight[c0 + i / d.S] : 1.0);
      const double xh = ((double)xg[i] - mu) * rs;
      dx[bg * len + i] = (float)(rs * (g - sg - xh * sgx));
    }
  }
}

__global__ void group_norm_backward_params_kernel(const float* __restrict__ x,
                                                  const float* __restrict__ mean,
                                                  const float* __restrict__ rstd,
                                                  const float* __restrict__ dy,
                                                  float* __restrict__ dweight,
                                                  float* __restrict__ dbias, GroupNormDims d) {
  __shared__ double sh[32];
  const int64_t cpg = d.C / d.G;
  for (int64_t c = blockIdx.x; c < d.C; c += gridDim.x) {
    double aw = 0, ab = 0;
    for (int64_t b = 0; b < d.B; ++b) {
      const int64_t bg = b * d.G + c / cpg;
      const double mu = mean[bg], rs = rstd[bg];
      const float* xr = x + (b * d.C + c) * d.S;
      const float* gr = dy + (b * d.C + c) * d.S;
      for (int64_t s = threadIdx.x; s < d.S; s += blockDim.x) {
        aw += (double)gr[s] * (((double)xr[s] - mu) * rs);
        ab += gr[s];
      }
    }
    aw = block_sum(aw, sh);
    ab = block_sum(ab, sh);
    if (threadIdx.x == 0) {
      if (dweight) dweight[c] = (float)aw;
      if (dbias) dbias[c] = (float)ab;
    }
  }
}

// One block per (item, group) or per channel, at most 65535 blocks (the loops stride beyond).
unsigned blocks_for_groups(int64_t n) { return grid_for(n, 1, 65535); }

}  // namespace

void group_norm_forward(const float* x, const float* weight, const float* bias, float* y,
                        float* mean, float* rstd, const GroupNormDims& d, float eps) {
  if (d.B * d.G == 0) return;
  group_norm_forward_kernel<<<blocks_for_groups(d.B * d.G), kThreads>>>(x, weight, bias, y, mean,
                                                                        rstd, d, eps);
  SYN_CUDA_LAUNCH_CHECK("group_norm forward B=", d.B, " C=", d.C, " S=", d.S, " G=", d.G);
}

void group_norm_backward(const float* x, const float* weight, const float* mean, const float* rstd,
                         const float* dy, float* dx, float* dweight, float* dbias,
                         const GroupNormDims& d) {
  if (d.B * d.G == 0) return;
  if (dx) {
    group_norm_backward_dx_kernel<<<blocks_for_groups(d.B * d.G), kThreads>>>(x, weight, mean, rstd,
                                                                              dy, dx, d);
    SYN_CUDA_LAUNCH_CHECK("group_norm backward dx B=", d.B, " C=", d.C, " S=", d.S, " G=", d.G);
  }
  if (dweight || dbias) {
    group_norm_backward_params_kernel<<<blocks_for_groups(d.C), kThreads>>>(x, mean, rstd, dy,
                                                                            dweight, dbias, d);
    SYN_CUDA_LAUNCH_CHECK("group_norm backward params B=", d.B, " C=", d.C, " S=", d.S, " G=", d.G);
  }
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::group_norm_forward_kernel, group_norm_forward);
  register_cuda_kernel(syn::group_norm_backward_kernel, group_norm_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
