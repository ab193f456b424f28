// elementwise.cu — element-wise kernels. One templated grid-stride kernel serves every
// operation (a functor per op); memory-bound, so the only goal is coalesced full-width traffic.
// CPU reference: engine/ops/elementwise.cpp (same signatures).
#include "engine/ops/elementwise.h"
#include "kernels/cuda_check.h"
#include "kernels/elementwise_cuda.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

template <class F>
__global__ void map2_kernel(const float* a, const float* b, float* out, int64_t n, F f) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    out[i] = f(a[i], b ? b[i] : 0.0f);
}

template <class F>
static void launch_map2(const char* name, const float* a, const float* b, float* out, int64_t n,
                        F f) {
  if (n == 0) return;
  map2_kernel<<<grid_for(n, 256, 65535 * 8), 256>>>(a, b, out, n, f);
  SYN_CUDA_LAUNCH_CHECK(name, " n=", n);
}

struct AddOp {
  __device__ float operator()(float x, float y) const { return x + y; }
};
struct SubOp {
  __device__ float operator()(float x, float y) const { return x - y; }
};
struct MulOp {
  __device__ float operator()(float x, float y) const { return x * y; }
};
struct AffineOp {
  float alpha, beta;
  __device__ float operator()(float x, float) const { return alpha * x + beta; }
};
struct ReluOp {
  __device__ float operator()(float x, float) const { return x > 0.f ? x : 0.f; }
};
struct ReluBackOp {
  __device__ float operator()(float x, float dy) const { return x > 0.f ? dy : 0.f; }
};

void add(const float* a, const float* b, float* out, int64_t n) {
  launch_map2("add", a, b, out, n, AddOp{});
}
void sub(const float* a, const float* b, float* out, int64_t n) {
  launch_map2("sub", a, b, out, n, SubOp{});
}
void mul(const float* a, const float* b, float* out, int64_t n) {
  launch_map2("mul", a, b, out, n, MulOp{});
}
void affine(const float* a, float alpha, float beta, float* out, int64_t n) {
  launch_map2("affine", a, nullptr, out, n, AffineOp{alpha, beta});
}
void relu(const float* a, float, float, float* out, int64_t n) {
  launch_map2("relu", a, nullptr, out, n, ReluOp{});
}
void relu_backward(const float* x, const float* dy, float* dx, int64_t n) {
  launch_map2("relu_backward", x, dy, dx, n, ReluBackOp{});
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::add_kernel, add);
  register_cuda_kernel(syn::sub_kernel, sub);
  register_cuda_kernel(syn::mul_kernel, mul);
  register_cuda_kernel(syn::affine_kernel, affine);
  register_cuda_kernel(syn::relu_kernel, relu);
  register_cuda_kernel(syn::relu_backward_kernel, relu_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
