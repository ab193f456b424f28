// sync_batchnorm.cpp — see sync_batchnorm.h.
//
// The global statistics are applied with the evaluation kernel (it normalises with given
// statistics), and the backward's correction term -(k * a + (x - mean) * k * bcoef) is the same
// kernel with weight -w * bcoef and bias -k * a: both devices get sync batch norm from the
// kernels they already have. Statistics vectors ([C]) travel through the host.
#include "engine/dist/sync_batchnorm.h"

#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/batchnorm.h"
#include "engine/ops/elementwise.h"

namespace syn::dist {

namespace {

Communicator* g_sync_comm = nullptr;

float* ptr_or_null(const Tensor& t) { return t.defined() ? t.data() : nullptr; }

std::vector<float> host(const Tensor& t) { return t.to_vector(); }

}  // namespace

void set_sync_batchnorm(Communicator* comm) { g_sync_comm = comm; }
Communicator* sync_batchnorm_communicator() { return g_sync_comm; }

Tensor sync_batchnorm1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const Tensor& running_mean, const Tensor& running_var, float momentum,
                        float eps, Communicator& comm) {
  SYN_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), comm.where(),
            ": sync batch norm: expected x [B, C, L] or [B, C], got ",
            x.defined() ? x.describe() : std::string("undefined"));
  const int64_t B = x.size(0), C = x.size(1), L = x.dim() == 3 ? x.size(2) : 1;
  for (const Tensor* t : {&weight, &bias, &running_mean, &running_var})
    SYN_CHECK(!t->defined() || (t->numel() == C && t->device() == x.device()), comm.where(),
              ": sync batch norm: a [", C, "] vector on the device of x expected, got ",
              t->describe());
  const Device dev = x.device();

  // This rank's statistics (the normalised output of this pass is discarded).
  Tensor scratch = Tensor::empty(x.shape(), dev);
  Tensor local_mean = Tensor::empty({C}, dev), local_invstd = Tensor::empty({C}, dev);
  batchnorm_train_forward_kernel.on(dev)(x.data(), nullptr, nullptr, nullptr, nullptr,
                                         scratch.data(), local_mean.data(), local_invstd.data(), B,
                                         C, L, 0.0f, eps);
  scratch = Tensor();
  // [mean (C), biased variance (C), count] of every rank.
  std::vector<float> mine = host(local_mean), invstd = host(local_invstd);
  mine.resize((size_t)(2 * C + 1));
  for (int64_t c = 0; c < C; ++c) {
    const double s = invstd[(size_t)c];
    mine[(size_t)(C + c)] = (float)std::max(0.0, 1.0 / (s * s) - (double)eps);
  }
  mine[(size_t)(2 * C)] = (float)(B * L);
  const std::vector<float> all =
      host(comm.all_gather(Tensor::from_vector(mine, {2 * C + 1}, Device::CPU)));
  const int W = comm.world();
  double count = 0;
  for (int r = 0; r < W; ++r) count += all[(size_t)(r * (2 * C + 1) + 2 * C)];
  std::vector<float> mean((size_t)C), var((size_t)C);
  for (int64_t c = 0; c < C; ++c) {
    double m = 0, v = 0;
    for (int r = 0; r < W; ++r) {
      const float* s = &all[(size_t)(r * (2 * C + 1))];
      m += (double)s[2 * C] * s[c];
    }
    m /= count;
    for (int r = 0; r < W; ++r) {
      const float* s = &all[(size_t)(r * (2 * C + 1))];
      const double d = (double)s[c] - m;
      v += (double)s[2 * C] * ((double)s[C + c] + d * d);
    }
    mean[(size_t)c] = (float)m;
    var[(size_t)c] = (float)(v / count);
  }
  Tensor global_mean = Tensor::from_vector(mean, {C}, dev);
  Tensor global_var = Tensor::from_vector(var, {C}, dev);

  Tensor y = Tensor::empty(x.shape(), dev);
  Tensor save_mean = Tensor::empty({C}, dev), save_invstd = Tensor::empty({C}, dev);
  batchnorm_eval_forward_kernel.on(dev)(x.data(), ptr_or_null(weight), ptr_or_null(bias),
                                        global_mean.data(), global_var.data(), y.data(),
                                        save_mean.data(), save_invstd.data(), B, C, L, eps);
  if (running_mean.defined()) {
    std::vector<float> rm = host(running_mean), rv = host(running_var);
    for (int64_t c = 0; c < C; ++c) {
      const size_t i = (size_t)c;
      rm[i] = (float)((1.0 - momentum) * rm[i] + momentum * (double)mean[i]);
      const double unbiased = (double)var[i] * count / std::max(1.0, count - 1);
      rv[i] = (float)((1.0 - momentum) * rv[i] + momentum * unbiased);
    }
    Tensor(running_mean).copy_(Tensor::from_vector(rm, {C}, dev));
    Tensor(running_var).copy_(Tensor::from_vector(rv, {C}, dev));
  }

  Tensor sx = x.detach(), sw = weight.defined() ? weight.detach() : Tensor();
  Communicator* cm = &comm;
  record(y, "sync_batchnorm1d", {x, weight, bias},
         [sx, sw, global_mean, global_var, save_mean, save_invstd, B, C, L, eps, count, cm](
             const Tensor& g, const std::vector<bool>& needs) {
           const Device d = sx.device();
           // Evaluation-mode backward: dx_e = w * invstd * dy; dw = sum(dy * xhat); db = sum(dy).
           Tensor dx = Tensor::empty(sx.shape(), d);
           Tensor dw = Tensor::empty({C}, d), db = Tensor::empty({C}, d);
           batchnorm_backward_kernel.on(d)(sx.data(), g.data(), ptr_or_null(sw), save_mean.data(),
                                           save_invstd.data(), dx.data(), dw.data(), db.data(), B,
                                           C, L, /*batch_stats=*/false);
           // Global sum(dy) and sum(dy * xhat) over every rank's rows.
           std::vector<float> sums = host(db), dwv = host(dw);
           sums.insert(sums.end(), dwv.begin(), dwv.end());
           Tensor packed = Tensor::from_vector(sums, {2 * C}, Device::CPU);
           cm->all_reduce_sum(packed);
           const std::vector<float> total = host(packed), istd = host(save_invstd);
           std::vector<float> w = sw.defined() ? host(sw) : std::vector<float>((size_t)C, 1.0f);
           std::vector<float> w2((size_t)C), b2((size_t)C);
           for (int64_t c = 0; c < C; ++c) {
             const size_t i = (size_t)c;
             const double a = total[i] / count;                            // mean(dy)
             const double bcoef = total[(size_t)C + i] * istd[i] / count;  // mean(dy*xhat)*invstd
             w2[i] = (float)(-(double)w[i] * bcoef);
             b2[i] = (float)(-(double)w[i] * istd[i] * a);
           }
           // correction = (x - mean) * w2 * invstd + b2, with the forward's invstd.
           Tensor corr = Tensor::empty(sx.shape(), d), m2 = Tensor::empty({C}, d),
                  s2 = Tensor::empty({C}, d);
           Tensor w2t = Tensor::from_vector(w2, {C}, d), b2t = Tensor::from_vector(b2, {C}, d);
           batchnorm_eval_forward_kernel.on(d)(sx.data(), w2t.data(), b2t.data(),
                                               global_mean.data(), global_var.data(), corr.data(),
                                               m2.data(), s2.data(), B, C, L, eps);
           Tensor grad_x;
           if (needs[0]) {
             NoGradGuard no_grad;
             grad_x = ops::add(dx, corr);
           }
           return std::vector<Tensor>{grad_x, needs[1] ? dw : Tensor(), needs[2] ? db : Tensor()};
         });
  return y;
}

}  // namespace syn::dist
