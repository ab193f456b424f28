// groupnorm.cpp — group_norm: checks, gradient rule, CPU kernels (see groupnorm.h).
//
// The CPU kernels are the reference the CUDA kernels are checked against: statistics in double
// with two passes (the mean, then the mean squared deviation: exact for groups with a large common
// offset, where E[x²] - E[x]² would cancel), every sum in an order fixed by the shapes, so results
// do not depend on the thread count. Groups run in parallel (forward, dx); the per-channel
// parameter gradients run channels in parallel, each walking the items in order.
#include "engine/ops/groupnorm.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

int64_t group_grain(int64_t len) {
  return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, len));
}

void group_norm_forward_cpu(const float* x, const float* weight, const float* bias, float* y,
                            float* mean, float* rstd, const GroupNormDims& d, float eps) {
  const int64_t cpg = d.C / d.G, len = cpg * d.S;
  parallel_for(d.B * d.G, group_grain(len), [&](int64_t lo, int64_t hi) {
    for (int64_t bg = lo; bg < hi; ++bg) {
      const float* xg = x + bg * len;
      double s = 0;
      for (int64_t i = 0; i < len; ++i) s += xg[i];
      const double mu = s / (double)len;
      double v = 0;
      for (int64_t i = 0; i < len; ++i) v += ((double)xg[i] - mu) * ((double)xg[i] - mu);
      const double rs = 1.0 / std::sqrt(v / (double)len + (double)eps);
      mean[bg] = (float)mu;
      rstd[bg] = (float)rs;
      const int64_t c0 = (bg % d.G) * cpg;
      float* yg = y + bg * len;
      for (int64_t cc = 0; cc < cpg; ++cc) {
        const double w = weight ? (double)weight[c0 + cc] : 1.0;
        const double b = bias ? (double)bias[c0 + cc] : 0.0;
        for (int64_t s2 = 0; s2 < d.S; ++s2) {
          const int64_t i = cc * d.S + s2;
          yg[i] = (float)(((double)xg[i] - mu) * rs * w + b);
        }
      }
    }
  });
}

// With xhat = (x - mean) rstd and g = dy · weight[c], over the n = (C/G)·S elements of a group:
//   dx = rstd (g - mean(g) - xhat mean(g xhat)),
//   dweight[c] = sum over items and positions of dy xhat,  dbias[c] = sum of dy.
void group_norm_backward_cpu(const float* x, const float* weight, const float* mean,
                             const float* rstd, const float* dy, float* dx, float* dweight,
                             float* dbias, const GroupNormDims& d) {
  const int64_t cpg = d.C / d.G, len = cpg * d.S;
  if (dx) {
    parallel_for(d.B * d.G, group_grain(len), [&](int64_t lo, int64_t hi) {
      for (int64_t bg = lo; bg < hi; ++bg) {
        const int64_t c0 = (bg % d.G) * cpg;
        const float* xg = x + bg * len;
        const float* gg = dy + bg * len;
        const double mu = mean[bg], rs = rstd[bg];
        double sg = 0, sgx = 0;
        for (int64_t cc = 0; cc < cpg; ++cc) {
          const double w = weight ? (double)weight[c0 + cc] : 1.0;
          for (int64_t s2 = 0; s2 < d.S; ++s2) {
            const int64_t i = cc * d.S + s2;
            const double g = (double)gg[i] * w;
            sg += g;
            sgx += g * ((double)xg[i] - mu) * rs;
          }
        }
        sg /= (double)len;
        sgx /= (double)len;
        float* dg = dx + bg * len;
        for (int64_t cc = 0; cc < cpg; ++cc) {
          const double w = weight ? (double)weight[c0 + cc] : 1.0;
          for (int64_t s2 = 0; s2 < d.S; ++s2) {
            const int64_t i = cc * d.S + s2;
            const double xh = ((double)xg[i] - mu) * rs;
            dg[i] = (float)(rs * ((double)gg[i] * w - sg - xh * sgx));
          }
        }
      }
    });
  }
  if (dweight || dbias) {
    parallel_for(d.C, group_grain(d.B * d.S), [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) {
        double aw = 0, ab = 0;
        for (int64_t b = 0; b < d.B; ++b) {
          const int64_t bg = b * d.G + c / cpg;
          const double mu = mean[bg], rs = rstd[bg];
          const float* xr = x + (b * d.C + c) * d.S;
          const float* gr = dy + (b * d.C + c) * d.S;
          for (int64_t s2 = 0; s2 < d.S; ++s2) {
            aw += (double)gr[s2] * (((double)xr[s2] - mu) * rs);
            ab += gr[s2];
          }
        }
        if (dweight) dweight[c] = (float)aw;
        if (dbias) dbias[c] = (float)ab;
      }
    });
  }
}

}  // namespace

