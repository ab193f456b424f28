// pretrainer.cpp — see pretrainer.h.
#include "apps/train/pretrainer.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include "apps/train/training_state.h"
#include "data/datasets/audio_folder.h"
#include "data/audio/augment.h"
#include "data/datasets/magnatagatune.h"
#include "data/audio/synthetic_audio.h"
#include "engine/autograd.h"
#include "engine/checkpoint.h"
#include "engine/optim/adam.h"
#include "engine/optim/lars.h"
#include "engine/optim/schedule.h"
#include "engine/parallel.h"
#include "engine/progress.h"
#include "engine/tensorboard.h"

namespace syn::app {

namespace fs = std::filesystem;

namespace {

// Clips of a preprocessed cache: all of them, or the listed cache indices (a dataset split).
class CacheSource : public ClipSource {
 public:
  explicit CacheSource(AudioFolderCache cache, std::vector<int64_t> pick = {})
      : cache_(std::move(cache)), pick_(std::move(pick)) {}
  int64_t size() const override { return pick_.empty() ? cache_.size() : (int64_t)pick_.size(); }
  std::span<const float> clip(int64_t i) const override { return cache_.clip(index(i)); }
  std::string name(int64_t i) const override { return cache_.path(index(i)); }

 private:
  int64_t index(int64_t i) const { return pick_.empty() ? i : pick_.at((size_t)i); }
  AudioFolderCache cache_;
  std::vector<int64_t> pick_;
};

class MemorySource : public ClipSource {
 public:
  explicit MemorySource(std::vector<std::vector<float>> clips) : clips_(std::move(clips)) {}
  int64_t size() const override { return (int64_t)clips_.size(); }
  std::span<const float> clip(int64_t i) const override { return clips_.at((size_t)i); }
  std::string name(int64_t i) const override { return "synthetic/" + std::to_string(i); }

