// autoencoder_task.cpp — see autoencoder_task.h.
#include "apps/train/autoencoder_task.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "apps/pipeline/image_grid.h"
#include "apps/train/clip_judge_task.h"
#include "apps/train/imagine_task.h"
#include "apps/train/training_state.h"
#include "data/images/png_image.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/optim/adam.h"
#include "engine/parallel.h"

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

// Rows [begin, end) of images [N, ...] as a new tensor on `device`.
Tensor rows(const Tensor& images, int64_t begin, int64_t end, Device device) {
  const int64_t per = images.numel() / images.size(0);
  const float* src = images.data();
  std::vector<float> v(src + begin * per, src + end * per);
  Shape s = images.shape();
  s[0] = end - begin;
  return Tensor::from_vector(v, s, device);
}

// Wall and process CPU clocks, in seconds.
struct Clocks {
  double wall, cpu;
  static Clocks now() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return {
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(),
        (double)t.tv_sec + 1e-9 * (double)t.tv_nsec};
  }
};

// [−1, 1] -> [0, 1] (a differentiable affine map).
Tensor to_unit(const Tensor& x) { return ops::add_scalar(ops::scale(x, 0.5f), 0.5f); }

// The judge's input: pictures in [−1, 1] at the autoencoder's size, brought to [0, 1] and halved
// until they reach the judge's size.
Tensor judge_input(const Tensor& x, int64_t judge_size) {
  Tensor y = to_unit(x);
  while (y.size(2) > judge_size) y = downsample2x(y);
  SYN_CHECK(y.size(2) == judge_size, "judge: its image size ", judge_size,
            " is not the autoencoder's ", x.size(2), " px halved a whole number of times");
  return y;
}

}  // namespace

AutoencoderData autoencoder_data(const pictures::PictureCorpus& corpus, int size, bool held_out) {
  ImagineData d = corpus_split(corpus, size, held_out);  // the same pixels the U-Net learns from
  return {d.images, d.subgroups};
}

Tensor l1_loss(const Tensor& a, const Tensor& b) {
  Tensor d = ops::sub(a, b);
  return ops::mean(ops::add(ops::relu(d), ops::relu(ops::scale(d, -1.0f))));
}

Tensor downsample2x(const Tensor& x) {
  SYN_CHECK(x.dim() == 4 && x.size(2) % 2 == 0 && x.size(3) % 2 == 0,
            "downsample2x: ", x.describe(), " must be [B, C, H, W] with H and W even");
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  // (b, c, 2i + a, 2j + d) is element (b·C·H/2 + c·H/2 + i, a, j, d) of this view.
  Tensor v = ops::reshape(x, {B * C * H / 2, 2, W / 2, 2});
  Tensor m = ops::mean(ops::mean(v, 3), 1);  // [BCH/2, W/2]
  return ops::reshape(m, {B, C, H / 2, W / 2});
}

AeLoss autoencoder_loss(models::Autoencoder& ae, const Tensor& x, const AeLossWeights& w,
                        models::ClipJudge* judge) {
  Tensor z = ae.encode(x);
  Tensor y = ae.decode(z);
  AeLoss out;
  std::vector<Tensor> terms;
  auto add = [&](double weight, const Tensor& term, double& value) {
    value = (double)term.detach().to(Device::CPU).item();
    if (weight != 0.0) terms.push_back(ops::scale(term, (float)weight));
  };
  add(w.l1, l1_loss(y, x), out.l1);
  if (w.mse != 0.0) {
    Tensor d = ops::sub(y, x);
    add(w.mse, ops::mean(ops::mul(d, d)), out.mse);
  }
  if (w.latent_l2 != 0.0) add(w.latent_l2, ops::mean(ops::mul(z, z)), out.latent_l2);
  if (w.perceptual != 0.0) {
    SYN_CHECK(judge != nullptr, "autoencoder loss: a perceptual weight needs a judge (--judge)");
    const int64_t S = judge->config().image_size;
    Tensor target;
    {
      NoGradGuard ng;
      target = judge->encode_images(judge_input(x, S)).detach();
    }
    Tensor e = judge->encode_images(judge_input(y, S));
    Tensor cos = ops::mean(ops::sum(ops::mul(e, target), 1));
    add(w.perceptual, ops::add_scalar(ops::scale(cos, -1.0f), 1.0f), out.perceptual);
  }
  SYN_CHECK(!terms.empty(), "autoencoder loss: every weight is 0");
  out.total = terms[0];
  for (size_t i = 1; i < terms.size(); ++i) out.total = ops::add(out.total, terms[i]);
  return out;
}

