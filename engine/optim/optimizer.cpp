// optimizer.cpp — see optimizer.h: parameter bookkeeping, skipping, and state (de)serialisation.
#include "engine/optim/optimizer.h"

#include <cmath>
#include <set>
#include <sstream>

#include "engine/autograd.h"
#include "engine/check.h"

namespace syn {

Optimizer::Optimizer(NamedTensors params, double lr, std::string kind,
                     std::vector<std::string> buffers)
    : params_(std::move(params)),
      lr_(lr),
      kind_(std::move(kind)),
      buffer_names_(std::move(buffers)) {
  std::set<std::string> seen;
  for (auto& [name, p] : params_) {
    SYN_CHECK(p.defined(), kind_, ": parameter '", name, "' is undefined");
    SYN_CHECK(seen.insert(name).second, kind_, ": parameter name '", name, "' appears twice");
    std::vector<Tensor> bufs;
    for (size_t b = 0; b < buffer_names_.size(); ++b)
      bufs.push_back(Tensor::zeros(p.shape(), p.device()));
    buffers_.push_back(std::move(bufs));
  }
  param_steps_.assign(params_.size(), 0);
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& [name, p] = params_[i];
    Tensor g = p.grad();
    if (!g.defined()) continue;  // PyTorch skips parameters without a gradient
    SYN_CHECK(g.shape() == p.shape() && g.device() == p.device(), kind_, ": gradient ",
              g.describe(), " does not match parameter '", name, "' ", p.describe());
    // The model may have been moved after the optimizer was made: buffers follow it.
    for (Tensor& b : buffers_[i])
      if (b.device() != p.device()) b.move_storage_to(p.device());
    update(i, p, g, ++param_steps_[i]);
  }
  ++steps_;
}

void Optimizer::zero_grad() {
  for (auto& [_, p] : params_) Tensor(p).zero_grad();
}

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  out.emplace_back(kind_ + ".step", Tensor::full({1}, (float)steps_));
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].first;
    out.emplace_back(kind_ + ".step." + name, Tensor::full({1}, (float)param_steps_[i]));
    for (size_t b = 0; b < buffer_names_.size(); ++b)
      out.emplace_back(kind_ + "." + buffer_names_[b] + "." + name,
                       buffers_[i][b].to(Device::CPU));  // always a copy
  }
  return out;
}

namespace {
// A step count stored as a 1-element float tensor; must be a non-negative integer.
int64_t read_count(const Tensor& t, const std::string& name) {
  float v = t.item();
  SYN_CHECK(v >= 0 && std::floor(v) == v, "load_state_dict: '", name, "' is not a step count: ", v);
  return (int64_t)v;
}
}  // namespace

void Optimizer::load_state_dict(const NamedTensors& state, bool strict) {
  // Check everything first so a bad file leaves the optimizer untouched.
  std::ostringstream problems;
  std::set<std::string> expected;
  auto need = [&](const std::string& key, const Shape& shape) {
    expected.insert(key);
    const Tensor* src = find_named(state, key);
    if (!src) {
      if (strict) problems << "\n  missing: " << key << " " << shape_str(shape);
    } else if (src->shape() != shape) {
      problems << "\n  shape mismatch: " << key << " expects " << shape_str(shape) << ", got "
               << shape_str(src->shape());
    }
  };
  need(kind_ + ".step", {1});
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& [name, p] = params_[i];
    need(kind_ + ".step." + name, {1});
    for (auto& b : buffer_names_) need(kind_ + "." + b + "." + name, p.shape());
  }
  if (strict) {
    std::string prefix = kind_ + ".";
    for (auto& [key, _] : state)
      if (key.compare(0, prefix.size(), prefix) == 0 && !expected.count(key))
        problems << "\n  unexpected: " << key;
  }
  std::string report = problems.str();
  SYN_CHECK(report.empty(), kind_, " optimizer load_state_dict:", report);

  if (const Tensor* t = find_named(state, kind_ + ".step"))
    steps_ = read_count(*t, kind_ + ".step");
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].first;
    std::string key = kind_ + ".step." + name;
    if (const Tensor* t = find_named(state, key)) param_steps_[i] = read_count(*t, key);
    for (size_t b = 0; b < buffer_names_.size(); ++b)
      if (const Tensor* t = find_named(state, kind_ + "." + buffer_names_[b] + "." + name))
        buffers_[i][b].copy_(*t);  // copies across devices when needed
  }
}

}  // namespace syn
