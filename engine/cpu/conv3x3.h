// conv3x3.h — a direct CPU convolution for 3x3 kernels with padding 1 on every side and stride
// 1 or 2 (the U-Net's), without im2col: the input (or, for the data gradient, dy) is copied once
// into a zero-padded channels-last buffer [B, H+2, W+2, C], and the level's micro-kernels
// (engine/cpu/conv3x3_kernels.h) broadcast from it directly. With q' = the window corner of
// output position q (stride * (oh, ow) in the padded input):
//   forward          y[co, q] = sum_{t, ci} W[co, ci, t] xp[q' + t, ci]: tiles of output
//                    positions x output-channel vectors, depth 9 * Cin.
//   backward data    stride 1 only: the same kernel on dy with the flipped, transposed weights
//                    W'[ci, co, 8 - t] (a 3x3, padding 1 convolution's adjoint is one).
//   backward weight  dW[t][co, ci] = sum_q dy[q, co] xp[q' + t, ci]: tiles of output x input
//                    channels, the depth (every position) summed in registers image by image.
// Each call returns false (and does nothing) where the shape is not one it handles: then the
// caller's general GEMM path runs.
#pragma once
#include <cstdint>

namespace syn::cpu {

// x [B, Cin, H, W] -> y [B, Cout, Hout, Wout], weight [Cout, Cin, 3, 3], padding 1, the same
// stride (1 or 2) on both axes: Hout = (H - 1) / stride + 1, likewise Wout.
struct Conv3x3Shape {
  int64_t B, Cin, Cout, H, W;
  int64_t stride = 1;
  int64_t Hout() const { return (H - 1) / stride + 1; }
  int64_t Wout() const { return (W - 1) / stride + 1; }
};

// y = conv(x, w) + bias (bias may be null). Handles Cout a multiple of the level's vector width.
bool conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* w, const float* bias,
                     float* y);
// dx = conv^T(dy, w) (every element of dx written). Handles stride 1 with Cin a multiple of the
// vector width.
bool conv3x3_backward_data(const Conv3x3Shape& s, const float* dy, const float* w, float* dx);
// dw = dconv/dw (every element written). Handles Cin a multiple of the vector width.
bool conv3x3_backward_weight(const Conv3x3Shape& s, const float* x, const float* dy, float* dw);

}  // namespace syn::cpu