models::AutoencoderConfig autoencoder_config_from(const Config& cfg) {
  models::AutoencoderConfig c;
  c.image_size = cfg.get_int("image_size");
  c.latent_channels = cfg.get_int("latent_channels");
  c.base_channels = cfg.get_int("base_channels");
  c.channel_mult = models::parse_int_list(cfg.get_string("channel_mult"), "--channel_mult");
  c.norm_groups = cfg.get_int("norm_groups");
  return c;
}

AutoencoderTask::AutoencoderTask(const Config& cfg, AutoencoderData train, AutoencoderData val,
                                 models::ClipJudge* judge)
    : cfg_(cfg), train_(std::move(train)), val_(std::move(val)), judge_(judge) {
  SYN_CHECK(train_.size() > 0, "train_autoencoder: no training pictures");
  const std::string& dev = cfg_.get_string("device");
  SYN_CHECK(dev == "cpu" || dev == "cuda", "--device must be cpu or cuda, got '", dev, "'");
  device_ = dev == "cuda" ? Device::CUDA : Device::CPU;
  SYN_CHECK(device_ == Device::CPU || cuda_available(),
            "--device cuda: no usable CUDA device in this build or machine");
  SYN_CHECK(cfg_.get_int("batch_size") >= 1, "--batch_size must be positive");
  const double flip = cfg_.get_float("flip_prob");
  SYN_CHECK(flip >= 0 && flip <= 1, "--flip_prob must be a probability in [0, 1], got ", flip);
  SYN_CHECK(cfg_.get_float("perceptual_weight") == 0.0 || judge_ != nullptr, "--perceptual_weight ",
            cfg_.get_float("perceptual_weight"),
            " needs a judge: give --judge a clip judge weights file");
  models::AutoencoderConfig c = autoencoder_config_from(cfg_);
  SYN_CHECK(c.image_size == train_.images.size(2), "--image_size ", c.image_size,
            " is not the training pictures' size ", train_.images.size(2));
  Rng init = derived_rng(cfg_.get_int("seed"), -1, 0);
  ae_ = std::make_unique<models::Autoencoder>(c, init);
  ae_->to(device_);
  if (judge_) {
    judge_->eval();
    judge_->to(device_);
    for (Tensor p : judge_->parameters()) p.set_requires_grad(false);  // frozen
  }
  AdamOptions o;
  o.lr = cfg_.get_float("learning_rate");
  o.beta1 = cfg_.get_float("adam_beta1");
  o.beta2 = cfg_.get_float("adam_beta2");
  o.weight_decay = cfg_.get_float("weight_decay");
  o.decoupled_weight_decay = true;  // AdamW
  optimizer_ = std::make_unique<Adam>(ae_->named_parameters(), o);
}

std::string AutoencoderTask::device_description() const {
  std::string d = device_name(device_);
  if (device_ == Device::CPU) d += " (" + std::to_string(num_threads()) + " threads)";
  return d;
}

std::string AutoencoderTask::summary() const {
  const models::AutoencoderConfig& c = ae_->config();
  return str_cat(ae_->num_parameters(), " parameters (encoder ", ae_->encoder().num_parameters(),
                 ", decoder ", ae_->decoder().num_parameters(), "), ", c.image_size, " px -> ",
                 c.latent_channels, "x", c.latent_size(), "x", c.latent_size(), " latent, ",
                 train_.size(), " training pictures, ", val_.size(), " held out, batch ",
                 cfg_.get_int("batch_size"));
}

