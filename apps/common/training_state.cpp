// training_state.cpp — see training_state.h.
#include "apps/common/training_state.h"

#include "engine/check.h"

namespace syn::app {

namespace {
constexpr const char* kModelPrefix = "model.";
}

void store_model_and_optimizer(Checkpoint& ck, const Module& model, const Optimizer& optimizer) {
  for (auto& [name, t] : model.state_dict()) ck.tensors.emplace_back(kModelPrefix + name, t);
  for (auto& nt : optimizer.state_dict()) ck.tensors.push_back(nt);
}

void restore_model_and_optimizer(const Checkpoint& ck, const std::string& path, Module& model,
                                 Optimizer& optimizer,
                                 const std::vector<std::string>& other_prefixes) {
  const std::string prefix = kModelPrefix;
  auto is_other = [&](const std::string& name) {
    for (const auto& p : other_prefixes)
      if (name.rfind(p, 0) == 0) return true;
    return false;
  };
  NamedTensors model_state, optimizer_state;
  for (const auto& [name, t] : ck.tensors) {
    if (is_other(name)) continue;
    if (name.rfind(prefix, 0) == 0)
      model_state.emplace_back(name.substr(prefix.size()), t);
    else
      optimizer_state.emplace_back(name, t);
  }
  try {
    model.load_state_dict(model_state);
    optimizer.load_state_dict(optimizer_state);
  } catch (const Error& e) {
    throw Error(str_cat("checkpoint '", path, "': ", e.what()));
  }
}

}  // namespace syn::app
