// autoencoder_task.h — training the picture autoencoder (models/autoencoder.h) on the picture
// corpus's 64-px pictures as a Task of the Trainer (apps/train_autoencoder), its loss, and its
// evaluation on held-out pictures (PSNR, what it costs the judge's recognition, a contact sheet).
//
// Loss of a batch x (pixels in [−1, 1]), z = encode(x), x̂ = decode(z):
//   l1_weight · mean|x̂ − x| + mse_weight · mean (x̂ − x)² + latent_l2 · mean z²
//   + perceptual_weight · mean over pictures of (1 − cos(judge(↓x̂), judge(↓x)))
// where ↓ is the 2×2 mean down to the judge's 32 px and judge() its unit image embedding
// (models/clip_judge.h, frozen, in eval mode). The L2 term on z is what keeps the deterministic
// latent's scale from drifting (the role of Stable Diffusion's small KL term).
//
// A step's batch: positions s·B .. s·B+B−1 of an endless stream of seeded per-epoch
// permutations of the training pictures, each flipped left-right with probability flip_prob,
// drawn from a generator derived from (seed, step): a run resumed from the checkpoint of step s
// continues exactly like the uninterrupted run (same thread count and device). Checkpoint
// (kind "autoencoder-train"): the model and the AdamW state.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apps/train/task.h"
#include "data/pictures/picture_corpus.h"
#include "engine/config.h"
#include "engine/optim/optimizer.h"
#include "models/autoencoder.h"
#include "models/clip_judge.h"

namespace syn::app {

struct AutoencoderData {
  Tensor images;                      // [N, 3, S, S] in [−1, 1], CPU
  std::vector<std::string> concepts;  // concept id of each picture
  int64_t size() const { return (int64_t)concepts.size(); }
};
// The training (held_out = false) or held-out pictures of a corpus at `size` pixels, with their
// concept ids (imagine_task.h's corpus_split, without the captions).
AutoencoderData autoencoder_data(const pictures::PictureCorpus& corpus, int size, bool held_out);

struct AeLossWeights {
  double l1 = 1.0, mse = 0.0, latent_l2 = 0.0, perceptual = 0.0;
};
struct AeLoss {
  Tensor total;                                           // scalar with the graph
  double l1 = 0, mse = 0, latent_l2 = 0, perceptual = 0;  // the unweighted terms' values
};
// The loss above for pictures x [B, 3, S, S] in [−1, 1]; `judge` may be null when
// weights.perceptual is 0.
AeLoss autoencoder_loss(models::Autoencoder& ae, const Tensor& x, const AeLossWeights& weights,
                        models::ClipJudge* judge);

// Mean |a − b| over every element, from existing ops (relu(d) + relu(−d)): a scalar.
Tensor l1_loss(const Tensor& a, const Tensor& b);
// x [B, C, H, W] (H, W even) -> [B, C, H/2, W/2], the mean of each 2×2 block.
Tensor downsample2x(const Tensor& x);

class AutoencoderTask : public Task {
 public:
  // `judge`: the perceptual term's judge (required when perceptual_weight > 0), not owned.
  AutoencoderTask(const Config& cfg, AutoencoderData train, AutoencoderData val,
                  models::ClipJudge* judge = nullptr);

  std::string name() const override { return "train_autoencoder"; }
  const Config& config() const override { return cfg_; }
  TrainerOptions trainer_options() const override;
  std::string summary() const override;
  std::string device_description() const override;
  Module& trained_module() override { return *ae_; }
  Optimizer& optimizer() override { return *optimizer_; }
  double grad_clip() const override { return cfg_.get_float("grad_clip"); }
  StepOutput training_step(int64_t step) override;  // units: pictures
  bool has_validation() const override { return true; }
  // Held-out PSNR and L1 on the first val_pictures held-out pictures.
  void validation(std::ostream& log, SummaryWriter* tb) override;
  // sheet_<step>.png (originals | reconstructions) every sheet_every steps and at the end.
  void artifacts(bool final, std::ostream& log) override;
  std::string kind() const override { return "autoencoder-train"; }
  std::string what() const override { return "a train_autoencoder checkpoint"; }
  void save_state(Checkpoint& ck) const override;
  void load_state(const Checkpoint& ck, const std::string& path) override;

  // Sets the autoencoder's latent_scale to 1 / std of the latents of (up to) `pictures`
  // training pictures (evenly spaced); returns the std.
  double measure_latent_scale(int64_t pictures);
  // fp16 weights with sizes, latent_scale and `provenance`.
  void export_weights(const std::string& path,
                      const std::map<std::string, std::string>& provenance) const;

  models::Autoencoder& autoencoder() { return *ae_; }
  const std::vector<double>& val_psnr() const { return val_psnr_; }

 private:
  Tensor training_batch(int64_t step);
  const std::vector<int64_t>& epoch_order(int64_t epoch);

  Config cfg_;
  AutoencoderData train_, val_;
  models::ClipJudge* judge_;
  std::unique_ptr<models::Autoencoder> ae_;
  std::unique_ptr<Optimizer> optimizer_;
  Device device_ = Device::CPU;
  std::vector<double> val_psnr_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> epoch_order_;
};

// The autoencoder's configuration from a config's keys (latent_channels, base_channels,
// channel_mult, norm_groups; image_size).
models::AutoencoderConfig autoencoder_config_from(const Config& cfg);

struct AeQuality {
  int64_t pictures = 0;
  double psnr = 0;        // dB, over all pictures' pixels in [0, 1] (10·log10(1 / MSE))
  double mean_psnr = 0;   // mean of the per-picture PSNRs
  double l1 = 0;          // mean |x̂ − x| in [0, 1] units
  double latent_std = 0;  // std of the latents of these pictures (before latent_scale)
  double judge_top1_original = -1, judge_top1_reconstruction = -1;  // −1: no judge
  double judge_top5_original = -1, judge_top5_reconstruction = -1;
  int64_t judge_concepts = 0;
  // Time spent in encode() and in decode(): wall seconds and process CPU seconds (all threads;
  // the CPU figure is the one to compare on a shared machine).
  double encode_wall = 0, decode_wall = 0, encode_cpu = 0, decode_cpu = 0;
  Tensor reconstructions;  // [N, 3, S, S] in [0, 1], clamped
};
// Reconstructs `data` (in batches of `batch`) and measures it. With a judge: its zero-shot
// concept top-1/top-5 (apps/train/clip_judge_task.h) among `concept_names` on the originals and
// on the reconstructions, both brought to the judge's size by the same 2×2 means.
AeQuality evaluate_autoencoder(models::Autoencoder& ae, const AutoencoderData& data, int64_t batch,
                               models::ClipJudge* judge,
                               const std::vector<std::string>& concept_names);

// A PNG of `count` pictures (evenly spaced over the originals; rounded down to whole rows) in
// [0, 1]: rows of `pairs` originals, each followed by the row of their reconstructions,
// upscaled by `scale`.
void write_contact_sheet(const std::string& path, const Tensor& originals01,
                         const Tensor& reconstructions01, int64_t count, int64_t pairs,
                         int64_t scale);

}  // namespace syn::app
