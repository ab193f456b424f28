// batchnorm.cu — CUDA batchnorm1d: training forward (batch statistics, running-stat update),
// evaluation forward, backward. x is [B, C, L]: channel c is B rows of L contiguous values.
//
// CPU reference: engine/ops/batchnorm.cpp (batchnorm_train_forward_cpu,
// batchnorm_eval_forward_cpu, batchnorm_backward_cpu); same slot signatures and the same
// arithmetic: statistics summed around a shift (the channel's first value) so the variance does
// not cancel when |mean| >> std, float within short runs and double across; biased variance to
// normalise, unbiased for running_var; invstd = 1 / sqrt(var + eps) in double.
//
// Every op is three small kernels, all memory-bound:
//   1. partial sums per (channel, slice): grid (C, S), block reduction in double -> scratch
//      from the engine's caching allocator.
//      S splits each channel's B*L values so that there are ~4 blocks per SM even when C is
//      small (SampleCNN: C = 128 with B*L = 944,784 values per channel at batch 48).
//   2. per-channel finish (C threads): adds the S partials in a fixed order (deterministic),
//      writes save_mean / save_invstd / running stats or dweight / dbias, and the per-channel
//      coefficients of the element-wise pass.
//   3. element-wise pass y = (x - mean) * scale + shift, or dx = k (dy - a - (x - mean) bc):
//      a 2-D grid (positions, rows) for long rows, a flat grid-stride loop for short ones.
// Version: v1 only (timings not yet measured). Known cost: x is read twice in the training
// forward (once for the statistics, once to normalise) and x, dy twice in the backward; the
// minimum is one read. A fused single-pass version (statistics in shared memory, then a grid-
// wide sync, or the normalisation folded into the next conv's loader) is the obvious v2.
#include <algorithm>

#include "engine/device.h"
#include "engine/ops/batchnorm.h"
#include "kernels/batchnorm_cuda.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

using i64 = long long;
constexpr int kThreads = 256;

// Sum of two doubles over the block (blockDim.x == kThreads); thread 0 gets the totals.
__device__ void block_sum2(double& a, double& b) {
  __shared__ double ra[kThreads / 32], rb[kThreads / 32];
  a = warp_sum(a);
  b = warp_sum(b);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) ra[warp] = a, rb[warp] = b;
  __syncthreads();
  if (threadIdx.x == 0) {
    a = 0, b = 0;
    for (int w = 0; w < kThreads / 32; ++w) a += ra[w], b += rb[w];
  }
}

struct Dims {
  int B, C, L, S;
};

// Walks this thread's share of channel c's slice s: calls f(offset) for each value, with the
// (b, l) position advanced incrementally (no division per element).
template <class F>
__device__ void for_channel_slice(const Dims& d, int c, int s, F&& f) {
  const i64 N = (i64)d.B * d.L, i0 = N * s / d.S, i1 = N * (s + 1) / d.S;
  i64 i = i0 + threadIdx.x;
  int b = (int)(i / d.L), l = (int)(i % d.L);
  const int db = kThreads / d.L, dl = kThreads % d.L;
  for (; i < i1; i += kThreads) {
    f(((i64)b * d.C + c) * d.L + l);
    l += dl;
    b += db;
    if (l >= d.L) l -= d.L, ++b;
  }
}

// part[c][s] = (sum (x - shift), sum (x - shift)^2), shift = x[0, c, 0]. Float within runs of
// 32 values per thread, double beyond (like the CPU's lanes-in-blocks scheme).
__global__ void stats_partial_kernel(const float* x, Dims d, double* part) {
  const int c = blockIdx.x, s = blockIdx.y;
  const float shift = x[(i64)c * d.L];
  double s1 = 0, s2 = 0;
  float f1 = 0.f, f2 = 0.f;
  int run = 0;
  for_channel_slice(d, c, s, [&](i64 off) {
    const float v = x[off] - shift;
    f1 += v;
    f2 = fmaf(v, v, f2);
    if (++run == 32) s1 += f1, s2 += f2, f1 = f2 = 0.f, run = 0;
  });
  s1 += f1;
  s2 += f2;
  block_sum2(s1, s2);
  if (threadIdx.x == 0) {
    part[((i64)c * d.S + s) * 2] = s1;
    part[((i64)c * d.S + s) * 2 + 1] = s2;
  }
}

