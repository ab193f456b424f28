// emoji_classifier.cpp — see emoji_classifier.h.
#include "models/emoji_classifier.h"

#include <sstream>

#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/text_lines.h"

namespace syn::models {

namespace {

const char* kFormat = "synesthesia-emoji-classifier-1";

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s;
}

std::vector<int64_t> parse_widths(const std::string& text, const std::string& path) {
  std::vector<int64_t> out;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    SYN_CHECK(!part.empty() && part.find_first_not_of("0123456789") == std::string::npos,
              "emoji classifier '", path, "': meta/widths '", text, "' is not a list of integers");
    out.push_back(std::stoll(part));
  }
  return out;
}

}  // namespace

EmojiClassifier::EmojiClassifier(const EmojiClassifierConfig& cfg, Rng& rng) : cfg_(cfg) {
  SYN_CHECK(cfg.num_classes > 0, "EmojiClassifier: num_classes must be positive, got ",
            cfg.num_classes);
  SYN_CHECK(!cfg.widths.empty(), "EmojiClassifier: needs at least one block");
  const int64_t stride = int64_t{1} << cfg.widths.size();
  SYN_CHECK(cfg.image_size > 0 && cfg.image_size % stride == 0, "EmojiClassifier: image_size ",
            cfg.image_size, " is not divisible by 2^", cfg.widths.size(), " (one pool per block)");
  blocks_ = register_module("blocks", std::make_shared<nn::Sequential>());
  int64_t c_in = 3;
  for (int64_t c_out : cfg.widths) {
    SYN_CHECK(c_out > 0, "EmojiClassifier: block width ", c_out, " must be positive");
    auto block = std::make_shared<nn::Sequential>();
    // No conv bias: the batch norm right after it has its own shift.
    block->add(
        std::make_shared<nn::Conv2d>(c_in, c_out, 3, 3, Padding2d::symmetric(1, 1), false, rng));
    block->add(std::make_shared<nn::BatchNorm2d>(c_out));
    block->add(std::make_shared<nn::ReLU>());
    block->add(std::make_shared<nn::MaxPool2d>(2, 2));
    blocks_->add(block);
    c_in = c_out;
  }
  fc_ = register_module("fc", std::make_shared<nn::Linear>(c_in, cfg.num_classes, true, rng));
}

Tensor EmojiClassifier::features(const Tensor& x) {
  SYN_CHECK(x.dim() == 4 && x.size(1) == 3 && x.size(2) == cfg_.image_size &&
                x.size(3) == cfg_.image_size,
            "EmojiClassifier expects [B, 3, ", cfg_.image_size, ", ", cfg_.image_size,
            "] images in [0, 1], got ", x.describe());
  // Centre the inputs: the background grey (0.5) maps to 0.
  Tensor h = blocks_->forward(ops::add_scalar(x, -0.5f));  // [B, C, h, w]
  h = ops::reshape(h, {h.size(0), h.size(1), h.size(2) * h.size(3)});
  return ops::mean(h, 2);  // global average pool: [B, C]
}

Tensor EmojiClassifier::forward(const Tensor& x) { return fc_->forward(features(x)); }

void save_emoji_classifier(const std::string& path, const EmojiClassifier& model,
                           const std::vector<std::string>& concepts,
                           const std::map<std::string, std::string>& meta, bool fp16) {
  const auto& cfg = model.config();
  SYN_CHECK((int64_t)concepts.size() == cfg.num_classes, "save_emoji_classifier '", path,
            "': ", concepts.size(), " concept names for a model of ", cfg.num_classes, " classes");
  Checkpoint ck;
  ck.tensors = model.state_dict();
  ck.meta = meta;
  for (const char* reserved : {"format", "concepts", "widths", "image_size"})
    SYN_CHECK(!meta.count(reserved), "save_emoji_classifier '", path, "': meta key '", reserved,
              "' is reserved");
  std::string names;
  for (const std::string& c : concepts) {
    SYN_CHECK(!c.empty() && c.find('\n') == std::string::npos && c.find('\r') == std::string::npos,
              "save_emoji_classifier '", path, "': concept '", c,
              "' is empty or holds a line break");
    names += c + "\n";
  }
  ck.meta["format"] = kFormat;
  ck.meta["concepts"] = names;
  ck.meta["widths"] = join(cfg.widths);
  ck.meta["image_size"] = std::to_string(cfg.image_size);
  save_checkpoint(path, ck, fp16);
}

LoadedEmojiClassifier load_emoji_classifier(const std::string& path) {
  Checkpoint ck = load_checkpoint(path);
  auto get = [&](const std::string& key) -> const std::string& {
    auto it = ck.meta.find(key);
    SYN_CHECK(it != ck.meta.end(), "emoji classifier '", path, "': no meta/", key,
              " (not written by save_emoji_classifier?)");
    return it->second;
  };
  SYN_CHECK(get("format") == kFormat, "emoji classifier '", path, "': format '", get("format"),
            "', expected '", kFormat, "'");
  LoadedEmojiClassifier out;
  out.concepts = split_lines(get("concepts"));
  EmojiClassifierConfig cfg;
  cfg.num_classes = (int64_t)out.concepts.size();
  cfg.widths = parse_widths(get("widths"), path);
  const std::string& size = get("image_size");
  SYN_CHECK(!size.empty() && size.find_first_not_of("0123456789") == std::string::npos,
            "emoji classifier '", path, "': meta/image_size '", size, "' is not an integer");
  cfg.image_size = std::stoll(size);
  const Tensor* fc = find_named(ck.tensors, "fc.weight");
  SYN_CHECK(fc && fc->dim() == 2 && fc->size(0) == cfg.num_classes, "emoji classifier '", path,
            "': ", cfg.num_classes, " concepts in meta/concepts but fc.weight is ",
            fc ? shape_str(fc->shape()) : std::string("missing"));
  Rng rng(0);  // initial values are overwritten by the load
  out.model = std::make_shared<EmojiClassifier>(cfg, rng);
  try {
    out.model->load_state_dict(ck.tensors);
  } catch (const Error& e) {
    SYN_FAIL("emoji classifier '", path, "': ", e.what());
  }
  out.model->eval();
  out.meta = ck.meta;
  return out;
}

}  // namespace syn::models
