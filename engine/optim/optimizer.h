// optimizer.h — the base of every optimizer: named parameters, a learning rate set each step,
// in-place updates from .grad(), and state that round-trips through a checkpoint.
//
// Usage:
//   Adam opt(model.named_parameters(), {.lr = 3e-4f});
//   loss.backward(); opt.set_lr(schedule.lr(step)); opt.step(); opt.zero_grad();
//
// Semantics shared by all optimizers (as in PyTorch):
// - step() updates each parameter in place (NoGradGuard) from its gradient; a parameter whose
//   gradient is undefined is skipped entirely (its value, state and step count stay as they are).
// - Gradients are read, never written (they are immutable in this engine).
// - zero_grad() drops every gradient (PyTorch's set_to_none=True).
//
// State (per parameter: the subclass's buffers, e.g. Adam's moments, and the number of updates
// applied to that parameter; plus the number of step() calls) is exported by state_dict() as
// NamedTensors so a training checkpoint resumes exactly:
//   "<kind>.step"                  [1]  step() calls so far
//   "<kind>.step.<param name>"     [1]  updates applied to that parameter
//   "<kind>.<buffer>.<param name>" same shape as the parameter (e.g. "adam.exp_avg.fc.weight")
// Counts are stored as float32, exact up to 2^24 (16.7M) steps. Buffers live on the parameter's
// device and follow it if the model is moved after the optimizer was made.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/module.h"

namespace syn {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Hyper-parameters are doubles on the host (as PyTorch's Python floats); kernels get floats.
  void set_lr(double lr) { lr_ = lr; }
  double lr() const { return lr_; }

  void step();
  void zero_grad();

  const NamedTensors& params() const { return params_; }
  int64_t steps() const { return steps_; }
  // Updates applied to parameter `index` (skipped steps are not counted).
  int64_t param_steps(size_t index) const { return param_steps_.at(index); }

  // Copies of the state, on the host (safe to save while training continues).
  NamedTensors state_dict() const;
  // Restores state by name. Only entries whose name starts with "<kind>." are considered, so a
  // checkpoint holding model and optimizer together can be passed whole. Strict: every expected
  // entry present with the right shape and no unknown "<kind>." entry; errors list them all.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  const std::string& kind() const { return kind_; }

 protected:
  // `kind` prefixes state names ("adam"); `buffers` are the per-parameter state tensors
  // (each shaped like its parameter, zero-initialised).
  Optimizer(NamedTensors params, double lr, std::string kind, std::vector<std::string> buffers);

  // Applies one update to params_[index] from `grad` (same shape and device). `step` is the
  // parameter's update count including this one (1 on its first update). buffer(index, b) gives
  // the state tensors, already on the parameter's device.
  virtual void update(size_t index, const Tensor& param, const Tensor& grad, int64_t step) = 0;

  Tensor& buffer(size_t index, size_t b) { return buffers_[index][b]; }

 private:
  NamedTensors params_;
  double lr_;
  std::string kind_;
  std::vector<std::string> buffer_names_;
  std::vector<std::vector<Tensor>> buffers_;  // [param][buffer]
  std::vector<int64_t> param_steps_;
  int64_t steps_ = 0;
};

}  // namespace syn
