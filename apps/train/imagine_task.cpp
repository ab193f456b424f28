// imagine_trainer.cpp — see imagine_trainer.h.
#include "apps/train/imagine_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <sstream>

#include "apps/pipeline/image_grid.h"
#include "apps/train/loss_guard.h"
#include "apps/train/training_state.h"
#include "data/images/png_image.h"
#include "engine/autograd.h"
#include "engine/checkpoint.h"
#include "engine/ops/elementwise.h"
#include "engine/optim/adam.h"
#include "engine/optim/schedule.h"
#include "engine/parallel.h"
#include "engine/progress.h"

namespace syn::app {

namespace fs = std::filesystem;

namespace {

const char* const kKind = "imagine-train";

// A generator for (seed, step, stream): independent of how many steps ran before.
Rng derived_rng(int64_t seed, int64_t step, int64_t stream) {
  Rng r((uint64_t)seed * 0x9E3779B97F4A7C15ull ^ (uint64_t)(step + 1) * 0xC2B2AE3D27D4EB4Full ^
        ((uint64_t)stream + 1) * 0x165667B19E3779F9ull);
  r.next_u64();
  return r;
}

std::vector<std::string> split_prompts(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, '|'))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

ImagineData emoji_split(const EmojiDataset& ds, int size, bool held_out) {
  const Tensor& all = ds.images_at(size);
  std::vector<int64_t> idx = ds.indices(held_out);
  SYN_CHECK(!idx.empty(), "emoji dataset: no ", held_out ? "held-out" : "training", " images");
  const int64_t per = 3 * (int64_t)size * size;
  std::vector<float> src = all.to_vector(), dst;
  ImagineData d;
  for (int64_t i : idx) {
    for (int64_t k = 0; k < per; ++k) dst.push_back(src[(size_t)(i * per + k)] / 127.5f - 1.0f);
    d.captions.push_back(ds.items[(size_t)i].caption);
    d.subgroups.push_back(ds.items[(size_t)i].subgroup);
  }
  d.images = Tensor::from_vector(dst, {(int64_t)idx.size(), 3, size, size});
  d.background = (float)ds.background / 127.5f - 1.0f;
  return d;
}

std::string subgroup_words(const std::string& subgroup) {
  std::string s;
  for (const auto& w : models::PromptTokenizer::words(subgroup)) s += (s.empty() ? "" : " ") + w;
  return s;
}

models::PromptTokenizer build_prompt_tokenizer(const ImagineData& train) {
  std::vector<std::string> texts = train.captions;
  for (const auto& s : train.subgroups) texts.push_back(subgroup_words(s));
  return models::PromptTokenizer::build(texts);
}

models::TextToImageConfig text_to_image_config_from(const Config& cfg, int64_t vocab_size,
                                                    int64_t image_size) {
  models::TextToImageConfig c;
  c.unet.image_size = image_size;
  c.unet.base_channels = cfg.get_int("base_channels");
  c.unet.channel_mult = models::parse_int_list(cfg.get_string("channel_mult"), "--channel_mult");
  c.unet.res_blocks = cfg.get_int("res_blocks");
  c.unet.attention_levels =
      models::parse_int_list(cfg.get_string("attention_levels"), "--attention_levels");
  c.unet.heads = cfg.get_int("unet_heads");
  c.unet.norm_groups = cfg.get_int("norm_groups");
  c.unet.ff_mult = cfg.get_int("unet_ff_mult");
  c.text.vocab_size = vocab_size;
  c.text.dim = cfg.get_int("text_dim");
  c.text.heads = cfg.get_int("text_heads");
  c.text.layers = cfg.get_int("text_layers");
  c.text.ff_mult = cfg.get_int("text_ff_mult");
  c.text.max_len = cfg.get_int("text_max_len");
  c.unet.context_dim = c.text.dim;
  c.schedule = cfg.get_string("schedule");
  c.timesteps = cfg.get_int("timesteps");
  return c;
}

ImagineTrainer::ImagineTrainer(const Config& cfg, ImagineData train, ImagineData val,
                               std::optional<models::PromptTokenizer> tokenizer)
    : cfg_(cfg), train_(std::move(train)), val_(std::move(val)) {
  SYN_CHECK(train_.size() > 0, "train_imagine: no training images");
  tok_ = tokenizer ? std::move(*tokenizer) : build_prompt_tokenizer(train_);
  const std::string& dev = cfg_.get_string("device");
  SYN_CHECK(dev == "cpu" || dev == "cuda", "--device must be cpu or cuda, got '", dev, "'");
  device_ = dev == "cuda" ? Device::CUDA : Device::CPU;
  SYN_CHECK(device_ == Device::CPU || cuda_available(),
            "--device cuda: no usable CUDA device in this build or machine");
  SYN_CHECK(cfg_.get_int("batch_size") >= 1, "--batch_size must be positive");
  const double p_drop = cfg_.get_float("cond_drop_prob"), p_sub = cfg_.get_float("subgroup_prob");
  SYN_CHECK(p_drop >= 0 && p_drop <= 1 && p_sub >= 0 && p_sub <= 1,
            "--cond_drop_prob and --subgroup_prob must be probabilities in [0, 1]");
  SYN_CHECK(cfg_.get_int("max_shift") >= 0, "--max_shift must not be negative");
  models::TextToImageConfig tc =
      text_to_image_config_from(cfg_, tok_.vocab_size(), train_.images.size(2));
  schedule_ = models::NoiseSchedule::make(tc.schedule, tc.timesteps);
  Rng init = derived_rng(cfg_.get_int("seed"), -1, 0);
  net_ = std::make_unique<models::TextToImageNet>(tc, init);
  net_->to(device_);
  Rng init2(0);
  ema_net_ = std::make_unique<models::TextToImageNet>(tc, init2);
  ema_net_->to(device_);
  ema_ = std::make_unique<models::Ema>(*net_, cfg_.get_float("ema_decay"));
  AdamOptions o;
  o.lr = cfg_.get_float("learning_rate");
  o.beta1 = cfg_.get_float("adam_beta1");
  o.beta2 = cfg_.get_float("adam_beta2");
  o.weight_decay = cfg_.get_float("weight_decay");
  o.decoupled_weight_decay = true;  // AdamW
  optimizer_ = std::make_unique<Adam>(net_->named_parameters(), o);
}

std::string ImagineTrainer::device_description() const {
  std::string d = device_name(device_);
  if (device_ == Device::CPU) d += " (" + std::to_string(num_threads()) + " threads)";
  return d;
}

const std::vector<int64_t>& ImagineTrainer::epoch_order(int64_t epoch) {
  if (epoch == cached_epoch_) return epoch_order_;
  epoch_order_.resize((size_t)train_.size());
  std::iota(epoch_order_.begin(), epoch_order_.end(), 0);
  Rng rng = derived_rng(cfg_.get_int("seed"), epoch, -2);
  for (size_t i = epoch_order_.size(); i > 1; --i)
    std::swap(epoch_order_[i - 1], epoch_order_[(size_t)rng.randint((int64_t)i)]);
  cached_epoch_ = epoch;
  return epoch_order_;
}

ImagineTrainer::Batch ImagineTrainer::training_batch(int64_t step, Rng& rng) {
  const int64_t B = cfg_.get_int("batch_size"), N = train_.size();
  const int64_t S = train_.images.size(2), per = 3 * S * S;
  const int64_t shift = cfg_.get_int("max_shift");
  const double p_drop = cfg_.get_float("cond_drop_prob"), p_sub = cfg_.get_float("subgroup_prob");
  const float* src = train_.images.data();
  std::vector<float> x((size_t)(B * per));
  Batch b;
  for (int64_t j = 0; j < B; ++j) {
    const int64_t pos = step * B + j;
    const int64_t i = epoch_order(pos / N)[(size_t)(pos % N)];
    const int64_t dy = shift ? rng.randint(2 * shift + 1) - shift : 0;
    const int64_t dx = shift ? rng.randint(2 * shift + 1) - shift : 0;
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < S; ++y)
        for (int64_t xx = 0; xx < S; ++xx) {
          const int64_t sy = y - dy, sx = xx - dx;
          x[(size_t)(j * per + (c * S + y) * S + xx)] =
              sy >= 0 && sy < S && sx >= 0 && sx < S ? src[i * per + (c * S + sy) * S + sx]
                                                     : train_.background;
        }
    std::string prompt = train_.captions[(size_t)i];
    if (rng.bernoulli((float)p_sub)) prompt += " " + subgroup_words(train_.subgroups[(size_t)i]);
    if (rng.bernoulli((float)p_drop)) prompt.clear();
    b.prompts.push_back(prompt);
  }
  b.x0 = Tensor::from_vector(x, {B, 3, S, S}, device_);
  return b;
}

