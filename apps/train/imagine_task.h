// imagine_task.h — the text-to-image model's training as a Task of the Trainer
// (apps/train_imagine, bench/bench_unet): (image, caption) pairs → prompt tokenizer →
// TextToImageNet (prompt encoder + U-Net) → the DDPM MSE on ε or v (--prediction), optionally
// min-SNR-γ weighted (--loss_weighting), AdamW with warmup + cosine and gradient clipping, an
// EMA of the weights after every step; validation loss, sample grids, fp16 EMA export. Its
// checkpoint (kind "imagine-train") holds the model, the optimiser, the EMA ("ema.<parameter>")
// and the prompt vocabulary with its tokenizer scheme.
//
// Data: images in [−1, 1] ([N, 3, S, S]) with their captions and subgroups — or, for a latent
// model (an autoencoder given), the pictures' scaled latents [N, C, L, L] (encoded once, kept in
// memory; models/latent_codec.h), whose samples and export go through the autoencoder. With the
// "words+bytes" tokenizer each known word of a training prompt is spelled in bytes with
// probability spell_prob, so the byte ids learn what spellings mean. Training prompts:
// the caption, with probability subgroup_prob followed by its subgroup's words (so "guitar"
// also learns "musical instrument"), and with probability cond_drop_prob replaced by the empty
// prompt (classifier-free guidance's unconditional case). Augmentation: a random translation of
// up to max_shift pixels in each direction, the uncovered border filled with the background
// value (no flips: emoji have an orientation). Focus (apps/train/imagine_focus.h): with
// focus_prob > 0 each batch slot is, with that probability, a uniformly drawn picture of the
// focus concepts instead of the epoch stream's (whose position advances either way).
//
// Determinism: the images of step s are positions s·B .. s·B+B−1 of an endless stream of
// seeded per-epoch permutations, and every random draw of step s (prompt choices, shifts,
// timesteps, noise) comes from a generator derived from (seed, step), so a run resumed from the
// checkpoint of step s continues exactly like the uninterrupted run (same thread count, device).
// Validation: the held-out images, each at the fixed timesteps val_timesteps with fixed noise
// (seeded), with their plain captions: the same numbers every time, comparable across runs.
#pragma once
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/train/task.h"
#include "data/datasets/emoji_dataset.h"
#include "data/pictures/picture_corpus.h"
#include "engine/config.h"
#include "engine/optim/optimizer.h"
#include "models/autoencoder.h"
#include "models/diffusion.h"
#include "models/prediction.h"
#include "models/text_to_image.h"

namespace syn::app {

struct ImagineData {
  Tensor images;  // [N, 3, S, S] in [−1, 1] (or latents [N, C, L, L]), CPU
  std::vector<std::string> captions, subgroups;
  float background = 0.0f;  // the canvas value in [−1, 1] (fills shifted-in borders)
  // The first this many are single pictures; composed scenes (--scene_corpus) follow, whose
  // "subgroup" is only their first object's concept, so focus (imagine_focus.h) skips them.
  // -1: all are single pictures.
  int64_t single_pictures = -1;
  int64_t size() const { return (int64_t)captions.size(); }
};
// The train (held_out = false) or held-out images of an emoji dataset at `size` pixels.
ImagineData emoji_split(const EmojiDataset& ds, int size, bool held_out);
// The same for the picture corpus (data/pictures/picture_corpus.h): captions, and each
// picture's concept as its "subgroup" (so "grinning face" also learns "happy face").
ImagineData corpus_split(const pictures::PictureCorpus& corpus, int size, bool held_out);
// `extra`'s pictures, captions and subgroups after `data`'s (e.g. composed scenes after the
// corpus's training pictures); the sizes must match; `data`'s background stays.
void append_imagine_data(ImagineData& data, const ImagineData& extra);

// The words a subgroup adds to a prompt: "musical-instrument" -> "musical instrument".
std::string subgroup_words(const std::string& subgroup);
// The tokenizer's texts: every caption and every subgroup's words.
models::PromptTokenizer build_prompt_tokenizer(const ImagineData& train,
                                               bool byte_fallback = false);
// The network sizes from the config (vocab_size is the tokenizer's); a latent model's U-Net
// takes `in_channels` latent channels.
models::TextToImageConfig text_to_image_config_from(const Config& cfg, int64_t vocab_size,
                                                    int64_t image_size, int64_t in_channels = 3);

class ImagineTask : public Task {
 public:
  // `tokenizer`: the one a resumed checkpoint recorded; built from `train` when absent (with
  // --tokenizer's scheme). `autoencoder`: given for a latent model, whose data are latents.
  ImagineTask(const Config& cfg, ImagineData train, ImagineData val,
              std::optional<models::PromptTokenizer> tokenizer = std::nullopt,
              std::shared_ptr<models::Autoencoder> autoencoder = nullptr);

