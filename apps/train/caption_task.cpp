// caption_task.cpp — see caption_task.h.
#include "apps/train/caption_task.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "apps/train/training_state.h"
#include "engine/autograd.h"
#include "engine/checkpoint.h"
#include "engine/ops/loss.h"
#include "engine/ops/shape.h"
#include "engine/optim/adam.h"

namespace syn::app {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kIgnore = -100;

// A generator for (seed, step, stream): independent of how many steps ran before.
Rng derived_rng(int64_t seed, int64_t step, int64_t stream) {
  Rng r((uint64_t)seed * 0x9E3779B97F4A7C15ull ^ (uint64_t)(step + 1) * 0xC2B2AE3D27D4EB4Full ^
        ((uint64_t)stream + 1) * 0x165667B19E3779F9ull);
  r.next_u64();
  return r;
}

template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[(size_t)rng.randint((int64_t)i)]);
}

}  // namespace

CaptionSplit split_training_rows(const std::vector<MusicCapsRow>& rows, int64_t val_rows,
                                 uint64_t seed) {
  SYN_CHECK(val_rows >= 0 && val_rows < (int64_t)rows.size(), "--val_rows ", val_rows,
            " must be in [0, ", rows.size(), ") (the number of training rows)");
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed ^ 0x5EEDull);
  shuffle(order, rng);
  std::vector<bool> is_val(rows.size(), false);
  for (int64_t i = 0; i < val_rows; ++i) is_val[order[(size_t)i]] = true;
  CaptionSplit s;
  for (size_t i = 0; i < rows.size(); ++i) {
    SYN_CHECK(!rows[i].is_audioset_eval, "split_training_rows: row at line ", rows[i].line,
              " is an evaluation row (is_audioset_eval); it must never be trained on");
    (is_val[i] ? s.val : s.train).push_back({rows[i].aspects, rows[i].caption});
  }
  return s;
}

models::CaptionDecoderConfig decoder_config_from(const Config& cfg, int64_t vocab_size) {
  models::CaptionDecoderConfig c;
  c.vocab_size = vocab_size;
  c.d_model = cfg.get_int("d_model");
  c.heads = cfg.get_int("heads");
  c.layers = cfg.get_int("layers");
  c.tag_layers = cfg.get_int("tag_layers");
  c.ff_dim = cfg.get_int("ff_dim");
  c.max_len = cfg.get_int("max_len");
  c.dropout = (float)cfg.get_float("dropout");
  c.token_memory = cfg.get_bool("token_memory");
  c.max_tag_tokens = cfg.get_int("max_tag_tokens");
  SYN_CHECK(c.heads > 0 && c.d_model % c.heads == 0, "--d_model ", c.d_model,
            " must be divisible by --heads ", c.heads);
  SYN_CHECK(c.max_len >= 2, "--max_len must be at least 2, got ", c.max_len);
  return c;
}

CaptionText caption_text_from(const Config& cfg) {
  CaptionText t;
  t.lowercase = cfg.get_bool("lowercase");
  t.max_tags = cfg.get_int("max_tags");
  t.max_tag_tokens = cfg.get_int("max_tag_tokens");
  SYN_CHECK(t.max_tags >= 1 && t.max_tag_tokens >= 1,
            "--max_tags and --max_tag_tokens must be positive");
  return t;
}

BpeTokenizer learn_caption_tokenizer(const std::vector<CaptionPair>& train, const Config& cfg) {
  const bool lower = cfg.get_bool("lowercase");
  std::vector<std::string> texts;
  for (const auto& p : train) {
    texts.push_back(normalise_caption(p.caption, lower));
    for (const auto& t : p.tags) {
      std::string spaced = " ";  // tags are learned as they appear after a separator
      spaced += normalise_tag(t, lower);
      texts.push_back(std::move(spaced));
    }
  }
  return learn_bpe(texts, (int)cfg.get_int("vocab_size"));
}

CaptionTask::CaptionTask(const Config& cfg, std::vector<CaptionPair> train,
                         std::vector<CaptionPair> val, std::optional<BpeTokenizer> tokenizer)
    : cfg_(cfg), text_(caption_text_from(cfg)) {
  SYN_CHECK(!train.empty(), "train_captioner: no training rows");
  tok_ = tokenizer ? std::move(*tokenizer) : learn_caption_tokenizer(train, cfg_);
  const std::string& dev = cfg_.get_string("device");
  SYN_CHECK(dev == "cpu" || dev == "cuda", "--device must be cpu or cuda, got '", dev, "'");
  device_ = dev == "cuda" ? Device::CUDA : Device::CPU;
  SYN_CHECK(device_ == Device::CPU || cuda_available(),
            "--device cuda: no usable CUDA device in this build or machine");
  for (const auto& p : train) train_.push_back(tokenise(p));
  for (const auto& p : val) val_.push_back(tokenise(p));
  Rng init(derived_rng(cfg_.get_int("seed"), -1, 0));
  model_ =
      std::make_unique<models::CaptionDecoder>(decoder_config_from(cfg_, tok_.vocab_size()), init);
  model_->to(device_);
  AdamOptions o;
  o.lr = cfg_.get_float("learning_rate");
  o.beta1 = cfg_.get_float("adam_beta1");
  o.beta2 = cfg_.get_float("adam_beta2");
  o.weight_decay = cfg_.get_float("weight_decay");
  o.decoupled_weight_decay = true;  // AdamW
  optimizer_ = std::make_unique<Adam>(model_->named_parameters(), o);
}