// Training finish: mean / invstd, running stats, and coef[c] = (mean, scale, shift).
__global__ void stats_finish_kernel(const float* x, const double* part, Dims d, const float* weight,
                                    const float* bias, float* running_mean, float* running_var,
                                    float* save_mean, float* save_invstd, float momentum, float eps,
                                    float* coef) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= d.C) return;
  double s1 = 0, s2 = 0;
  for (int s = 0; s < d.S; ++s) {
    s1 += part[((i64)c * d.S + s) * 2];
    s2 += part[((i64)c * d.S + s) * 2 + 1];
  }
  const double N = (double)d.B * d.L;
  const double m1 = s1 / N, var = fmax(0.0, s2 / N - m1 * m1);
  const double mean = (double)x[(i64)c * d.L] + m1;
  const float invstd = (float)(1.0 / sqrt(var + (double)eps));
  save_mean[c] = (float)mean;
  save_invstd[c] = invstd;
  const float w = weight ? weight[c] : 1.0f;
  coef[3 * c] = (float)mean;
  coef[3 * c + 1] = w * invstd;
  coef[3 * c + 2] = bias ? bias[c] : 0.0f;
  if (running_mean) running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mean);
  if (running_var)
    running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * (var * N / (N - 1.0)));
}

__global__ void eval_coef_kernel(const float* weight, const float* bias, const float* running_mean,
                                 const float* running_var, float* save_mean, float* save_invstd,
                                 int C, float eps, float* coef) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const float invstd = (float)(1.0 / sqrt((double)running_var[c] + (double)eps));
  save_mean[c] = running_mean[c];
  save_invstd[c] = invstd;
  coef[3 * c] = running_mean[c];
  coef[3 * c + 1] = (weight ? weight[c] : 1.0f) * invstd;
  coef[3 * c + 2] = bias ? bias[c] : 0.0f;
}

// part[c][s] = (sum dy, sum dy * (x - mean)).
__global__ void grad_partial_kernel(const float* x, const float* dy, const float* save_mean, Dims d,
                                    double* part) {
  const int c = blockIdx.x, s = blockIdx.y;
  const float mean = save_mean[c];
  double s1 = 0, s2 = 0;
  float f1 = 0.f, f2 = 0.f;
  int run = 0;
  for_channel_slice(d, c, s, [&](i64 off) {
    const float g = dy[off];
    f1 += g;
    f2 = fmaf(g, x[off] - mean, f2);
    if (++run == 32) s1 += f1, s2 += f2, f1 = f2 = 0.f, run = 0;
  });
  s1 += f1;
  s2 += f2;
  block_sum2(s1, s2);
  if (threadIdx.x == 0) {
    part[((i64)c * d.S + s) * 2] = s1;
    part[((i64)c * d.S + s) * 2 + 1] = s2;
  }
}

// Backward finish: dbias, dweight, and coef[c] = (mean, k, a, bc) for dx (see the CPU kernel).
__global__ void grad_finish_kernel(const double* part, Dims d, const float* weight,
                                   const float* save_mean, const float* save_invstd,
                                   bool batch_stats, float* dweight, float* dbias, float* coef) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= d.C) return;
  double sdy = 0, sdyx = 0;
  if (part)
    for (int s = 0; s < d.S; ++s)
      sdy += part[((i64)c * d.S + s) * 2], sdyx += part[((i64)c * d.S + s) * 2 + 1];
  const float invstd = save_invstd[c], w = weight ? weight[c] : 1.0f;
  if (dbias) dbias[c] = (float)sdy;
  if (dweight) dweight[c] = (float)(sdyx * invstd);
  const double N = (double)d.B * d.L;
  coef[4 * c] = save_mean[c];
  coef[4 * c + 1] = w * invstd;
  coef[4 * c + 2] = batch_stats ? (float)(sdy / N) : 0.0f;
  coef[4 * c + 3] = batch_stats ? (float)(sdyx / N * (double)invstd * (double)invstd) : 0.0f;
}

struct NormalizeOp {  // y = (x - mean) * scale + shift
  const float* x;
  float* y;
  const float* coef;
  __device__ void operator()(i64 i, int c) const {
    y[i] = (x[i] - coef[3 * c]) * coef[3 * c + 1] + coef[3 * c + 2];
  }
};
struct InputGradOp {  // dx = k * (dy - a - (x - mean) * bc)
  const float* x;
  const float* dy;
  float* dx;
  const float* coef;
  __device__ void operator()(i64 i, int c) const {
    const float* k = coef + 4 * c;
    dx[i] = k[1] * (dy[i] - k[2] - (x[i] - k[0]) * k[3]);
  }
};

// Long rows: grid (position blocks, rows); each row is one (b, c).
template <class Op>
__global__ void rows_kernel(Op op, int C, int L, i64 rows) {
  const int l = blockIdx.x * blockDim.x + threadIdx.x;
  if (l >= L) return;
  for (i64 r = blockIdx.y; r < rows; r += gridDim.y) op(r * L + l, (int)(r % C));
}

// Short rows: flat grid-stride loop (the division per element is cheap next to the launch).
template <class Op>
__global__ void flat_kernel(Op op, int C, int L, i64 total) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x)
    op(i, (int)((i / L) % C));
}

