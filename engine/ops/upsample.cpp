// upsample.cpp — upsample_nearest2d: checks, gradient rule, CPU kernels (see upsample.h).
// Planes (B·C of them) run in parallel. The forward writes each output row once, copying each
// input value f times; the backward is a gather (one dx element = the sum of its block), so it
// needs no zero fill and no scatter.
#include "engine/ops/upsample.h"

#include <algorithm>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

int64_t plane_grain(int64_t n) { return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, n)); }

void upsample_nearest_forward_cpu(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                                  int64_t f) {
  const int64_t Ho = H * f, Wo = W * f;
  parallel_for(planes, plane_grain(Ho * Wo), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const float* xp = x + p * H * W;
      float* yp = y + p * Ho * Wo;
      for (int64_t i = 0; i < H; ++i) {
        float* row = yp + i * f * Wo;
        for (int64_t j = 0; j < W; ++j)
          for (int64_t a = 0; a < f; ++a) row[j * f + a] = xp[i * W + j];
        for (int64_t r = 1; r < f; ++r) std::copy(row, row + Wo, row + r * Wo);
      }
    }
  });
}

void upsample_nearest_backward_cpu(const float* dy, float* dx, int64_t planes, int64_t H, int64_t W,
                                   int64_t f) {
  const int64_t Ho = H * f, Wo = W * f;
  parallel_for(planes, plane_grain(Ho * Wo), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const float* gp = dy + p * Ho * Wo;
      float* dp = dx + p * H * W;
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) {
          float acc = 0.0f;
          for (int64_t a = 0; a < f; ++a) {
            const float* g = gp + (i * f + a) * Wo + j * f;
            for (int64_t b = 0; b < f; ++b) acc += g[b];
          }
          dp[i * W + j] = acc;
        }
    }
  });
}

}  // namespace

Kernel<UpsampleNearestFwdFn> upsample_nearest_forward_kernel{"upsample_nearest_forward",
                                                             upsample_nearest_forward_cpu};
Kernel<UpsampleNearestBwdFn> upsample_nearest_backward_kernel{"upsample_nearest_backward",
                                                              upsample_nearest_backward_cpu};

namespace ops {

Tensor upsample_nearest2d(const Tensor& x, int64_t factor) {
  SYN_CHECK(x.defined(), "upsample_nearest2d: undefined input");
  SYN_CHECK(x.dim() == 4, "upsample_nearest2d: expected x [B, C, H, W], got ", x.describe());
  SYN_CHECK(factor >= 1, "upsample_nearest2d: factor must be >= 1, got ", factor, " for x ",
            x.describe());
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t planes = B * C;
  const Device dev = x.device();
  Tensor y = Tensor::empty({B, C, H * factor, W * factor}, dev);
  if (y.numel() > 0)
    upsample_nearest_forward_kernel.on(dev)(x.data(), y.data(), planes, H, W, factor);
  Shape in_shape = x.shape();
  record(y, "upsample_nearest2d", {x},
         [in_shape, planes, H, W, factor](const Tensor& g, const std::vector<bool>&) {
           Tensor dx = Tensor::empty(in_shape, g.device());
           if (dx.numel() > 0)
             upsample_nearest_backward_kernel.on(g.device())(g.data(), dx.data(), planes, H, W,
                                                             factor);
           return std::vector<Tensor>{dx};
         });
  return y;
}

}  // namespace ops
}  // namespace syn
