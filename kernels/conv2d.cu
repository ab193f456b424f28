// conv2d.cu — CUDA conv2d: forward, backward-data, backward-weight (+ bias gradient), as
// explicit im2col / col2im kernels around the cuBLAS GEMM slot (kernels/gemm.cu).
//
// CPU reference: engine/ops/conv2d.cpp; same slot signatures (engine/ops/conv2d.h), same GEMMs:
// with depth kk = (ci, i, j) (Kd of them) and positions q = (oh, ow) (P per image),
//   forward          X = im2col(x);    y_b[Cout, P]   = W[Cout, Kd] . X_b[Kd, P]   (+ bias)
//   backward data    dcol_b[Kd, P] = W^T . dy_b;        dx = col2im(dcol)
//   backward weight  X = im2col(x);    dW[Cout, Kd]  += dy_b[Cout, P] . X_b^T    (over b)
//   bias gradient    one block per channel, double sums in a fixed order (deterministic).
// X / dcol are built for a chunk of images at a time ([Kd, nb*P], at most kChunkFloats floats,
// scratch from the engine's caching allocator), one GEMM per image (C is per image in NCHW).
// col2im is a gather (one thread per dx element summing the (oh, ow) that read it, in a fixed
// order): no atomics, deterministic, every dx element written once.
// Version: v1 (correctness first; timings not yet measured on a GPU). An implicit-GEMM kernel
// like kernels/conv1d_tiled.cu would avoid the im2col round trip through memory.
#include <algorithm>

#include "engine/device.h"
#include "engine/ops/conv2d.h"
#include "kernels/conv2d_cuda.h"
#include "kernels/cuda_check.h"
#include "kernels/gemm_cuda.h"
#include "kernels/kernel_helpers.cuh"

namespace syn::cuda_kernels {

namespace {

using i64 = long long;

constexpr i64 kChunkFloats = i64{1} << 25;  // 128 MiB of im2col columns at most

struct Geo {  // the shape as plain integers for the kernels
  i64 Cin, Cout, H, W, kh, kw, sh, sw, top, left, Hout, Wout;
};

Geo geo_of(const Conv2dShape& s) {
  return {s.Cin, s.Cout, s.H, s.W, s.kh, s.kw, s.sh, s.sw, s.top, s.left, s.Hout, s.Wout};
}

// X[(c,i,j), col] for col = bl*P + oh*Wout + ow over nb images starting at x (image b0).
__global__ void im2col_kernel(const float* __restrict__ x, float* __restrict__ X, Geo g, i64 nb) {
  const i64 P = g.Hout * g.Wout, n = nb * P, taps = g.kh * g.kw, total = g.Cin * taps * n;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    const i64 row = e / n, col = e - row * n;
    const i64 c = row / taps, t = row - c * taps, i = t / g.kw, j = t - i * g.kw;
    const i64 bl = col / P, p = col - bl * P, oh = p / g.Wout, ow = p - oh * g.Wout;
    const i64 h = oh * g.sh + i - g.top, w = ow * g.sw + j - g.left;
    X[e] =
        (h >= 0 && h < g.H && w >= 0 && w < g.W) ? x[((bl * g.Cin + c) * g.H + h) * g.W + w] : 0.0f;
  }
}

// dx[bl, ci, h, w] (nb images) = sum of dcol[(ci,i,j), bl*P + oh*Wout + ow] over the (oh, ow)
// whose window covers (h, w): i = h + top - oh*sh in [0, kh), j = w + left - ow*sw in [0, kw).
__global__ void col2im_kernel(const float* __restrict__ dcol, float* __restrict__ dx, Geo g,
                              i64 nb) {
  const i64 P = g.Hout * g.Wout, n = nb * P, taps = g.kh * g.kw;
  const i64 total = nb * g.Cin * g.H * g.W;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    const i64 w = e % g.W, h = (e / g.W) % g.H, bc = e / (g.W * g.H), ci = bc % g.Cin,
              bl = bc / g.Cin;
    const i64 hh = h + g.top, ww = w + g.left;
    const i64 oh_lo = hh - g.kh + 1 <= 0 ? 0 : (hh - g.kh + 1 + g.sh - 1) / g.sh;
    const i64 oh_hi = min(g.Hout - 1, hh / g.sh);
    const i64 ow_lo = ww - g.kw + 1 <= 0 ? 0 : (ww - g.kw + 1 + g.sw - 1) / g.sw;
    const i64 ow_hi = min(g.Wout - 1, ww / g.sw);
    float acc = 0.0f;
    for (i64 oh = oh_lo; oh <= oh_hi; ++oh) {
      const i64 i = hh - oh * g.sh;
      for (i64 ow = ow_lo; ow <= ow_hi; ++ow) {
        const i64 j = ww - ow * g.sw;
        acc += dcol[((ci * taps) + i * g.kw + j) * n + bl * P + oh * g.Wout + ow];
      }
    }
    dx[e] = acc;
  }
}

// y[b, co, p] += bias[co]
__global__ void add_bias_kernel(float* y, const float* bias, i64 total, i64 Cout, i64 P) {
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x)
    y[e] += bias[(e / P) % Cout];
}

// dbias[co] = sum over b, p of dy[b, co, p]: one block per channel, double partial sums per
// thread (fixed strides), then a fixed shared-memory tree.
constexpr int kBiasThreads = 256;
__global__ void bias_grad_kernel(const float* dy, float* dbias, i64 B, i64 Cout, i64 P) {
  __shared__ double part[kBiasThreads];
  const i64 co = blockIdx.x, total = B * P;
  double acc = 0;
  for (i64 e = threadIdx.x; e < total; e += kBiasThreads) {
    const i64 b = e / P, p = e - b * P;
    acc += dy[(b * Cout + co) * P + p];
  }
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int s = kBiasThreads / 2; s > 0; s >>= 1) {
    if ((int)threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) dbias[co] = (float)part[0];
}

