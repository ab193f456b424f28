// lars.h — LARS (layer-wise adaptive rate scaling) as SimCLR uses it.
//
// Source: the SimCLR authors' LARSOptimizer, google-research/simclr lars_optimizer.py (TF;
// the default "classic momentum" branch), which Spijkervet/SimCLR simclr/modules/lars.py — the
// optimizer CLMR offers besides Adam — ports to PyTorch. Paper: You, Gitman, Ginsburg, "Large
// Batch Training of Convolutional Networks" (arXiv:1708.03888).
//
// Per parameter w (one "layer"), with gradient g, momentum buffer v (zero-initialised), learning
// rate lr, momentum mu, weight decay wd, trust coefficient eta (SimCLR's "eeta", 1e-3):
//   g'    = g + wd * w                              unless excluded from weight decay
//   trust = eta * ||w|| / ||g'||   if ||w|| > 0 and ||g'|| > 0, else 1
//         = 1                                       when excluded from layer adaptation
//   v     <- mu * v + lr * trust * g'               (the learning rate lives inside v)
//   w     <- w - (nesterov ? mu * v + lr * trust * g' : v)
// ||.|| is the L2 norm over the whole tensor. Because lr is folded into v ("classic momentum"),
// changing lr only affects new contributions — as in SimCLR, and unlike torch.optim.SGD.
// SimCLR's non-default "popular momentum" branch is not implemented.
//
// Exclusion: SimCLR excludes batch-norm parameters and biases from BOTH weight decay and
// adaptation (exclude_from_layer_adaptation defaults to exclude_from_weight_decay). Here that
// decision is a predicate on (name, tensor); the default, lars_exclude_by_name, returns true when
//   the last dot-separated component of the name ends in "bias", or
//   some component starts with "bn" (bn, bn1, bn_2, ...) or contains "norm" (batchnorm,
//   batch_normalization, layernorm, norm1, ...), all case-insensitively.
// Models whose BN layers have positional names (e.g. "sequential.0.1.weight") should use
// lars_exclude_1d instead: every tensor with at most one dimension (BN scale/shift and biases).
//
// Two kernels: lars_norms (one reduction pass: ||w||^2 and ||g'||^2 into a 2-float buffer on
// the parameter's device) and lars_update (the fused update; it computes the trust ratio from
// that buffer itself, so a GPU implementation never has to synchronise with the host).
// Checked step by step against a float64 reference written from the formulas above in
// tests/reference/gen_optim.py (fixtures optim_lars, optim_lars_nesterov).
// State: "lars.momentum.<name>", "lars.step.<name>", "lars.step".
#pragma once
#include <functional>
#include <string>

#include "engine/dispatch.h"
#include "engine/optim/optimizer.h"

namespace syn {

using LarsExcludeFn = std::function<bool(const std::string& name, const Tensor& param)>;

bool lars_exclude_by_name(const std::string& name, const Tensor& param);
bool lars_exclude_1d(const std::string& name, const Tensor& param);

struct LarsOptions {
  double lr = 0.1;
  double momentum = 0.9;
  double weight_decay = 1e-6;
  double eta = 1e-3;  // trust coefficient
  bool nesterov = false;
  LarsExcludeFn exclude_from_weight_decay = lars_exclude_by_name;
  // When empty, the weight-decay predicate is used (SimCLR's default).
  LarsExcludeFn exclude_from_adaptation = nullptr;
};

struct LarsStepArgs {
  float lr, momentum, eta;
  float weight_decay;  // 0 when the parameter is excluded from weight decay
  int adapt;           // 0 when excluded from layer adaptation (trust ratio 1)
  int nesterov;
};

// sums[0] = sum(w^2), sums[1] = sum((g + weight_decay * w)^2); `sums` is on w's device.
using LarsNormsFn = void(const float* param, const float* grad, float weight_decay, float* sums,
                         int64_t n);
// Reads the trust ratio's inputs from `sums` (as written by lars_norms), updates param and v.
using LarsUpdateFn = void(float* param, const float* grad, float* momentum_buffer,
                          const float* sums, int64_t n, LarsStepArgs args);
extern Kernel<LarsNormsFn> lars_norms_kernel;
extern Kernel<LarsUpdateFn> lars_update_kernel;

class Lars : public Optimizer {
 public:
  Lars(NamedTensors params, const LarsOptions& options = {});
  const LarsOptions& options() const { return options_; }
  // The decisions taken for parameter `index` (fixed at construction).
  bool decays(size_t index) const { return decay_[index]; }
  bool adapts(size_t index) const { return adapt_[index]; }

 protected:
  void update(size_t index, const Tensor& param, const Tensor& grad, int64_t step) override;

 private:
  LarsOptions options_;
  std::vector<bool> decay_, adapt_;
};

}  // namespace syn