double ImagineTrainer::clip_gradients() {
  double sq = 0;
  for (const Tensor& p : net_->parameters())
    if (p.grad().defined())
      for (float g : p.grad().to_vector()) sq += (double)g * g;
  const double norm = std::sqrt(sq), clip = cfg_.get_float("grad_clip");
  if (clip > 0 && norm > clip) {  // global-norm clipping, as torch.nn.utils.clip_grad_norm_
    NoGradGuard no_grad;
    for (Tensor p : net_->parameters())
      if (p.grad().defined()) p.set_grad(ops::scale(p.grad(), (float)(clip / (norm + 1e-6))));
  }
  return norm;
}

float ImagineTrainer::train_step(int64_t step) {
  auto t0 = std::chrono::steady_clock::now();
  net_->train();
  Rng rng = derived_rng(cfg_.get_int("seed"), step, 1);
  Batch b = training_batch(step, rng);
  models::NoisedBatch nb = models::noise_batch(schedule_, b.x0, rng);
  models::PromptIds ids = models::encode_prompts(tok_, b.prompts, net_->config().text.max_len);
  Tensor loss_t = models::mse(net_->forward(nb.x_t, nb.t, ids), nb.noise);
  const float loss = loss_t.item();
  throw_if_nonfinite(loss, step);
  loss_t.backward();
  if (cfg_.get_float("grad_clip") > 0) clip_gradients();
  optimizer_->step();
  optimizer_->zero_grad();
  ema_->update(*net_);
  train_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return loss;
}

