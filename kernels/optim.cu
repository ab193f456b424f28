// optim.cu — the fused optimizer updates: Adam/AdamW, SGD (momentum, Nesterov, dampening) and
// LARS (norm reduction + update). CPU reference: engine/optim/adam.cpp (adam_update_cpu),
// sgd.cpp (sgd_update_cpu), lars.cpp (lars_norms_cpu, lars_update_cpu). Every update reads each
// array once and writes it once, with the same fp32 expression order as the CPU kernel (results
// agree to an ulp or two: nvcc may contract a*b+c into an FMA where the host compiler did not).
//
// Nothing here synchronises with the host: the step scalars arrive by value, and LARS reads its
// trust ratio's inputs (||w||^2, ||g'||^2) from the device buffer that lars_norms wrote.
//
// Versions (timings not yet measured):
//   adam_update / sgd_update / lars_update:
//     v1  one element per thread, grid-stride;
//     v2  (live) four elements per thread with float4 loads and stores when every pointer is
//         16-byte aligned (fresh allocations are; a parameter that is a view at an odd offset
//         takes v1), the last partial quad element by element. Memory-bound: 16 bytes per
//         access halves the number of memory instructions.
//   lars_norms:
//     v1  two kernels: block partial sums (double) into a scratch buffer, then one block adds them;
//     v2  (live) one launch: the last block to finish adds the partials ("last block done",
//         static device buffer and counter; relies on the single default stream).
//   Both sum in an order fixed by n alone (deterministic).
// Not possible behind these per-parameter signatures: one launch for all parameters
// (multi-tensor apply), which is what would remove the per-parameter launch cost.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/device.h"
#include "engine/optim/adam.h"
#include "engine/optim/lars.h"
#include "engine/optim/sgd.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/optim_cuda.h"

namespace syn::cuda_kernels {

namespace {

constexpr int kThreads = 256;
constexpr int kNormBlocks = 1024;  // at most this many partial sums in lars_norms

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// ------------------------------------------------------------------ element-wise machinery

// An Op has prepare() (once per thread, before any element), at(i) (one element) and quad(q)
// (elements 4q .. 4q+3 through float4).
template <class Op>
__global__ void update_scalar_kernel(Op op, int64_t n) {
  op.prepare();
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    op.at(i);
}

template <class Op>
__global__ void update_quad_kernel(Op op, int64_t n) {
  op.prepare();
  const int64_t quads = (n + 3) / 4;
  for (int64_t q = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; q < quads;
       q += (int64_t)gridDim.x * blockDim.x) {
    if (4 * q + 4 <= n) {
      op.quad(q);
    } else {
      for (int64_t i = 4 * q; i < n; ++i) op.at(i);
    }
  }
}

template <class Op>
void launch_update(const char* name, int version, const Op& op, int64_t n, bool aligned) {
  SYN_CHECK(version == 1 || version == 2, name, ": unknown CUDA kernel version ", version);
  if (n <= 0) return;
  if (version == 2 && aligned)
    update_quad_kernel<<<grid_for((n + 3) / 4, kThreads), kThreads>>>(op, n);
  else
    update_scalar_kernel<<<grid_for(n, kThreads), kThreads>>>(op, n);
  SYN_CUDA_LAUNCH_CHECK(name, " v", version, " n=", n);
}

__device__ __forceinline__ float4 load4(const float* p, int64_t q) {
  return reinterpret_cast<const float4*>(p)[q];
}
__device__ __forceinline__ void store4(float* p, int64_t q, float4 v) {
  reinterpret_cast<float4*>(p)[q] = v;
}

// ----------------------------------------------------------------------------------- Adam

struct AdamOp {
  float* param;
  const float* grad;
  float* exp_avg;
  float* exp_avg_sq;
  AdamStepArgs a;
  float l2;  // weight decay folded into the gradient (Adam), 0 for AdamW

  __device__ void prepare() {}
  // Same order of operations as adam_update_cpu.
  __device__ void elem(float& p, float g, float& m, float& v) const {
    const float pd = p * a.decay;
    const float gg = g + l2 * p;
    const float m2 = m * a.beta1 + gg * a.one_minus_beta1;
    const float v2 = v * a.beta2 + gg * gg * a.one_minus_beta2;
    const float denom = sqrtf(v2) / a.bias_correction2_sqrt + a.eps;
    m = m2;
    v = v2;
    p = pd - a.step_size * (m2 / denom);
  }
  __device__ void at(int64_t i) const {
    float p = param[i], m = exp_avg[i], v = exp_avg_sq[i];
    elem(p, grad[i], m, v);
    param[i] = p, exp_avg[i] = m, exp_avg_sq[i] = v;
  }
  __device__ void quad(int64_t q) const {
    float4 p = load4(param, q), m = load4(exp_avg, q), v = load4(exp_avg_sq, q);
    const float4 g = load4(grad, q);
    elem(p.x, g.x, m.x, v.x);
    elem(p.y, g.y, m.y, v.y);
    elem(p.z, g.z, m.z, v.z);
    elem(p.w, g.w, m.w, v.w);
    store4(param, q, p), store4(exp_avg, q, m), store4(exp_avg_sq, q, v);
  }
};

// ------------------------------------------------------------------------------------ SGD

struct SgdOp {
  float* param;
  const float* grad;
  float* buf;  // null without momentum
  SgdStepArgs a;

