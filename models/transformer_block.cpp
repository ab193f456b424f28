// transformer_block.cpp — multi-head (cross-)attention, feed-forward and the pre-LN block
// (see transformer_block.h).
#include "models/transformer_block.h"

#include "engine/check.h"
#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/shape.h"

namespace syn::models {

MultiHeadAttention::MultiHeadAttention(int64_t query_dim, int64_t context_dim, int64_t h, Rng& rng)
    : heads(h) {
  SYN_CHECK(h > 0 && query_dim % h == 0, "attention: width ", query_dim,
            " is not divisible by heads ", h);
  q_proj = register_module("q_proj", std::make_shared<nn::Linear>(query_dim, query_dim, true, rng));
  k_proj =
      register_module("k_proj", std::make_shared<nn::Linear>(context_dim, query_dim, true, rng));
  v_proj =
      register_module("v_proj", std::make_shared<nn::Linear>(context_dim, query_dim, true, rng));
  out_proj =
      register_module("out_proj", std::make_shared<nn::Linear>(query_dim, query_dim, true, rng));
}

Tensor MultiHeadAttention::split_heads(const Tensor& x) const {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  return ops::transpose(ops::reshape(x, {B, T, heads, C / heads}), 1, 2);
}

Tensor MultiHeadAttention::forward(const Tensor& xq, const Tensor& xkv, const Tensor& key_padding) {
  SYN_CHECK(xq.dim() == 3 && xkv.dim() == 3 && xq.size(0) == xkv.size(0), "attention: queries ",
            xq.describe(), " and keys/values ", xkv.describe(),
            " must be [B, T, C] with the same B");
  ops::AttentionOptions o;
  o.key_padding = key_padding;
  Tensor a = ops::attention(split_heads(q_proj->forward(xq)), split_heads(k_proj->forward(xkv)),
                            split_heads(v_proj->forward(xkv)), o);  // [B, H, Tq, Dh]
  a = ops::transpose(a, 1, 2);                                      // [B, Tq, H, Dh]
  return out_proj->forward(ops::reshape(a, {a.size(0), a.size(1), a.size(2) * a.size(3)}));
}

FeedForward::FeedForward(int64_t dim, int64_t hidden, Rng& rng) {
  fc1 = register_module("fc1", std::make_shared<nn::Linear>(dim, hidden, true, rng));
  fc2 = register_module("fc2", std::make_shared<nn::Linear>(hidden, dim, true, rng));
}

Tensor FeedForward::forward(const Tensor& x) { return fc2->forward(ops::gelu(fc1->forward(x))); }

TransformerBlock::TransformerBlock(int64_t dim, int64_t context_dim, int64_t heads, int64_t ff_mult,
                                   bool cross, Rng& rng) {
  norm1 = register_module("norm1", std::make_shared<nn::LayerNorm>(dim));
  self_attn =
      register_module("self_attn", std::make_shared<MultiHeadAttention>(dim, dim, heads, rng));
  if (cross) {
    norm2 = register_module("norm2", std::make_shared<nn::LayerNorm>(dim));
    cross_attn = register_module(
        "cross_attn", std::make_shared<MultiHeadAttention>(dim, context_dim, heads, rng));
  }
  norm3 = register_module("norm3", std::make_shared<nn::LayerNorm>(dim));
  ff = register_module("ff", std::make_shared<FeedForward>(dim, dim * ff_mult, rng));
}

Tensor TransformerBlock::forward(const Tensor& x_in, const Tensor& context,
                                 const Tensor& context_padding, const Tensor& self_padding) {
  Tensor x = x_in;
  Tensor h = norm1->forward(x);
  x = ops::add(x, self_attn->forward(h, h, self_padding));
  if (cross_attn) {
    SYN_CHECK(context.defined(), "transformer block: cross-attention needs a context");
    x = ops::add(x, cross_attn->forward(norm2->forward(x), context, context_padding));
  }
  return ops::add(x, ff->forward(norm3->forward(x)));
}

void zero_linear(nn::Linear& layer) {
  layer.weight.fill_(0.0f);
  if (layer.bias.defined()) layer.bias.fill_(0.0f);
}

}  // namespace syn::models