Kernel<GroupNormFwdFn> group_norm_forward_kernel{"group_norm_forward", group_norm_forward_cpu};
Kernel<GroupNormBwdFn> group_norm_backward_kernel{"group_norm_backward", group_norm_backward_cpu};

namespace ops {

Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias,
                  float eps) {
  SYN_CHECK(x.defined(), "group_norm: undefined input");
  SYN_CHECK(x.dim() >= 2, "group_norm: expected x [B, C, *], got ", x.describe());
  const int64_t B = x.size(0), C = x.size(1);
  SYN_CHECK(groups > 0 && C > 0 && C % groups == 0, "group_norm: ", C,
            " channels cannot be split into ", groups, " groups (x ", x.describe(), ")");
  const int64_t S = B * C > 0 ? x.numel() / (B * C) : 0;
  for (const Tensor* p : {&weight, &bias}) {
    if (!p->defined()) continue;
    const char* what = p == &weight ? "weight" : "bias";
    SYN_CHECK(p->shape() == Shape{C}, "group_norm: ", what, " ", p->describe(), " must be [C] = [",
              C, "] for x ", x.describe());
    SYN_CHECK(p->device() == x.device(), "group_norm: ", what, " ", p->describe(),
              " is not on the device of x ", x.describe());
  }
  SYN_CHECK(eps >= 0.0f && std::isfinite(eps), "group_norm: eps must be >= 0, got ", eps);
  SYN_CHECK(S > 0 || B == 0, "group_norm: empty spatial size in ", x.describe());
  const Device dev = x.device();
  const GroupNormDims dims{B, C, S, groups};
  Tensor y = Tensor::empty(x.shape(), dev);
  Tensor mean = Tensor::empty({B * groups}, dev), rstd = Tensor::empty({B * groups}, dev);
  if (B > 0)
    group_norm_forward_kernel.on(dev)(x.data(), weight.defined() ? weight.data() : nullptr,
                                      bias.defined() ? bias.data() : nullptr, y.data(), mean.data(),
                                      rstd.data(), dims, eps);
  Tensor sx = x.detach();
  Tensor sw = weight.defined() ? weight.detach() : Tensor();
  record(y, "group_norm", {x, weight, bias},
         [sx, sw, mean, rstd, dims](const Tensor& g, const std::vector<bool>& needs) {
           const Device gd = g.device();
           Tensor dx = needs[0] ? Tensor::empty(sx.shape(), gd) : Tensor();
           Tensor dw = needs[1] ? Tensor::empty({dims.C}, gd) : Tensor();
           Tensor db = needs[2] ? Tensor::empty({dims.C}, gd) : Tensor();
           if (dims.B == 0) {  // no items: the parameter gradients are empty sums
             if (dw.defined()) dw.fill_(0.0f);
             if (db.defined()) db.fill_(0.0f);
             return std::vector<Tensor>{dx, dw, db};
           }
           group_norm_backward_kernel.on(gd)(
               sx.data(), sw.defined() ? sw.data() : nullptr, mean.data(), rstd.data(), g.data(),
               dx.defined() ? dx.data() : nullptr, dw.defined() ? dw.data() : nullptr,
               db.defined() ? db.data() : nullptr, dims);
           return std::vector<Tensor>{dx, dw, db};
         });
  return y;
}

}  // namespace ops
}  // namespace syn
