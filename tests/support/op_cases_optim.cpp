// op_cases_optim.cpp — the optimizer update slots (adam_update, sgd_update, lars_norms,
// lars_update): five steps with the same gradients on each device, then every parameter and
// every state buffer. Inputs are the parameters: odd shapes, a tiny one, a multi-block one, and
// one placed as a view at an odd offset (misaligned: the kernels' scalar path). Parameter 1 has
// no gradient at step 3 and must be skipped. The CPU values are checked against PyTorch by
// tests/test_optim.cpp (a multi-step replay with per-step learning rates, not a one-call op).
// CUDA vs CPU: the same fp32 formulas, differing only where nvcc contracts a*b+c into an FMA:
// rtol 1e-5, floor 1e-6 x max.
#include <functional>
#include <memory>

#include "engine/ops/shape.h"
#include "engine/optim/adam.h"
#include "engine/optim/lars.h"
#include "engine/optim/sgd.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(NamedTensors)>;

const std::vector<std::string> kNames = {"conv.weight", "conv.bias",  "bn1.weight",
                                         "fc.weight",   "big.weight", "offset.weight"};

Tensors optim_params(int64_t scale) {
  return randn_inputs(31, {{3, 17}, {33}, {1}, {5, 5, 7}, {100003 * scale}, {100}}, 0.5f)();
}

OpForward optim_fn(MakeOptimizer make) {
  return [make](const Tensors& in) {
    const Device dev = in[0].device();
    NamedTensors params;
    for (size_t i = 0; i < in.size(); ++i) {
      Tensor p;
      if (kNames[i] == "offset.weight") {  // a view at an odd offset of a larger buffer
        Tensor base = Tensor::zeros({in[i].numel() + 1}, dev);
        p = ops::slice(base, 0, 1, in[i].numel() + 1);
        p.copy_(in[i]);
      } else {
        p = in[i].clone();
      }
      params.emplace_back(kNames[i], p.set_requires_grad());
    }
    std::unique_ptr<Optimizer> opt = make(params);
    Rng rng(32);
    for (int step = 1; step <= 5; ++step) {
      opt->set_lr(0.05 / step);
      for (size_t i = 0; i < params.size(); ++i) {
        Tensor g = Tensor::randn(params[i].second.shape(), rng);
        Tensor(params[i].second).set_grad(step == 3 && i == 1 ? Tensor() : g.to(dev));
      }
      opt->step();
    }
    Tensors out;
    for (auto& [name, p] : params) out.push_back(p.detach());
    for (auto& [name, s] : opt->state_dict()) out.push_back(s.to(dev));
    return out;
  };
}

// Timing: inputs are the parameters then one gradient each; five steps with those gradients
// (the optimizer is built in the call: its zeroed state is part of the time).
OpForward optim_perf_fn(MakeOptimizer make) {
  return [make](const Tensors& in) {
    const size_t n = in.size() / 2;
    NamedTensors params;
    for (size_t i = 0; i < n; ++i) params.emplace_back(kNames[i], in[i]);
    std::unique_ptr<Optimizer> opt = make(params);
    for (size_t i = 0; i < n; ++i) Tensor(params[i].second).set_grad(in[n + i]);
    for (int step = 1; step <= 5; ++step) {
      opt->set_lr(0.05 / step);
      opt->step();
    }
    return Tensors{params[0].second};
  };
}

void add_optimizer(std::vector<OpCase>& out, const std::string& name,
                   std::vector<std::string> slots, MakeOptimizer make) {
  OpCase& c = add_case(
      out, name, slots, [] { return optim_params(1); }, optim_fn(make),
      std::vector<bool>(kNames.size(), false), kModeCuda);
  c.cuda_out = Tol{1e-5f, 0.0f, 1e-6f};
  OpCase& p = add_case(
      out, name + " (1M parameters, 5 steps)", std::move(slots),
      [] {
        Tensors in = optim_params(10);
        Tensors grads = optim_params(10);
        in.insert(in.end(), grads.begin(), grads.end());
        return in;
      },
      optim_perf_fn(std::move(make)), std::vector<bool>(2 * kNames.size(), false), kModePerf);
  p.work.bytes = 5.0 * 4 * 4 * (100003 * 10 + 3 * 17 + 33 + 1 + 5 * 5 * 7 + 100);
}

}  // namespace

void add_optim_cases(std::vector<OpCase>& out) {
  const std::vector<std::string> adam = {"adam_update"}, sgd = {"sgd_update"},
                                 lars = {"lars_norms", "lars_update"};
  add_optimizer(out, "adam", adam, [](NamedTensors p) {
    return std::make_unique<Adam>(p, AdamOptions{.lr = 0.05, .weight_decay = 0.01});
  });
  add_optimizer(out, "adamw", adam, [](NamedTensors p) {
    return std::make_unique<Adam>(
        p, AdamOptions{.lr = 0.05, .weight_decay = 0.1, .decoupled_weight_decay = true});
  });
  add_optimizer(out, "sgd", sgd,
                [](NamedTensors p) { return std::make_unique<Sgd>(p, SgdOptions{}); });
  add_optimizer(out, "sgd momentum dampening wd", sgd, [](NamedTensors p) {
    return std::make_unique<Sgd>(
        p, SgdOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 1e-3});
  });
  add_optimizer(out, "sgd nesterov", sgd, [](NamedTensors p) {
    return std::make_unique<Sgd>(p, SgdOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
  });
  add_optimizer(out, "lars", lars, [](NamedTensors p) {
    return std::make_unique<Lars>(p, LarsOptions{.lr = 0.05, .weight_decay = 1e-4});
  });
  add_optimizer(out, "lars nesterov 1d-exclusion", lars, [](NamedTensors p) {
    LarsOptions o;
    o.lr = 0.05;
    o.weight_decay = 1e-4;
    o.nesterov = true;
    o.exclude_from_weight_decay = lars_exclude_1d;
    return std::make_unique<Lars>(p, o);
  });
}

}  // namespace syn::test