  __device__ void prepare() {}
  // Same order of operations as sgd_update_cpu.
  __device__ void elem(float& p, float g, float* b) const {
    float gg = g + a.weight_decay * p;
    if (b) {
      const float nb = a.first ? gg : *b * a.momentum + gg * a.one_minus_dampening;
      *b = nb;
      gg = a.nesterov ? gg + a.momentum * nb : nb;
    }
    p -= a.lr * gg;
  }
  __device__ void at(int64_t i) const {
    float p = param[i];
    elem(p, grad[i], buf ? buf + i : nullptr);
    param[i] = p;
  }
  __device__ void quad(int64_t q) const {
    float4 p = load4(param, q);
    const float4 g = load4(grad, q);
    if (buf) {
      float4 b = load4(buf, q);
      elem(p.x, g.x, &b.x);
      elem(p.y, g.y, &b.y);
      elem(p.z, g.z, &b.z);
      elem(p.w, g.w, &b.w);
      store4(buf, q, b);
    } else {
      elem(p.x, g.x, nullptr);
      elem(p.y, g.y, nullptr);
      elem(p.z, g.z, nullptr);
      elem(p.w, g.w, nullptr);
    }
    store4(param, q, p);
  }
};

// ----------------------------------------------------------------------------------- LARS

struct LarsOp {
  float* w;
  const float* g;
  float* v;
  const float* sums;  // device: ||w||^2, ||g'||^2 (read only when adapting)
  LarsStepArgs a;
  float scaled_lr;  // lr * trust, set by prepare()

  // The trust ratio, as lars_update_cpu computes it, from the device-resident sums.
  __device__ void prepare() {
    float trust = 1.0f;
    if (a.adapt) {
      const float w_norm = sqrtf(sums[0]), g_norm = sqrtf(sums[1]);
      if (w_norm > 0 && g_norm > 0) trust = a.eta * w_norm / g_norm;
    }
    scaled_lr = a.lr * trust;
  }
  __device__ void elem(float& wi, float gi0, float& vi) const {
    const float gi = gi0 + a.weight_decay * wi;
    const float nv = a.momentum * vi + scaled_lr * gi;
    vi = nv;
    wi -= a.nesterov ? a.momentum * nv + scaled_lr * gi : nv;
  }
  __device__ void at(int64_t i) const {
    float wi = w[i], vi = v[i];
    elem(wi, g[i], vi);
    w[i] = wi, v[i] = vi;
  }
  __device__ void quad(int64_t q) const {
    float4 wq = load4(w, q), vq = load4(v, q);
    const float4 gq = load4(g, q);
    elem(wq.x, gq.x, vq.x);
    elem(wq.y, gq.y, vq.y);
    elem(wq.z, gq.z, vq.z);
    elem(wq.w, gq.w, vq.w);
    store4(w, q, wq), store4(v, q, vq);
  }
};

// ------------------------------------------------------------------------------ lars_norms

// This thread's share of sum(w^2) and sum((g + wd w)^2), in double as lars_norms_cpu.
__device__ __forceinline__ void norm_terms(const float* w, const float* g, float wd, int64_t n,
                                           double& a, double& b) {
  a = 0, b = 0;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    const double wi = w[i];
    const double gi = (double)g[i] + (double)wd * wi;
    a += wi * wi;
    b += gi * gi;
  }
}

__device__ double g_lars_partial[2 * kNormBlocks];
__device__ unsigned int g_lars_counter = 0;

// v2: one launch; the last block to finish adds the block partials in index order.
__global__ void lars_norms_kernel(const float* __restrict__ w, const float* __restrict__ g,
                                  float wd, float* __restrict__ sums, int64_t n) {
  __shared__ double sh[32];
  __shared__ bool last;
  double a, b;
  norm_terms(w, g, wd, n, a, b);
  a = block_sum(a, sh);
  b = block_sum(b, sh);
  if (threadIdx.x == 0) {
    g_lars_partial[2 * blockIdx.x] = a;
    g_lars_partial[2 * blockIdx.x + 1] = b;
    __threadfence();  // the partials are visible before the counter says so
    last = atomicAdd(&g_lars_counter, 1u) == gridDim.x - 1;
  }
  __syncthreads();
  if (!last) return;  // block-uniform
  double ta = 0, tb = 0;
  for (unsigned k = threadIdx.x; k < gridDim.x; k += blockDim.x) {
    ta += __ldcg(&g_lars_partial[2 * k]);  // from L2: never a stale L1 line
    tb += __ldcg(&g_lars_partial[2 * k + 1]);
  }
  ta = block_sum(ta, sh);
  tb = block_sum(tb, sh);
  if (threadIdx.x == 0) {
    sums[0] = (float)ta;
    sums[1] = (float)tb;
    g_lars_counter = 0;  // ready for the next launch (stream-ordered)
  }
}

// v1, pass 1: block partials into `partial` (2 doubles per block).
__global__ void lars_partials_kernel(const float* __restrict__ w, const float* __restrict__ g,
                                     float wd, double* __restrict__ partial, int64_t n) {
  __shared__ double sh[32];
  double a, b;
  norm_terms(w, g, wd, n, a, b);
  a = block_sum(a, sh);
  b = block_sum(b, sh);
  if (threadIdx.x == 0) partial[2 * blockIdx.x] = a, partial[2 * blockIdx.x + 1] = b;
}

// v1, pass 2: one block adds the partials.
__global__ void lars_sum_partials_kernel(const double* __restrict__ partial, int blocks,
                                         float* __restrict__ sums) {
  __shared__ double sh[32];
  double ta = 0, tb = 0;
  for (int k = threadIdx.x; k < blocks; k += blockDim.x)
    ta += partial[2 * k], tb += partial[2 * k + 1];
  ta = block_sum(ta, sh);
  tb = block_sum(tb, sh);
  if (threadIdx.x == 0) sums[0] = (float)ta, sums[1] = (float)tb;
}

}  // namespace

