// pool.cu — CUDA maxpool1d: forward with the argmax index buffer, and backward.
//
// CPU reference: engine/ops/pool.cpp (maxpool1d_forward_cpu, maxpool1d_backward_cpu); same slot
// signatures, same selection rule (windows clamped to the row, so padding never wins; a later
// value replaces the best when it is greater or NaN: the first maximum wins ties, a NaN wins),
// same index buffer (float row index 0 .. L-1, exact below 2^24).
//
//   forward   one thread per output element; consecutive threads take consecutive windows, so
//             a warp reads one contiguous span of x (SampleCNN: kernel = stride = 3).
//   backward  gather, not scatter: one thread per input element sums dy over the windows that
//             contain it and chose it (o ascending from 0.0f, the CPU's order of additions, so the
//             result is bit-identical), writing every dx element exactly once: no atomics, no
//             memset, deterministic.
// Index arithmetic is 32-bit when the tensor allows (the division per element then stays far
// below the memory time); 64-bit otherwise.
// Version: v1 only (timings not yet measured; both kernels should run at memory bandwidth).
#include <algorithm>

#include "engine/ops/pool.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/pool_cuda.h"

namespace syn::cuda_kernels {

namespace {

template <class I>
__global__ void maxpool_forward_kernel(const float* x, float* y, float* argmax, I rows, I L, I Lout,
                                       I kernel, I stride, I padding) {
  const I total = rows * Lout;
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
    const I r = i / Lout, o = i - r * Lout;
    const float* xr = x + r * L;
    const long long start = (long long)o * stride - padding;
    const I a = (I)(start > 0 ? start : 0);
    const I b = (I)min((long long)L, start + (long long)kernel);
    I best_i = a;
    float best = xr[a];
    for (I j = a + 1; j < b; ++j) {
      const float v = xr[j];
      if (v > best || v != v) best = v, best_i = j;  // first max wins; NaN wins
    }
    y[i] = best;
    if (argmax) argmax[i] = (float)best_i;
  }
}

template <class I>
__global__ void maxpool_backward_kernel(const float* dy, const float* argmax, float* dx, I rows,
                                        I L, I Lout, I kernel, I stride, I padding) {
  const I total = rows * L;
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
    const I r = i / L, l = i - r * L;
    // windows o with o*stride - padding <= l <= o*stride - padding + kernel - 1
    const long long lo_num = (long long)l + padding - kernel + 1;
    const long long o_lo = lo_num <= 0 ? 0 : (lo_num + stride - 1) / stride;
    const long long o_hi = min((long long)Lout - 1, ((long long)l + padding) / stride);
    float acc = 0.0f;
    const float* ar = argmax + r * Lout;
    const float* gr = dy + r * Lout;
    for (long long o = o_lo; o <= o_hi; ++o)
      if ((I)ar[o] == l) acc += gr[o];
    dx[i] = acc;
  }
}

bool fits32(long long n) { return n < (1LL << 31); }

}  // namespace

void maxpool1d_forward(const float* x, float* y, float* argmax, int64_t rows, int64_t L,
                       int64_t Lout, int64_t kernel, int64_t stride, int64_t padding) {
  const long long total = (long long)rows * Lout;
  if (total == 0) return;
  if (fits32(total) && fits32((long long)rows * L))
    maxpool_forward_kernel<unsigned>
        <<<grid_for(total, 256), 256>>>(x, y, argmax, (unsigned)rows, (unsigned)L, (unsigned)Lout,
                                        (unsigned)kernel, (unsigned)stride, (unsigned)padding);
  else
    maxpool_forward_kernel<long long><<<grid_for(total, 256), 256>>>(
        x, y, argmax, (long long)rows, (long long)L, (long long)Lout, (long long)kernel,
        (long long)stride, (long long)padding);
  SYN_CUDA_LAUNCH_CHECK("maxpool1d forward rows=", rows, " L=", L, " Lout=", Lout,
                        " kernel=", kernel, " stride=", stride, " padding=", padding);
}

void maxpool1d_backward(const float* dy, const float* argmax, float* dx, int64_t rows, int64_t L,
                        int64_t Lout, int64_t kernel, int64_t stride, int64_t padding) {
  const long long total = (long long)rows * L;
  if (total == 0) return;
  if (fits32(total) && fits32((long long)rows * Lout))
    maxpool_backward_kernel<unsigned>
        <<<grid_for(total, 256), 256>>>(dy, argmax, dx, (unsigned)rows, (unsigned)L, (unsigned)Lout,
                                        (unsigned)kernel, (unsigned)stride, (unsigned)padding);
  else
    maxpool_backward_kernel<long long><<<grid_for(total, 256), 256>>>(
        dy, argmax, dx, (long long)rows, (long long)L, (long long)Lout, (long long)kernel,
        (long long)stride, (long long)padding);
  SYN_CUDA_LAUNCH_CHECK("maxpool1d backward rows=", rows, " L=", L, " Lout=", Lout,
                        " kernel=", kernel, " stride=", stride, " padding=", padding);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::maxpool1d_forward_kernel, maxpool1d_forward);
  register_cuda_kernel(syn::maxpool1d_backward_kernel, maxpool1d_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
