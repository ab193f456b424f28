// conv2d.h — 2-D convolution over NCHW tensors (PyTorch's F.conv2d with dilation 1, groups 1,
// plus explicit asymmetric zero padding): forward, gradient rule, and the kernel slots a CUDA
// implementation plugs into.
//
//   x [B, Cin, H, W], w [Cout, Cin, kh, kw], bias [Cout] or undefined  ->  y [B, Cout, Hout, Wout]
//   Hout = (H + top + bottom - kh) / sh + 1,   Wout = (W + left + right - kw) / sw + 1
//   y[b, co, oh, ow] = bias[co] + sum_{ci, i, j} w[co, ci, i, j] * x[b, ci, oh*sh + i - top,
//                                                                       ow*sw + j - left]
//   (x is zero outside [0, H) x [0, W)).
//
// Padding conventions. PyTorch pads symmetrically (Padding2d::symmetric); TensorFlow's 'SAME'
// pads a total of max((ceil(n/s) - 1)*s + k - n, 0) per axis and puts the EXTRA element at the
// end (after = total - total/2), which matters for even kernels: musicnn's [128, 1] kernel pads
// 63 rows on top and 64 at the bottom. 'VALID' is no padding. same_padding / tf_same_padding
// compute the TF amounts; a layer converted from TF passes them here, no separate pad op needed.
//
// CPU kernels (engine/ops/conv2d.cpp) are GEMMs on engine/cpu/gemm.h; the CUDA ones
// (kernels/conv2d.cu) are im2col / col2im kernels around the cuBLAS GEMM.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Zero padding of the two spatial axes, in elements: rows above / below, columns left / right.
struct Padding2d {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  static Padding2d symmetric(int64_t ph, int64_t pw) { return {ph, ph, pw, pw}; }
  static Padding2d valid() { return {}; }
};

// One axis of TF 'SAME' padding: {before, after}. With stride 1 the total is k - 1 whatever the
// size: same_padding(k) = {(k-1)/2, k-1-(k-1)/2}.
struct PadPair {
  int64_t before = 0, after = 0;
};
PadPair same_padding(int64_t k);
PadPair tf_same_padding(int64_t size, int64_t k, int64_t stride);
// TF 'SAME' for a [kh, kw] kernel at stride 1 (sizes do not matter then).
Padding2d same_padding2d(int64_t kh, int64_t kw);
// TF 'SAME' for any stride (depends on the input size).
Padding2d tf_same_padding2d(int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t sh, int64_t sw);

struct Conv2dShape {
  int64_t B = 0, Cin = 0, Cout = 0, H = 0, W = 0, kh = 0, kw = 0;
  int64_t sh = 1, sw = 1;
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  int64_t Hout = 0, Wout = 0;
};

// y = conv(x, w) + bias; bias may be null. Overwrites y.
using Conv2dForwardFn = void(const Conv2dShape& s, const float* x, const float* w,
                             const float* bias, float* y);
// dx [B, Cin, H, W] from dy [B, Cout, Hout, Wout] (overwrites dx).
using Conv2dBackwardDataFn = void(const Conv2dShape& s, const float* dy, const float* w, float* dx);
// dw [Cout, Cin, kh, kw] and dbias [Cout] from x and dy (overwrites both); either may be null.
using Conv2dBackwardWeightFn = void(const Conv2dShape& s, const float* x, const float* dy,
                                    float* dw, float* dbias);

extern Kernel<Conv2dForwardFn> conv2d_forward_kernel;
extern Kernel<Conv2dBackwardDataFn> conv2d_backward_data_kernel;
extern Kernel<Conv2dBackwardWeightFn> conv2d_backward_weight_kernel;

// Checks the operands and fills in the output sizes (errors name the shapes).
Conv2dShape conv2d_shape(const Tensor& x, const Tensor& w, int64_t sh, int64_t sw,
                         const Padding2d& pad);

namespace ops {

// bias may be an undefined Tensor (no bias). Strides >= 1, padding >= 0 on each side.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t sh = 1, int64_t sw = 1,
              const Padding2d& pad = {});

}  // namespace ops
}  // namespace syn
