// layernorm.cu — CUDA layer normalisation over the last dimension, forward and backward.
//
// CPU reference: engine/ops/layernorm.cpp (same slots, same formulas). Like the CPU kernels these
// take the statistics in double with two passes (mean, then mean squared deviation) and sum in an
// order fixed by the shapes (no floating-point atomics): bit-reproducible, a few fp32 ulps from
// the CPU.
//   forward, backward dx   a row per warp when d <= 1024 (8 rows per 256-thread block; the
//                          decoder's rows are D = 256..512 wide), a row per block beyond.
//   backward dweight/dbias column sums in two deterministic stages: blocks of kChunkRows rows
//                          write double partials per column, then one thread per column adds
//                          the chunks in index order.
// Version: v1 only (not yet timed).
#include <algorithm>
#include <cmath>

#include "engine/ops/layernorm.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/layernorm_cuda.h"

namespace syn::cuda_kernels {

namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int64_t kWarpRowMax = 1024;
constexpr int64_t kChunkRows = 32;  // rows per column-sum partial (more when n > 65535 chunks)

// G = 32: a warp per row; G = kThreads: the block per row (RowGroup, kernels/kernel_helpers.cuh).
template <int G>
using Rows = RowGroup<G, kThreads>;

template <int G>
__global__ void layer_norm_forward_kernel(const float* __restrict__ x,
                                          const float* __restrict__ weight,
                                          const float* __restrict__ bias, float* __restrict__ y,
                                          float* __restrict__ mean, float* __restrict__ rstd,
                                          int64_t n, int64_t d, float eps) {
  __shared__ double sh[32];
  using R = Rows<G>;
  for (int64_t r = R::first(); r < n; r += R::stride()) {
    const float* xr = x + r * d;
    double s = 0;
    for (int64_t j = R::lane(); j < d; j += G) s += xr[j];
    const double mu = R::sum(s, sh) / (double)d;
    double v = 0;
    for (int64_t j = R::lane(); j < d; j += G) v += ((double)xr[j] - mu) * ((double)xr[j] - mu);
    const double rs = 1.0 / sqrt(R::sum(v, sh) / (double)d + (double)eps);
    if (R::lane() == 0) mean[r] = (float)mu, rstd[r] = (float)rs;
    for (int64_t j = R::lane(); j < d; j += G) {
      double h = ((double)xr[j] - mu) * rs;
      if (weight) h *= weight[j];
      if (bias) h += bias[j];
      y[r * d + j] = (float)h;
    }
  }
}

template <int G>
__global__ void layer_norm_backward_dx_kernel(const float* __restrict__ x,
                                              const float* __restrict__ weight,
                                              const float* __restrict__ mean,
                                              const float* __restrict__ rstd,
                                              const float* __restrict__ dy, float* __restrict__ dx,
                                              int64_t n, int64_t d) {
  __shared__ double sh[32];
  using R = Rows<G>;
  for (int64_t r = R::first(); r < n; r += R::stride()) {
    const float* xr = x + r * d;
    const float* gr = dy + r * d;
    const double mu = mean[r], rs = rstd[r];
    double sg = 0, sgx = 0;
    for (int64_t j = R::lane(); j < d; j += G) {
      const double g = weight ? (double)gr[j] * weight[j] : (double)gr[j];
      sg += g;
      sgx += g * ((double)xr[j] - mu) * rs;
    }
    sg = R::sum(sg, sh) / (double)d;
    sgx = R::sum(sgx, sh) / (double)d;
    for (int64_t j = R::lane(); j < d; j += G) {
      const double g = weight ? (double)gr[j] * weight[j] : (double)gr[j];
      const double xh = ((double)xr[j] - mu) * rs;
      dx[r * d + j] = (float)(rs * (g - sg - xh * sgx));
    }
  }
}

// Stage 1: block (column block bx, chunk by) writes pw/pb[by * d + j] for its columns.
__global__ void layer_norm_colsum_partial_kernel(const float* __restrict__ x,
                                                 const float* __restrict__ mean,
                                                 const float* __restrict__ rstd,
                                                 const float* __restrict__ dy,
                                                 double* __restrict__ pw, double* __restrict__ pb,
                                                 int64_t n, int64_t d, int64_t chunk_rows) {
  const int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (j >= d) return;
  const int64_t r0 = (int64_t)blockIdx.y * chunk_rows, r1 = min(n, r0 + chunk_rows);
  double aw = 0, ab = 0;
  for (int64_t r = r0; r < r1; ++r) {
    const double g = dy[r * d + j];
    aw += g * (((double)x[r * d + j] - (double)mean[r]) * (double)rstd[r]);
    ab += g;
  }
  pw[blockIdx.y * d + j] = aw;
  pb[blockIdx.y * d + j] = ab;
}

// Stage 2: one thread per column adds the chunks in order.
__global__ void layer_norm_colsum_final_kernel(const double* __restrict__ pw,
                                               const double* __restrict__ pb,
                                               float* __restrict__ dweight,
                                               float* __restrict__ dbias, int64_t chunks,
                                               int64_t d) {
  const int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (j >= d) return;
  double aw = 0, ab = 0;
  for (int64_t c = 0; c < chunks; ++c) aw += pw[c * d + j], ab += pb[c * d + j];
  if (dweight) dweight[j] = (float)aw;
  if (dbias) dbias[j] = (float)ab;
}

unsigned row_grid(int64_t n, int64_t d) {
  return d <= kWarpRowMax ? grid_for(n, kWarps) : grid_for(n, 1);
}

}  // namespace

