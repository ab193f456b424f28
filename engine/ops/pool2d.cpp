// pool2d.cpp — maxpool2d: forward with saved argmax, gradient rule, CPU kernels.
// Planes (B·C of them) are independent, so the CPU kernels run planes in parallel; within a plane
// the windows are visited in order, which also makes the backward's scatter race-free and its
// additions deterministic.
#include "engine/ops/pool2d.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

int64_t plane_grain(int64_t per_plane) {
  return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, per_plane));
}

void maxpool2d_forward_cpu(const Pool2dShape& s, const float* x, float* y, float* argmax) {
  const int64_t in = s.H * s.W, out = s.Hout * s.Wout;
  parallel_for(s.planes, plane_grain(in + out * s.kh * s.kw), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      const float* xp = x + pl * in;
      float* yp = y + pl * out;
      float* ap = argmax ? argmax + pl * out : nullptr;
      for (int64_t oh = 0; oh < s.Hout; ++oh) {
        const int64_t h0 = oh * s.sh - s.ph;
        const int64_t ha = std::max<int64_t>(h0, 0), hb = std::min(h0 + s.kh, s.H);
        for (int64_t ow = 0; ow < s.Wout; ++ow) {
          const int64_t w0 = ow * s.sw - s.pw;
          const int64_t wa = std::max<int64_t>(w0, 0), wb = std::min(w0 + s.kw, s.W);
          int64_t best_i = ha * s.W + wa;
          float best = xp[best_i];
          for (int64_t h = ha; h < hb; ++h) {
            const float* row = xp + h * s.W;
            for (int64_t w = wa; w < wb; ++w) {
              const float v = row[w];
              if (v > best || std::isnan(v)) best = v, best_i = h * s.W + w;  // first max; NaN
            }
          }
          yp[oh * s.Wout + ow] = best;
          if (ap) ap[oh * s.Wout + ow] = (float)best_i;
        }
      }
    }
  });
}

void maxpool2d_backward_cpu(const Pool2dShape& s, const float* dy, const float* argmax, float* dx) {
  const int64_t in = s.H * s.W, out = s.Hout * s.Wout;
  parallel_for(s.planes, plane_grain(in + out), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      float* dp = dx + pl * in;
      const float* gp = dy + pl * out;
      const float* ap = argmax + pl * out;
      std::fill(dp, dp + in, 0.0f);
      for (int64_t o = 0; o < out; ++o) dp[(int64_t)ap[o]] += gp[o];
    }
  });
}

}  // namespace

Kernel<MaxPool2dForwardFn> maxpool2d_forward_kernel{"maxpool2d_forward", maxpool2d_forward_cpu};
Kernel<MaxPool2dBackwardFn> maxpool2d_backward_kernel{"maxpool2d_backward", maxpool2d_backward_cpu};

namespace ops {

Tensor maxpool2d(const Tensor& x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                 int64_t pw) {
  SYN_CHECK(x.defined(), "maxpool2d: undefined input");
  SYN_CHECK(x.dim() == 4, "maxpool2d: expected x [B, C, H, W], got ", x.describe());
  if (sh == 0) sh = kh;
  if (sw == 0) sw = kw;
  SYN_CHECK(kh > 0 && kw > 0 && sh > 0 && sw > 0 && ph >= 0 && pw >= 0,
            "maxpool2d: invalid kernel (", kh, ", ", kw, "), stride (", sh, ", ", sw,
            ") or padding (", ph, ", ", pw, ") for x ", x.describe());
  SYN_CHECK(ph <= kh / 2 && pw <= kw / 2, "maxpool2d: padding (", ph, ", ", pw,
            ") must be at most half the kernel (", kh, ", ", kw, ") (x ", x.describe(), ")");
  Pool2dShape s;
  s.planes = x.size(0) * x.size(1), s.H = x.size(2), s.W = x.size(3);
  s.kh = kh, s.kw = kw, s.sh = sh, s.sw = sw, s.ph = ph, s.pw = pw;
  SYN_CHECK(s.H >= 1 && s.W >= 1, "maxpool2d: empty plane in x ", x.describe());
  SYN_CHECK(s.H + 2 * ph >= kh && s.W + 2 * pw >= kw, "maxpool2d: kernel (", kh, ", ", kw,
            ") with padding (", ph, ", ", pw, ") is larger than the input ", x.describe());
  SYN_CHECK(s.H * s.W <= (int64_t{1} << 24), "maxpool2d: plane of ", s.H * s.W,
            " elements exceeds 2^24, the largest index the float argmax buffer holds exactly (x ",
            x.describe(), ")");
  s.Hout = (s.H + 2 * ph - kh) / sh + 1;
  s.Wout = (s.W + 2 * pw - kw) / sw + 1;

  const Device dev = x.device();
  Tensor y = Tensor::empty({x.size(0), x.size(1), s.Hout, s.Wout}, dev);
  // The index buffer is only needed (and only allocated) when a gradient will be asked for.
  const bool keep = should_record({x});
  Tensor argmax = keep ? Tensor::empty(y.shape(), dev) : Tensor();
  if (y.numel() > 0)
    maxpool2d_forward_kernel.on(dev)(s, x.data(), y.data(), keep ? argmax.data() : nullptr);
  if (!keep) return y;

  Shape in_shape = x.shape();
  record(y, "maxpool2d", {x}, [argmax, in_shape, s](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(in_shape, g.device());
    if (dx.numel() > 0)
      maxpool2d_backward_kernel.on(g.device())(s, g.data(), argmax.data(), dx.data());
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace ops
}  // namespace syn
