// batchnorm.cpp — batchnorm1d: forward (training / evaluation), gradient rule, CPU kernels.
//
// The CPU kernels work one channel at a time (channels in parallel): a channel is B rows of L
// contiguous values. Statistics are accumulated in float lanes within short blocks (so the
// compiler vectorises them) and in double across blocks, around a shift (the channel's first
// value), so the variance does not suffer from cancellation when |mean| >> std.
#include "engine/ops/batchnorm.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

constexpr int kLanes = 16;
constexpr int64_t kBlock = 512;  // each float lane adds at most kBlock / kLanes terms

// s1 += sum(p - shift), s2 += sum((p - shift)^2) over n values.
void shifted_sums(const float* p, int64_t n, float shift, double& s1, double& s2) {
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const float* q = p + b0;
    int64_t m = std::min(kBlock, n - b0), i = 0;
    float a1[kLanes] = {}, a2[kLanes] = {};
    for (; i + kLanes <= m; i += kLanes)
      for (int k = 0; k < kLanes; ++k) {
        float d = q[i + k] - shift;
        a1[k] += d;
        a2[k] += d * d;
      }
    double t1 = 0, t2 = 0;
    for (; i < m; ++i) {
      double d = (double)q[i] - shift;
      t1 += d;
      t2 += d * d;
    }
    for (int k = 0; k < kLanes; ++k) t1 += a1[k], t2 += a2[k];
    s1 += t1;
    s2 += t2;
  }
}

// sdy += sum(dy), sdyx += sum(dy * (x - mean)) over n values.
void grad_sums(const float* x, const float* dy, int64_t n, float mean, double& sdy, double& sdyx) {
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const float* xq = x + b0;
    const float* gq = dy + b0;
    int64_t m = std::min(kBlock, n - b0), i = 0;
    float a1[kLanes] = {}, a2[kLanes] = {};
    for (; i + kLanes <= m; i += kLanes)
      for (int k = 0; k < kLanes; ++k) {
        a1[k] += gq[i + k];
        a2[k] += gq[i + k] * (xq[i + k] - mean);
      }
    double t1 = 0, t2 = 0;
    for (; i < m; ++i) {
      t1 += gq[i];
      t2 += (double)gq[i] * ((double)xq[i] - mean);
    }
    for (int k = 0; k < kLanes; ++k) t1 += a1[k], t2 += a2[k];
    sdy += t1;
    sdyx += t2;
  }
}

// Channels per thread chunk: enough that a chunk holds ~32k values.
int64_t channel_grain(int64_t B, int64_t L) {
  return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, B * L));
}

// y = (x - mean) * scale + shift over one channel's B rows.
void normalise_channel(const float* x, float* y, int64_t B, int64_t C, int64_t L, int64_t c,
                       float mean, float scale, float shift) {
  for (int64_t b = 0; b < B; ++b) {
    const float* xr = x + (b * C + c) * L;
    float* yr = y + (b * C + c) * L;
    for (int64_t l = 0; l < L; ++l) yr[l] = (xr[l] - mean) * scale + shift;
  }
}

void batchnorm_train_forward_cpu(const float* x, const float* weight, const float* bias,
                                 float* running_mean, float* running_var, float* y,
                                 float* save_mean, float* save_invstd, int64_t B, int64_t C,
                                 int64_t L, float momentum, float eps) {
  const int64_t N = B * L;
  parallel_for(C, channel_grain(B, L), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      const float shift = x[c * L];
      double s1 = 0, s2 = 0;
      for (int64_t b = 0; b < B; ++b) shifted_sums(x + (b * C + c) * L, L, shift, s1, s2);
      double m1 = s1 / (double)N;
      double var = std::max(0.0, s2 / (double)N - m1 * m1);  // biased: used to normalise
      double mean = shift + m1;
      float invstd = (float)(1.0 / std::sqrt(var + (double)eps));
      save_mean[c] = (float)mean;
      save_invstd[c] = invstd;
      float w = weight ? weight[c] : 1.0f, beta = bias ? bias[c] : 0.0f;
      normalise_channel(x, y, B, C, L, c, (float)mean, w * invstd, beta);
      if (running_mean)
        running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mean);
      if (running_var) {
        double unbiased = var * (double)N / (double)(N - 1);
        running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
      }
    }
  });
}

void batchnorm_eval_forward_cpu(const float* x, const float* weight, const float* bias,
                                const float* running_mean, const float* running_var, float* y,
                                float* save_mean, float* save_invstd, int64_t B, int64_t C,
                                int64_t L, float eps) {
  parallel_for(C, channel_grain(B, L), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      float invstd = (float)(1.0 / std::sqrt((double)running_var[c] + (double)eps));
      save_mean[c] = running_mean[c];
      save_invstd[c] = invstd;
      float w = weight ? weight[c] : 1.0f, beta = bias ? bias[c] : 0.0f;
      normalise_channel(x, y, B, C, L, c, running_mean[c], w * invstd, beta);
    }
  });
}