models::TextToImageNet& ImagineTrainer::ema_net() {
  if (ema_synced_step_ != step_) {
    ema_->copy_to(*ema_net_);
    ema_synced_step_ = step_;
  }
  return *ema_net_;
}

double ImagineTrainer::validation_loss(bool ema) {
  if (val_.size() == 0) return std::nan("");
  NoGradGuard no_grad;
  models::TextToImageNet& net = ema ? ema_net() : *net_;
  const bool was_training = net.is_training();
  net.eval();
  const std::vector<int64_t> ts =
      models::parse_int_list(cfg_.get_string("val_timesteps"), "--val_timesteps");
  SYN_CHECK(!ts.empty(), "--val_timesteps must list at least one timestep");
  const int64_t S = val_.images.size(2), per = 3 * S * S, B = cfg_.get_int("batch_size");
  // Row r = (image r / |ts|, timestep r % |ts|); its noise is drawn from one fixed generator.
  const int64_t R = val_.size() * (int64_t)ts.size();
  Rng noise_rng = derived_rng(cfg_.get_int("seed"), -5, 7);
  Tensor all_noise = Tensor::randn({R, 3, S, S}, noise_rng);
  const float* img = val_.images.data();
  const float* nz = all_noise.data();
  double sum = 0;
  for (int64_t r0 = 0; r0 < R; r0 += B) {
    const int64_t n = std::min(B, R - r0);
    std::vector<float> x0((size_t)(n * per)), e(nz + r0 * per, nz + (r0 + n) * per), tf;
    std::vector<int64_t> steps;
    std::vector<std::string> prompts;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t r = r0 + k, i = r / (int64_t)ts.size();
      std::copy(img + i * per, img + (i + 1) * per, x0.begin() + k * per);
      steps.push_back(ts[(size_t)(r % (int64_t)ts.size())]);
      tf.push_back((float)steps.back());
      prompts.push_back(val_.captions[(size_t)i]);
    }
    Tensor x0t = Tensor::from_vector(x0, {n, 3, S, S}, device_);
    Tensor et = Tensor::from_vector(e, {n, 3, S, S}, device_);
    Tensor xt = models::q_sample(schedule_, x0t, steps, et);
    Tensor pred = net.forward(xt, Tensor::from_vector(tf, {n}, device_),
                              models::encode_prompts(tok_, prompts, net.config().text.max_len));
    sum += (double)models::mse(pred, et).item() * (double)n;
  }
  net.train(was_training);
  return sum / (double)R;
}