CaptionTask::Example CaptionTask::tokenise(const CaptionPair& p) const {
  Example e;
  for (const auto& t : p.tags) {
    auto ids = tag_tokens(tok_, t, text_.lowercase);
    if (!ids.empty()) e.tags.push_back(std::move(ids));
  }
  e.caption.push_back(BpeTokenizer::kBos);
  for (int32_t id : tok_.encode(normalise_caption(p.caption, text_.lowercase)))
    e.caption.push_back(id);
  e.caption.push_back(BpeTokenizer::kEos);
  const size_t cap = (size_t)cfg_.get_int("max_len") + 1;  // max_len inputs, each with a target
  if (e.caption.size() > cap) e.caption.resize(cap);
  return e;
}

int64_t CaptionTask::steps_per_epoch() const {
  const int64_t b = cfg_.get_int("batch_size");
  return ((int64_t)train_.size() + b - 1) / b;
}

const std::vector<int64_t>& CaptionTask::epoch_rows(int64_t epoch) {
  if (epoch == cached_epoch_) return epoch_order_;
  const int64_t n = (int64_t)train_.size(), b = cfg_.get_int("batch_size");
  const int64_t group = b * std::max<int64_t>(1, cfg_.get_int("bucket"));
  Rng rng = derived_rng(cfg_.get_int("seed"), epoch, -2);
  std::vector<int64_t> order((size_t)n);
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, rng);
  // Sort each group by caption length so a batch holds similar lengths, then shuffle batches.
  for (int64_t g = 0; g < n; g += group) {
    auto first = order.begin() + g, last = order.begin() + std::min(n, g + group);
    std::stable_sort(first, last, [&](int64_t x, int64_t y) {
      return train_[(size_t)x].caption.size() < train_[(size_t)y].caption.size();
    });
  }
  std::vector<int64_t> batches((size_t)steps_per_epoch());
  std::iota(batches.begin(), batches.end(), 0);
  shuffle(batches, rng);
  epoch_order_.clear();
  for (int64_t k : batches)
    for (int64_t i = k * b; i < std::min(n, (k + 1) * b); ++i)
      epoch_order_.push_back(order[(size_t)i]);
  cached_epoch_ = epoch;
  return epoch_order_;
}

CaptionTask::Batch CaptionTask::make_batch(
    const std::vector<const Example*>& rows,
    const std::vector<std::vector<std::vector<int32_t>>>& tags) const {
  Batch bt;
  bt.B = (int64_t)rows.size();
  for (const Example* e : rows) bt.T = std::max<int64_t>(bt.T, (int64_t)e->caption.size() - 1);
  bt.inputs.assign((size_t)(bt.B * bt.T), BpeTokenizer::kPad);
  bt.targets.assign((size_t)(bt.B * bt.T), kIgnore);
  for (int64_t r = 0; r < bt.B; ++r) {
    const auto& c = rows[(size_t)r]->caption;
    for (size_t t = 0; t + 1 < c.size(); ++t) {
      bt.inputs[(size_t)r * bt.T + t] = c[t];
      bt.targets[(size_t)r * bt.T + t] = c[t + 1];
      ++bt.tokens;
    }
  }
  bt.tags = models::make_tag_ids(tags, BpeTokenizer::kPad, text_.max_tag_tokens);
  return bt;
}

CaptionTask::Batch CaptionTask::training_batch(int64_t step) {
  const int64_t spe = steps_per_epoch(), b = cfg_.get_int("batch_size");
  const std::vector<int64_t>& order = epoch_rows(step / spe);
  const int64_t begin = (step % spe) * b, end = std::min<int64_t>((int64_t)order.size(), begin + b);
  const double drop_p = cfg_.get_float("tag_drop_prob");
  std::vector<const Example*> rows;
  std::vector<std::vector<std::vector<int32_t>>> tags;
  for (int64_t i = begin; i < end; ++i) {
    const Example& e = train_[(size_t)order[(size_t)i]];
    rows.push_back(&e);
    Rng rng = derived_rng(cfg_.get_int("seed"), step, 1 + (i - begin));
    std::vector<size_t> pick(e.tags.size());
    std::iota(pick.begin(), pick.end(), 0);
    shuffle(pick, rng);  // the encoding ignores order; shuffling keeps that honest
    if (pick.size() > 1 && rng.bernoulli((float)drop_p)) {
      std::vector<size_t> kept;
      for (size_t k : pick)
        if (rng.bernoulli(0.5f)) kept.push_back(k);
      if (kept.empty()) kept.push_back(pick[0]);
      pick = kept;
    }
    if ((int64_t)pick.size() > text_.max_tags) pick.resize((size_t)text_.max_tags);
    auto& set = tags.emplace_back();
    for (size_t k : pick) set.push_back(e.tags[k]);
  }
  return make_batch(rows, tags);
}

