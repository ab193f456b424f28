// caption_task.h — the tags → sentence decoder's training as a Task of the Trainer
// (apps/train_captioner): (tags, caption) pairs → BPE → CaptionDecoder → cross-entropy on the
// next token, AdamW with warmup + cosine and gradient clipping, validation loss on a held-out
// slice; export_weights() writes the fp16 file that ships. Its checkpoint (kind
// "caption-train") holds the model, the optimiser and the tokenizer with the decoder's sizes.
//
// Batches: each epoch's order is a function of (seed, epoch) only — a seeded shuffle, then
// within groups of `bucket` batches the rows are sorted by caption length (less padding), cut
// into batches, and the batches shuffled. Each example's tags are shuffled and, with probability
// tag_drop_prob, thinned to a random non-empty subset (teaching the decoder to write from the few
// confident tags a tagger gives) by a generator derived from (seed, step, example); dropout
// draws from (seed, step) too. So a run resumed from the checkpoint of step s reproduces the
// uninterrupted run's losses exactly (same thread count, same device).
#pragma once
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/pipeline/caption_model.h"
#include "apps/train/task.h"
#include "data/datasets/musiccaps.h"
#include "data/text/tokenizer.h"
#include "engine/config.h"
#include "engine/optim/optimizer.h"
#include "models/caption_decoder.h"

namespace syn::app {

struct CaptionPair {
  std::vector<std::string> tags;
  std::string caption;
};

// The MusicCaps training rows (never evaluation rows) split into a training part and a held-out
// validation slice of `val_rows` rows, chosen by a seeded shuffle.
struct CaptionSplit {
  std::vector<CaptionPair> train, val;
};
CaptionSplit split_training_rows(const std::vector<MusicCapsRow>& train_rows, int64_t val_rows,
                                 uint64_t seed);

// The decoder sizes and text conventions from the config (d_model, heads, ...); vocab_size is
// the tokenizer's.
models::CaptionDecoderConfig decoder_config_from(const Config& cfg, int64_t vocab_size);
CaptionText caption_text_from(const Config& cfg);

// Learns the BPE on the training texts: captions and tags, normalised as the model sees them.
BpeTokenizer learn_caption_tokenizer(const std::vector<CaptionPair>& train, const Config& cfg);

class CaptionTask : public Task {
 public:
  // `tokenizer`: the one a resumed checkpoint recorded; learned from `train` when absent.
  CaptionTask(const Config& cfg, std::vector<CaptionPair> train, std::vector<CaptionPair> val,
              std::optional<BpeTokenizer> tokenizer = std::nullopt);

  std::string name() const override { return "train_captioner"; }
  const Config& config() const override { return cfg_; }
  TrainerOptions trainer_options() const override;
  std::string summary() const override;
  std::string device_description() const override { return device_name(device_); }
  Module& trained_module() override { return *model_; }
  Optimizer& optimizer() override { return *optimizer_; }
  double grad_clip() const override { return cfg_.get_float("grad_clip"); }
  // The mean token loss of step `step`'s batch (its units: the target tokens).
  StepOutput training_step(int64_t step) override;
  bool has_validation() const override { return true; }  // NaN without validation rows
  // "validation loss <v> at step <s> (epoch <e>)" and the val/loss scalar.
  void validation(std::ostream& log, SummaryWriter* tb) override;
  std::string kind() const override { return "caption-train"; }
  std::string what() const override { return "a train_captioner checkpoint"; }
  void save_state(Checkpoint& ck) const override;
  // Refuses a checkpoint trained with another tokenizer than this task's.
  void load_state(const Checkpoint& ck, const std::string& path) override;

  // Mean token loss over the validation rows (all tags, no dropout); NaN without rows.
  double validation_loss();
  // fp16 weights with the tokenizer, sizes and `provenance` entries in the metadata.
  void export_weights(const std::string& path,
                      const std::map<std::string, std::string>& provenance) const;

  const std::vector<double>& val_losses() const { return val_losses_; }
  models::CaptionDecoder& model() { return *model_; }
  const BpeTokenizer& tokenizer() const { return tok_; }
  const CaptionText& text() const { return text_; }
  int64_t steps_per_epoch() const;

 private:
  struct Example {
    std::vector<std::vector<int32_t>> tags;  // tokens per tag
    std::vector<int32_t> caption;            // <bos> tokens <eos>, cut to max_len + 1
  };
  struct Batch {
    models::TagIds tags;
    std::vector<int64_t> inputs, targets;  // [B, T]; targets -100 on padding
    int64_t B = 0, T = 0, tokens = 0;
  };
  Example tokenise(const CaptionPair& p) const;
  const std::vector<int64_t>& epoch_rows(int64_t epoch);
  Batch make_batch(const std::vector<const Example*>& rows,
                   const std::vector<std::vector<std::vector<int32_t>>>& tags) const;
  Batch training_batch(int64_t step);
  Tensor batch_loss(const Batch& b, Rng* dropout_rng);

  Config cfg_;
  CaptionText text_;
  BpeTokenizer tok_;
  std::vector<Example> train_, val_;
  std::unique_ptr<models::CaptionDecoder> model_;
  std::unique_ptr<Optimizer> optimizer_;
  Device device_ = Device::CPU;
  std::vector<double> val_losses_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> epoch_order_;  // row indices of cached_epoch_, batch after batch
};

}  // namespace syn::app