 private:
  std::vector<std::vector<float>> clips_;
};

// A generator for (seed, step, stream): independent of how many steps ran before.
Rng derived_rng(int64_t seed, int64_t step, int64_t stream) {
  Rng mix((uint64_t)seed * 0x9E3779B97F4A7C15ull ^ (uint64_t)step * 0xD1B54A32D192ED03ull ^
          ((uint64_t)stream + 1) * 0xABC98388FB8FAC03ull);
  mix.next_u64();
  return mix;
}

augment::AugmentConfig augment_config_from(const Config& cfg) {
  augment::AugmentConfig a;
  a.crop_length = cfg.get_int("audio_length");
  a.sample_rate = (float)cfg.get_int("sample_rate");
  a.p_polarity = (float)cfg.get_float("transforms_polarity");
  a.p_noise = (float)cfg.get_float("transforms_noise");
  a.p_gain = (float)cfg.get_float("transforms_gain");
  a.p_filters = (float)cfg.get_float("transforms_filters");
  a.p_delay = (float)cfg.get_float("transforms_delay");
  a.p_pitch = (float)cfg.get_float("transforms_pitch");
  a.p_reverb = (float)cfg.get_float("transforms_reverb");
  return a;
}

}  // namespace

std::shared_ptr<ClipSource> make_memory_source(std::vector<std::vector<float>> clips) {
  return std::make_shared<MemorySource>(std::move(clips));
}

std::shared_ptr<ClipSource> make_clip_source(const Config& cfg, std::ostream& log) {
  const std::string& kind = cfg.get_string("dataset");
  int rate = (int)cfg.get_int("sample_rate");
  int64_t length = cfg.get_int("audio_length");
  if (kind == "synthetic") {
    int64_t n = cfg.get_int("synthetic_clips");
    SYN_CHECK(n >= kNumSyntheticTimbres, "--synthetic_clips must be at least ",
              kNumSyntheticTimbres, ", got ", n);
    int64_t samples = std::max<int64_t>(2 * length, rate * 3);
    log << "dataset: " << n << " synthetic clips of " << samples << " samples (5 timbres)\n";
    auto corpus = make_synthetic_corpus((int)((n + 4) / kNumSyntheticTimbres), samples, rate,
                                        (uint64_t)cfg.get_int("seed"));
    corpus.clips.resize((size_t)n);
    return make_memory_source(std::move(corpus.clips));
  }
  SYN_CHECK(kind == "audio" || kind == "magnatagatune", "--dataset '", kind,
            "' is not supported by pretrain (use 'audio', 'magnatagatune' or 'synthetic')");
  const std::string& dir = cfg.get_string("dataset_dir");
  SYN_CHECK(fs::is_directory(dir), "--dataset_dir '", dir, "' is not a directory");
  // MagnaTagATune: pretrain on the clips of the training split only (valid/test stay unseen).
  std::optional<mtt::Dataset> mtt_data;
  if (kind == "magnatagatune") {
    mtt::DatasetOptions o;
    o.root = dir;
    o.split = cfg.get_string("split");
    o.split_dir = cfg.get_string("split_dir");
    mtt_data.emplace(o);
    log << mtt_data->summary() << "\n";
    for (const std::string& w : mtt_data->warnings()) log << "warning: " << w << "\n";
  }
  std::string cache_dir = cfg.get_string("cache_dir");
  if (cache_dir.empty()) cache_dir = (fs::path(dir) / ".synesthesia_cache").string();
  AudioCacheOptions opts;
  opts.sample_rate = rate;
  opts.min_samples = length;
  PreprocessSummary summary = preprocess_audio_folder(dir, cache_dir, opts);
  SYN_CHECK(summary.cached > 0, "no usable audio in '", dir, "': ", summary.to_string());
  AudioFolderCache cache(cache_dir, rate);
  if (!mtt_data) return std::make_shared<CacheSource>(std::move(cache));
  mtt::CacheSelection sel = mtt::select_cached(cache, mtt_data->subset(mtt::Split::Train));
  for (const std::string& w : sel.warnings) log << "warning: " << w << "\n";
  log << "dataset: " << sel.cache_index.size() << " clips of the MagnaTagATune train split ("
      << sel.missing << " not in the audio cache)\n";
  SYN_CHECK(!sel.cache_index.empty(), "no clip of the MagnaTagATune train split is in the cache '",
            cache_dir, "'");
  return std::make_shared<CacheSource>(std::move(cache), std::move(sel.cache_index));
}

Pretrainer::Pretrainer(const Config& cfg, std::shared_ptr<ClipSource> data)
    : cfg_(cfg), data_(std::move(data)) {
  SYN_CHECK(data_ && data_->size() > 0, "pretrain: the dataset has no clips");
  const std::string& dev = cfg_.get_string("device");
  SYN_CHECK(dev == "cpu" || dev == "cuda", "--device must be cpu or cuda, got '", dev, "'");
  device_ = dev == "cuda" ? Device::CUDA : Device::CPU;
  SYN_CHECK(device_ == Device::CPU || cuda_available(),
            "--device cuda: no usable CUDA device in this build or machine");
  Rng init(derived_rng(cfg_.get_int("seed"), -1, 0));
  model_ = std::make_unique<models::Clmr>(clmr_config_from(cfg_), init);
  model_->to(device_);
  const std::string& opt = cfg_.get_string("optimizer");
  if (opt == "Adam") {
    AdamOptions o;
    o.lr = cfg_.get_float("learning_rate");
    o.weight_decay = cfg_.get_float("weight_decay");
    optimizer_ = std::make_unique<Adam>(model_->named_parameters(), o);
  } else if (opt == "LARS") {
    LarsOptions o;
    o.lr = cfg_.get_float("learning_rate");
    o.weight_decay = cfg_.get_float("weight_decay");
    // CLMR's names put batch norm at "sequential.i.1.*": exclude every 1-D tensor (biases and
    // batch-norm scales/shifts), which is SimCLR's rule expressed by shape.
    o.exclude_from_weight_decay = lars_exclude_1d;
    optimizer_ = std::make_unique<Lars>(model_->named_parameters(), o);
  } else {
    SYN_FAIL("--optimizer must be Adam or LARS, got '", opt, "'");
  }
}

Pretrainer::Views Pretrainer::make_views(int64_t step) const {
  int64_t batch = cfg_.get_int("batch_size");
  SYN_CHECK(batch >= 2, "--batch_size must be at least 2 for a contrastive loss, got ", batch);
  int64_t length = cfg_.get_int("audio_length");
  augment::AugmentConfig aug = augment_config_from(cfg_);
  int64_t seed = cfg_.get_int("seed");
  // Clips for this step: distinct clips (a partial shuffle) when the dataset has enough,
  // otherwise drawn with replacement.
  Rng pick = derived_rng(seed, step, 0);
  int64_t n = data_->size();
  std::vector<int64_t> clips((size_t)batch);
  if (n >= batch) {
    std::vector<int64_t> order((size_t)n);
    for (int64_t i = 0; i < n; ++i) order[(size_t)i] = i;
    for (int64_t b = 0; b < batch; ++b) {
      std::swap(order[(size_t)b], order[(size_t)(b + pick.randint(n - b))]);
      clips[(size_t)b] = order[(size_t)b];
    }
  } else {
    for (int64_t& c : clips) c = pick.randint(n);
  }
  std::vector<float> xi((size_t)(batch * length)), xj((size_t)(batch * length));
  parallel_for(batch, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      std::span<const float> src = data_->clip(clips[(size_t)b]);
      std::vector<float> clip(src.begin(), src.end());
      Rng r1 = derived_rng(seed, step, 1 + 2 * b), r2 = derived_rng(seed, step, 2 + 2 * b);
      std::vector<float> v1 = augment::apply_chain(clip, aug, r1);
      std::vector<float> v2 = augment::apply_chain(clip, aug, r2);
      std::copy(v1.begin(), v1.end(), xi.begin() + b * length);
      std::copy(v2.begin(), v2.end(), xj.begin() + b * length);
    }
  });
  return {Tensor::from_vector(xi, {batch, 1, length}, device_),
          Tensor::from_vector(xj, {batch, 1, length}, device_)};
}

