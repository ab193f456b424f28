// shape.cu — the two data-movement kernels behind concat / stack / slice / transpose.
// CPU reference: engine/ops/shape.cpp (copy2d_cpu, transpose_cpu). Pure copies: results are
// bit-identical to the CPU.
//
// copy2d versions (copy2d_v(version, ...)); timings not yet measured:
//   v1  one thread per element over the flattened rows x cols range (32-bit index arithmetic
//       when it fits, since 64-bit division would dominate a memory-bound copy).
//   v2  (live) as v1 but moving float4 when both pointers are 16-byte aligned and cols and both
//       pitches are multiples of 4 (the common case for channel-sized blocks), and a plain
//       division-free copy when both sides are contiguous. Should reach DRAM bandwidth.
//   v3  cudaMemcpy2DAsync on the default stream (the driver's own copy kernel), for comparison.
// transpose versions (transpose_v(version, ...)); timings not yet measured:
//   v1  one thread per output element, gathering its input element (writes coalesced, reads
//       strided by `b * inner` unless inner is large).
//   v2  (live) for inner == 1, 32x32 tiles staged in shared memory (padded to 33 columns against
//       bank conflicts) so reads and writes are both coalesced; inner > 1 uses v1, whose reads
//       are then runs of `inner` contiguous floats.
#include <algorithm>
#include <cstdint>

#include "engine/ops/shape.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/shape_cuda.h"

