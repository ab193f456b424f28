// conv1d.h — 1-D convolution (PyTorch's F.conv1d with dilation 1, groups 1): forward, gradient
// rule, and the kernel slots a CUDA implementation plugs into.
//
//   x [B, Cin, L], w [Cout, Cin, K], bias [Cout] or undefined  ->  y [B, Cout, Lout],
//   Lout = (L + 2*padding - K) / stride + 1,
//   y[b, co, t] = bias[co] + sum_{ci, k} w[co, ci, k] * x[b, ci, t*stride + k - padding]
//   (x is zero outside [0, L)).
//
// The CPU kernels (engine/ops/conv1d.cpp) are implicit GEMMs on engine/cpu/gemm.h: the im2col
// matrix is packed straight from x (or dy) block by block and never materialised.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

struct Conv1dShape {
  int64_t B = 0, Cin = 0, Cout = 0, L = 0, K = 0, stride = 1, padding = 0, Lout = 0;
};

// y = conv(x, w) + bias; bias may be null.
using Conv1dForwardFn = void(const Conv1dShape& s, const float* x, const float* w,
                             const float* bias, float* y);
// dx [B, Cin, L] from dy [B, Cout, Lout] (overwrites dx).
using Conv1dBackwardDataFn = void(const Conv1dShape& s, const float* dy, const float* w, float* dx);
// dw [Cout, Cin, K] and dbias [Cout] from x and dy (overwrites both); either output may be null
// when that gradient is not needed.
using Conv1dBackwardWeightFn = void(const Conv1dShape& s, const float* x, const float* dy,
                                    float* dw, float* dbias);

extern Kernel<Conv1dForwardFn> conv1d_forward_kernel;
extern Kernel<Conv1dBackwardDataFn> conv1d_backward_data_kernel;
extern Kernel<Conv1dBackwardWeightFn> conv1d_backward_weight_kernel;

namespace ops {

// bias may be an undefined Tensor (no bias). stride >= 1, padding >= 0.
Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t stride = 1,
              int64_t padding = 0);

}  // namespace ops
}  // namespace syn
