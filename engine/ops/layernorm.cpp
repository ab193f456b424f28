// layernorm.cpp — layer_norm: checks, gradient rule, CPU kernels (see layernorm.h).
//
// The CPU kernels are the reference the CUDA kernels are checked against: statistics in double
// (two passes: the mean, then the mean squared deviation, which is exact for rows with a large
// common offset, where E[x^2] - E[x]^2 would cancel), and every sum in an order fixed by the
// shapes, so results do not depend on the thread count.
#include "engine/ops/layernorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

int64_t row_grain(int64_t d) { return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, d)); }

void layer_norm_forward_cpu(const float* x, const float* weight, const float* bias, float* y,
                            float* mean, float* rstd, int64_t n, int64_t d, float eps) {
  parallel_for(n, row_grain(d), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * d;
      double s = 0;
      for (int64_t j = 0; j < d; ++j) s += xr[j];
      const double mu = s / (double)d;
      double v = 0;
      for (int64_t j = 0; j < d; ++j) v += ((double)xr[j] - mu) * ((double)xr[j] - mu);
      const double rs = 1.0 / std::sqrt(v / (double)d + (double)eps);
      mean[r] = (float)mu;
      rstd[r] = (float)rs;
      float* yr = y + r * d;
      for (int64_t j = 0; j < d; ++j) {
        double h = ((double)xr[j] - mu) * rs;
        if (weight) h *= weight[j];
        if (bias) h += bias[j];
        yr[j] = (float)h;
      }
    }
  });
}

// With xhat = (x - mean) rstd and g = dy * weight:
//   dx = rstd (g - mean(g) - xhat mean(g xhat)),  dweight = sum_rows dy xhat,  dbias = sum_rows dy.
// dx runs rows in parallel; the column sums run column ranges in parallel, each thread walking
// every row in order (no partial buffers, the same order on any number of threads).
void layer_norm_backward_cpu(const float* x, const float* weight, const float* mean,
                             const float* rstd, const float* dy, float* dx, float* dweight,
                             float* dbias, int64_t n, int64_t d) {
  if (dx) {
    parallel_for(n, row_grain(d), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const float* xr = x + r * d;
        const float* gr = dy + r * d;
        const double mu = mean[r], rs = rstd[r];
        double sg = 0, sgx = 0;
        for (int64_t j = 0; j < d; ++j) {
          const double g = weight ? (double)gr[j] * weight[j] : (double)gr[j];
          sg += g;
          sgx += g * ((double)xr[j] - mu) * rs;
        }
        sg /= (double)d;
        sgx /= (double)d;
        for (int64_t j = 0; j < d; ++j) {
          const double g = weight ? (double)gr[j] * weight[j] : (double)gr[j];
          const double xh = ((double)xr[j] - mu) * rs;
          dx[r * d + j] = (float)(rs * (g - sg - xh * sgx));
        }
      }
    });
  }
  if (dweight || dbias) {
    parallel_for(d, 256, [&](int64_t lo, int64_t hi) {
      std::vector<double> aw((size_t)(hi - lo), 0.0), ab((size_t)(hi - lo), 0.0);
      for (int64_t r = 0; r < n; ++r) {
        const float* xr = x + r * d;
        const float* gr = dy + r * d;
        const double mu = mean[r], rs = rstd[r];
        for (int64_t j = lo; j < hi; ++j) {
          aw[(size_t)(j - lo)] += (double)gr[j] * (((double)xr[j] - mu) * rs);
          ab[(size_t)(j - lo)] += gr[j];
        }
      }
      for (int64_t j = lo; j < hi; ++j) {
        if (dweight) dweight[j] = (float)aw[(size_t)(j - lo)];
        if (dbias) dbias[j] = (float)ab[(size_t)(j - lo)];
      }
    });
  }
}

}  // namespace

Kernel<LayerNormFwdFn> layer_norm_forward_kernel{"layer_norm_forward", layer_norm_forward_cpu};
Kernel<LayerNormBwdFn> layer_norm_backward_kernel{"layer_norm_backward", layer_norm_backward_cpu};

namespace ops {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  SYN_CHECK(x.defined(), "layer_norm: undefined input");
  SYN_CHECK(x.dim() >= 1, "layer_norm: needs at least one dimension, got ", x.describe());
  const int64_t d = x.size(-1);
  SYN_CHECK(d > 0, "layer_norm: empty last dimension in ", x.describe());
  const int64_t n = x.numel() / d;
  for (const Tensor* p : {&weight, &bias}) {
    if (!p->defined()) continue;
    const char* what = p == &weight ? "weight" : "bias";
    SYN_CHECK(p->shape() == Shape{d}, "layer_norm: ", what, " ", p->describe(), " must be [D] = [",
              d, "] for x ", x.describe());
    SYN_CHECK(p->device() == x.device(), "layer_norm: ", what, " ", p->describe(),
              " is not on the device of x ", x.describe());
  }
  SYN_CHECK(eps >= 0.0f && std::isfinite(eps), "layer_norm: eps must be >= 0, got ", eps);
  const Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), dev);
  Tensor mean = Tensor::empty({n}, dev), rstd = Tensor::empty({n}, dev);
  const float* wp = weight.defined() ? weight.data() : nullptr;
  const float* bp = bias.defined() ? bias.data() : nullptr;
  if (n > 0)
    layer_norm_forward_kernel.on(dev)(x.data(), wp, bp, y.data(), mean.data(), rstd.data(), n, d,
                                      eps);
  Tensor sx = x.detach();
  Tensor sw = weight.defined() ? weight.detach() : Tensor();
  record(y, "layer_norm", {x, weight, bias},
         [sx, sw, mean, rstd, n, d](const Tensor& g, const std::vector<bool>& needs) {
           const Device gd = g.device();
           Tensor dx = needs[0] ? Tensor::empty(sx.shape(), gd) : Tensor();
           Tensor dw = needs[1] ? Tensor::empty({d}, gd) : Tensor();
           Tensor db = needs[2] ? Tensor::empty({d}, gd) : Tensor();
           if (n == 0) {  // no rows: the column sums are empty sums
             if (dw.defined()) dw.fill_(0.0f);
             if (db.defined()) db.fill_(0.0f);
             return std::vector<Tensor>{dx, dw, db};
           }
           layer_norm_backward_kernel.on(gd)(
               sx.data(), sw.defined() ? sw.data() : nullptr, mean.data(), rstd.data(), g.data(),
               dx.defined() ? dx.data() : nullptr, dw.defined() ? dw.data() : nullptr,
               db.defined() ? db.data() : nullptr, n, d);
           return std::vector<Tensor>{dx, dw, db};
         });
  return y;
}

}  // namespace ops
}  // namespace syn
