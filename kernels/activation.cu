// activation.cu — CUDA GELU (exact erf and tanh forms) and SiLU, forward and backward.
//
// CPU reference: engine/ops/activation.cpp (same formulas in fp32; CUDA's erff, expf and tanhf
// are within 2 ulp, so results agree with the CPU to a few ulps; SiLU: expf, the CPU's form
// x / (1 + e^-x)). Grid-stride, one element per thread per step: memory-bound.
// Version: v1 only (not yet timed).
#include "engine/ops/activation.h"
#include "kernels/activation_cuda.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kTanhCubic = 0.044715f;

template <bool kTanh>
__global__ void gelu_forward_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    const float v = x[i];
    if constexpr (kTanh)
      y[i] = 0.5f * v * (1.0f + tanhf(kSqrt2OverPi * (v + kTanhCubic * v * v * v)));
    else
      y[i] = 0.5f * v * (1.0f + erff(v * kInvSqrt2));
  }
}

template <bool kTanh>
__global__ void gelu_backward_kernel(const float* __restrict__ x, const float* __restrict__ dy,
                                     float* __restrict__ dx, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    const float v = x[i];
    float g;
    if constexpr (kTanh) {
      const float t = tanhf(kSqrt2OverPi * (v + kTanhCubic * v * v * v));
      g = 0.5f * (1.0f + t) +
          0.5f * v * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kTanhCubic * v * v);
    } else {
      g = 0.5f * (1.0f + erff(v * kInvSqrt2)) + v * kInvSqrt2Pi * expf(-0.5f * v * v);
    }
    dx[i] = dy[i] * g;
  }
}

__global__ void silu_forward_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    const float v = x[i];
    y[i] = v / (1.0f + expf(-v));
  }
}

__global__ void silu_backward_kernel(const float* __restrict__ x, const float* __restrict__ dy,
                                     float* __restrict__ dx, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    const float v = x[i];
    const float s = 1.0f / (1.0f + expf(-v));
    dx[i] = dy[i] * (s * (1.0f + v * (1.0f - s)));
  }
}

}  // namespace

void gelu_forward(const float* x, float* y, int64_t n, int approx) {
  if (n <= 0) return;
  if (approx == (int)GeluApprox::Tanh)
    gelu_forward_kernel<true><<<grid_for(n, 256), 256>>>(x, y, n);
  else
    gelu_forward_kernel<false><<<grid_for(n, 256), 256>>>(x, y, n);
  SYN_CUDA_LAUNCH_CHECK("gelu forward n=", n, " approx=", approx);
}

void gelu_backward(const float* x, const float* dy, float* dx, int64_t n, int approx) {
  if (n <= 0) return;
  if (approx == (int)GeluApprox::Tanh)
    gelu_backward_kernel<true><<<grid_for(n, 256), 256>>>(x, dy, dx, n);
  else
    gelu_backward_kernel<false><<<grid_for(n, 256), 256>>>(x, dy, dx, n);
  SYN_CUDA_LAUNCH_CHECK("gelu backward n=", n, " approx=", approx);
}

void silu_forward(const float* x, float* y, int64_t n) {
  if (n <= 0) return;
  silu_forward_kernel<<<grid_for(n, 256), 256>>>(x, y, n);
  SYN_CUDA_LAUNCH_CHECK("silu forward n=", n);
}

void silu_backward(const float* x, const float* dy, float* dx, int64_t n) {
  if (n <= 0) return;
  silu_backward_kernel<<<grid_for(n, 256), 256>>>(x, dy, dx, n);
  SYN_CUDA_LAUNCH_CHECK("silu backward n=", n);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::gelu_forward_kernel, gelu_forward);
  register_cuda_kernel(syn::gelu_backward_kernel, gelu_backward);
  register_cuda_kernel(syn::silu_forward_kernel, silu_forward);
  register_cuda_kernel(syn::silu_backward_kernel, silu_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