void batchnorm_backward_cpu(const float* x, const float* dy, const float* weight,
                            const float* save_mean, const float* save_invstd, float* dx,
                            float* dweight, float* dbias, int64_t B, int64_t C, int64_t L,
                            bool batch_stats) {
  const int64_t N = B * L;
  const bool need_sums = dweight || dbias || (dx && batch_stats);
  parallel_for(C, channel_grain(B, L), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      const float mean = save_mean[c], invstd = save_invstd[c];
      const float w = weight ? weight[c] : 1.0f;
      double sdy = 0, sdyx = 0;  // sum(dy), sum(dy * (x - mean))
      if (need_sums)
        for (int64_t b = 0; b < B; ++b)
          grad_sums(x + (b * C + c) * L, dy + (b * C + c) * L, L, mean, sdy, sdyx);
      if (dbias) dbias[c] = (float)sdy;
      if (dweight) dweight[c] = (float)(sdyx * invstd);  // sum(dy * xhat)
      if (!dx) continue;
      // Training: dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)), with
      // xhat = (x - mean) * invstd. Evaluation: dx = w * invstd * dy.
      const float k = w * invstd;
      const float a = batch_stats ? (float)(sdy / (double)N) : 0.0f;
      const float bcoef =
          batch_stats ? (float)(sdyx / (double)N * (double)invstd * (double)invstd) : 0.0f;
      for (int64_t b = 0; b < B; ++b) {
        const float* xr = x + (b * C + c) * L;
        const float* gr = dy + (b * C + c) * L;
        float* dr = dx + (b * C + c) * L;
        for (int64_t l = 0; l < L; ++l) dr[l] = k * (gr[l] - a - (xr[l] - mean) * bcoef);
      }
    }
  });
}

}  // namespace

Kernel<BatchNormTrainForwardFn> batchnorm_train_forward_kernel{"batchnorm_train_forward",
                                                               batchnorm_train_forward_cpu};
Kernel<BatchNormEvalForwardFn> batchnorm_eval_forward_kernel{"batchnorm_eval_forward",
                                                             batchnorm_eval_forward_cpu};
Kernel<BatchNormBackwardFn> batchnorm_backward_kernel{"batchnorm_backward", batchnorm_backward_cpu};

namespace ops {

static float* ptr_or_null(const Tensor& t) { return t.defined() ? t.data() : nullptr; }

Tensor batchnorm1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const Tensor& running_mean, const Tensor& running_var, bool training,
                   float momentum, float eps) {
  SYN_CHECK(x.defined(), "batchnorm1d: undefined input");
  SYN_CHECK(x.dim() == 2 || x.dim() == 3, "batchnorm1d: expected x [B, C, L] or [B, C], got ",
            x.describe());
  const int64_t B = x.size(0), C = x.size(1), L = x.dim() == 3 ? x.size(2) : 1;
  auto check_vec = [&](const Tensor& t, const char* what) {
    if (!t.defined()) return;
    SYN_CHECK(t.dim() == 1 && t.size(0) == C, "batchnorm1d: ", what, " must be [", C, "] for x ",
              x.describe(), ", got ", t.describe());
    SYN_CHECK(t.device() == x.device(), "batchnorm1d: ", what, " ", t.describe(),
              " is not on the device of x ", x.describe());
  };
  check_vec(weight, "weight");
  check_vec(bias, "bias");
  check_vec(running_mean, "running_mean");
  check_vec(running_var, "running_var");
  SYN_CHECK(running_mean.defined() == running_var.defined(),
            "batchnorm1d: running_mean and running_var must both be given or both be undefined");
  SYN_CHECK(training || running_mean.defined(),
            "batchnorm1d: evaluation mode needs running statistics, x ", x.describe());
  SYN_CHECK(!training || B * L > 1,
            "batchnorm1d: training needs more than one value per channel, got x ", x.describe());

  Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), dev);
  Tensor save_mean = Tensor::empty({C}, dev), save_invstd = Tensor::empty({C}, dev);
  if (training) {
    batchnorm_train_forward_kernel.on(dev)(x.data(), ptr_or_null(weight), ptr_or_null(bias),
                                           ptr_or_null(running_mean), ptr_or_null(running_var),
                                           y.data(), save_mean.data(), save_invstd.data(), B, C, L,
                                           momentum, eps);
  } else {
    batchnorm_eval_forward_kernel.on(dev)(x.data(), ptr_or_null(weight), ptr_or_null(bias),
                                          running_mean.data(), running_var.data(), y.data(),
                                          save_mean.data(), save_invstd.data(), B, C, L, eps);
  }

  Tensor sx = x.detach(), sw = weight.defined() ? weight.detach() : Tensor();
  record(y, "batchnorm1d", {x, weight, bias},
         [sx, sw, save_mean, save_invstd, B, C, L, training](const Tensor& g,
                                                             const std::vector<bool>& needs) {
           Device d = sx.device();
           Tensor dx = needs[0] ? Tensor::empty(sx.shape(), d) : Tensor();
           Tensor dw = needs[1] ? Tensor::empty({C}, d) : Tensor();
           Tensor db = needs[2] ? Tensor::empty({C}, d) : Tensor();
           batchnorm_backward_kernel.on(d)(sx.data(), g.data(), ptr_or_null(sw), save_mean.data(),
                                           save_invstd.data(), ptr_or_null(dx), ptr_or_null(dw),
                                           ptr_or_null(db), B, C, L, training);
           return std::vector<Tensor>{dx, dw, db};
         });
  return y;
}

}  // namespace ops
}  // namespace syn
