// autograd.h — reverse-mode automatic differentiation over a graph of recorded ops.
//
// Each differentiable op creates its output and, when grad mode is on and some input requires a
// gradient, records a Node: the inputs and a backward rule written next to the forward (the
// micrograd/tinygrad habit). Tensor::backward() orders the Nodes reachable from the loss
// topologically and runs the rules in reverse, accumulating gradients into leaves.
// Gradient tensors are never modified in place: accumulation allocates a new sum.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace syn {

// Given dL/d(output) and which inputs need a gradient, return dL/d(input_i) for each input
// (an undefined Tensor where none is needed).
using BackwardFn =
    std::function<std::vector<Tensor>(const Tensor& grad_output, const std::vector<bool>& needs)>;

struct Node {
  const char* name = "";
  std::vector<Tensor> inputs;
  std::vector<bool> needs_grad;  // per input
  BackwardFn backward;
  Tensor grad_output;  // accumulated during a backward pass
};

bool grad_enabled();

// Disables recording in a scope (evaluation, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when grad mode is on and at least one input requires a gradient.
bool should_record(const std::vector<Tensor>& inputs);

// Attaches a Node to `output` if should_record(inputs). `backward` must not capture `output`
// itself (that would form a reference cycle): capture output.detach() instead.
void record(Tensor& output, const char* name, std::vector<Tensor> inputs, BackwardFn backward);

// Runs the backward pass from `root` with seed gradient `seed` (same shape as root).
void run_backward(const Tensor& root, const Tensor& seed);

// out-of-place a + b on the tensors' device (same shape); used for gradient accumulation.
Tensor add_for_grad(const Tensor& a, const Tensor& b);

}  // namespace syn