namespace syn::cuda_kernels {

namespace {

constexpr int kThreads = 256;

// ----------------------------------------------------------------------------------- copy2d

// T is float or float4 (then cols and pitches are in float4 units); I the index type.
template <class T, class I>
__global__ void copy2d_kernel(const T* __restrict__ src, I sp, T* __restrict__ dst, I dp, I rows,
                              I cols) {
  const I total = rows * cols;
  for (I idx = blockIdx.x * (I)blockDim.x + threadIdx.x; idx < total;
       idx += (I)gridDim.x * blockDim.x) {
    const I r = idx / cols, c = idx - r * cols;
    dst[r * dp + c] = src[r * sp + c];
  }
}

template <class T>
__global__ void copy_flat_kernel(const T* __restrict__ src, T* __restrict__ dst, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    dst[i] = src[i];
}

template <class T>
void launch_copy2d(const T* src, int64_t sp, T* dst, int64_t dp, int64_t rows, int64_t cols) {
  const int64_t total = rows * cols;
  // 32-bit indices when every index computed (up to the last row's start + cols) fits.
  const int64_t reach = (rows - 1) * std::max(sp, dp) + cols;
  if (total < (int64_t{1} << 31) && reach < (int64_t{1} << 31))
    copy2d_kernel<T, uint32_t><<<grid_for(total, kThreads), kThreads>>>(
        src, (uint32_t)sp, dst, (uint32_t)dp, (uint32_t)rows, (uint32_t)cols);
  else
    copy2d_kernel<T, int64_t>
        <<<grid_for(total, kThreads), kThreads>>>(src, sp, dst, dp, rows, cols);
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// ---------------------------------------------------------------------------------- transpose

// y[o, ib, m, ia, k] = x[o, ia, m, ib, k], one thread per element of y.
__global__ void transpose_gather_kernel(const float* __restrict__ x, float* __restrict__ y,
                                        int64_t outer, int64_t a, int64_t mid, int64_t b,
                                        int64_t inner) {
  const int64_t total = outer * a * mid * b * inner;
  for (int64_t idx = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; idx < total;
       idx += (int64_t)gridDim.x * blockDim.x) {
    int64_t t = idx;
    const int64_t k = t % inner;
    t /= inner;
    const int64_t ia = t % a;
    t /= a;
    const int64_t m = t % mid;
    t /= mid;
    const int64_t ib = t % b, o = t / b;
    y[idx] = x[(((o * a + ia) * mid + m) * b + ib) * inner + k];
  }
}

constexpr int kTile = 32, kRowsPerPass = 8;  // blockDim (32, 8): each thread moves 4 elements

// inner == 1. Block id = ((o * mid + m) * tiles_a + ta) * tiles_b + tb.
__global__ void transpose_tiled_kernel(const float* __restrict__ x, float* __restrict__ y,
                                       int64_t outer, int64_t a, int64_t mid, int64_t b,
                                       int64_t tiles_a, int64_t tiles_b) {
  __shared__ float tile[kTile][kTile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t total = outer * mid * tiles_a * tiles_b;
  for (int64_t blk = blockIdx.x; blk < total; blk += gridDim.x) {
    const int64_t tb = blk % tiles_b, r1 = blk / tiles_b;
    const int64_t ta = r1 % tiles_a, plane = r1 / tiles_a;  // plane = o * mid + m
    const int64_t m = plane % mid, o = plane / mid;
    const int64_t ia0 = ta * kTile, ib0 = tb * kTile;
    // Read rows ia of the input tile, contiguous along ib.
    const int64_t ib = ib0 + tx;
    for (int r = ty; r < kTile; r += kRowsPerPass) {
      const int64_t ia = ia0 + r;
      if (ia < a && ib < b) tile[r][tx] = x[((o * a + ia) * mid + m) * b + ib];
    }
    __syncthreads();
    // Write rows ib of the output tile, contiguous along ia.
    const int64_t ia = ia0 + tx;
    for (int r = ty; r < kTile; r += kRowsPerPass) {
      const int64_t ib_out = ib0 + r;
      if (ia < a && ib_out < b) y[((o * b + ib_out) * mid + m) * a + ia] = tile[tx][r];
    }
    __syncthreads();  // the tile is refilled by the next iteration
  }
}

}  // namespace

void copy2d_v(int version, const float* src, int64_t sp, float* dst, int64_t dp, int64_t rows,
              int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  if (version == 3) {
    SYN_CUDA_CHECK(
        cudaMemcpy2DAsync(dst, (size_t)dp * sizeof(float), src, (size_t)sp * sizeof(float),
                          (size_t)cols * sizeof(float), (size_t)rows, cudaMemcpyDeviceToDevice, 0),
        "copy2d v3 rows=", rows, " cols=", cols, " src_pitch=", sp, " dst_pitch=", dp);
    return;
  }
  SYN_CHECK(version == 1 || version == 2, "copy2d: unknown CUDA kernel version ", version);
  const bool vec = version == 2 && aligned16(src) && aligned16(dst) && cols % 4 == 0 &&
                   sp % 4 == 0 && dp % 4 == 0;
  if (version == 2 && sp == cols && dp == cols) {  // one contiguous block
    const int64_t total = rows * cols;
    if (vec)
      copy_flat_kernel<float4><<<grid_for(total / 4, kThreads), kThreads>>>(
          reinterpret_cast<const float4*>(src), reinterpret_cast<float4*>(dst), total / 4);
    else
      copy_flat_kernel<float><<<grid_for(total, kThreads), kThreads>>>(src, dst, total);
  } else if (vec) {
    launch_copy2d(reinterpret_cast<const float4*>(src), sp / 4, reinterpret_cast<float4*>(dst),
                  dp / 4, rows, cols / 4);
  } else {
    launch_copy2d(src, sp, dst, dp, rows, cols);
  }
  SYN_CUDA_LAUNCH_CHECK("copy2d v", version, " rows=", rows, " cols=", cols, " src_pitch=", sp,
                        " dst_pitch=", dp);
}

void transpose_v(int version, const float* x, float* y, int64_t outer, int64_t a, int64_t mid,
                 int64_t b, int64_t inner) {
  const int64_t total = outer * a * mid * b * inner;
  if (total <= 0) return;
  SYN_CHECK(version == 1 || version == 2, "transpose: unknown CUDA kernel version ", version);
  if (version == 2 && inner == 1) {
    const int64_t tiles_a = (a + kTile - 1) / kTile, tiles_b = (b + kTile - 1) / kTile;
    transpose_tiled_kernel<<<grid_for(outer * mid * tiles_a * tiles_b, 1),
                             dim3(kTile, kRowsPerPass)>>>(x, y, outer, a, mid, b, tiles_a, tiles_b);
  } else {
    transpose_gather_kernel<<<grid_for(total, kThreads), kThreads>>>(x, y, outer, a, mid, b, inner);
  }
  SYN_CUDA_LAUNCH_CHECK("transpose v", version, " [outer ", outer, ", a ", a, ", mid ", mid, ", b ",
                        b, ", inner ", inner, "]");
}

void copy2d(const float* src, int64_t src_pitch, float* dst, int64_t dst_pitch, int64_t rows,
            int64_t cols) {
  copy2d_v(2, src, src_pitch, dst, dst_pitch, rows, cols);
}

void transpose(const float* x, float* y, int64_t outer, int64_t a, int64_t mid, int64_t b,
               int64_t inner) {
  transpose_v(2, x, y, outer, a, mid, b, inner);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::copy2d_kernel, copy2d);
  register_cuda_kernel(syn::transpose_kernel, transpose);
});
}  // namespace

}  // namespace syn::cuda_kernels
