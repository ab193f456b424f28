// clip_judge.cpp — see clip_judge.h.
#include "models/clip_judge.h"

#include <numeric>
#include <sstream>

#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/ops/activation.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linear.h"
#include "engine/ops/loss.h"
#include "engine/ops/shape.h"

namespace syn::models {

namespace {

const char* kFormat = "synesthesia-clip-judge-1";

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s;
}

}  // namespace

ClipJudge::ClipJudge(const ClipJudgeConfig& cfg, PromptTokenizer tokenizer, Rng& rng)
    : cfg_(cfg), tokenizer_(std::move(tokenizer)) {
  SYN_CHECK(cfg.embed_dim > 0 && cfg.text_hidden > 0 && cfg.temperature > 0,
            "clip judge: embed_dim ", cfg.embed_dim, ", text_hidden ", cfg.text_hidden,
            " and temperature ", cfg.temperature, " must be positive");
  SYN_CHECK(!tokenizer_.vocabulary().empty(), "clip judge: the text vocabulary is empty");
  image_ = register_module(
      "image", std::make_shared<EmojiClassifier>(
                   EmojiClassifierConfig{cfg.embed_dim, cfg.widths, cfg.image_size}, rng));
  text_fc1_ = register_module("text_fc1", std::make_shared<nn::Linear>(tokenizer_.vocab_size(),
                                                                       cfg.text_hidden, true, rng));
  text_fc2_ = register_module(
      "text_fc2", std::make_shared<nn::Linear>(cfg.text_hidden, cfg.embed_dim, true, rng));
}

Tensor ClipJudge::encode_images(const Tensor& x) { return ops::l2_normalize(image_->forward(x)); }

Tensor ClipJudge::bag_of_words(const std::vector<std::string>& texts) const {
  const int64_t V = tokenizer_.vocab_size();
  std::vector<float> bow(texts.size() * (size_t)V, 0.0f);
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int64_t> ids;
    for (const std::string& w : PromptTokenizer::words(texts[i])) {
      int64_t id = tokenizer_.id(w);
      if (id != PromptTokenizer::kUnk) ids.push_back(id);
    }
    for (int64_t id : ids) bow[i * (size_t)V + (size_t)id] += 1.0f / (float)ids.size();
  }
  return Tensor::from_vector(bow, {(int64_t)texts.size(), V});
}

Tensor ClipJudge::encode_texts(const std::vector<std::string>& texts) {
  SYN_CHECK(!texts.empty(), "clip judge: no texts to encode");
  Tensor bow = bag_of_words(texts);
  return ops::l2_normalize(text_fc2_->forward(ops::relu(text_fc1_->forward(bow))));
}

Tensor ClipJudge::similarity(const Tensor& images, const Tensor& texts) {
  return ops::matmul(images, ops::transpose(texts, 0, 1));
}

Tensor ClipJudge::contrastive_loss(const Tensor& x, const std::vector<std::string>& texts) {
  SYN_CHECK(x.dim() == 4 && x.size(0) == (int64_t)texts.size() && !texts.empty(),
            "clip judge: ", texts.size(), " texts for images ", x.describe());
  Tensor s = ops::scale(similarity(encode_images(x), encode_texts(texts)),
                        (float)(1.0 / cfg_.temperature));
  std::vector<int64_t> diag(texts.size());
  std::iota(diag.begin(), diag.end(), 0);
  return ops::scale(
      ops::add(ops::cross_entropy(s, diag), ops::cross_entropy(ops::transpose(s, 0, 1), diag)),
      0.5f);
}

void save_clip_judge(const std::string& path, const ClipJudge& judge,
                     const std::map<std::string, std::string>& meta, bool fp16) {
  Checkpoint ck;
  ck.tensors = judge.state_dict();
  ck.meta = meta;
  const ClipJudgeConfig& c = judge.config();
  ck.meta["format"] = kFormat;
  ck.meta["vocabulary"] = judge.tokenizer().to_text();
  ck.meta["widths"] = join(c.widths);
  ck.meta["image_size"] = std::to_string(c.image_size);
  ck.meta["embed_dim"] = std::to_string(c.embed_dim);
  ck.meta["text_hidden"] = std::to_string(c.text_hidden);
  std::ostringstream t;
  t.precision(17);
  t << c.temperature;
  ck.meta["temperature"] = t.str();
  save_checkpoint(path, ck, fp16);
}

std::shared_ptr<ClipJudge> load_clip_judge(const std::string& path,
                                           std::map<std::string, std::string>* meta) {
  Checkpoint ck = load_checkpoint(path);
  auto get = [&](const std::string& key) -> const std::string& {
    auto it = ck.meta.find(key);
    SYN_CHECK(it != ck.meta.end(), "clip judge '", path, "': no meta/", key);
    return it->second;
  };
  SYN_CHECK(get("format") == kFormat, "'", path, "' is not a clip judge (meta/format '",
            get("format"), "', expected '", kFormat, "')");
  ClipJudgeConfig c;
  c.widths.clear();
  std::istringstream w(get("widths"));
  std::string part;
  try {
    while (std::getline(w, part, ',')) c.widths.push_back(std::stoll(part));
    c.image_size = std::stoll(get("image_size"));
    c.embed_dim = std::stoll(get("embed_dim"));
    c.text_hidden = std::stoll(get("text_hidden"));
    c.temperature = std::stod(get("temperature"));
  } catch (const std::logic_error&) {
    SYN_FAIL("clip judge '", path, "': a number in its meta is not a number");
  }
  Rng rng(1);
  auto judge = std::make_shared<ClipJudge>(
      c, PromptTokenizer::from_text(get("vocabulary"), path + " meta/vocabulary"), rng);
  judge->load_state_dict(ck.tensors);
  judge->eval();
  if (meta) *meta = ck.meta;
  return judge;
}

}  // namespace syn::models