const std::vector<int64_t>& AutoencoderTask::epoch_order(int64_t epoch) {
  if (epoch == cached_epoch_) return epoch_order_;
  epoch_order_.resize((size_t)train_.size());
  std::iota(epoch_order_.begin(), epoch_order_.end(), 0);
  Rng rng = derived_rng(cfg_.get_int("seed"), epoch, -2);
  for (size_t i = epoch_order_.size(); i > 1; --i)
    std::swap(epoch_order_[i - 1], epoch_order_[(size_t)rng.randint((int64_t)i)]);
  cached_epoch_ = epoch;
  return epoch_order_;
}

Tensor AutoencoderTask::training_batch(int64_t step) {
  const int64_t B = cfg_.get_int("batch_size"), N = train_.size();
  const int64_t S = train_.images.size(2), per = 3 * S * S;
  const float flip = (float)cfg_.get_float("flip_prob");
  Rng rng = derived_rng(cfg_.get_int("seed"), step, 1);
  const float* src = train_.images.data();
  std::vector<float> x((size_t)(B * per));
  for (int64_t j = 0; j < B; ++j) {
    const int64_t pos = step * B + j;
    const int64_t i = epoch_order(pos / N)[(size_t)(pos % N)];
    const bool mirror = rng.bernoulli(flip);
    for (int64_t r = 0; r < 3 * S; ++r)  // rows of all three planes
      for (int64_t c = 0; c < S; ++c)
        x[(size_t)(j * per + r * S + c)] = src[i * per + r * S + (mirror ? S - 1 - c : c)];
  }
  return Tensor::from_vector(x, {B, 3, S, S}, device_);
}

StepOutput AutoencoderTask::training_step(int64_t step) {
  ae_->train();
  Tensor x = training_batch(step);
  AeLossWeights w;
  w.l1 = cfg_.get_float("l1_weight");
  w.mse = cfg_.get_float("mse_weight");
  w.latent_l2 = cfg_.get_float("latent_l2");
  w.perceptual = cfg_.get_float("perceptual_weight");
  AeLoss l = autoencoder_loss(*ae_, x, w, judge_);
  StepOutput out{l.total, x.size(0), {}};
  out.metrics.push_back({"l1", l.l1});
  if (w.perceptual != 0.0) out.metrics.push_back({"perc", l.perceptual});
  return out;
}

void AutoencoderTask::validation(std::ostream& log, SummaryWriter* tb) {
  AutoencoderData sub;
  const int64_t n = std::min(val_.size(), std::max<int64_t>(1, cfg_.get_int("val_pictures")));
  sub.images = rows(val_.images, 0, n, Device::CPU);
  sub.concepts.assign(val_.concepts.begin(), val_.concepts.begin() + n);
  AeQuality q = evaluate_autoencoder(*ae_, sub, cfg_.get_int("batch_size"), nullptr, {});
  val_psnr_.push_back(q.psnr);
  log << "validation (" << q.pictures << " held-out pictures): PSNR " << q.psnr << " dB, L1 "
      << q.l1 << ", latent std " << q.latent_std << " at step " << step() << "\n";
  if (tb) {
    tb->add_scalar("val/psnr", q.psnr, step());
    tb->add_scalar("val/l1", q.l1, step());
    tb->add_scalar("val/latent_std", q.latent_std, step());
  }
}

void AutoencoderTask::artifacts(bool final, std::ostream& log) {
  const int64_t every = cfg_.get_int("sheet_every");
  if (final ? every < 0 : every <= 0 || step() % every != 0) return;
  const fs::path dir = fs::path(cfg_.get_string("log_dir")) / cfg_.get_string("run_name");
  const std::string path = (dir / ("sheet_" + std::to_string(step()) + ".png")).string();
  const int64_t n = std::min<int64_t>(val_.size(), cfg_.get_int("sheet_pictures"));
  if (n <= 0) return;
  // Evenly spaced held-out pictures (the same ones every time).
  std::vector<float> v;
  const int64_t per = val_.images.numel() / val_.size();
  AutoencoderData sub;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = k * val_.size() / n;
    v.insert(v.end(), val_.images.data() + i * per, val_.images.data() + (i + 1) * per);
    sub.concepts.push_back(val_.concepts[(size_t)i]);
  }
  Shape s = val_.images.shape();
  s[0] = n;
  sub.images = Tensor::from_vector(v, s);
  AeQuality q = evaluate_autoencoder(*ae_, sub, cfg_.get_int("batch_size"), nullptr, {});
  for (float& f : v) f = (f + 1.0f) * 0.5f;
  fs::create_directories(dir);
  write_contact_sheet(path, Tensor::from_vector(v, s), q.reconstructions, n, 8, 1);
  log << "contact sheet (held-out originals | reconstructions) " << path << "\n";
}

