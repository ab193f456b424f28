// encoder_loading.cpp — see encoder_loading.h.
#include "apps/pipeline/encoder_loading.h"

#include <fstream>
#include <sstream>

#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "models/clmr_weights.h"

namespace syn::app {

models::ClmrConfig clmr_config_from(const Config& cfg) {
  models::ClmrConfig c;
  int64_t blocks = cfg.get_int("encoder_blocks");
  int64_t div = cfg.get_int("encoder_width_divisor");
  SYN_CHECK(blocks >= 1 && blocks <= 9, "--encoder_blocks must be in 1..9, got ", blocks);
  SYN_CHECK(div >= 1 && 128 % div == 0, "--encoder_width_divisor must divide 128, got ", div);
  c.encoder.hidden.resize((size_t)blocks);
  for (int64_t& h : c.encoder.hidden) h /= div;
  c.encoder.first_channels /= div;
  SYN_CHECK(cfg.get_int("audio_length") == c.encoder.input_samples(), "--audio_length ",
            cfg.get_int("audio_length"), " does not fit a SampleCNN with ", blocks,
            " blocks: it needs 3^", blocks + 1, " = ", c.encoder.input_samples(), " samples");
  c.projection_dim = cfg.get_int("projection_dim");
  c.temperature = (float)cfg.get_float("temperature");
  SYN_CHECK(c.temperature > 0, "--temperature must be positive, got ", c.temperature);
  return c;
}

bool is_syn_checkpoint(const std::string& path) {
  io::check_input_file(path, "checkpoint");  // a regular file: never a FIFO or device
  std::ifstream f(path, std::ios::binary);
  SYN_CHECK(f.good(), "cannot open '", path, "'");
  char magic[8] = {};
  f.read(magic, 8);
  return f.gcount() == 8 && std::string(magic, 8) == "SYNCKPT1";
}

LoadedEncoder load_encoder(const std::string& path, const Config& cfg) {
  LoadedEncoder out;
  if (path.empty()) {
    Rng rng((uint64_t)cfg.get_int("seed"));
    out.encoder = std::make_shared<models::SampleCNN>(clmr_config_from(cfg).encoder, rng);
    out.description = "a RANDOMLY INITIALISED encoder (no checkpoint given: a baseline)";
  } else if (!is_syn_checkpoint(path)) {
    out.encoder = models::load_clmr_encoder(path);
    out.description = str_cat("CLMR PyTorch checkpoint '", path, "'");
  } else {
    Checkpoint ck = load_checkpoint(path);
    SYN_CHECK(ck.meta["kind"] == "clmr-pretrain" && ck.meta.count("config"), "'", path,
              "' is not a CLMR pretraining checkpoint (apps/pretrain) nor a PyTorch file");
    Config trained = Config::parse(ck.meta["config"], path + " (stored config)");
    Rng rng(0);
    out.encoder = std::make_shared<models::SampleCNN>(clmr_config_from(trained).encoder, rng);
    NamedTensors state;
    for (auto& [name, t] : ck.tensors)
      if (name.rfind("model.encoder.", 0) == 0) state.emplace_back(name.substr(14), t);
    try {
      out.encoder->load_state_dict(state);
    } catch (const Error& e) {
      throw Error(str_cat("encoder of '", path, "': ", e.what()));
    }
    out.description = str_cat("pretraining checkpoint '", path, "' (step ", ck.meta["step"], ")");
  }
  out.encoder->eval();
  return out;
}

void save_tag_head(const std::string& path, const nn::Sequential& head,
                   const std::vector<std::string>& tags, bool mlp,
                   std::map<std::string, std::string> meta) {
  Checkpoint ck;
  ck.tensors = head.state_dict();
  std::string joined;
  for (const auto& t : tags) joined += t + "\n";
  ck.meta = std::move(meta);
  ck.meta.insert_or_assign("kind", std::string("tag-head"));
  ck.meta.insert_or_assign("tags", joined);
  ck.meta.insert_or_assign("mlp", std::string(mlp ? "1" : "0"));
  save_checkpoint(path, ck);
}

LoadedHead load_tag_head(const std::string& path) {
  LoadedHead out;
  if (!is_syn_checkpoint(path)) {
    out.head = models::load_clmr_head(path);
    out.description = str_cat("CLMR finetuner checkpoint '", path, "'");
    return out;
  }
  Checkpoint ck = load_checkpoint(path);
  SYN_CHECK(ck.meta["kind"] == "tag-head", "'", path,
            "' is not a tag-head checkpoint (apps/linear_evaluation writes them)");
  std::istringstream tags(ck.meta["tags"]);
  for (std::string line; std::getline(tags, line);)
    if (!line.empty()) out.tags.push_back(line);
  const Tensor* last = nullptr;
  const Tensor* first = nullptr;
  for (auto& [name, t] : ck.tensors) {
    if (name == "0.weight") first = &t;
    if (name == "2.weight" || (name == "0.weight" && !last)) last = &t;
  }
  SYN_CHECK(first && last, "'", path, "' has no '0.weight' tensor");
  models::ClmrHeadConfig hc;
  hc.in_dim = first->size(1);
  hc.out_dim = last->size(0);
  hc.hidden_dim = ck.meta["mlp"] == "1" ? first->size(0) : 0;
  SYN_CHECK(out.tags.empty() || (int64_t)out.tags.size() == hc.out_dim, "'", path, "' names ",
            out.tags.size(), " tags but its head has ", hc.out_dim, " outputs");
  Rng rng(0);
  out.head = models::make_clmr_head(hc, rng);
  try {
    out.head->load_state_dict(ck.tensors);
  } catch (const Error& e) {
    throw Error(str_cat("tag head '", path, "': ", e.what()));
  }
  out.head->eval();
  out.description =
      str_cat("tag head '", path, "' (", hc.out_dim, " tags", hc.hidden_dim ? ", MLP" : "", ")");
  return out;
}

void check_head_fits(const LoadedEncoder& encoder, const std::string& encoder_path,
                     const LoadedHead& head, const std::string& head_path) {
  const NamedTensors state = head.head->state_dict();
  SYN_CHECK(!state.empty() && state.front().second.dim() == 2, "tag head '", head_path,
            "' does not start with a linear layer");
  const int64_t head_in = state.front().second.size(1);
  const int64_t features = encoder.encoder->feature_dim();
  SYN_CHECK(head_in == features, "tag head '", head_path, "' takes ", head_in,
            "-wide features but the encoder '", encoder_path.empty() ? "(random)" : encoder_path,
            "' gives ", features, ": the head was trained on another encoder");
}

}  // namespace syn::app
