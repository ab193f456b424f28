// clmr_task.cpp — see clmr_task.h.
#include "apps/train/clmr_task.h"

#include <cmath>
#include <filesystem>
#include <iostream>

#include "apps/train/clip_shard.h"
#include "apps/train/training_state.h"
#include "data/audio/augment.h"
#include "data/audio/augment_batch.h"
#include "engine/dist/collectives.h"
#include "engine/dist/sync_batchnorm.h"
#include "engine/ops/augment.h"
#include "engine/optim/adam.h"
#include "engine/optim/lars.h"
#include "engine/parallel.h"
#include "engine/precision.h"

namespace syn::app {

namespace fs = std::filesystem;

namespace {

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

ClmrTask::ClmrTask(const Config& cfg, std::shared_ptr<ClipSource> data)
    : cfg_(cfg), data_(std::move(data)) {
  SYN_CHECK(data_ && data_->size() > 0, "pretrain: the dataset has no clips");
  const std::string& dev = cfg_.get_string("device");
  SYN_CHECK(dev == "cpu" || dev == "cuda", "--device must be cpu or cuda, got '", dev, "'");
  device_ = dev == "cuda" ? Device::CUDA : Device::CPU;
  SYN_CHECK(device_ == Device::CPU || cuda_available(),
            "--device cuda: no usable CUDA device in this build or machine");
  if (cfg_.has("precision")) {  // a config of the user's own may predate these keys
    const MathPrecision p = parse_math_precision(cfg_.get_string("precision"));
    SYN_CHECK(p == MathPrecision::Fp32 || device_ == Device::CUDA, "--precision ",
              math_precision_name(p), " needs --device cuda: the CPU kernels compute in fp32 only");
    set_math_precision(p);
  }
  if (cfg_.has("augment_device")) {
    const std::string& a = cfg_.get_string("augment_device");
    SYN_CHECK(a == "cpu" || a == "cuda", "--augment_device must be cpu or cuda, got '", a, "'");
    SYN_CHECK(
        a == "cpu" || device_ == Device::CUDA,
        "--augment_device cuda needs --device cuda (the views are made where the model runs)");
    augment_on_device_ = a == "cuda";
  }
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
  // A config of the user's own may predate --prefetch: absent means its default, 2.
  const int64_t prefetch = cfg_.has("prefetch") ? cfg_.get_int("prefetch") : 2;
  SYN_CHECK(prefetch >= 0 && prefetch <= 64, "--prefetch must be 0 (off) .. 64, got ", prefetch);
  views_ = std::make_unique<ViewLoader>([this](int64_t step) { return make_views(step); },
                                        (int)prefetch, cfg_.get_int("max_steps"));
}

HostViews ClmrTask::make_views(int64_t step) const {
  int64_t batch = cfg_.get_int("batch_size");
  SYN_CHECK(batch >= 2, "--batch_size must be at least 2 for a contrastive loss, got ", batch);
  int64_t length = cfg_.get_int("audio_length");
  augment::AugmentConfig aug = augment_config_from(cfg_);
  int64_t seed = cfg_.get_int("seed");
  // Clips for this step: distinct clips (a partial shuffle) when the dataset has enough,
  // otherwise drawn with replacement.
  // This rank's part of the step's global draw (all of it for one process).
  const std::vector<ShardClip> clips =
      shard_clips(derived_rng(seed, step, 0), data_->size(), batch, comm_ ? comm_->rank() : 0,
                  comm_ ? comm_->world() : 1);
  // Each view's random draws come first, from the streams (seed, step, 1 + 2g) and
  // (seed, step, 2 + 2g) of its clip's index g in the global draw; then the whole batch is
  // augmented in one call.
  std::vector<std::span<const float>> sources;
  std::vector<augment::AugmentDraw> draws_i, draws_j;
  for (int64_t b = 0; b < batch; ++b) {
    sources.push_back(data_->clip(clips[(size_t)b].clip));
    const int64_t g = clips[(size_t)b].global_index;
    Rng r1 = derived_rng(seed, step, 1 + 2 * g), r2 = derived_rng(seed, step, 2 + 2 * g);
    draws_i.push_back(augment::draw_chain((int64_t)sources.back().size(), aug, r1));
    draws_j.push_back(augment::draw_chain((int64_t)sources.back().size(), aug, r2));
  }
  HostViews v;
  v.batch = batch;
  v.length = length;
  if (augment_on_device_) {  // crops here; the rest of the chain runs at the step, on the GPU
    v.x_i = augment::crop_batch(sources, aug, draws_i);
    v.x_j = augment::crop_batch(sources, aug, draws_j);
    for (int64_t b = 0; b < batch; ++b) {
      v.params_i.push_back(augment::device_params(draws_i[(size_t)b], aug));
      v.params_j.push_back(augment::device_params(draws_j[(size_t)b], aug));
    }
  } else {
    v.x_i = augment::apply_chain_batch(sources, aug, draws_i);
    v.x_j = augment::apply_chain_batch(sources, aug, draws_j);
  }
  return v;
}

StepOutput ClmrTask::training_step(int64_t step) {
  model_->train();
  HostViews v = views_->get(step);
  Tensor x_i = Tensor::from_vector(v.x_i, {v.batch, 1, v.length}, device_);
  Tensor x_j = Tensor::from_vector(v.x_j, {v.batch, 1, v.length}, device_);
  if (!v.params_i.empty()) {  // --augment_device cuda
    const float rate = (float)cfg_.get_int("sample_rate");
    x_i = view_as_shape(augment_batch(view_as_shape(x_i, {v.batch, v.length}), v.params_i, rate),
                        {v.batch, 1, v.length});
    x_j = view_as_shape(augment_batch(view_as_shape(x_j, {v.batch, v.length}), v.params_j, rate),
                        {v.batch, 1, v.length});
  }
  models::ClmrOutput out = model_->forward(x_i, x_j);
  // Samples of the whole job (every rank's views), so the rate is the job's.
  return {out.loss, 2 * cfg_.get_int("batch_size") * (comm_ ? comm_->world() : 1), {}};
}

bool ClmrTask::flag(const char* key) const {
  return cfg_.has(key) && cfg_.get_int(key) != 0;  // a user's older config may lack the key
}

void ClmrTask::set_distributed(dist::Communicator& comm) {
  comm_ = &comm;
  if (comm.world() <= 1) return;
  NamedTensors state = model_->state_dict();
  std::vector<Tensor> tensors;
  for (auto& [name, t] : state) tensors.push_back(t);
  dist::broadcast_tensors(tensors, comm);  // every rank starts from rank 0's model (as DDP)
  dist::set_sync_batchnorm(flag("sync_batchnorm") ? &comm : nullptr);
  model_->set_gather_negatives(flag("gather_negatives") ? &comm : nullptr);
}

int64_t ClmrTask::steps_per_epoch() const {
  const int64_t batch = cfg_.get_int("batch_size") * (comm_ ? comm_->world() : 1);
  return (data_->size() + batch - 1) / batch;
}

TrainerOptions ClmrTask::trainer_options() const {
  TrainerOptions o;
  o.max_steps = cfg_.get_int("max_steps");
  o.run_dir = (fs::path(cfg_.get_string("log_dir")) / cfg_.get_string("run_name")).string();
  o.tensorboard = true;
  o.rate_scalar = "train/samples_per_second";
  o.checkpoint_every = cfg_.get_int("checkpoint_every");
  o.learning_rate = cfg_.get_float("learning_rate");
  o.warmup_steps = cfg_.get_int("warmup_steps");
  const std::string& schedule = cfg_.get_string("lr_schedule");
  SYN_CHECK(schedule == "cosine" || schedule == "constant",
            "--lr_schedule must be constant or cosine");
  o.cosine = schedule == "cosine";
  o.progress.every_seconds = cfg_.get_float("log_every_seconds");
  return o;
}

std::string ClmrTask::summary() const {
  std::string s = str_cat(model_->num_parameters(), " parameters, ", data_->size(),
                          " clips, batch ", cfg_.get_int("batch_size"));
  if (comm_ && comm_->world() > 1)
    s += str_cat(" per process x ", comm_->world(), " processes (", comm_->backend(),
                 ", sync_batchnorm ", cfg_.get_int("sync_batchnorm") ? 1 : 0, ", gather_negatives ",
                 cfg_.get_int("gather_negatives") ? 1 : 0, ")");
  return s;
}

std::string ClmrTask::device_description() const { return device_name(device_); }

void ClmrTask::save_state(Checkpoint& ck) const {
  store_model_and_optimizer(ck, *model_, *optimizer_);
  ck.meta["world_size"] = std::to_string(comm_ ? comm_->world() : 1);
}

void ClmrTask::load_state(const Checkpoint& ck, const std::string& path) {
  restore_model_and_optimizer(ck, path, *model_, *optimizer_);
  // Checkpoints from before distributed training have no world size: one process wrote them.
  auto w = ck.meta.find("world_size");
  const std::string written = w == ck.meta.end() ? "1" : w->second;
  const std::string now = std::to_string(comm_ ? comm_->world() : 1);
  resume_note_.clear();
  if (written != now)
    resume_note_ =
        str_cat("note: '", path, "' was written by ", written, " process(es), this run has ", now,
                ": the model and optimiser continue, but each step draws ",
                cfg_.get_int("batch_size"), " x ", now,
                " clips, so the data order (and the global batch) differ from a "
                "continuation at the old world size");
}

}  // namespace syn::app
