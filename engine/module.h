// module.h — the base of every layer and model: named parameters, buffers and sub-modules,
// train/eval mode, device moves, and state dicts named like PyTorch's (so checkpoints from
// PyTorch map onto ours by name — the stable-diffusion.cpp habit).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace syn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Finds a tensor by name in a NamedTensors list; nullptr when absent.
const Tensor* find_named(const NamedTensors& list, const std::string& name);

class Module {
 public:
  virtual ~Module() = default;

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  NamedTensors named_parameters() const;  // recursive, dotted names ("block1.conv.weight")
  NamedTensors named_buffers() const;
  std::vector<Tensor> parameters() const;
  NamedTensors state_dict() const;  // parameters then buffers

  // Copies values in by name. Strict: every name must be present with the same shape and no
  // extra names allowed; errors list every missing, unexpected and mis-shaped entry at once.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  void to(Device device);
  void zero_grad();
  int64_t num_parameters() const;

 protected:
  Tensor register_parameter(const std::string& name, Tensor t);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    children_.emplace_back(name, m);
    return m;
  }

 private:
  void collect(const std::string& prefix, bool params, NamedTensors& out) const;
  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace syn
