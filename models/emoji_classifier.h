// emoji_classifier.h — a small CNN that names the concept an emoji-sized picture shows: the
// measuring instrument for "does the generated image show the prompt's concept?" (the diffusion
// U-Net is trained on the emoji art of data/datasets/emoji_dataset.h; apps/eval/image_quality.h
// scores its samples with this model).
//
// Concept: an emoji's split key, data/datasets/emoji_dataset.h split_key(name) — the CLDR name
// before any
// ':' qualifier, so the six skin-tone variants of "woman dancing" are one concept. The music-
// picture vocabulary (223 images) holds 198 concepts.
//
// Architecture (NCHW, x in [0, 1], 32×32 by default; any size divisible by 2^blocks):
//   x - 0.5
//   blocks.<i>: conv3×3 (pad 1, no bias) → BatchNorm2d → ReLU → maxpool 2×2, widths 32, 64, 128
//               32×32 → 16×16 → 8×8 → 4×4
//   global average pool over H, W → [B, 128] features
//   fc: Linear(128 → number of concepts) → logits
// ≈ 10 M multiply-adds per 32×32 image, ≈ 120 k parameters with 198 concepts.
//
// Weight file (engine/checkpoint.h): the state dict (blocks.0.0.weight, blocks.0.1.running_mean,
// ..., fc.weight, fc.bias) plus
//   meta/format   "synesthesia-emoji-classifier-1"
//   meta/concepts one concept name per line, in class-index order
//   meta/widths   "32,64,128"        meta/image_size "32"
// and whatever provenance the caller adds (data, command, steps, device, accuracy).
//
//   Rng rng(1);
//   models::EmojiClassifier net({.num_classes = 198}, rng);
//   Tensor logits = net.forward(x);                          // [B, 198]
//   models::save_emoji_classifier("c.synckpt", net, concepts, {{"steps", "3000"}}, true);
//   models::LoadedEmojiClassifier back = models::load_emoji_classifier("c.synckpt");
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/layers2d.h"

namespace syn::models {

struct EmojiClassifierConfig {
  int64_t num_classes = 0;
  std::vector<int64_t> widths{32, 64, 128};  // one conv-BN-ReLU-pool block per entry
  int64_t image_size = 32;                   // square inputs, divisible by 2^widths.size()
};

class EmojiClassifier : public nn::Layer {
 public:
  EmojiClassifier(const EmojiClassifierConfig& cfg, Rng& rng);
  // x [B, 3, S, S] in [0, 1] -> logits [B, num_classes]
  Tensor forward(const Tensor& x) override;
  // x [B, 3, S, S] -> pooled features [B, widths.back()]
  Tensor features(const Tensor& x);
  const EmojiClassifierConfig& config() const { return cfg_; }

 private:
  EmojiClassifierConfig cfg_;
  std::shared_ptr<nn::Sequential> blocks_;
  std::shared_ptr<nn::Linear> fc_;
};

// Writes the model with its concept list (one per class, no line breaks) and `meta` (keys without
// the "meta/" prefix; format/concepts/widths/image_size are reserved). fp16 halves the file.
void save_emoji_classifier(const std::string& path, const EmojiClassifier& model,
                           const std::vector<std::string>& concepts,
                           const std::map<std::string, std::string>& meta = {}, bool fp16 = false);

struct LoadedEmojiClassifier {
  std::shared_ptr<EmojiClassifier> model;   // in eval mode, on the CPU
  std::vector<std::string> concepts;        // class index -> concept name
  std::map<std::string, std::string> meta;  // every meta entry of the file (without "meta/")
};
// Reads a file written by save_emoji_classifier; errors name the file and what is wrong (format
// tag, concept count against the fc shape, state-dict mismatches).
LoadedEmojiClassifier load_emoji_classifier(const std::string& path);

}  // namespace syn::models
