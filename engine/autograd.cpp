// autograd.cpp — grad mode, recording, and the backward pass.
#include "engine/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "engine/check.h"
#include "engine/ops/elementwise.h"

namespace syn {

static thread_local bool g_grad_enabled = true;

bool grad_enabled() { return g_grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

bool should_record(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && (t.requires_grad() || t.grad_fn())) return true;
  return false;
}

void record(Tensor& output, const char* name, std::vector<Tensor> inputs, BackwardFn backward) {
  if (!should_record(inputs)) return;
  auto node = std::make_shared<Node>();
  node->name = name;
  node->needs_grad.reserve(inputs.size());
  for (const Tensor& t : inputs)
    node->needs_grad.push_back(t.defined() && (t.requires_grad() || t.grad_fn()));
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  output.impl()->grad_fn = std::move(node);
}

Tensor add_for_grad(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  return ops::add(a.detach(), b.detach());
}

// Nodes reachable from `root`, ordered so that every node comes before the nodes it feeds from
// (reverse post-order of an iterative depth-first search: deep graphs cannot overflow the stack).
static std::vector<Node*> topological_order(Node* root) {
  std::vector<Node*> post;
  std::unordered_set<Node*> seen{root};
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const Tensor& in = node->inputs[next++];
      Node* child = in.defined() ? in.grad_fn().get() : nullptr;
      if (child && seen.insert(child).second) stack.push_back({child, 0});
    } else {
      post.push_back(node);
      stack.pop_back();
    }
  }
  return {post.rbegin(), post.rend()};
}

void run_backward(const Tensor& root, const Tensor& seed) {
  SYN_CHECK(seed.shape() == root.shape(), "backward: seed gradient ", seed.describe(),
            " does not match ", root.describe());
  if (!root.grad_fn()) {
    SYN_CHECK(root.requires_grad(), "backward() on a tensor that does not require a gradient");
    root.impl()->grad = add_for_grad(Tensor(root.impl()->grad), seed).impl_ptr();
    return;
  }
  Node* top = root.grad_fn().get();
  top->grad_output = add_for_grad(top->grad_output, seed);
  // Keep every node alive while we walk, even after inputs are released below.
  std::vector<std::shared_ptr<Node>> keep_alive;
  for (Node* node : topological_order(top)) {
    if (!node->backward) SYN_FAIL("backward through '", node->name, "' a second time");
    if (!node->grad_output.defined()) continue;
    std::vector<Tensor> grads = node->backward(node->grad_output, node->needs_grad);
    SYN_CHECK(grads.size() == node->inputs.size(), "op '", node->name, "' returned ", grads.size(),
              " gradients for ", node->inputs.size(), " inputs");
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!node->needs_grad[i] || !grads[i].defined()) continue;
      const Tensor& in = node->inputs[i];
      SYN_CHECK(grads[i].shape() == in.shape(), "op '", node->name, "' gave gradient ",
                grads[i].describe(), " for input ", i, " of shape ", in.describe());
      if (in.grad_fn()) {
        Node* child = in.grad_fn().get();
        child->grad_output = add_for_grad(child->grad_output, grads[i]);
      } else if (in.requires_grad()) {
        in.impl()->grad = add_for_grad(Tensor(in.impl()->grad), grads[i]).impl_ptr();
      }
    }
    // Free the graph as we go: saved activations are released once used.
    for (const Tensor& in : node->inputs)
      if (in.defined() && in.grad_fn()) keep_alive.push_back(in.grad_fn());
    node->grad_output = Tensor();
    node->backward = nullptr;
    node->inputs.clear();
  }
}

}  // namespace syn
