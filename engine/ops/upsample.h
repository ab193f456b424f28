// upsample.h — nearest-neighbour upsampling by an integer factor on x [B, C, H, W] (PyTorch
// F.interpolate(x, scale_factor=f, mode='nearest') with integer f; the U-Net's decoder uses f = 2
// followed by a 3x3 convolution).
//
//   y [B, C, H·f, W·f],   y[b, c, i, j] = x[b, c, i / f, j / f]   (integer division)
//
// The backward sums each f×f block of dy into one element of dx. Nothing is saved.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// x: planes × H × W (planes = B·C), y: planes × (H·f) × (W·f).
using UpsampleNearestFwdFn = void(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                                  int64_t factor);
// Writes every element of dx (planes × H × W) as the sum of its f×f block of dy, the block's
// rows in order and each row left to right (the CUDA kernel adds in the same order).
using UpsampleNearestBwdFn = void(const float* dy, float* dx, int64_t planes, int64_t H, int64_t W,
                                  int64_t factor);

extern Kernel<UpsampleNearestFwdFn> upsample_nearest_forward_kernel;
extern Kernel<UpsampleNearestBwdFn> upsample_nearest_backward_kernel;

namespace ops {

// x [B, C, H, W], factor >= 1 (1 returns a copy).
Tensor upsample_nearest2d(const Tensor& x, int64_t factor = 2);

}  // namespace ops
}  // namespace syn
