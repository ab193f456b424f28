// device_cuda.cu — CUDA memory primitives for engine/device.h (compiled only with CUDA).
// Every CUDA call is checked; out-of-memory reports the request size and free memory.
#include <cuda_runtime.h>

#include "engine/check.h"
#include "engine/device.h"

namespace syn::cuda {

#define SYN_CUDA_OK(call, what)                                                     \
  do {                                                                              \
    cudaError_t err_ = (call);                                                      \
    SYN_CHECK(err_ == cudaSuccess, what, ": ", cudaGetErrorString(err_));           \
  } while (0)

bool available() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return false;
  }
  return n > 0;
}

void* malloc_bytes(size_t bytes) {
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, bytes);
  if (err != cudaSuccess) {
    cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    SYN_FAIL("CUDA out of memory: requested ", bytes, " bytes, ", free_b, " of ", total_b,
             " bytes free (", cudaGetErrorString(err), ")");
  }
  return p;
}

void free_bytes(void* ptr) { cudaFree(ptr); }

void memcpy_bytes(void* dst, const void* src, size_t bytes, int kind) {
  cudaMemcpyKind k = kind == 0   ? cudaMemcpyHostToDevice
                     : kind == 1 ? cudaMemcpyDeviceToHost
                                 : cudaMemcpyDeviceToDevice;
  SYN_CUDA_OK(cudaMemcpy(dst, src, bytes, k), "cudaMemcpy");
}

__global__ void fill_kernel(float* p, size_t n, float v) {
  size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
  if (i < n) p[i] = v;
}

void fill(float* ptr, size_t count, float value) {
  if (count == 0) return;
  unsigned blocks = (unsigned)((count + 255) / 256);
  fill_kernel<<<blocks, 256>>>(ptr, count, value);
  SYN_CUDA_OK(cudaGetLastError(), "fill_kernel launch");
}

}  // namespace syn::cuda
