// clip_judge.h — a small contrastive image-text model (CLIP-style) that scores how well a picture
// fits a prompt: the judge of issue 15, trained on the picture corpus (data/pictures/).
//
// Image tower: models/emoji_classifier.h's CNN (conv-BN-ReLU-pool blocks, global average pool)
// whose final Linear projects to the joint space instead of to classes: x [B, 3, S, S] in [0, 1]
// -> [B, embed_dim].
// Text tower: a bag of words over the PromptTokenizer vocabulary of the training captions
// (models/prompt_encoder.h; unknown words are dropped): the words' mean one-hot vector [B, V]
// -> Linear(V -> text_hidden) -> ReLU -> Linear(text_hidden -> embed_dim). Word order is
// ignored on purpose: the prompts are short noun phrases and tag lists.
// Both embeddings are L2-normalised; similarity s_ij = <img_i, txt_j> / temperature (fixed).
// Loss on a batch of B matching (image, text) pairs, the symmetric InfoNCE of CLIP:
//   ( CE(s, arange(B)) + CE(s^T, arange(B)) ) / 2
// so each image must pick its own text among the batch's texts and each text its own image.
//
// Weight file (engine/checkpoint.h): the state dict (image.blocks..., image.fc..., text_fc1...,
// text_fc2...) plus meta/format "synesthesia-clip-judge-1", meta/vocabulary (one word a line),
// meta/widths, meta/image_size, meta/embed_dim, meta/text_hidden, meta/temperature.
//
//   models::ClipJudge judge(cfg, PromptTokenizer::build(captions), rng);
//   Tensor loss = judge.contrastive_loss(images, captions);
//   Tensor sim = judge.similarity(judge.encode_images(x), judge.encode_texts({"guitar"}));
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/layers.h"
#include "models/emoji_classifier.h"
#include "models/prompt_encoder.h"

namespace syn::models {

struct ClipJudgeConfig {
  std::vector<int64_t> widths{32, 64, 128};
  int64_t image_size = 32;
  int64_t embed_dim = 64;
  int64_t text_hidden = 256;
  double temperature = 0.07;
};

class ClipJudge : public Module {
 public:
  ClipJudge(const ClipJudgeConfig& cfg, PromptTokenizer tokenizer, Rng& rng);

  // x [B, 3, S, S] in [0, 1] -> unit rows [B, embed_dim]
  Tensor encode_images(const Tensor& x);
  // texts -> unit rows [B, embed_dim]
  Tensor encode_texts(const std::vector<std::string>& texts);
  // The mean one-hot of each text's known words [B, V] (a zero row when none is known).
  Tensor bag_of_words(const std::vector<std::string>& texts) const;
  // images [B, D], texts [T, D] (unit rows) -> [B, T] cosine similarities (no temperature)
  static Tensor similarity(const Tensor& images, const Tensor& texts);
  // The symmetric InfoNCE of B matching pairs (row i of x with texts[i]); a scalar.
  Tensor contrastive_loss(const Tensor& x, const std::vector<std::string>& texts);

  const ClipJudgeConfig& config() const { return cfg_; }
  const PromptTokenizer& tokenizer() const { return tokenizer_; }

 private:
  ClipJudgeConfig cfg_;
  PromptTokenizer tokenizer_;
  std::shared_ptr<EmojiClassifier> image_;
  std::shared_ptr<nn::Linear> text_fc1_, text_fc2_;
};

// With fp16 the tensors are stored as IEEE half (engine/checkpoint.h); the loader reads both.
void save_clip_judge(const std::string& path, const ClipJudge& judge,
                     const std::map<std::string, std::string>& meta = {}, bool fp16 = false);
// Reads a file of save_clip_judge in eval mode; errors name the file and what is wrong.
std::shared_ptr<ClipJudge> load_clip_judge(const std::string& path,
                                           std::map<std::string, std::string>* meta = nullptr);

}  // namespace syn::models
