// transformer_block.h — the attention pieces shared by the prompt encoder and the diffusion
// U-Net: multi-head attention whose keys/values may come from another sequence of another
// width (cross-attention), a GELU feed-forward, and a pre-LN transformer block built of them.
//
//   MultiHeadAttention(query_dim, context_dim, heads): q_proj [C, Cq], k_proj/v_proj [C, Ckv],
//       out_proj [Cq, C] (C = query_dim, all with bias)
//       xq [B, Tq, Cq], xkv [B, Tk, Ckv], key_padding [B, Tk] or undefined -> [B, Tq, Cq]
//   TransformerBlock(dim, context_dim, heads, ff_mult, cross):
//       x += self_attn(norm1(x));  x += cross_attn(norm2(x), context)  (when cross)
//       x += ff(norm3(x))          -- every norm a LayerNorm over the last dim
// Shape letters: B batch, T tokens, C channels (query width), H heads.
#pragma once
#include <cstdint>
#include <memory>

#include "engine/module.h"
#include "engine/nn/layers.h"
#include "engine/nn/layers_text.h"
#include "engine/rng.h"

namespace syn::models {

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(int64_t query_dim, int64_t context_dim, int64_t heads, Rng& rng);
  Tensor forward(const Tensor& xq, const Tensor& xkv, const Tensor& key_padding = Tensor());
  std::shared_ptr<nn::Linear> q_proj, k_proj, v_proj, out_proj;
  int64_t heads;

 private:
  Tensor split_heads(const Tensor& x) const;  // [B, T, C] -> [B, H, T, C/H]
};

class FeedForward : public Module {
 public:
  FeedForward(int64_t dim, int64_t hidden, Rng& rng);
  Tensor forward(const Tensor& x);
  std::shared_ptr<nn::Linear> fc1, fc2;
};

class TransformerBlock : public Module {
 public:
  TransformerBlock(int64_t dim, int64_t context_dim, int64_t heads, int64_t ff_mult, bool cross,
                   Rng& rng);
  // x [B, T, dim]; context [B, L, context_dim] and its key padding [B, L] (needed when cross).
  Tensor forward(const Tensor& x, const Tensor& context = Tensor(),
                 const Tensor& context_padding = Tensor(), const Tensor& self_padding = Tensor());
  std::shared_ptr<nn::LayerNorm> norm1, norm2, norm3;
  std::shared_ptr<MultiHeadAttention> self_attn, cross_attn;  // cross_attn null when !cross
  std::shared_ptr<FeedForward> ff;
};

// Sets a Linear's weight and bias to zero, so the residual branch it closes starts as identity
// (the DDPM / Stable Diffusion habit for out projections and last convolutions).
void zero_linear(nn::Linear& layer);

}  // namespace syn::models