std::string ImagineTrainer::run_dir() const {
  return (fs::path(cfg_.get_string("log_dir")) / cfg_.get_string("run_name")).string();
}

Tensor ImagineTrainer::write_samples(const std::string& path) {
  std::vector<std::string> prompts = split_prompts(cfg_.get_string("sample_prompts"));
  SYN_CHECK(!prompts.empty(), "--sample_prompts lists no prompt ('|'-separated)");
  models::ImagineOptions o;
  o.steps = cfg_.get_int("sample_steps");
  o.guidance_scale = (float)cfg_.get_float("sample_guidance");
  o.seed = (uint64_t)cfg_.get_int("sample_seed");
  Tensor x = models::sample_images(ema_net(), tok_, schedule_, prompts, o).to(Device::CPU);
  std::vector<float> v = x.to_vector();
  for (float& f : v) f = std::clamp((f + 1.0f) * 0.5f, 0.0f, 1.0f);
  Tensor images = Tensor::from_vector(v, x.shape());
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  write_png(path, image_grid(images, std::min<int64_t>(8, (int64_t)prompts.size()), 2));
  return images;
}

void ImagineTrainer::save_checkpoint(const std::string& path) const {
  Checkpoint ck;
  store_model_and_optimizer(ck, *net_, *optimizer_);
  for (auto& nt : ema_->state_dict()) ck.tensors.push_back(nt);  // named "ema.<parameter>"
  store_run_meta(ck, kKind, step_, cfg_, train_seconds_);
  ck.meta["vocabulary"] = tok_.to_text();
  syn::save_checkpoint(path, ck);
}

void ImagineTrainer::load_checkpoint(const std::string& path) {
  Checkpoint ck = syn::load_checkpoint(path);
  const RunMeta meta = read_run_meta(ck, path, kKind, "a train_imagine checkpoint");
  SYN_CHECK(ck.meta["vocabulary"] == tok_.to_text(), "checkpoint '", path,
            "' was trained with another prompt vocabulary than this run's (resume with the one it "
            "records: apps/train_imagine does so)");
  restore_model_and_optimizer(ck, path, *net_, *optimizer_, {"ema."});
  NamedTensors ema_state;
  for (auto& [name, t] : ck.tensors)
    if (name.rfind("ema.", 0) == 0) ema_state.emplace_back(name, t);
  try {
    ema_->load_state_dict(ema_state);
  } catch (const Error& e) {
    throw Error(str_cat("checkpoint '", path, "': ", e.what()));
  }
  step_ = meta.step;
  ema_synced_step_ = -1;
  train_seconds_ = meta.train_seconds;
}

void ImagineTrainer::export_weights(const std::string& path,
                                    const std::map<std::string, std::string>& provenance) {
  std::map<std::string, std::string> meta = provenance;
  meta["step"] = std::to_string(step_);
  meta["ema_decay"] = std::to_string(ema_->decay());
  meta["weights"] = "exponential moving average of the training weights (ema_decay)";
  models::TextToImage::save(path, ema_net(), tok_, meta, /*fp16=*/true);
}

