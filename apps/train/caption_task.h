// caption_trainer.h — the training loop behind apps/train_captioner, as a class so tests can
// drive it step by step: (tags, caption) pairs → BPE → CaptionDecoder → cross-entropy on the
// next token → AdamW with warmup + cosine → progress lines, TensorBoard, validation loss,
// atomic checkpoints, exact resume; export_weights() writes the fp16 file that ships.
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

class CaptionTrainer {
 public:
  // `tokenizer`: the one a resumed checkpoint recorded; learned from `train` when absent.
  CaptionTrainer(const Config& cfg, std::vector<CaptionPair> train, std::vector<CaptionPair> val,
                 std::optional<BpeTokenizer> tokenizer = std::nullopt);

  // One optimisation step (step = steps done before it); returns the mean token loss. Throws
  // NonFiniteLoss (parameters untouched) when the loss is NaN or infinite.
  float train_step(int64_t step);
  // Mean token loss over the validation rows (all tags, no dropout).
  double validation_loss();
  // Steps from the resumed step to max_steps with progress lines, validation every val_every
  // steps (and at the end), TensorBoard scalars and checkpoints.
  void run(std::ostream& log);

  void save_checkpoint(const std::string& path) const;
  void load_checkpoint(const std::string& path);
  // fp16 weights with the tokenizer, sizes and `provenance` entries in the metadata.
  void export_weights(const std::string& path,
                      const std::map<std::string, std::string>& provenance) const;

  int64_t step() const { return step_; }
  const std::vector<float>& losses() const { return losses_; }
  const std::vector<double>& val_losses() const { return val_losses_; }
  models::CaptionDecoder& model() { return *model_; }
  const BpeTokenizer& tokenizer() const { return tok_; }
  const CaptionText& text() const { return text_; }
  int64_t steps_per_epoch() const;
  std::string run_dir() const;
  // Wall time of the training steps, summed over the run and the runs it resumed.
  double train_seconds() const { return train_seconds_; }

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
  int64_t step_ = 0;
  std::vector<float> losses_;
  std::vector<double> val_losses_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> epoch_order_;  // row indices of cached_epoch_, batch after batch
  double train_seconds_ = 0;
  int64_t last_tokens_ = 0;  // target tokens of the last step (the rate's unit)
};

}  // namespace syn::app
