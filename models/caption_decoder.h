// caption_decoder.h — the tags → sentence model: a compact transformer decoder conditioned on a
// *set* of tags (MusicCaps aspect lists, or the tags apps/tag predicts).
//
//   tag set ──► per tag: its tokens embedded and mean-pooled ──► set encoder ──► one context
//               vector per tag (tag_layers pre-LN blocks of self-attention over the tags, NO
//               positions, so the encoding is the same whatever order the tags come in)
//           ──► memory: with token_memory (the default), one row per tag TOKEN,
//               LayerNorm(token embedding + its position within the tag + its tag's context),
//               [B, S·W, D] — cross-attention can then point at " mellow", then " piano", and
//               through the tied output layer copy them, which helps the sentence say what the
//               tags say; without it, one row per tag, LayerNorm(context), [B, S, D].
//   <bos> w1 w2 ... ──► token + learned position embeddings ──► `layers` pre-LN decoder blocks
//               (causal self-attention, cross-attention onto the memory with the padded tag
//                slots masked, GELU feed-forward) ──► LayerNorm ──► logits = h · E^T
//
// The token embedding E is shared three ways: tag tokens, caption tokens and the output layer
// (tied weights), so a word seen in a tag and the same word in a sentence are one vector.
// Order invariance: the set encoder is permutation-equivariant (attention with no positions),
// positions exist only within a tag, and cross-attention sums over the memory rows, so
// permuting the tags changes the logits only by float rounding (tests/test_caption_decoder.cpp
// checks it).
//
// Shapes: B sets (sentences), S tag slots, W tokens per tag, T caption positions, D = d_model,
// H heads, V vocabulary. Token ids are host vectors (row-major), as ops::embedding takes them.
// Parameter names follow PyTorch's nn.Module habits ("layers.0.self_attn.q_proj.weight").
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/module.h"
#include "engine/nn/layers.h"
#include "engine/nn/layers_text.h"
#include "engine/rng.h"

namespace syn::models {

struct CaptionDecoderConfig {
  int64_t vocab_size = 4096;
  int64_t d_model = 256;
  int64_t heads = 4;
  int64_t layers = 4;      // decoder blocks
  int64_t tag_layers = 1;  // set-encoder blocks over the pooled tag vectors (0 = pooled only)
  int64_t ff_dim = 1024;
  int64_t max_len = 96;  // learned positions: <bos> and the caption tokens after it
  float dropout = 0.1f;
  int64_t pad_id = 0;           // padding of tag tokens and caption batches (never a target)
  bool token_memory = true;     // memory rows per tag token (true) or per tag (false)
  int64_t max_tag_tokens = 16;  // positions within a tag (token_memory)
};

// A batch of tag sets as token ids: B sets of up to S tags of up to W tokens, padded with
// pad_id. A set with no tag still gets one (padded) slot, so S >= 1 and W >= 1.
struct TagIds {
  std::vector<int64_t> ids;  // [B, S, W] row-major
  int64_t B = 0, S = 0, W = 0;
  std::vector<int64_t> tags_per_set;    // [B]
  std::vector<int64_t> tokens_per_tag;  // [B * S], 0 for a padded slot
};
// sets[b][s] = the tokens of tag s of set b; tags longer than max_tag_tokens are cut.
TagIds make_tag_ids(const std::vector<std::vector<std::vector<int32_t>>>& sets, int64_t pad_id,
                    int64_t max_tag_tokens);

// What the decoder attends to: M = S·W rows (token_memory) or S rows.
struct TagMemory {
  Tensor memory;       // [B, M, D]
  Tensor key_padding;  // [B, M], 1 = padding
};

namespace caption_detail {

// q, k, v, out projections (with bias) and the attention op between them.
class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(int64_t d_model, int64_t heads, Rng& rng);
  // xq [B, Tq, D], xkv [B, Tk, D] -> [B, Tq, D].
  Tensor forward(const Tensor& xq, const Tensor& xkv, bool causal, const Tensor& key_padding);
  // The heads of one projection: x [B, T, D] -> [B, H, T, D/H].
  Tensor project_heads(nn::Linear& proj, const Tensor& x) const;
  // Attention over already projected heads, then the output projection: -> [B, Tq, D].
  Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                const Tensor& key_padding);
  std::shared_ptr<nn::Linear> q_proj, k_proj, v_proj, out_proj;
  int64_t heads;
};

class FeedForward : public Module {
 public:
  FeedForward(int64_t d_model, int64_t ff_dim, Rng& rng);
  Tensor forward(const Tensor& x);
  std::shared_ptr<nn::Linear> fc1, fc2;
};

// Pre-LN set-encoder block: self-attention over the tags (no positions, no causal mask).
class EncoderLayer : public Module {
 public:
  EncoderLayer(const CaptionDecoderConfig& c, Rng& rng);
  std::shared_ptr<nn::LayerNorm> norm1, norm2;
  std::shared_ptr<MultiHeadAttention> self_attn;
  std::shared_ptr<FeedForward> ff;
};

