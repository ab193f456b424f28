// pool2d.cu — CUDA maxpool2d: forward with the argmax index buffer, and backward.
//
// CPU reference: engine/ops/pool2d.cpp; same slot signatures, same selection rule (windows
// clipped to the plane; scanned row by row, left to right; a later value replaces the best when
// greater or NaN: the first maximum wins ties, a NaN wins), same index buffer (float h*W + w).
//
//   forward   one thread per output element; consecutive threads take consecutive windows of a
//             row, so a warp reads neighbouring spans of x.
//   backward  gather, not scatter: one thread per input element sums dy over the windows that
//             contain it and chose it, in the CPU's order (oh, then ow, ascending, from 0.0f), so
//             the result is bit-identical; no atomics, no memset, every dx element written once.
// Version: v1 (timings not yet measured; both should run near memory bandwidth).
#include <algorithm>

#include "engine/ops/pool2d.h"
#include "kernels/cuda_check.h"
#include "kernels/kernel_helpers.cuh"
#include "kernels/pool2d_cuda.h"

namespace syn::cuda_kernels {

namespace {

using i64 = long long;

struct Geo {
  i64 planes, H, W, Hout, Wout, kh, kw, sh, sw, ph, pw;
};

__global__ void maxpool2d_forward_kernel(const float* __restrict__ x, float* __restrict__ y,
                                         float* __restrict__ argmax, Geo g) {
  const i64 total = g.planes * g.Hout * g.Wout;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    const i64 ow = e % g.Wout, oh = (e / g.Wout) % g.Hout, pl = e / (g.Wout * g.Hout);
    const float* xp = x + pl * g.H * g.W;
    const i64 h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    const i64 ha = max(h0, (i64)0), hb = min(h0 + g.kh, g.H);
    const i64 wa = max(w0, (i64)0), wb = min(w0 + g.kw, g.W);
    i64 best_i = ha * g.W + wa;
    float best = xp[best_i];
    for (i64 h = ha; h < hb; ++h)
      for (i64 w = wa; w < wb; ++w) {
        const float v = xp[h * g.W + w];
        if (v > best || v != v) best = v, best_i = h * g.W + w;  // first max wins; NaN wins
      }
    y[e] = best;
    if (argmax) argmax[e] = (float)best_i;
  }
}

__global__ void maxpool2d_backward_kernel(const float* __restrict__ dy,
                                          const float* __restrict__ argmax, float* __restrict__ dx,
                                          Geo g) {
  const i64 total = g.planes * g.H * g.W;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    const i64 w = e % g.W, h = (e / g.W) % g.H, pl = e / (g.W * g.H);
    // windows with oh*sh - ph <= h <= oh*sh - ph + kh - 1, likewise for w
    const i64 hn = h + g.ph - g.kh + 1, wn = w + g.pw - g.kw + 1;
    const i64 oh_lo = hn <= 0 ? 0 : (hn + g.sh - 1) / g.sh;
    const i64 oh_hi = min(g.Hout - 1, (h + g.ph) / g.sh);
    const i64 ow_lo = wn <= 0 ? 0 : (wn + g.sw - 1) / g.sw;
    const i64 ow_hi = min(g.Wout - 1, (w + g.pw) / g.sw);
    const float me = (float)(h * g.W + w);
    const float* ap = argmax + pl * g.Hout * g.Wout;
    const float* gp = dy + pl * g.Hout * g.Wout;
    float acc = 0.0f;
    for (i64 oh = oh_lo; oh <= oh_hi; ++oh)
      for (i64 ow = ow_lo; ow <= ow_hi; ++ow)
        if (ap[oh * g.Wout + ow] == me) acc += gp[oh * g.Wout + ow];
    dx[e] = acc;
  }
}

Geo geo_of(const Pool2dShape& s) {
  return {s.planes, s.H, s.W, s.Hout, s.Wout, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw};
}

}  // namespace

void maxpool2d_forward(const Pool2dShape& s, const float* x, float* y, float* argmax) {
  const i64 total = s.planes * s.Hout * s.Wout;
  if (total == 0) return;
  maxpool2d_forward_kernel<<<grid_for(total, 256), 256>>>(x, y, argmax, geo_of(s));
  SYN_CUDA_LAUNCH_CHECK("maxpool2d forward planes=", s.planes, " H=", s.H, " W=", s.W, " k=", s.kh,
                        "x", s.kw, " s=", s.sh, "x", s.sw, " p=", s.ph, "x", s.pw);
}

void maxpool2d_backward(const Pool2dShape& s, const float* dy, const float* argmax, float* dx) {
  const i64 total = s.planes * s.H * s.W;
  if (total == 0) return;
  maxpool2d_backward_kernel<<<grid_for(total, 256), 256>>>(dy, argmax, dx, geo_of(s));
  SYN_CUDA_LAUNCH_CHECK("maxpool2d backward planes=", s.planes, " H=", s.H, " W=", s.W, " k=", s.kh,
                        "x", s.kw, " s=", s.sh, "x", s.sw, " p=", s.ph, "x", s.pw);
}

// This file's kernels in their slots (engine/dispatch.h), installed on the first CUDA dispatch.
namespace {
const CudaKernelRegistrar registrar([] {
  register_cuda_kernel(syn::maxpool2d_forward_kernel, maxpool2d_forward);
  register_cuda_kernel(syn::maxpool2d_backward_kernel, maxpool2d_backward);
});
}  // namespace

}  // namespace syn::cuda_kernels