void layer_norm_forward(const float* x, const float* weight, const float* bias, float* y,
                        float* mean, float* rstd, int64_t n, int64_t d, float eps) {
  if (n <= 0 || d <= 0) return;
  if (d <= kWarpRowMax)
    layer_norm_forward_kernel<32>
        <<<row_grid(n, d), kThreads>>>(x, weight, bias, y, mean, rstd, n, d, eps);
  else
    layer_norm_forward_kernel<kThreads>
        <<<row_grid(n, d), kThreads>>>(x, weight, bias, y, mean, rstd, n, d, eps);
  SYN_CUDA_LAUNCH_CHECK("layer_norm forward [", n, ", ", d, "]");
}

void layer_norm_backward(const float* x, const float* weight, const float* mean, const float* rstd,
                         const float* dy, float* dx, float* dweight, float* dbias, int64_t n,
                         int64_t d) {
  if (n <= 0 || d <= 0) return;
  if (dx) {
    if (d <= kWarpRowMax)
      layer_norm_backward_dx_kernel<32>
          <<<row_grid(n, d), kThreads>>>(x, weight, mean, rstd, dy, dx, n, d);
    else
      layer_norm_backward_dx_kernel<kThreads>
          <<<row_grid(n, d), kThreads>>>(x, weight, mean, rstd, dy, dx, n, d);
    SYN_CUDA_LAUNCH_CHECK("layer_norm backward dx [", n, ", ", d, "]");
  }
  if (dweight || dbias) {
    SYN_CHECK(d <= (int64_t{1} << 28), "layer_norm backward: ", d,
              " columns exceed the column-sum grid");
    const int64_t chunk_rows = std::max<int64_t>(kChunkRows, (n + 65534) / 65535);
    const int64_t chunks = (n + chunk_rows - 1) / chunk_rows;  // <= 65535 (grid.y)
    Scratch partial((size_t)(2 * chunks * d) * sizeof(double));
    double* pw = partial.as<double>();
    double* pb = pw + chunks * d;
    const dim3 grid(grid_for(d, kThreads), (unsigned)chunks);
    layer_norm_colsum_partial_kernel<<<grid, kThreads>>>(x, mean, rstd, dy, pw, pb, n, d,
                                                         chunk_rows);
    SYN_CUDA_LAUNCH_CHECK("layer_norm backward column partials [", n, ", ", d, "]");
    layer_norm_colsum_final_kernel<<<grid_for(d, kThreads), kThreads>>>(pw, pb, dweight, dbias,
                                                                        chunks, d);
    SYN_CUDA_LAUNCH_CHECK("layer_norm backward column sums [", n, ", ", d, "]");
  }
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::layer_norm_forward_kernel, layer_norm_forward);
  register_cuda_kernel(syn::layer_norm_backward_kernel, layer_norm_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
