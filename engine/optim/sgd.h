// sgd.h — stochastic gradient descent with momentum, as torch.optim.SGD (maximize=False).
//
// Per parameter, g its gradient, b its momentum buffer:
//   g <- g + weight_decay * p
//   if momentum != 0:
//     b <- g                                  on the parameter's first update
//     b <- momentum * b + (1 - dampening) * g afterwards
//     g <- nesterov ? g + momentum * b : b
//   p <- p - lr * g
// Nesterov needs momentum > 0 and dampening 0 (PyTorch's rule). Checked step by step against
// PyTorch 1.13 in tests/test_optim.cpp (fixtures optim_sgd, optim_sgd_nesterov, optim_sgd_damp).
// State: "sgd.momentum_buffer.<name>" (only when momentum != 0), "sgd.step.<name>", "sgd.step".
#pragma once
#include "engine/dispatch.h"
#include "engine/optim/optimizer.h"

namespace syn {

struct SgdOptions {
  double lr = 1e-2;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

struct SgdStepArgs {
  float lr, momentum, one_minus_dampening, weight_decay;
  int nesterov;  // 1: Nesterov momentum
  int first;     // 1: the buffer is initialised to the (decayed) gradient
};

// The fused update; `momentum_buffer` is null when momentum == 0.
using SgdUpdateFn = void(float* param, const float* grad, float* momentum_buffer, int64_t n,
                         SgdStepArgs args);
extern Kernel<SgdUpdateFn> sgd_update_kernel;

class Sgd : public Optimizer {
 public:
  Sgd(NamedTensors params, const SgdOptions& options = {});
  const SgdOptions& options() const { return options_; }

 protected:
  void update(size_t index, const Tensor& param, const Tensor& grad, int64_t step) override;

 private:
  SgdOptions options_;
};

}  // namespace syn
