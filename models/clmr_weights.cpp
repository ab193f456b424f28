// clmr_weights.cpp — see clmr_weights.h.
#include "models/clmr_weights.h"

#include "engine/check.h"
#include "engine/rng.h"

namespace syn::models {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string list_keys(const NamedTensors& ts) {
  std::string s;
  for (auto& [n, _] : ts) {
    if (s.size() > 300) return s + ", ...";
    s += (s.empty() ? "" : ", ") + n;
  }
  return s.empty() ? "(none)" : s;
}

const Tensor& need(const NamedTensors& ts, const std::string& name, const std::string& what) {
  const Tensor* t = find_named(ts, name);
  SYN_CHECK(t != nullptr, what, ": no '", name, "' (keys: ", list_keys(ts), ")");
  return *t;
}

// Loads strictly and re-words Module::load_state_dict's error to name the file.
void load_strict(Module& m, const NamedTensors& tensors, const std::string& what) {
  try {
    m.load_state_dict(tensors, true);
  } catch (const Error& e) {
    SYN_FAIL(what, ": the weights do not fit the model: ", e.what());
  }
}

}  // namespace

ClmrEncoderWeights clmr_encoder_weights(const TorchCheckpoint& ckpt, const std::string& path) {
  const std::string what = "CLMR encoder checkpoint '" + path + "'";
  ClmrEncoderWeights w;
  bool found = false;
  for (const char* prefix : {"model.encoder.", "encoder.", ""}) {
    for (auto& [name, _] : ckpt.tensors)
      if (starts_with(name, std::string(prefix) + "sequential.")) found = true;
    if (found) {
      w.prefix = prefix;
      break;
    }
  }
  SYN_CHECK(found, what,
            " has no SampleCNN weights (no 'model.encoder.sequential.*', "
            "'encoder.sequential.*' or 'sequential.*' keys; keys: ",
            list_keys(ckpt.tensors), ")");
  for (auto& [name, t] : ckpt.tensors) {
    if (!starts_with(name, w.prefix)) {
      w.ignored.push_back(name);
      continue;
    }
    std::string ours = name.substr(w.prefix.size());
    if (ends_with(ours, ".num_batches_tracked") || starts_with(ours, "fc.")) {
      w.ignored.push_back(name);
      continue;
    }
    w.tensors.emplace_back(ours, t);
  }
  // Sizes from the shapes: sequential.0 is conv(1→first, k3, s3); sequential.1..n the blocks;
  // sequential.n+1 the last conv (c→c).
  std::vector<Shape> convs;
  for (size_t i = 0;; ++i) {
    const Tensor* t = find_named(w.tensors, "sequential." + std::to_string(i) + ".0.weight");
    if (!t) break;
    SYN_CHECK(t->dim() == 3 && t->size(2) == 3, what, ": sequential.", i, ".0.weight has shape ",
              shape_str(t->shape()), ", expected [Cout, Cin, 3]");
    convs.push_back(t->shape());
  }
  SYN_CHECK(convs.size() >= 3, what, ": found ", convs.size(),
            " conv layers, a SampleCNN has at least 3 (keys: ", list_keys(w.tensors), ")");
  SYN_CHECK(convs[0][1] == 1, what, ": the first conv takes ", convs[0][1],
            " input channels, SampleCNN takes 1");
  w.config.first_channels = convs[0][0];
  w.config.hidden.clear();
  for (size_t i = 1; i + 1 < convs.size(); ++i) w.config.hidden.push_back(convs[i][0]);
  w.config.out_dim = 0;
  return w;
}

std::shared_ptr<SampleCNN> load_clmr_encoder(const std::string& path) {
  ClmrEncoderWeights w = clmr_encoder_weights(load_torch_checkpoint(path), path);
  Rng rng(0);  // initial values are overwritten
  auto encoder = std::make_shared<SampleCNN>(w.config, rng);
  load_strict(*encoder, w.tensors, "CLMR encoder checkpoint '" + path + "'");
  encoder->eval();
  return encoder;
}

void load_clmr_encoder(const std::string& path, SampleCNN& encoder) {
  ClmrEncoderWeights w = clmr_encoder_weights(load_torch_checkpoint(path), path);
  load_strict(encoder, w.tensors, "CLMR encoder checkpoint '" + path + "'");
}

std::shared_ptr<nn::Sequential> make_clmr_head(const ClmrHeadConfig& cfg, Rng& rng) {
  SYN_CHECK(cfg.in_dim > 0 && cfg.out_dim > 0 && cfg.hidden_dim >= 0, "CLMR head: bad sizes in ",
            cfg.in_dim, " hidden ", cfg.hidden_dim, " out ", cfg.out_dim);
  auto head = std::make_shared<nn::Sequential>();
  if (cfg.hidden_dim == 0) {
    head->add(std::make_shared<nn::Linear>(cfg.in_dim, cfg.out_dim, true, rng));
  } else {
    head->add(std::make_shared<nn::Linear>(cfg.in_dim, cfg.hidden_dim, true, rng));
    head->add(std::make_shared<nn::ReLU>());
    head->add(std::make_shared<nn::Linear>(cfg.hidden_dim, cfg.out_dim, true, rng));
  }
  return head;
}

ClmrHeadWeights clmr_head_weights(const TorchCheckpoint& ckpt, const std::string& path) {
  const std::string what = "CLMR finetuner checkpoint '" + path + "'";
  ClmrHeadWeights w;
  bool lightning = false;
  for (auto& [name, _] : ckpt.tensors)
    if (starts_with(name, "model.")) lightning = true;
  for (auto& [name, t] : ckpt.tensors) {
    if (lightning && !starts_with(name, "model."))
      w.ignored.push_back(name);
    else
      w.tensors.emplace_back(lightning ? name.substr(6) : name, t);
  }
  const Tensor& w0 = need(w.tensors, "0.weight", what);
  SYN_CHECK(w0.dim() == 2, what, ": 0.weight has shape ", shape_str(w0.shape()),
            ", expected [out, in]");
  w.config.in_dim = w0.size(1);
  if (find_named(w.tensors, "2.weight")) {
    const Tensor& w2 = need(w.tensors, "2.weight", what);
    SYN_CHECK(w2.dim() == 2, what, ": 2.weight has shape ", shape_str(w2.shape()),
              ", expected [out, hidden]");
    w.config.hidden_dim = w0.size(0);
    w.config.out_dim = w2.size(0);
  } else {
    w.config.hidden_dim = 0;
    w.config.out_dim = w0.size(0);
  }
  return w;
}

std::shared_ptr<nn::Sequential> load_clmr_head(const std::string& path) {
  ClmrHeadWeights w = clmr_head_weights(load_torch_checkpoint(path), path);
  Rng rng(0);  // initial values are overwritten
  auto head = make_clmr_head(w.config, rng);
  load_strict(*head, w.tensors, "CLMR finetuner checkpoint '" + path + "'");
  head->eval();
  return head;
}

}  // namespace syn::models