i64 images_per_chunk(i64 per_image, i64 B) {
  return std::clamp<i64>(kChunkFloats / std::max<i64>(1, per_image), 1, std::max<i64>(1, B));
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                    float* y) {
  const Geo g = geo_of(s);
  const i64 P = s.Hout * s.Wout, Kd = s.Cin * s.kh * s.kw;
  if (s.B * s.Cout * P == 0) return;
  const i64 per_chunk = images_per_chunk(Kd * P, s.B);
  Scratch X(sizeof(float) * (size_t)(Kd * per_chunk * P));
  for (i64 b0 = 0; b0 < s.B; b0 += per_chunk) {
    const i64 nb = std::min<i64>(per_chunk, s.B - b0), n = nb * P;
    im2col_kernel<<<grid_for(Kd * n, 256), 256>>>(x + b0 * s.Cin * s.H * s.W, X.as<float>(), g, nb);
    SYN_CUDA_LAUNCH_CHECK("conv2d im2col (forward) B=", s.B, " Cin=", s.Cin, " H=", s.H, " W=", s.W,
                          " k=", s.kh, "x", s.kw);
    for (i64 bl = 0; bl < nb; ++bl)
      gemm(false, false, s.Cout, P, Kd, 1.0f, w, Kd, X.as<float>() + bl * P, n, 0.0f,
           y + (b0 + bl) * s.Cout * P, P);
  }
  if (bias) {
    const i64 total = s.B * s.Cout * P;
    add_bias_kernel<<<grid_for(total, 256), 256>>>(y, bias, total, s.Cout, P);
    SYN_CUDA_LAUNCH_CHECK("conv2d bias B=", s.B, " Cout=", s.Cout, " P=", P);
  }
}

void conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  const Geo g = geo_of(s);
  const i64 P = s.Hout * s.Wout, Kd = s.Cin * s.kh * s.kw;
  if (s.B * s.Cin * s.H * s.W == 0) return;
  const i64 per_chunk = images_per_chunk(Kd * P, s.B);
  Scratch dcol(sizeof(float) * (size_t)(Kd * per_chunk * P));
  for (i64 b0 = 0; b0 < s.B; b0 += per_chunk) {
    const i64 nb = std::min<i64>(per_chunk, s.B - b0), n = nb * P;
    for (i64 bl = 0; bl < nb; ++bl)  // dcol_b[Kd, P] = W^T . dy_b  (W stored [Cout, Kd])
      gemm(true, false, Kd, P, s.Cout, 1.0f, w, Kd, dy + (b0 + bl) * s.Cout * P, P, 0.0f,
           dcol.as<float>() + bl * P, n);
    const i64 total = nb * s.Cin * s.H * s.W;
    col2im_kernel<<<grid_for(total, 256), 256>>>(dcol.as<float>(), dx + b0 * s.Cin * s.H * s.W, g,
                                                 nb);
    SYN_CUDA_LAUNCH_CHECK("conv2d col2im B=", s.B, " Cin=", s.Cin, " H=", s.H, " W=", s.W,
                          " k=", s.kh, "x", s.kw);
  }
}

void conv2d_backward_weight(const Conv2dShape& s, const float* x, const float* dy, float* dw,
                            float* dbias) {
  const Geo g = geo_of(s);
  const i64 P = s.Hout * s.Wout, Kd = s.Cin * s.kh * s.kw;
  if (dw) {
    const i64 per_chunk = images_per_chunk(Kd * P, s.B);
    Scratch X(sizeof(float) * (size_t)(Kd * per_chunk * P));
    bool first = true;
    for (i64 b0 = 0; b0 < s.B; b0 += per_chunk) {
      const i64 nb = std::min<i64>(per_chunk, s.B - b0), n = nb * P;
      im2col_kernel<<<grid_for(Kd * n, 256), 256>>>(x + b0 * s.Cin * s.H * s.W, X.as<float>(), g,
                                                    nb);
      SYN_CUDA_LAUNCH_CHECK("conv2d im2col (weight) B=", s.B, " Cin=", s.Cin, " H=", s.H,
                            " W=", s.W, " k=", s.kh, "x", s.kw);
      for (i64 bl = 0; bl < nb; ++bl, first = false)  // dW += dy_b . X_b^T
        gemm(false, true, s.Cout, Kd, P, 1.0f, dy + (b0 + bl) * s.Cout * P, P,
             X.as<float>() + bl * P, n, first ? 0.0f : 1.0f, dw, Kd);
    }
    if (first) gemm(false, false, s.Cout, Kd, 0, 1.0f, nullptr, 1, nullptr, Kd, 0.0f, dw, Kd);
  }
  if (dbias) {
    bias_grad_kernel<<<(unsigned)s.Cout, kBiasThreads>>>(dy, dbias, s.B, s.Cout, P);
    SYN_CUDA_LAUNCH_CHECK("conv2d bias gradient B=", s.B, " Cout=", s.Cout, " P=", P);
  }
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::conv2d_forward_kernel, conv2d_forward);
  register_cuda_kernel(syn::conv2d_backward_data_kernel, conv2d_backward_data);
  register_cuda_kernel(syn::conv2d_backward_weight_kernel, conv2d_backward_weight);
});
}  // namespace

}  // namespace syn::cuda_kernels
