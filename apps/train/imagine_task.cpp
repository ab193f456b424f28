// imagine_task.cpp — see imagine_task.h.
#include "apps/train/imagine_task.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <sstream>

#include "apps/pipeline/image_grid.h"
#include "apps/train/imagine_focus.h"
#include "apps/train/training_state.h"
#include "data/images/png_image.h"
#include "engine/autograd.h"
#include "engine/checkpoint.h"
#include "engine/optim/adam.h"
#include "engine/parallel.h"
#include "models/latent_codec.h"

namespace syn::app {

namespace fs = std::filesystem;

namespace {

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

ImagineData corpus_split(const pictures::PictureCorpus& corpus, int size, bool held_out) {
  const Tensor& all = corpus.images_at(size);
  const int64_t per = 3 * (int64_t)size * size;
  const float* src = all.data();
  std::vector<float> dst;
  ImagineData d;
  for (size_t i = 0; i < corpus.items.size(); ++i) {
    const pictures::CorpusItem& it = corpus.items[i];
    if (it.held_out != held_out) continue;
    for (int64_t k = 0; k < per; ++k) dst.push_back(src[(int64_t)i * per + k] / 127.5f - 1.0f);
    d.captions.push_back(it.caption);
    d.subgroups.push_back(it.concept_id);
  }
  SYN_CHECK(!d.captions.empty(), "picture corpus: no ", held_out ? "held-out" : "training",
            " pictures");
  d.images = Tensor::from_vector(dst, {d.size(), 3, size, size});
  d.background = (float)corpus.background / 127.5f - 1.0f;
  return d;
}

void append_imagine_data(ImagineData& data, const ImagineData& extra) {
  if (extra.size() == 0) return;
  if (data.size() == 0) {
    data = extra;
    return;
  }
  SYN_CHECK(data.images.dim() == 4 && extra.images.dim() == 4 &&
                data.images.size(1) == extra.images.size(1) &&
                data.images.size(2) == extra.images.size(2) &&
                data.images.size(3) == extra.images.size(3),
            "train_imagine: cannot append pictures ", extra.images.describe(), " to ",
            data.images.describe());
  std::vector<float> v = data.images.to_vector(), e = extra.images.to_vector();
  v.insert(v.end(), e.begin(), e.end());
  Shape shape = data.images.shape();
  shape[0] += extra.images.size(0);
  data.images = Tensor::from_vector(v, shape);
  data.captions.insert(data.captions.end(), extra.captions.begin(), extra.captions.end());
  data.subgroups.insert(data.subgroups.end(), extra.subgroups.begin(), extra.subgroups.end());
}

std::string subgroup_words(const std::string& subgroup) {
  std::string s;
  for (const auto& w : models::PromptTokenizer::words(subgroup)) s += (s.empty() ? "" : " ") + w;
  return s;
}

models::PromptTokenizer build_prompt_tokenizer(const ImagineData& train, bool byte_fallback) {
  std::vector<std::string> texts = train.captions;
  for (const auto& s : train.subgroups) texts.push_back(subgroup_words(s));
  return models::PromptTokenizer::build(texts, byte_fallback);
}

models::TextToImageConfig text_to_image_config_from(const Config& cfg, int64_t vocab_size,
                                                    int64_t image_size, int64_t in_channels) {
  models::TextToImageConfig c;
  c.unet.image_size = image_size;
  c.unet.in_channels = in_channels;
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
  c.prediction = cfg.get_string("prediction");
  c.tokenizer = cfg.get_string("tokenizer");
  return c;
}

ImagineTask::ImagineTask(const Config& cfg, ImagineData train, ImagineData val,
                         std::optional<models::PromptTokenizer> tokenizer,
                         std::shared_ptr<models::Autoencoder> autoencoder)
    : cfg_(cfg), train_(std::move(train)), val_(std::move(val)), ae_(std::move(autoencoder)) {
  SYN_CHECK(train_.size() > 0, "train_imagine: no training images");
  const bool bytes =
      models::PromptTokenizer::parse_scheme(cfg_.get_string("tokenizer"), "--tokenizer");
  tok_ = tokenizer ? std::move(*tokenizer) : build_prompt_tokenizer(train_, bytes);
  SYN_CHECK(tok_.byte_fallback() == bytes, "--tokenizer ", cfg_.get_string("tokenizer"),
            " differs from the resumed checkpoint's '", tok_.scheme(), "'");
  prediction_ = models::parse_prediction(cfg_.get_string("prediction"));
  models::loss_weights(schedule_, prediction_, cfg_.get_string("loss_weighting"),
                       cfg_.get_float("min_snr_gamma"), {});  // checks the name and γ
  SYN_CHECK(cfg_.get_float("spell_prob") >= 0 && cfg_.get_float("spell_prob") <= 1,
            "--spell_prob must be a probability in [0, 1]");
  SYN_CHECK(!ae_ || cfg_.get_int("max_shift") == 0,
            "--max_shift must be 0 for a latent model (its data are latents, encoded once)");
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
  const double p_focus = cfg_.get_float("focus_prob");
  SYN_CHECK(p_focus >= 0 && p_focus <= 1, "--focus_prob must be a probability in [0, 1]");
  const std::string& focus_spec = cfg_.get_string("focus_concepts");
  SYN_CHECK(p_focus == 0 || !focus_spec.empty(), "--focus_prob ", p_focus,
            " needs --focus_concepts (motifs or concept names)");
  if (!focus_spec.empty()) focus_ = focus_indices(train_, focus_concepts(train_, focus_spec));
  SYN_CHECK(p_focus == 0 || !focus_.empty(), "--focus_concepts ", focus_spec,
            ": no single training picture to focus on");
  models::TextToImageConfig tc = text_to_image_config_from(
      cfg_, tok_.vocab_size(), train_.images.size(2), train_.images.size(1));
  tc.latent = ae_ != nullptr;
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

std::string ImagineTask::device_description() const {
  std::string d = device_name(device_);
  if (device_ == Device::CPU) d += " (" + std::to_string(num_threads()) + " threads)";
  return d;
}

const std::vector<int64_t>& ImagineTask::epoch_order(int64_t epoch) {
  if (epoch == cached_epoch_) return epoch_order_;
  epoch_order_.resize((size_t)train_.size());
  std::iota(epoch_order_.begin(), epoch_order_.end(), 0);
  Rng rng = derived_rng(cfg_.get_int("seed"), epoch, -2);
  for (size_t i = epoch_order_.size(); i > 1; --i)
    std::swap(epoch_order_[i - 1], epoch_order_[(size_t)rng.randint((int64_t)i)]);
  cached_epoch_ = epoch;
  return epoch_order_;
}

ImagineTask::Batch ImagineTask::training_batch(int64_t step, Rng& rng) {
  const int64_t B = cfg_.get_int("batch_size"), N = train_.size();
  const int64_t C = train_.images.size(1), S = train_.images.size(2), per = C * S * S;
  const int64_t shift = cfg_.get_int("max_shift");
  const double p_drop = cfg_.get_float("cond_drop_prob"), p_sub = cfg_.get_float("subgroup_prob");
  const double p_focus = cfg_.get_float("focus_prob");
  const float* src = train_.images.data();
  std::vector<float> x((size_t)(B * per));
  Batch b;
  for (int64_t j = 0; j < B; ++j) {
    const int64_t pos = step * B + j;
    int64_t i = epoch_order(pos / N)[(size_t)(pos % N)];
    // Drawn only with focus on, so runs without it keep their random streams.
    if (p_focus > 0 && rng.bernoulli((float)p_focus))
      i = focus_[(size_t)rng.randint((int64_t)focus_.size())];
    const int64_t dy = shift ? rng.randint(2 * shift + 1) - shift : 0;
    const int64_t dx = shift ? rng.randint(2 * shift + 1) - shift : 0;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < S; ++y)
        for (int64_t xx = 0; xx < S; ++xx) {
          const int64_t sy = y - dy, sx = xx - dx;
          x[(size_t)(j * per + (c * S + y) * S + xx)] = sy >= 0 && sy < S && sx >= 0 && sx < S
                                                            ? src[i * per + (c * S + sy) * S + sx]
                                                            : train_.background;
        }
    std::string prompt = train_.captions[(size_t)i];
    if (rng.bernoulli((float)p_sub)) prompt += " " + subgroup_words(train_.subgroups[(size_t)i]);
    if (rng.bernoulli((float)p_drop)) prompt.clear();
    b.prompts.push_back(prompt);
    b.pictures.push_back(i);
  }
  b.x0 = Tensor::from_vector(x, {B, C, S, S}, device_);
  return b;
}

std::vector<int64_t> ImagineTask::batch_pictures(int64_t step) {
  Rng rng = derived_rng(cfg_.get_int("seed"), step, 1);
  return training_batch(step, rng).pictures;
}

StepOutput ImagineTask::training_step(int64_t step) {
  net_->train();
  Rng rng = derived_rng(cfg_.get_int("seed"), step, 1);
  Batch b = training_batch(step, rng);
  models::NoisedBatch nb = models::noise_batch(schedule_, b.x0, rng);
  const int64_t max_len = net_->config().text.max_len;
  // The first model's path draws nothing more, so its runs stay as they were.
  models::PromptIds ids =
      tok_.byte_fallback()
          ? models::encode_prompts(tok_, b.prompts, max_len, rng, cfg_.get_float("spell_prob"))
          : models::encode_prompts(tok_, b.prompts, max_len);
  Tensor out = net_->forward(nb.x_t, nb.t, ids);
  Tensor target = models::prediction_target(schedule_, prediction_, b.x0, nb.noise, nb.timesteps);
  const std::string& weighting = cfg_.get_string("loss_weighting");
  if (weighting == "none") return {models::mse(out, target), b.x0.size(0), {}};
  return {models::weighted_mse(out, target,
                               models::loss_weights(schedule_, prediction_, weighting,
                                                    cfg_.get_float("min_snr_gamma"), nb.timesteps)),
          b.x0.size(0),
          {}};
}

void ImagineTask::after_optimizer_step() {
  ema_->update(*net_);
  ema_synced_ = false;
}

models::TextToImageNet& ImagineTask::ema_net() {
  if (!ema_synced_) {
    ema_->copy_to(*ema_net_);
    ema_synced_ = true;
  }
  return *ema_net_;
}

double ImagineTask::validation_loss(bool ema) {
  if (val_.size() == 0) return std::nan("");
  NoGradGuard no_grad;
  models::TextToImageNet& net = ema ? ema_net() : *net_;
  const bool was_training = net.is_training();
  net.eval();
  const std::vector<int64_t> ts =
      models::parse_int_list(cfg_.get_string("val_timesteps"), "--val_timesteps");
  SYN_CHECK(!ts.empty(), "--val_timesteps must list at least one timestep");
  const int64_t C = val_.images.size(1), S = val_.images.size(2), per = C * S * S;
  const int64_t B = cfg_.get_int("batch_size");
  // Row r = (image r / |ts|, timestep r % |ts|); its noise is drawn from one fixed generator.
  const int64_t R = val_.size() * (int64_t)ts.size();
  Rng noise_rng = derived_rng(cfg_.get_int("seed"), -5, 7);
  Tensor all_noise = Tensor::randn({R, C, S, S}, noise_rng);
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
    Tensor x0t = Tensor::from_vector(x0, {n, C, S, S}, device_);
    Tensor et = Tensor::from_vector(e, {n, C, S, S}, device_);
    Tensor xt = models::q_sample(schedule_, x0t, steps, et);
    Tensor pred = net.forward(xt, Tensor::from_vector(tf, {n}, device_),
                              models::encode_prompts(tok_, prompts, net.config().text.max_len));
    Tensor target = models::prediction_target(schedule_, prediction_, x0t, et, steps);
    sum += (double)models::mse(pred, target).item() * (double)n;
  }
  net.train(was_training);
  return sum / (double)R;
}

TrainerOptions ImagineTask::trainer_options() const {
  TrainerOptions o;
  o.max_steps = cfg_.get_int("max_steps");
  o.run_dir = (fs::path(cfg_.get_string("log_dir")) / cfg_.get_string("run_name")).string();
  o.checkpoint_every = cfg_.get_int("checkpoint_every");
  o.keep_checkpoints = cfg_.get_int("keep_checkpoints");
  o.log_checkpoints = true;
  o.record_train_seconds = true;
  o.val_every = cfg_.get_int("val_every");
  o.max_seconds = cfg_.get_float("max_seconds");
  o.learning_rate = cfg_.get_float("learning_rate");
  o.min_learning_rate = cfg_.get_float("min_learning_rate");
  o.warmup_steps = cfg_.get_int("warmup_steps");
  o.progress.every_seconds = cfg_.get_float("log_every_seconds");
  o.progress.every_steps = cfg_.get_int("log_every_steps");
  o.progress.unit = "images";
  o.average_loss = true;
  return o;
}

std::string ImagineTask::summary() const {
  return str_cat(
      net_->num_parameters(), " parameters (U-Net ", net_->unet().num_parameters(),
      ", prompt encoder ", net_->text().num_parameters(), "), vocabulary ", tok_.vocab_size(),
      " ids, ", train_.size(), " training images, ", val_.size(), " held-out images, batch ",
      cfg_.get_int("batch_size"),
      focus_.empty() || cfg_.get_float("focus_prob") == 0
          ? std::string()
          : str_cat(", focus ", focus_.size(), " pictures of --focus_concepts ",
                    cfg_.get_string("focus_concepts"), " at p ", cfg_.get_float("focus_prob")));
}

void ImagineTask::validation(std::ostream& log, SummaryWriter* /*tb*/) {
  const double v_live = validation_loss(false), v_ema = validation_loss(true);
  val_losses_.push_back(v_ema);
  log << "validation loss (held-out, fixed t and noise) " << v_live << " | EMA " << v_ema
      << " at step " << step() << "\n";
}

void ImagineTask::artifacts(bool final, std::ostream& log) {
  const int64_t every = cfg_.get_int("sample_every");
  if (final ? every < 0 : every <= 0 || step() % every != 0) return;
  const std::string dir =
      (fs::path(cfg_.get_string("log_dir")) / cfg_.get_string("run_name")).string();
  const std::string path =
      (fs::path(dir) / ("samples_" + std::to_string(step()) + ".png")).string();
  write_samples(path);
  log << "samples " << path << "\n";
}

Tensor ImagineTask::write_samples(const std::string& path) {
  std::vector<std::string> prompts = split_prompts(cfg_.get_string("sample_prompts"));
  SYN_CHECK(!prompts.empty(), "--sample_prompts lists no prompt ('|'-separated)");
  models::ImagineOptions o;
  o.steps = cfg_.get_int("sample_steps");
  o.guidance_scale = (float)cfg_.get_float("sample_guidance");
  o.seed = (uint64_t)cfg_.get_int("sample_seed");
  o.sampler = cfg_.get_string("sample_sampler");
  Tensor x = models::sample_images(ema_net(), tok_, schedule_, prompts, o);
  if (ae_) x = models::decode_latents(*ae_, x);
  x = x.to(Device::CPU);
  std::vector<float> v = x.to_vector();
  for (float& f : v) f = std::clamp((f + 1.0f) * 0.5f, 0.0f, 1.0f);
  Tensor images = Tensor::from_vector(v, x.shape());
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  write_png(path, image_grid(images, std::min<int64_t>(8, (int64_t)prompts.size()), 2));
  return images;
}

void ImagineTask::save_state(Checkpoint& ck) const {
  store_model_and_optimizer(ck, *net_, *optimizer_);
  for (auto& nt : ema_->state_dict()) ck.tensors.push_back(nt);  // named "ema.<parameter>"
  ck.meta["vocabulary"] = tok_.to_text();
  if (tok_.byte_fallback()) ck.meta["tokenizer"] = tok_.scheme();  // absent: "words"
}

void ImagineTask::load_state(const Checkpoint& ck, const std::string& path) {
  auto v = ck.meta.find("vocabulary");
  SYN_CHECK(v != ck.meta.end() && v->second == tok_.to_text(), "checkpoint '", path,
            "' was trained with another prompt vocabulary than this run's (resume with the one it "
            "records: apps/train_imagine does so)");
  auto sch = ck.meta.find("tokenizer");
  const std::string scheme = sch == ck.meta.end() ? "words" : sch->second;
  SYN_CHECK(scheme == tok_.scheme(), "checkpoint '", path, "' was trained with the '", scheme,
            "' prompt tokenizer, this run uses '", tok_.scheme(), "'");
  restore_model_and_optimizer(ck, path, *net_, *optimizer_, {"ema."});
  NamedTensors ema_state;
  for (auto& [name, t] : ck.tensors)
    if (name.rfind("ema.", 0) == 0) ema_state.emplace_back(name, t);
  try {
    ema_->load_state_dict(ema_state);
  } catch (const Error& e) {
    throw Error(str_cat("checkpoint '", path, "': ", e.what()));
  }
  ema_synced_ = false;
}

void ImagineTask::export_weights(const std::string& path,
                                 const std::map<std::string, std::string>& provenance) {
  std::map<std::string, std::string> meta = provenance;
  meta["step"] = std::to_string(step());
  meta["ema_decay"] = std::to_string(ema_->decay());
  meta["weights"] = "exponential moving average of the training weights (ema_decay)";
  if (ae_ || prediction_ != models::Prediction::Eps || tok_.byte_fallback()) {
    // What "auto" and steps 0 mean for this model (text_to_image.h): the sample grid's choice.
    meta["sample.sampler"] = cfg_.get_string("sample_sampler");
    meta["sample.steps"] = std::to_string(cfg_.get_int("sample_steps"));
    meta["sample.guidance"] = str_cat(cfg_.get_float("sample_guidance"));
  }
  models::TextToImage::save(path, ema_net(), tok_, meta, /*fp16=*/true, ae_.get());
}

}  // namespace syn::app
