// prompt_encoder.h — the text side of the text-to-image model: a word-level tokenizer built
// from the training captions and a small transformer that turns a prompt into tokens the
// U-Net cross-attends to.
//
// Tokenizer. A prompt is lower-cased (ASCII letters), split into words at every byte that is
// not an ASCII letter or digit (UTF-8 multi-byte sequences count as word characters, so
// "piñata" stays one word; the typographic apostrophe ’ splits like '). Ids: 0 <pad>, 1 <unk>,
// 2 <bos>, then the vocabulary words in sorted order. encode() gives <bos> followed by the words
// (unknown words -> <unk>, never an error), cut to max_len ids. An empty prompt is just <bos>:
// the unconditional prompt of classifier-free guidance. The vocabulary is stored as one word
// per line (to_text / from_text), inside the weights file's metadata.
//
// Encoder. token embedding [V, D] + learned positions [max_len, D] -> `layers` pre-LN
// self-attention blocks (padding keys masked) -> LayerNorm -> tokens [B, T, D] with the key
// padding mask [B, T] (1 = padding) that cross-attention takes. T is the longest prompt of the
// batch (>= 1: every prompt has its <bos>).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/module.h"
#include "engine/nn/layers_text.h"
#include "engine/rng.h"
#include "models/transformer_block.h"

namespace syn::models {

class PromptTokenizer {
 public:
  static constexpr int64_t kPad = 0, kUnk = 1, kBos = 2, kFirstWord = 3;

  PromptTokenizer() = default;
  // The vocabulary of every word in `texts` (duplicates and order do not matter).
  static PromptTokenizer build(const std::vector<std::string>& texts);
  // One word per line, as to_text() writes; `source` names the text in errors.
  static PromptTokenizer from_text(const std::string& text, const std::string& source);
  std::string to_text() const;

  // Lower-cased words of a prompt, in order.
  static std::vector<std::string> words(const std::string& text);
  // <bos> + word ids (unknown -> <unk>), at most max_len ids.
  std::vector<int64_t> encode(const std::string& text, int64_t max_len) const;
  int64_t vocab_size() const { return kFirstWord + (int64_t)words_.size(); }
  const std::vector<std::string>& vocabulary() const { return words_; }
  int64_t id(const std::string& word) const;  // kUnk when absent

 private:
  std::vector<std::string> words_;  // sorted, unique
};

struct PromptEncoderConfig {
  int64_t vocab_size = 0;
  int64_t dim = 128;
  int64_t heads = 4;
  int64_t layers = 2;
  int64_t ff_mult = 4;
  int64_t max_len = 16;  // <bos> + up to max_len - 1 words
};

// Token ids of a batch of prompts: [B, T] row-major, padded with kPad.
struct PromptIds {
  std::vector<int64_t> ids;
  std::vector<int64_t> lengths;  // [B], each >= 1
  int64_t B = 0, T = 0;
};
PromptIds encode_prompts(const PromptTokenizer& tok, const std::vector<std::string>& prompts,
                         int64_t max_len);

struct PromptTokens {
  Tensor tokens;       // [B, T, D]
  Tensor key_padding;  // [B, T], 1 = padding
};

class PromptEncoder : public Module {
 public:
  PromptEncoder(const PromptEncoderConfig& config, Rng& rng);
  const PromptEncoderConfig& config() const { return cfg_; }
  PromptTokens forward(const PromptIds& ids);

 private:
  PromptEncoderConfig cfg_;
  std::shared_ptr<nn::Embedding> tok_emb_, pos_emb_;
  std::vector<std::shared_ptr<TransformerBlock>> blocks_;
  std::shared_ptr<nn::LayerNorm> final_norm_;
};

}  // namespace syn::models
