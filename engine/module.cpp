// module.cpp — parameter bookkeeping for Module.
#include "engine/module.h"

#include <set>
#include <sstream>

#include "engine/check.h"

namespace syn {

const Tensor* find_named(const NamedTensors& list, const std::string& name) {
  for (auto& [n, t] : list)
    if (n == name) return &t;
  return nullptr;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [_, c] : children_) c->train(on);
}

void Module::collect(const std::string& prefix, bool params, NamedTensors& out) const {
  for (auto& [n, t] : params ? params_ : buffers_) out.emplace_back(prefix + n, t);
  for (auto& [n, c] : children_) c->collect(prefix + n + ".", params, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", false, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [_, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out = named_parameters();
  for (auto& nt : named_buffers()) out.push_back(nt);
  return out;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors mine = state_dict();
  std::ostringstream problems;
  std::set<std::string> used;
  for (auto& [name, t] : mine) {
    const Tensor* src = find_named(state, name);
    if (!src) {
      if (strict) problems << "\n  missing: " << name << " " << shape_str(t.shape());
      continue;
    }
    used.insert(name);
    if (src->shape() != t.shape()) {
      problems << "\n  shape mismatch: " << name << " expects " << shape_str(t.shape())
               << ", file has " << shape_str(src->shape());
      continue;
    }
  }
  if (strict)
    for (auto& [name, t] : state)
      if (!used.count(name)) problems << "\n  unexpected: " << name << " " << shape_str(t.shape());
  std::string p = problems.str();
  SYN_CHECK(p.empty(), "load_state_dict failed:", p);
  for (auto& [name, t] : mine)
    if (const Tensor* src = find_named(state, name)) Tensor(t).copy_(*src);
}

void Module::to(Device device) {
  for (auto& [_, t] : state_dict()) Tensor(t).move_storage_to(device);
}

void Module::zero_grad() {
  for (auto& [_, t] : named_parameters()) Tensor(t).zero_grad();
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [_, t] : named_parameters()) n += t.numel();
  return n;
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  t.set_requires_grad(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  buffers_.emplace_back(name, t);
  return t;
}

}  // namespace syn
