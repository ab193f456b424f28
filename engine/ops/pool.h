// pool.h — 1-D max pooling over x [B, C, L] (PyTorch max_pool1d, floor mode).
//
// The forward saves, for every output element, the position of its maximum within the input row
// (the first maximum on ties; a NaN wins, as in PyTorch); the backward routes each output
// gradient to that position, summing where windows overlap.
//
// Index buffer: a float tensor the shape of the output, on the same device, holding the index
// within the row (0 .. L-1). Tensors are fp32 only, and a device tensor lets a CUDA kernel read
// the indices without a host round trip; floats represent integers exactly up to 2^24, so L is
// limited to 16,777,216 (checked).
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Kernel signatures. x: rows × L (rows = B·C), y and argmax: rows × Lout; argmax may be null
// (no gradient will be needed: inference skips the index buffer).
using MaxPoolForwardFn = void(const float* x, float* y, float* argmax, int64_t rows, int64_t L,
                              int64_t Lout, int64_t kernel, int64_t stride, int64_t padding);
// Writes every element of dx (rows × L): zero except at the saved maxima. The window geometry is
// passed so that a gather-style (race-free) device kernel can be written.
using MaxPoolBackwardFn = void(const float* dy, const float* argmax, float* dx, int64_t rows,
                               int64_t L, int64_t Lout, int64_t kernel, int64_t stride,
                               int64_t padding);

extern Kernel<MaxPoolForwardFn> maxpool1d_forward_kernel;
extern Kernel<MaxPoolBackwardFn> maxpool1d_backward_kernel;

namespace ops {

// Lout = floor((L + 2·padding − kernel) / stride) + 1. stride 0 means stride = kernel.
// Requires padding <= kernel / 2 (like PyTorch: every window then holds a real value).
Tensor maxpool1d(const Tensor& x, int64_t kernel, int64_t stride = 0, int64_t padding = 0);

}  // namespace ops
}  // namespace syn