template <class Op>
void launch_elementwise(const char* what, Op op, const Dims& d) {
  const i64 rows = (i64)d.B * d.C, total = rows * d.L;
  if (total == 0) return;
  if (d.L >= 128) {
    const dim3 grid(blocks_for(d.L, kThreads), grid_for(rows, 1, 65535));
    rows_kernel<<<grid, kThreads>>>(op, d.C, d.L, rows);
  } else {
    flat_kernel<<<grid_for(total, kThreads), kThreads>>>(op, d.C, d.L, total);
  }
  SYN_CUDA_LAUNCH_CHECK(what, " B=", d.B, " C=", d.C, " L=", d.L);
}

Dims make_dims(const char* op, int64_t B, int64_t C, int64_t L) {
  SYN_CHECK(B * L <= (int64_t{1} << 31) - 1 && C <= (int64_t{1} << 31) - 1, op, ": x [", B, ", ", C,
            ", ", L, "] exceeds the CUDA kernels' 32-bit index range");
  const int64_t N = B * L;
  // ~4 blocks per SM over all channels, each slice at least 4096 values.
  const int64_t S = std::clamp<int64_t>((4 * sm_count() + C - 1) / std::max<int64_t>(C, 1), 1,
                                        std::max<int64_t>(1, std::min<int64_t>(N / 4096, 65535)));
  return Dims{(int)B, (int)C, (int)L, (int)S};
}

unsigned channel_blocks(int C) { return blocks_for(C, 128); }

}  // namespace

void batchnorm_train_forward(const float* x, const float* weight, const float* bias,
                             float* running_mean, float* running_var, float* y, float* save_mean,
                             float* save_invstd, int64_t B, int64_t C, int64_t L, float momentum,
                             float eps) {
  if (C == 0) return;
  const Dims d = make_dims("batchnorm train forward", B, C, L);
  Scratch scratch(sizeof(double) * 2 * (size_t)(C * d.S) + sizeof(float) * 3 * (size_t)C);
  double* part = (double*)scratch.p;
  float* coef = (float*)(part + 2 * C * d.S);
  stats_partial_kernel<<<dim3((unsigned)C, (unsigned)d.S), kThreads>>>(x, d, part);
  SYN_CUDA_LAUNCH_CHECK("batchnorm statistics B=", B, " C=", C, " L=", L, " S=", d.S);
  stats_finish_kernel<<<channel_blocks(d.C), 128>>>(x, part, d, weight, bias, running_mean,
                                                    running_var, save_mean, save_invstd, momentum,
                                                    eps, coef);
  SYN_CUDA_LAUNCH_CHECK("batchnorm statistics finish C=", C);
  launch_elementwise("batchnorm normalise", NormalizeOp{x, y, coef}, d);
}

void batchnorm_eval_forward(const float* x, const float* weight, const float* bias,
                            const float* running_mean, const float* running_var, float* y,
                            float* save_mean, float* save_invstd, int64_t B, int64_t C, int64_t L,
                            float eps) {
  if (C == 0) return;
  const Dims d = make_dims("batchnorm eval forward", B, C, L);
  Scratch scratch(sizeof(float) * 3 * (size_t)C);
  float* coef = (float*)scratch.p;
  eval_coef_kernel<<<channel_blocks(d.C), 128>>>(weight, bias, running_mean, running_var, save_mean,
                                                 save_invstd, d.C, eps, coef);
  SYN_CUDA_LAUNCH_CHECK("batchnorm eval coefficients C=", C);
  launch_elementwise("batchnorm eval normalise", NormalizeOp{x, y, coef}, d);
}

void batchnorm_backward(const float* x, const float* dy, const float* weight,
                        const float* save_mean, const float* save_invstd, float* dx, float* dweight,
                        float* dbias, int64_t B, int64_t C, int64_t L, bool batch_stats) {
  if (C == 0) return;
  const Dims d = make_dims("batchnorm backward", B, C, L);
  const bool need_sums = dweight || dbias || (dx && batch_stats);
  Scratch scratch(sizeof(double) * 2 * (size_t)(C * d.S) + sizeof(float) * 4 * (size_t)C);
  double* part = (double*)scratch.p;
  float* coef = (float*)(part + 2 * C * d.S);
  if (need_sums) {
    grad_partial_kernel<<<dim3((unsigned)C, (unsigned)d.S), kThreads>>>(x, dy, save_mean, d, part);
    SYN_CUDA_LAUNCH_CHECK("batchnorm gradient sums B=", B, " C=", C, " L=", L, " S=", d.S);
  }
  grad_finish_kernel<<<channel_blocks(d.C), 128>>>(need_sums ? part : nullptr, d, weight, save_mean,
                                                   save_invstd, batch_stats, dweight, dbias, coef);
  SYN_CUDA_LAUNCH_CHECK("batchnorm gradient finish C=", C);
  if (dx) launch_elementwise("batchnorm input gradient", InputGradOp{x, dy, dx, coef}, d);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::batchnorm_train_forward_kernel, batchnorm_train_forward);
  register_cuda_kernel(syn::batchnorm_eval_forward_kernel, batchnorm_eval_forward);
  register_cuda_kernel(syn::batchnorm_backward_kernel, batchnorm_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