bool ImagineTrainer::run(std::ostream& log, const std::atomic<bool>* stop, int64_t until_step) {
  const int64_t max_steps = cfg_.get_int("max_steps"), every = cfg_.get_int("checkpoint_every");
  const int64_t val_every = cfg_.get_int("val_every"), sample_every = cfg_.get_int("sample_every");
  const int64_t keep = cfg_.get_int("keep_checkpoints"), B = cfg_.get_int("batch_size");
  const double max_seconds = cfg_.get_float("max_seconds");
  const std::string dir = run_dir();
  fs::create_directories(dir);
  cfg_.save((fs::path(dir) / "config.yaml").string());
  CosineSchedule schedule{cfg_.get_float("learning_rate"), cfg_.get_float("min_learning_rate"),
                          cfg_.get_int("warmup_steps"), max_steps};
  log << "train_imagine: " << net_->num_parameters() << " parameters (U-Net "
      << net_->unet().num_parameters() << ", prompt encoder " << net_->text().num_parameters()
      << "), vocabulary " << tok_.vocab_size() << " ids, " << train_.size() << " training images, "
      << val_.size() << " held-out images, batch " << B << ", steps " << step_ << " -> "
      << max_steps << ", device " << device_description() << ", run dir " << dir << "\n";
  ProgressOptions popts;
  popts.every_seconds = cfg_.get_float("log_every_seconds");
  popts.every_steps = cfg_.get_int("log_every_steps");
  popts.unit = "images";
  Progress progress(max_steps, log, popts);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::string last_good;
  auto checkpoint = [&] {
    std::string path = checkpoint_file(dir, step_);
    save_checkpoint(path);
    last_good = path;
    kept_checkpoints_.push_back(path);
    while (keep > 0 && (int64_t)kept_checkpoints_.size() > keep) {
      std::error_code ec;
      fs::remove(kept_checkpoints_.front(), ec);
      kept_checkpoints_.erase(kept_checkpoints_.begin());
    }
    log << "checkpoint " << path << "\n";
  };
  auto validate = [&] {
    const double v_live = validation_loss(false), v_ema = validation_loss(true);
    val_losses_.push_back(v_ema);
    log << "validation loss (held-out, fixed t and noise) " << v_live << " | EMA " << v_ema
        << " at step " << step_ << "\n";
  };
  auto samples = [&] {
    std::string path = (fs::path(dir) / ("samples_" + std::to_string(step_) + ".png")).string();
    write_samples(path);
    log << "samples " << path << "\n";
  };
  double window = 0;
  int64_t window_n = 0;
  bool stopped = false;
  while (step_ < max_steps) {
    if ((stop && stop->load()) || (max_seconds > 0 && elapsed() >= max_seconds) ||
        (until_step >= 0 && step_ >= until_step)) {
      stopped = true;
      break;
    }
    const double lr = schedule.lr(step_);
    optimizer_->set_lr(lr);
    const float loss = step_or_stop([&] { return train_step(step_); }, last_good);
    ++step_;
    losses_.push_back(loss);
    window += loss;
    ++window_n;
    if (progress.update(step_, B,
                        {{"loss", loss}, {"avg_loss", window / (double)window_n}, {"lr", lr}})) {
      window = 0;
      window_n = 0;
    }
    if (val_every > 0 && step_ % val_every == 0 && step_ < max_steps) validate();
    if (sample_every > 0 && step_ % sample_every == 0 && step_ < max_steps) samples();
    if (every > 0 && step_ % every == 0) checkpoint();
  }
  progress.finish();
  if (stopped)
    log << "stopping at step " << step_ << " ("
        << (stop && stop->load()                          ? "interrupted"
            : until_step >= 0 && step_ >= until_step ? "until_step reached"
                                                     : "max_seconds reached")
        << ")\n";
  validate();
  if (sample_every >= 0) samples();
  if (last_good.empty() || every <= 0 || step_ % every != 0) checkpoint();
  log << "final checkpoint: " << last_good << " (training time " << train_seconds_ << " s)\n";
  return step_ >= max_steps;
}

}  // namespace syn::app