TrainerOptions AutoencoderTask::trainer_options() const {
  TrainerOptions o;
  o.max_steps = cfg_.get_int("max_steps");
  o.run_dir = (fs::path(cfg_.get_string("log_dir")) / cfg_.get_string("run_name")).string();
  o.tensorboard = cfg_.get_bool("tensorboard");
  o.rate_scalar = "train/pictures_per_second";
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
  o.progress.unit = "pictures";
  o.average_loss = true;
  return o;
}

void AutoencoderTask::save_state(Checkpoint& ck) const {
  store_model_and_optimizer(ck, *ae_, *optimizer_);
}

void AutoencoderTask::load_state(const Checkpoint& ck, const std::string& path) {
  restore_model_and_optimizer(ck, path, *ae_, *optimizer_);
}

double AutoencoderTask::measure_latent_scale(int64_t pictures) {
  const int64_t n = std::min(train_.size(), std::max<int64_t>(1, pictures));
  const int64_t per = train_.images.numel() / train_.size();
  std::vector<float> v;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = k * train_.size() / n;
    v.insert(v.end(), train_.images.data() + i * per, train_.images.data() + (i + 1) * per);
  }
  Shape s = train_.images.shape();
  s[0] = n;
  AutoencoderData sub;
  sub.images = Tensor::from_vector(v, s);
  sub.concepts.assign((size_t)n, "");
  AeQuality q = evaluate_autoencoder(*ae_, sub, cfg_.get_int("batch_size"), nullptr, {});
  SYN_CHECK(q.latent_std > 0 && std::isfinite(q.latent_std),
            "train_autoencoder: the training latents' std is ", q.latent_std);
  ae_->set_latent_scale(1.0 / q.latent_std);
  return q.latent_std;
}

void AutoencoderTask::export_weights(const std::string& path,
                                     const std::map<std::string, std::string>& provenance) const {
  std::map<std::string, std::string> meta = provenance;
  meta["step"] = std::to_string(step());
  models::save_autoencoder(path, *ae_, meta, /*fp16=*/true);
}

