// embedding.cu — CUDA embedding lookup and its gradient.
//
// CPU reference: engine/ops/embedding.cpp (same slots, same grouping of positions by id).
//   forward   one thread per output element (consecutive threads copy consecutive floats of a
//             row: coalesced reads of the table row and writes of the output).
//   backward  gather, not scatter: one block per table row v sums the dy rows of the positions
//             order[offsets[v] .. offsets[v+1]) in that (ascending) order, one thread per
//             column, in double like the CPU, and writes the row once; the padding row and
//             unused ids get zeros. No atomics, deterministic, every element written.
// Version: v1 only (not yet timed; both are memory-bound copies).
#include <algorithm>

#include "engine/ops/embedding.h"
#include "kernels/cuda_check.h"
#include "kernels/embedding_cuda.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

__global__ void embedding_forward_kernel(const float* __restrict__ weight,
                                         const float* __restrict__ ids, float* __restrict__ out,
                                         int64_t n, int64_t d) {
  const int64_t total = n * d;
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
       e += (int64_t)gridDim.x * blockDim.x) {
    const int64_t p = e / d, j = e - p * d;
    out[e] = weight[(int64_t)ids[p] * d + j];
  }
}

__global__ void embedding_backward_kernel(const float* __restrict__ dy,
                                          const float* __restrict__ order,
                                          const float* __restrict__ offsets,
                                          float* __restrict__ dweight, int64_t vocab, int64_t d,
                                          int64_t padding_idx) {
  for (int64_t v = blockIdx.x; v < vocab; v += gridDim.x) {
    const int64_t a = (int64_t)offsets[v];
    const int64_t b = v == padding_idx ? a : (int64_t)offsets[v + 1];
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      double acc = 0;
      for (int64_t q = a; q < b; ++q) acc += dy[(int64_t)order[q] * d + j];
      dweight[v * d + j] = (float)acc;
    }
  }
}

}  // namespace

void embedding_forward(const float* weight, const float* ids, float* out, int64_t n, int64_t d) {
  if (n <= 0 || d <= 0) return;
  embedding_forward_kernel<<<grid_for(n * d, 256), 256>>>(weight, ids, out, n, d);
  SYN_CUDA_LAUNCH_CHECK("embedding forward n=", n, " d=", d);
}

void embedding_backward(const float* dy, const float* order, const float* offsets, float* dweight,
                        int64_t vocab, int64_t d, int64_t padding_idx) {
  if (vocab <= 0 || d <= 0) return;
  const int threads = (int)std::min<int64_t>(256, (d + 31) / 32 * 32);
  embedding_backward_kernel<<<grid_for(vocab, 1), threads>>>(dy, order, offsets, dweight, vocab, d,
                                                             padding_idx);
  SYN_CUDA_LAUNCH_CHECK("embedding backward vocab=", vocab, " d=", d, " padding_idx=", padding_idx);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::embedding_forward_kernel, embedding_forward);
  register_cuda_kernel(syn::embedding_backward_kernel, embedding_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