float Pretrainer::train_step(int64_t step) {
  model_->train();
  Views v = make_views(step);
  models::ClmrOutput out = model_->forward(v.x_i, v.x_j);
  float loss = out.loss.item();  // the one host round trip of a step
  throw_if_nonfinite(loss, step);
  out.loss.backward();
  optimizer_->step();
  optimizer_->zero_grad();
  return loss;
}

std::string Pretrainer::run_dir() const {
  return (fs::path(cfg_.get_string("log_dir")) / cfg_.get_string("run_name")).string();
}

namespace {
constexpr const char* kKind = "clmr-pretrain";
}

void Pretrainer::save_checkpoint(const std::string& path) const {
  Checkpoint ck;
  store_model_and_optimizer(ck, *model_, *optimizer_);
  store_run_meta(ck, kKind, step_, cfg_);
  syn::save_checkpoint(path, ck);
}

void Pretrainer::load_checkpoint(const std::string& path) {
  Checkpoint ck = syn::load_checkpoint(path);
  const RunMeta meta = read_run_meta(ck, path, kKind, "a CLMR pretraining checkpoint");
  restore_model_and_optimizer(ck, path, *model_, *optimizer_);
  step_ = meta.step;
}

void Pretrainer::run(std::ostream& log) {
  int64_t max_steps = cfg_.get_int("max_steps");
  int64_t every = cfg_.get_int("checkpoint_every");
  int64_t batch = cfg_.get_int("batch_size");
  std::string dir = run_dir();
  fs::create_directories(dir);
  cfg_.save((fs::path(dir) / "config.yaml").string());
  SummaryWriter tb(dir);
  CosineSchedule schedule{cfg_.get_float("learning_rate"), 0.0, cfg_.get_int("warmup_steps"),
                          max_steps};
  bool cosine = cfg_.get_string("lr_schedule") == "cosine";
  SYN_CHECK(cosine || cfg_.get_string("lr_schedule") == "constant",
            "--lr_schedule must be constant or cosine");
  log << "pretrain: " << model_->num_parameters() << " parameters, " << data_->size()
      << " clips, batch " << batch << ", steps " << step_ << " -> " << max_steps << ", device "
      << device_name(device_) << ", run dir " << dir << "\n";
  ProgressOptions popts;
  popts.every_seconds = cfg_.get_float("log_every_seconds");
  Progress progress(max_steps, log, popts);
  std::string last_good;
  auto checkpoint = [&] {
    std::string path = checkpoint_file(dir, step_);
    save_checkpoint(path);
    last_good = path;
  };
  while (step_ < max_steps) {
    double lr = cosine ? schedule.lr(step_) : schedule.base_lr;
    optimizer_->set_lr(lr);
    const float loss = step_or_stop([&] { return train_step(step_); }, last_good);
    ++step_;
    losses_.push_back(loss);
    tb.add_scalar("train/loss", loss, step_);
    tb.add_scalar("train/learning_rate", lr, step_);
    if (progress.rate() > 0) tb.add_scalar("train/samples_per_second", progress.rate(), step_);
    progress.update(step_, 2 * batch, {{"loss", loss}, {"lr", lr}});
    if (every > 0 && step_ % every == 0) checkpoint();
  }
  progress.finish();
  if (last_good.empty() || every <= 0 || step_ % every != 0) checkpoint();
  tb.flush();
  log << "final checkpoint: " << last_good << "\n";
}

}  // namespace syn::app
