// training_state.cpp — see training_state.h.
#include "apps/train/training_state.h"

#include <filesystem>

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

void store_run_meta(Checkpoint& ck, const std::string& kind, int64_t step, const Config& cfg,
                    std::optional<double> train_seconds) {
  ck.meta["kind"] = kind;
  ck.meta["step"] = std::to_string(step);
  ck.meta["config"] = cfg.to_yaml();
  if (train_seconds) ck.meta["train_seconds"] = std::to_string(*train_seconds);
}

RunMeta read_run_meta(const Checkpoint& ck, const std::string& path, const std::string& kind,
                      const std::string& what) {
  auto k = ck.meta.find("kind"), s = ck.meta.find("step");
  SYN_CHECK(k != ck.meta.end() && k->second == kind && s != ck.meta.end(), "'", path, "' is not ",
            what);
  RunMeta m;
  try {
    m.step = std::stoll(s->second);
    if (auto t = ck.meta.find("train_seconds"); t != ck.meta.end())
      m.train_seconds = std::stod(t->second);
  } catch (const std::exception&) {
    SYN_CHECK(false, "'", path, "': unreadable step or train_seconds in its metadata");
  }
  SYN_CHECK(m.step >= 0, "'", path, "': negative step ", m.step, " in its metadata");
  return m;
}

std::string checkpoint_file(const std::string& run_dir, int64_t step) {
  return (std::filesystem::path(run_dir) / ("checkpoint_" + std::to_string(step) + ".synt"))
      .string();
}

}  // namespace syn::app