AeQuality evaluate_autoencoder(models::Autoencoder& ae, const AutoencoderData& data, int64_t batch,
                               models::ClipJudge* judge,
                               const std::vector<std::string>& concept_names) {
  SYN_CHECK(batch >= 1, "evaluate_autoencoder: batch must be positive");
  NoGradGuard ng;
  const bool was_training = ae.is_training();
  ae.eval();
  const Device dev = ae.parameters().front().device();
  const int64_t N = data.size(), per = data.images.numel() / std::max<int64_t>(1, N);
  AeQuality q;
  q.pictures = N;
  std::vector<float> recon;
  recon.reserve((size_t)(N * per));
  double se = 0, ae_sum = 0, psnr_sum = 0, z_sum = 0, z_sq = 0;
  int64_t z_count = 0;
  for (int64_t b0 = 0; b0 < N; b0 += batch) {
    const int64_t n = std::min(batch, N - b0);
    Tensor x = rows(data.images, b0, b0 + n, dev);
    const Clocks t0 = Clocks::now();
    Tensor z = ae.encode(x);
    std::vector<float> zv = z.to_vector();  // (waits for the device)
    const Clocks t1 = Clocks::now();
    std::vector<float> y = ae.decode(z).to_vector();
    const Clocks t2 = Clocks::now();
    q.encode_wall += t1.wall - t0.wall;
    q.encode_cpu += t1.cpu - t0.cpu;
    q.decode_wall += t2.wall - t1.wall;
    q.decode_cpu += t2.cpu - t1.cpu;
    for (float v : zv) {
      z_sum += v;
      z_sq += (double)v * v;
      ++z_count;
    }
    const float* src = data.images.data() + b0 * per;
    for (int64_t k = 0; k < n; ++k) {
      double pse = 0;
      for (int64_t e = 0; e < per; ++e) {
        const float o = (src[k * per + e] + 1.0f) * 0.5f;
        const float r = std::clamp((y[(size_t)(k * per + e)] + 1.0f) * 0.5f, 0.0f, 1.0f);
        recon.push_back(r);
        const double d = (double)r - o;
        pse += d * d;
        ae_sum += std::fabs(d);
      }
      se += pse;
      psnr_sum += 10.0 * std::log10(1.0 / std::max(pse / (double)per, 1e-10));
    }
  }
  ae.train(was_training);
  const double mse = se / (double)std::max<int64_t>(1, N * per);
  q.psnr = 10.0 * std::log10(1.0 / std::max(mse, 1e-10));
  q.mean_psnr = psnr_sum / (double)std::max<int64_t>(1, N);
  q.l1 = ae_sum / (double)std::max<int64_t>(1, N * per);
  const double zm = z_sum / (double)std::max<int64_t>(1, z_count);
  q.latent_std = std::sqrt(std::max(0.0, z_sq / (double)std::max<int64_t>(1, z_count) - zm * zm));
  q.reconstructions = Tensor::from_vector(recon, data.images.shape());
  if (judge && N > 0) {
    const int64_t S = judge->config().image_size;
    auto judged = [&](const Tensor& pictures_m11) {
      std::vector<float> v;
      for (int64_t b0 = 0; b0 < N; b0 += batch) {
        const int64_t n = std::min(batch, N - b0);
        std::vector<float> part =
            judge_input(rows(pictures_m11, b0, b0 + n, Device::CPU), S).to_vector();
        v.insert(v.end(), part.begin(), part.end());
      }
      return Tensor::from_vector(v, {N, 3, S, S}, judge->parameters().front().device());
    };
    std::vector<float> rm(recon);
    for (float& f : rm) f = f * 2.0f - 1.0f;
    Tensor recon_m11 = Tensor::from_vector(rm, data.images.shape());
    JudgeQuality a =
        evaluate_clip_judge(*judge, judged(data.images), data.concepts, concept_names, {}, {});
    JudgeQuality b =
        evaluate_clip_judge(*judge, judged(recon_m11), data.concepts, concept_names, {}, {});
    q.judge_top1_original = a.concept_top1;
    q.judge_top5_original = a.concept_top5;
    q.judge_top1_reconstruction = b.concept_top1;
    q.judge_top5_reconstruction = b.concept_top5;
    q.judge_concepts = a.concepts;
  }
  return q;
}

void write_contact_sheet(const std::string& path, const Tensor& originals01,
                         const Tensor& reconstructions01, int64_t count, int64_t pairs,
                         int64_t scale) {
  SYN_CHECK(originals01.shape() == reconstructions01.shape() && originals01.dim() == 4,
            "contact sheet: originals ", originals01.describe(), " and reconstructions ",
            reconstructions01.describe(), " must have one [N, 3, S, S] shape");
  const int64_t N = originals01.size(0), per = originals01.numel() / std::max<int64_t>(1, N);
  int64_t n = std::min(count, N);
  SYN_CHECK(n >= 1 && pairs >= 1, "contact sheet: nothing to show");
  pairs = std::min(pairs, n);
  n -= n % pairs;  // whole rows, so each reconstruction sits right under its original
  std::vector<float> v;
  const float* o = originals01.data();
  const float* r = reconstructions01.data();
  for (int64_t row = 0; row < n; row += pairs)
    for (const float* src : {o, r})  // a row of originals, then their reconstructions
      for (int64_t k = row; k < row + pairs; ++k) {
        const int64_t i = k * N / n;
        v.insert(v.end(), src + i * per, src + (i + 1) * per);
      }
  Shape s = originals01.shape();
  s[0] = 2 * n;
  write_png(path, image_grid(Tensor::from_vector(v, s), pairs, scale));
}

}  // namespace syn::app