Tensor CaptionTask::batch_loss(const Batch& b, Rng* dropout_rng) {
  models::TagMemory mem = model_->encode_tags(b.tags, dropout_rng);
  Tensor logits = model_->forward(mem, b.inputs, b.B, b.T, dropout_rng);
  return ops::cross_entropy(ops::reshape(logits, {b.B * b.T, tok_.vocab_size()}), b.targets,
                            kIgnore);
}

StepOutput CaptionTask::training_step(int64_t step) {
  model_->train();
  Batch b = training_batch(step);
  Rng drop = derived_rng(cfg_.get_int("seed"), step, -3);
  return {batch_loss(b, &drop), b.tokens, {}};
}

double CaptionTask::validation_loss() {
  if (val_.empty()) return std::nan("");
  NoGradGuard no_grad;
  model_->eval();
  const int64_t b = cfg_.get_int("batch_size");
  double sum = 0;
  int64_t tokens = 0;
  for (int64_t i = 0; i < (int64_t)val_.size(); i += b) {
    std::vector<const Example*> rows;
    std::vector<std::vector<std::vector<int32_t>>> tags;
    for (int64_t k = i; k < std::min<int64_t>((int64_t)val_.size(), i + b); ++k) {
      rows.push_back(&val_[(size_t)k]);
      const auto& t = val_[(size_t)k].tags;
      tags.emplace_back(t.begin(),
                        t.begin() + std::min<int64_t>((int64_t)t.size(), text_.max_tags));
    }
    Batch bt = make_batch(rows, tags);
    sum += (double)batch_loss(bt, nullptr).item() * (double)bt.tokens;
    tokens += bt.tokens;
  }
  model_->train();
  return sum / (double)tokens;
}

TrainerOptions CaptionTask::trainer_options() const {
  TrainerOptions o;
  o.max_steps = cfg_.get_int("max_steps");
  o.run_dir = (fs::path(cfg_.get_string("log_dir")) / cfg_.get_string("run_name")).string();
  o.tensorboard = true;
  o.rate_scalar = "train/tokens_per_second";
  o.checkpoint_every = cfg_.get_int("checkpoint_every");
  o.record_train_seconds = true;
  o.val_every = cfg_.get_int("val_every");
  o.learning_rate = cfg_.get_float("learning_rate");
  o.min_learning_rate = cfg_.get_float("min_learning_rate");
  o.warmup_steps = cfg_.get_int("warmup_steps");
  o.progress.every_seconds = cfg_.get_float("log_every_seconds");
  o.progress.unit = "tokens";
  return o;
}

std::string CaptionTask::summary() const {
  return str_cat(model_->num_parameters(), " parameters, vocabulary ", tok_.vocab_size(), ", ",
                 train_.size(), " training rows (", steps_per_epoch(), " steps per epoch at batch ",
                 cfg_.get_int("batch_size"), "), ", val_.size(), " validation rows");
}

void CaptionTask::validation(std::ostream& log, SummaryWriter* tb) {
  const double v = validation_loss();
  val_losses_.push_back(v);
  if (tb) tb->add_scalar("val/loss", v, step());
  log << "validation loss " << v << " at step " << step() << " (epoch "
      << (double)step() / (double)steps_per_epoch() << ")\n";
}

void CaptionTask::save_state(Checkpoint& ck) const {
  store_model_and_optimizer(ck, *model_, *optimizer_);
  write_caption_meta(ck.meta, model_->config(), text_, tok_);
}

void CaptionTask::load_state(const Checkpoint& ck, const std::string& path) {
  auto t = ck.meta.find("tokenizer");
  SYN_CHECK(t != ck.meta.end() && t->second == tok_.to_text(), "checkpoint '", path,
            "' was trained with another tokenizer than this run's (resume with the tokenizer it "
            "records: apps/train_captioner does so)");
  restore_model_and_optimizer(ck, path, *model_, *optimizer_);
}

void CaptionTask::export_weights(const std::string& path,
                                 const std::map<std::string, std::string>& provenance) const {
  Checkpoint ck;
  for (auto& [name, t] : model_->state_dict()) ck.tensors.emplace_back("model." + name, t);
  ck.meta = provenance;
  ck.meta["kind"] = "caption-decoder";
  ck.meta["step"] = std::to_string(step());
  write_caption_meta(ck.meta, model_->config(), text_, tok_);
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  syn::save_checkpoint(path, ck, /*fp16=*/true);
}

}  // namespace syn::app
