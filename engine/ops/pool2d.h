// pool2d.h — 2-D max pooling over x [B, C, H, W] (PyTorch max_pool2d, floor mode, dilation 1),
// with non-square kernel and stride: musicnn pools [1, W] windows (a whole frequency axis).
//
//   Hout = (H + 2*ph - kh) / sh + 1,  Wout = (W + 2*pw - kw) / sw + 1
//   y[b, c, oh, ow] = max over the window rows oh*sh - ph .. +kh-1, columns ow*sw - pw .. +kw-1
//   (padding never wins: windows are clipped to the plane, like -inf padding).
//
// The window is scanned row by row, left to right; a later value replaces the best when it is
// greater or NaN, so the FIRST maximum in that order wins ties and a NaN propagates — as in
// PyTorch. The backward routes each output gradient to that position, summing where windows
// overlap.
//
// Index buffer: a float tensor the shape of the output, on the same device, holding the position
// within the plane (h*W + w). Floats represent integers exactly up to 2^24, so H*W is limited to
// 16,777,216 (checked). See engine/ops/pool.h for why the index is a float tensor.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

struct Pool2dShape {
  int64_t planes = 0;  // B*C
  int64_t H = 0, W = 0, Hout = 0, Wout = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
};

// x: planes × H × W; y and argmax: planes × Hout × Wout; argmax may be null (no gradient needed).
using MaxPool2dForwardFn = void(const Pool2dShape& s, const float* x, float* y, float* argmax);
// Writes every element of dx (planes × H × W): zero except at the saved maxima.
using MaxPool2dBackwardFn = void(const Pool2dShape& s, const float* dy, const float* argmax,
                                 float* dx);

extern Kernel<MaxPool2dForwardFn> maxpool2d_forward_kernel;
extern Kernel<MaxPool2dBackwardFn> maxpool2d_backward_kernel;

namespace ops {

// kernel (kh, kw); stride (sh, sw), 0 meaning "= the kernel" (PyTorch's default); symmetric
// padding (ph, pw) with ph <= kh/2, pw <= kw/2 (PyTorch's rule: every window holds a real value).
Tensor maxpool2d(const Tensor& x, int64_t kh, int64_t kw, int64_t sh = 0, int64_t sw = 0,
                 int64_t ph = 0, int64_t pw = 0);

}  // namespace ops
}  // namespace syn
