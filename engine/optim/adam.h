// adam.h — Adam (torch.optim.Adam, amsgrad=False) and AdamW (torch.optim.AdamW) in one class.
//
// Per parameter, with t its update count (1 on the first update), g its gradient:
//   Adam:  g <- g + weight_decay * p                      (L2 decay folded into the gradient)
//   AdamW: p <- p * (1 - lr * weight_decay)               (decoupled decay, applied first)
//   m <- beta1 * m + (1 - beta1) * g
//   v <- beta2 * v + (1 - beta2) * g^2
//   p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// i.e. eps is added after the bias-corrected sqrt, exactly as PyTorch does. Checked step by
// step against PyTorch 1.13 in tests/test_optim.cpp (fixtures optim_adam, optim_adamw).
// State: "adam.exp_avg.<name>", "adam.exp_avg_sq.<name>", "adam.step.<name>", "adam.step".
#pragma once
#include "engine/dispatch.h"
#include "engine/optim/optimizer.h"

namespace syn {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled_weight_decay = false;  // true: AdamW
};

// Scalars of one update, computed on the host in double, then rounded (1 - beta2 is formed in
// double: in float, 1 - 0.999f is off by 1e-5 relative).
struct AdamStepArgs {
  float lr;
  float beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay;
  float decay;                  // 1 - lr * weight_decay (AdamW), else 1
  float step_size;              // lr / (1 - beta1^t)
  float bias_correction2_sqrt;  // sqrt(1 - beta2^t)
  int decoupled;                // 1: AdamW
};

// The fused update: reads param, grad and both moments once, writes param and moments.
using AdamUpdateFn = void(float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                          int64_t n, AdamStepArgs args);
extern Kernel<AdamUpdateFn> adam_update_kernel;

class Adam : public Optimizer {
 public:
  Adam(NamedTensors params, const AdamOptions& options = {});
  const AdamOptions& options() const { return options_; }

 protected:
  void update(size_t index, const Tensor& param, const Tensor& grad, int64_t step) override;

 private:
  AdamOptions options_;
};

}  // namespace syn