// ---------------------------------------------------------------------------- entry points

void adam_update_v(int version, float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                   int64_t n, AdamStepArgs args) {
  AdamOp op{param, grad, exp_avg, exp_avg_sq, args, args.decoupled ? 0.0f : args.weight_decay};
  const bool aligned =
      aligned16(param) && aligned16(grad) && aligned16(exp_avg) && aligned16(exp_avg_sq);
  launch_update("adam_update", version, op, n, aligned);
}

void sgd_update_v(int version, float* param, const float* grad, float* momentum_buffer, int64_t n,
                  SgdStepArgs args) {
  SgdOp op{param, grad, momentum_buffer, args};
  const bool aligned =
      aligned16(param) && aligned16(grad) && (!momentum_buffer || aligned16(momentum_buffer));
  launch_update("sgd_update", version, op, n, aligned);
}

void lars_update_v(int version, float* param, const float* grad, float* momentum_buffer,
                   const float* sums, int64_t n, LarsStepArgs args) {
  LarsOp op{param, grad, momentum_buffer, sums, args, 0.0f};
  const bool aligned = aligned16(param) && aligned16(grad) && aligned16(momentum_buffer);
  launch_update("lars_update", version, op, n, aligned);
}

void lars_norms_v(int version, const float* param, const float* grad, float weight_decay,
                  float* sums, int64_t n) {
  SYN_CHECK(version == 1 || version == 2, "lars_norms: unknown CUDA kernel version ", version);
  // Eight elements per thread before striding; at least one block, so n = 0 writes zeros.
  const unsigned blocks = std::min<unsigned>(kNormBlocks, grid_for(n, kThreads * 8));
  if (version == 2) {
    lars_norms_kernel<<<blocks, kThreads>>>(param, grad, weight_decay, sums, n);
    SYN_CUDA_LAUNCH_CHECK("lars_norms v2 n=", n);
    return;
  }
  void* scratch = device_alloc(Device::CUDA, 2 * blocks * sizeof(double));
  double* partial = static_cast<double*>(scratch);
  lars_partials_kernel<<<blocks, kThreads>>>(param, grad, weight_decay, partial, n);
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess) {
    lars_sum_partials_kernel<<<1, kThreads>>>(partial, (int)blocks, sums);
    err = cudaGetLastError();
  }
  device_free(Device::CUDA, scratch);  // stream-ordered reuse: see engine/device_cuda.cu
  SYN_CUDA_CHECK(err, "launch of lars_norms v1 n=", n);
}

void adam_update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                 AdamStepArgs args) {
  adam_update_v(2, param, grad, exp_avg, exp_avg_sq, n, args);
}

void sgd_update(float* param, const float* grad, float* momentum_buffer, int64_t n,
                SgdStepArgs args) {
  sgd_update_v(2, param, grad, momentum_buffer, n, args);
}

void lars_norms(const float* param, const float* grad, float weight_decay, float* sums, int64_t n) {
  lars_norms_v(2, param, grad, weight_decay, sums, n);
}

void lars_update(float* param, const float* grad, float* momentum_buffer, const float* sums,
                 int64_t n, LarsStepArgs args) {
  lars_update_v(2, param, grad, momentum_buffer, sums, n, args);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::adam_update_kernel, adam_update);
  register_cuda_kernel(syn::sgd_update_kernel, sgd_update);
  register_cuda_kernel(syn::lars_norms_kernel, lars_norms);
  register_cuda_kernel(syn::lars_update_kernel, lars_update);
});
}  // namespace

}  // namespace syn::cuda_kernels
