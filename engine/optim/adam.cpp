// adam.cpp — Adam/AdamW: hyper-parameter checks, bias corrections, and the fused CPU kernel.
#include "engine/optim/adam.h"

#include <cmath>

#include "engine/parallel.h"

namespace syn {

namespace {
// The operation order mirrors PyTorch's single-tensor Adam so fp32 results agree closely.
void adam_update_cpu(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                     AdamStepArgs a) {
  const float l2 = a.decoupled ? 0.0f : a.weight_decay;
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float p = param[i] * a.decay;
      float g = grad[i] + l2 * param[i];
      float m = exp_avg[i] * a.beta1 + g * a.one_minus_beta1;
      float v = exp_avg_sq[i] * a.beta2 + g * g * a.one_minus_beta2;
      float denom = std::sqrt(v) / a.bias_correction2_sqrt + a.eps;
      exp_avg[i] = m;
      exp_avg_sq[i] = v;
      param[i] = p - a.step_size * (m / denom);
    }
  });
}
}  // namespace

Kernel<AdamUpdateFn> adam_update_kernel{"adam_update", adam_update_cpu};

Adam::Adam(NamedTensors params, const AdamOptions& options)
    : Optimizer(std::move(params), options.lr, "adam", {"exp_avg", "exp_avg_sq"}),
      options_(options) {
  SYN_CHECK(options.lr >= 0, "adam: lr must be >= 0, got ", options.lr);
  SYN_CHECK(options.beta1 >= 0 && options.beta1 < 1, "adam: beta1 must be in [0, 1), got ",
            options.beta1);
  SYN_CHECK(options.beta2 >= 0 && options.beta2 < 1, "adam: beta2 must be in [0, 1), got ",
            options.beta2);
  SYN_CHECK(options.eps >= 0, "adam: eps must be >= 0, got ", options.eps);
  SYN_CHECK(options.weight_decay >= 0, "adam: weight_decay must be >= 0, got ",
            options.weight_decay);
}

void Adam::update(size_t index, const Tensor& param, const Tensor& grad, int64_t step) {
  const AdamOptions& o = options_;
  double bc1 = 1.0 - std::pow(o.beta1, (double)step);
  double bc2 = 1.0 - std::pow(o.beta2, (double)step);
  AdamStepArgs args;
  args.lr = (float)lr();
  args.beta1 = (float)o.beta1;
  args.one_minus_beta1 = (float)(1.0 - o.beta1);
  args.beta2 = (float)o.beta2;
  args.one_minus_beta2 = (float)(1.0 - o.beta2);
  args.eps = (float)o.eps;
  args.weight_decay = (float)o.weight_decay;
  args.decay = o.decoupled_weight_decay ? (float)(1.0 - lr() * o.weight_decay) : 1.0f;
  args.step_size = (float)(lr() / bc1);
  args.bias_correction2_sqrt = (float)std::sqrt(bc2);
  args.decoupled = o.decoupled_weight_decay ? 1 : 0;
  adam_update_kernel.on(param.device())(param.data(), grad.data(), buffer(index, 0).data(),
                                        buffer(index, 1).data(), param.numel(), args);
}

}  // namespace syn
