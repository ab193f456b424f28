// prompt_encoder.h — the text side of the text-to-image model: a tokenizer built from the
// training captions and a small transformer that turns a prompt into tokens the U-Net
// cross-attends to.
//
// Tokenizer. A prompt is lower-cased (ASCII letters), split into words at every byte that is
// not an ASCII letter or digit (UTF-8 multi-byte sequences count as word characters, so
// "piñata" stays one word; the typographic apostrophe ’ splits like '). Two schemes:
//   "words" (the first model's): ids 0 <pad>, 1 <unk>, 2 <bos>, then the vocabulary words in
//     sorted order; an unknown word is <unk>.
//   "words+bytes" (subword fallback, so no prompt word is ever <unk>): ids 0 <pad>, 1 <unk>
//     (never produced), 2 <bos>, 3 + b the byte b starting a spelled word, 259 + b the byte b
//     continuing one, then the vocabulary words from 515. A known word is its word id, any other
//     word is spelled byte by byte; the word-initial byte ids keep the boundary between two
//     spelled words. Training may also spell known words (spell_prob) so the byte ids learn what
//     spellings mean and an unseen word lands near the words it resembles.
// encode() gives <bos> followed by the words' ids, at most max_len ids. A prompt too long for that
// window (a caption decoder's sentence: 40 words, a third of them spelled byte by byte) is not cut
// after its first few words, which would lose the instrument it names at its end: fitted_words()
// lets whole words in by priority, known content words first (each once), then known function
// words ("a", "the", "is"...), then unknown words while they fit, keeping the prompt's order. A
// prompt that fits is encoded whole, as before. (Training's random-spelling encode, whose
// captions fit, cuts as it always did, so runs stay reproducible.) An empty prompt is just
// <bos>: the unconditional prompt of classifier-free guidance. decode() gives the words back,
// space-separated. The vocabulary is stored as one word per line (to_text / from_text), inside
// the weights file's metadata, with the scheme's name beside it.
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
  static constexpr int64_t kPad = 0, kUnk = 1, kBos = 2, kFirstWord = 3;  // "words"
  // "words+bytes": the byte b starting a spelled word, continuing one; the first word id.
  static constexpr int64_t kWordByte = 3, kNextByte = 3 + 256, kFirstWordBytes = 3 + 512;

  PromptTokenizer() = default;
  // The vocabulary of every word in `texts` (duplicates and order do not matter).
  static PromptTokenizer build(const std::vector<std::string>& texts, bool byte_fallback = false);
  // One word per line, as to_text() writes; `source` names the text in errors.
  static PromptTokenizer from_text(const std::string& text, const std::string& source,
                                   bool byte_fallback = false);
  std::string to_text() const;
  // "words" or "words+bytes" (weights metadata); parse_scheme returns byte_fallback.
  std::string scheme() const { return byte_fallback_ ? "words+bytes" : "words"; }
  static bool parse_scheme(const std::string& name, const std::string& source);
  bool byte_fallback() const { return byte_fallback_; }

  // Lower-cased words of a prompt, in order.
  static std::vector<std::string> words(const std::string& text);
  // <bos> + word ids (unknown -> <unk>, or spelled with byte_fallback), at most max_len ids: the
  // words of fitted_words().
  std::vector<int64_t> encode(const std::string& text, int64_t max_len) const;
  // The prompt's words that enter a window of max_len ids (<bos> included): all of them when they
  // fit, otherwise the priority choice described at the top of this file.
  std::vector<std::string> fitted_words(const std::string& text, int64_t max_len) const;
  // Ids a word takes: 1, or its bytes when it is spelled (unknown, words+bytes).
  int64_t word_cost(const std::string& word) const;
  // The short English words a too-long prompt gives up before its content words.
  static bool is_function_word(const std::string& word);
  // The same, spelling each known word too with probability spell_prob (byte_fallback only;
  // training's subword regularisation), drawing from `rng`.
  std::vector<int64_t> encode(const std::string& text, int64_t max_len, Rng& rng,
                              double spell_prob) const;
  // The words of `ids` joined by single spaces (<pad> and <bos> skipped, <unk> as "<unk>").
  std::string decode(const std::vector<int64_t>& ids) const;
  int64_t vocab_size() const { return first_word() + (int64_t)words_.size(); }
  int64_t first_word() const { return byte_fallback_ ? kFirstWordBytes : kFirstWord; }
  const std::vector<std::string>& vocabulary() const { return words_; }
  int64_t id(const std::string& word) const;  // kUnk when absent

 private:
  void append_word(const std::string& word, bool spell, std::vector<int64_t>& ids) const;

  std::vector<std::string> words_;  // sorted, unique
  bool byte_fallback_ = false;
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
// The same with training's random spelling of known words (see PromptTokenizer::encode).
PromptIds encode_prompts(const PromptTokenizer& tok, const std::vector<std::string>& prompts,
                         int64_t max_len, Rng& rng, double spell_prob);

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
