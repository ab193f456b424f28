// imagine_trainer.h — the training loop behind apps/train_imagine, as a class tests can drive
// step by step: (image, caption) pairs → prompt tokenizer → TextToImageNet (prompt encoder +
// U-Net) → DDPM ε-MSE → AdamW with warmup + cosine, EMA of the weights → progress lines,
// validation loss, sample grids, atomic checkpoints, exact resume, fp16 EMA export.
//
// Data: images in [−1, 1] ([N, 3, S, S]) with their captions and subgroups. Training prompts:
// the caption, with probability subgroup_prob followed by its subgroup's words (so "guitar"
// also learns "musical instrument"), and with probability cond_drop_prob replaced by the empty
// prompt (classifier-free guidance's unconditional case). Augmentation: a random translation of
// up to max_shift pixels in each direction, the uncovered border filled with the background
// value (no flips: emoji have an orientation).
//
// Determinism: the images of step s are positions s·B .. s·B+B−1 of an endless stream of
// seeded per-epoch permutations, and every random draw of step s (prompt choices, shifts,
// timesteps, noise) comes from a generator derived from (seed, step), so a run resumed from the
// checkpoint of step s continues exactly like the uninterrupted run (same thread count, device).
// Validation: the held-out images, each at the fixed timesteps val_timesteps with fixed noise
// (seeded), with their plain captions: the same numbers every time, comparable across runs.
#pragma once
#include <atomic>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/datasets/emoji_dataset.h"
#include "engine/config.h"
#include "engine/optim/optimizer.h"
#include "models/diffusion.h"
#include "models/text_to_image.h"

namespace syn::app {

struct ImagineData {
  Tensor images;  // [N, 3, S, S] in [−1, 1], CPU
  std::vector<std::string> captions, subgroups;
  float background = 0.0f;  // the canvas value in [−1, 1] (fills shifted-in borders)
  int64_t size() const { return (int64_t)captions.size(); }
};
// The train (held_out = false) or held-out images of an emoji dataset at `size` pixels.
ImagineData emoji_split(const EmojiDataset& ds, int size, bool held_out);

// The words a subgroup adds to a prompt: "musical-instrument" -> "musical instrument".
std::string subgroup_words(const std::string& subgroup);
// The tokenizer's texts: every caption and every subgroup's words.
models::PromptTokenizer build_prompt_tokenizer(const ImagineData& train);
// The network sizes from the config (vocab_size is the tokenizer's).
models::TextToImageConfig text_to_image_config_from(const Config& cfg, int64_t vocab_size,
                                                    int64_t image_size);

class ImagineTrainer {
 public:
  // `tokenizer`: the one a resumed checkpoint recorded; built from `train` when absent.
  ImagineTrainer(const Config& cfg, ImagineData train, ImagineData val,
                 std::optional<models::PromptTokenizer> tokenizer = std::nullopt);

  // One optimisation step (step = steps done before it): returns the batch's ε-MSE. Throws
  // NonFiniteLoss (parameters untouched) when the loss is NaN or infinite.
  float train_step(int64_t step);
  // ε-MSE on the validation images at the fixed timesteps and noise; `ema`: with the EMA weights.
  double validation_loss(bool ema);
  // Steps from the resumed step to max_steps (or until max_seconds of this call, or *stop set
  // by a signal handler): progress lines, validation, sample grids, checkpoints (always one at
  // the end). `until_step` >= 0 stops like an interrupt once that many steps are done (tests
  // interrupt a run deterministically with it). Returns true when max_steps was reached.
  bool run(std::ostream& log, const std::atomic<bool>* stop = nullptr, int64_t until_step = -1);

  void save_checkpoint(const std::string& path) const;
  void load_checkpoint(const std::string& path);
  // fp16 EMA weights with the tokenizer, sizes and `provenance` in the metadata.
  void export_weights(const std::string& path, const std::map<std::string, std::string>& provenance);
  // A grid PNG of the sample prompts (EMA weights, fixed seed); returns the images [N,3,S,S].
  Tensor write_samples(const std::string& path);

  int64_t step() const { return step_; }
  const std::vector<float>& losses() const { return losses_; }
  const std::vector<double>& val_losses() const { return val_losses_; }  // EMA weights
  models::TextToImageNet& net() { return *net_; }
  models::TextToImageNet& ema_net();  // the EMA weights copied into a second network
  const models::PromptTokenizer& tokenizer() const { return tok_; }
  const models::NoiseSchedule& schedule() const { return schedule_; }
  std::string run_dir() const;
  double train_seconds() const { return train_seconds_; }
  std::string device_description() const;

 private:
  struct Batch {
    Tensor x0;  // [B, 3, S, S]
    std::vector<std::string> prompts;
  };
  Batch training_batch(int64_t step, Rng& rng);
  const std::vector<int64_t>& epoch_order(int64_t epoch);
  double clip_gradients();

  Config cfg_;
  ImagineData train_, val_;
  models::PromptTokenizer tok_;
  models::NoiseSchedule schedule_;
  std::unique_ptr<models::TextToImageNet> net_, ema_net_;
  std::unique_ptr<models::Ema> ema_;
  std::unique_ptr<Optimizer> optimizer_;
  Device device_ = Device::CPU;
  int64_t step_ = 0;
  int64_t ema_synced_step_ = -1;  // the step whose EMA weights ema_net_ holds
  std::vector<float> losses_;
  std::vector<double> val_losses_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> epoch_order_;
  double train_seconds_ = 0;
  std::vector<std::string> kept_checkpoints_;
};

}  // namespace syn::app
