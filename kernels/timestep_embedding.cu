// timestep_embedding.cu — CUDA sinusoidal timestep embedding (one thread per (item, frequency)).
//
// CPU reference: engine/ops/timestep_embedding.cpp. Same double-precision formula, rounded once
// to fp32; CUDA's double exp/sin/cos are within 1-2 ulp of the host libm, so the two agree to
// fp32 rounding (a differing last bit at most). Computed on the device so that a sampler's
// timesteps already on the GPU need no host round trip. A [B, D] output is tiny (B·D ≤ 10^5):
// launch-bound, not worth tuning. Version: v1 only.
#include "engine/ops/timestep_embedding.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/timestep_embedding_cuda.h"

namespace syn::cuda_kernels {

namespace {

__global__ void timestep_embedding_kernel(const float* __restrict__ t, float* __restrict__ out,
                                          int64_t B, int64_t D, bool flip, double denom,
                                          double log_period, double scale) {
  const int64_t half = D / 2, cols = half + (D % 2);  // the extra column writes the odd-D zero
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < B * cols;
       e += (int64_t)gridDim.x * blockDim.x) {
    const int64_t b = e / cols, i = e % cols;
    float* row = out + b * D;
    if (i == half) {
      row[D - 1] = 0.0f;
      continue;
    }
    const double arg = scale * (double)t[b] * exp(-log_period * (double)i / denom);
    const float s = (float)sin(arg), c = (float)cos(arg);
    row[i] = flip ? c : s;
    row[half + i] = flip ? s : c;
  }
}

}  // namespace

void timestep_embedding(const float* t, float* out, int64_t B, int64_t D,
                        const TimestepEmbeddingOptions& o) {
  const int64_t cols = D / 2 + D % 2;
  if (B * cols == 0) return;
  timestep_embedding_kernel<<<grid_for(B * cols, 128), 128>>>(
      t, out, B, D, o.flip_sin_to_cos, (double)(D / 2) - (double)o.downscale_freq_shift,
      log((double)o.max_period), (double)o.scale);
  SYN_CUDA_LAUNCH_CHECK("timestep_embedding B=", B, " D=", D);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::timestep_embedding_kernel, timestep_embedding);
});
}  // namespace

}  // namespace syn::cuda_kernels