// Pre-LN decoder block: causal self-attention, cross-attention to the tags, feed-forward.
class DecoderLayer : public Module {
 public:
  DecoderLayer(const CaptionDecoderConfig& c, Rng& rng);
  std::shared_ptr<nn::LayerNorm> norm1, norm2, norm3;
  std::shared_ptr<MultiHeadAttention> self_attn, cross_attn;
  std::shared_ptr<FeedForward> ff;
};

}  // namespace caption_detail

// The decoder's weight matrices stored transposed ([in, out], contiguous), made once per
// decode by start(): the GEMM then packs them with straight copies, where step() with the
// modules' [out, in] weights transposed every matrix again at every step (half of a beam
// search's time with a few rows).
struct StepWeights {
  struct Layer {
    Tensor self_q, self_k, self_v, self_out, cross_q, cross_out, fc1, fc2;
  };
  std::vector<Layer> layers;
  Tensor output;  // the tied output layer: the token embedding transposed, [D, V]
};

// Keys and values kept between incremental decoding steps, for a batch of rows (sentences or
// beams). Row r of the self-attention tensors belongs to one hypothesis; the cross-attention
// keys and values are kept once per tag SET (every beam of a set attends to the same memory),
// row r using set row_set[r]. When the rows are the sets' beams in set order, the same number
// per set (beam search's usual state), a step attends with the beams of a set as that set's
// queries; otherwise it copies each row's set out first. (Kept per row, the cross keys were
// copied on every reorder: most of a batched beam search's time with MusicCaps' ~11 tags.)
struct DecoderCache {
  std::shared_ptr<const StepWeights> weights;  // start()'s transposed weights
  std::vector<Tensor> self_k, self_v;          // per layer [R, H, t, D/H]
  std::vector<Tensor> cross_k, cross_v;        // per layer [sets, H, M, D/H]
  Tensor key_padding;                          // [sets, M]
  std::vector<int64_t> row_set;                // [R]: the set each row decodes for
  int64_t rows = 0;
  int64_t length = 0;  // positions already fed (the next token goes to position `length`)
};

class CaptionDecoder : public Module {
 public:
  // init = false skips the GPT-2 initialisation (the layers keep their constructors' quick
  // uniform values): for a model whose every weight is loaded next (apps/pipeline/caption_model),
  // where drawing ~5 M normal numbers was a third of a one-sentence process.
  CaptionDecoder(const CaptionDecoderConfig& config, Rng& rng, bool init = true);
  const CaptionDecoderConfig& config() const { return cfg_; }

  // Dropout is applied when the module is in training mode and `dropout_rng` is given.
  TagMemory encode_tags(const TagIds& tags, Rng* dropout_rng = nullptr);
  // Teacher-forced logits [B, T, V] for the tokens ids [B, T] at positions 0 .. T-1.
  Tensor forward(const TagMemory& memory, const std::vector<int64_t>& ids, int64_t B, int64_t T,
                 Rng* dropout_rng = nullptr);

  // Incremental decoding (no dropout, no gradient): start() projects the memory once per layer
  // and transposes the weights (StepWeights), so the weights must not change until the decode
  // ends; step() feeds one token per row at position cache.length and returns logits [R, V];
  // reorder() makes row i of the cache a copy of old row `rows[i]` (beam search, finished rows
  // dropped); `rows` may be longer or shorter than the cache.
  DecoderCache start(const TagMemory& memory);
  Tensor step(DecoderCache& cache, const std::vector<int64_t>& ids);
  void reorder(DecoderCache& cache, const std::vector<int64_t>& rows) const;

  nn::Embedding& token_embedding() { return *tok_emb_; }

  // For a model whose weights will not change again (apps/pipeline/caption_model after a load):
  // start() then reuses one set of transposed weights instead of making it per decode (a tenth
  // of a one-sentence beam search). Training must not call it.
  void freeze_for_inference();

 private:
  Tensor embed(const std::vector<int64_t>& ids, int64_t B, int64_t T, int64_t first_position);
  std::shared_ptr<const StepWeights> step_weights();
  Tensor drop(const Tensor& x, Rng* rng);
  void init_weights(Rng& rng);

  CaptionDecoderConfig cfg_;
  std::shared_ptr<nn::Embedding> tok_emb_, pos_emb_, tag_pos_emb_;
  std::vector<std::shared_ptr<caption_detail::EncoderLayer>> tag_layers_;
  std::shared_ptr<nn::LayerNorm> tag_norm_;
  std::vector<std::shared_ptr<caption_detail::DecoderLayer>> layers_;
  std::shared_ptr<nn::LayerNorm> final_norm_;
  std::shared_ptr<const StepWeights> frozen_;  // freeze_for_inference()
};

}  // namespace syn::models