  std::string name() const override { return "train_imagine"; }
  const Config& config() const override { return cfg_; }
  TrainerOptions trainer_options() const override;
  std::string summary() const override;
  std::string device_description() const override;
  Module& trained_module() override { return *net_; }
  Optimizer& optimizer() override { return *optimizer_; }
  double grad_clip() const override { return cfg_.get_float("grad_clip"); }
  // The training pictures --focus_concepts selects (empty without focus).
  const std::vector<int64_t>& focus() const { return focus_; }
  // The training pictures of step `step`'s batch, in batch order (what training_step draws).
  std::vector<int64_t> batch_pictures(int64_t step);
  // The batch's ε-MSE of step `step` (its units: images).
  StepOutput training_step(int64_t step) override;
  void after_optimizer_step() override;  // the EMA follows the weights
  bool has_validation() const override { return true; }
  // The held-out loss with the live and the EMA weights, on one log line.
  void validation(std::ostream& log, SummaryWriter* tb) override;
  // samples_<step>.png every sample_every steps, and at the end unless sample_every < 0.
  void artifacts(bool final, std::ostream& log) override;
  std::string kind() const override { return "imagine-train"; }
  std::string what() const override { return "a train_imagine checkpoint"; }
  void save_state(Checkpoint& ck) const override;
  // Refuses a checkpoint trained with another prompt vocabulary than this task's.
  void load_state(const Checkpoint& ck, const std::string& path) override;

  // MSE of the prediction target (ε or v, unweighted) on the validation images at the fixed
  // timesteps and noise; `ema`: with the EMA weights.
  double validation_loss(bool ema);
  // fp16 EMA weights with the tokenizer, sizes and `provenance` in the metadata.
  void export_weights(const std::string& path,
                      const std::map<std::string, std::string>& provenance);
  // A grid PNG of the sample prompts (EMA weights, fixed seed, --sample_sampler); returns the
  // pictures [N, 3, S, S] in [0, 1] (decoded from latents for a latent model).
  Tensor write_samples(const std::string& path);

  const std::vector<double>& val_losses() const { return val_losses_; }  // EMA weights
  models::TextToImageNet& net() { return *net_; }
  models::TextToImageNet& ema_net();  // the EMA weights copied into a second network
  const models::PromptTokenizer& tokenizer() const { return tok_; }
  const models::NoiseSchedule& schedule() const { return schedule_; }

 private:
  struct Batch {
    Tensor x0;  // [B, 3, S, S]
    std::vector<std::string> prompts;
    std::vector<int64_t> pictures;  // their indices in the training data
  };
  Batch training_batch(int64_t step, Rng& rng);
  const std::vector<int64_t>& epoch_order(int64_t epoch);

  Config cfg_;
  ImagineData train_, val_;
  models::PromptTokenizer tok_;
  models::NoiseSchedule schedule_;
  std::unique_ptr<models::TextToImageNet> net_, ema_net_;
  std::unique_ptr<models::Ema> ema_;
  std::shared_ptr<models::Autoencoder> ae_;  // latent models only
  models::Prediction prediction_ = models::Prediction::Eps;
  std::unique_ptr<Optimizer> optimizer_;
  Device device_ = Device::CPU;
  bool ema_synced_ = false;  // ema_net_ holds the EMA's current weights
  std::vector<double> val_losses_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> epoch_order_;
  std::vector<int64_t> focus_;  // --focus_concepts' training pictures (apps/train/imagine_focus.h)
};

}  // namespace syn::app
