// caption_decoder.cpp — the tag-set encoder and the pre-LN decoder (see caption_decoder.h).
//
// Initialisation follows GPT-2 (a small decoder trained from scratch on few sentences is
// sensitive to it): every weight matrix and both embeddings ~ N(0, 0.02), biases 0, LayerNorm
// 1/0, and the projections that write into the residual stream (attention out_proj, fc2) scaled
// by 1/sqrt(2 · blocks) so the stream's variance does not grow with depth.
#include "models/caption_decoder.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/attention.h"
#include "engine/ops/dropout.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/embedding.h"
#include "engine/ops/linear.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"

namespace syn::models {

using namespace caption_detail;

TagIds make_tag_ids(const std::vector<std::vector<std::vector<int32_t>>>& sets, int64_t pad_id,
                    int64_t max_tag_tokens) {
  SYN_CHECK(max_tag_tokens >= 1, "make_tag_ids: max_tag_tokens must be positive, got ",
            max_tag_tokens);
  TagIds t;
  t.B = (int64_t)sets.size();
  t.S = 1;
  t.W = 1;
  for (const auto& set : sets) {
    t.S = std::max<int64_t>(t.S, (int64_t)set.size());
    for (const auto& tag : set)
      t.W = std::max<int64_t>(t.W, std::min<int64_t>((int64_t)tag.size(), max_tag_tokens));
  }
  t.ids.assign((size_t)(t.B * t.S * t.W), pad_id);
  t.tokens_per_tag.assign((size_t)(t.B * t.S), 0);
  for (int64_t b = 0; b < t.B; ++b) {
    const auto& set = sets[(size_t)b];
    t.tags_per_set.push_back((int64_t)set.size());
    for (int64_t s = 0; s < (int64_t)set.size(); ++s) {
      const auto& tag = set[(size_t)s];
      const int64_t n = std::min<int64_t>((int64_t)tag.size(), max_tag_tokens);
      SYN_CHECK(n > 0, "make_tag_ids: tag ", s, " of set ", b, " has no tokens");
      t.tokens_per_tag[(size_t)(b * t.S + s)] = n;
      for (int64_t w = 0; w < n; ++w) t.ids[(size_t)((b * t.S + s) * t.W + w)] = tag[(size_t)w];
    }
  }
  return t;
}

namespace caption_detail {

MultiHeadAttention::MultiHeadAttention(int64_t d, int64_t h, Rng& rng) : heads(h) {
  SYN_CHECK(h > 0 && d % h == 0, "attention: d_model ", d, " is not divisible by heads ", h);
  q_proj = register_module("q_proj", std::make_shared<nn::Linear>(d, d, true, rng));
  k_proj = register_module("k_proj", std::make_shared<nn::Linear>(d, d, true, rng));
  v_proj = register_module("v_proj", std::make_shared<nn::Linear>(d, d, true, rng));
  out_proj = register_module("out_proj", std::make_shared<nn::Linear>(d, d, true, rng));
}

Tensor MultiHeadAttention::project_heads(nn::Linear& proj, const Tensor& x) const {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2);
  Tensor y = ops::reshape(proj.forward(x), {B, T, heads, D / heads});
  return ops::transpose(y, 1, 2);
}

Tensor MultiHeadAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                  const Tensor& key_padding) {
  ops::AttentionOptions o;
  o.causal = causal;
  o.key_padding = key_padding;
  Tensor a = ops::transpose(ops::attention(q, k, v, o), 1, 2);  // [B, Tq, H, Dh]
  return out_proj->forward(ops::reshape(a, {a.size(0), a.size(1), a.size(2) * a.size(3)}));
}

Tensor MultiHeadAttention::forward(const Tensor& xq, const Tensor& xkv, bool causal,
                                   const Tensor& key_padding) {
  return attend(project_heads(*q_proj, xq), project_heads(*k_proj, xkv),
                project_heads(*v_proj, xkv), causal, key_padding);
}

FeedForward::FeedForward(int64_t d, int64_t ff, Rng& rng) {
  fc1 = register_module("fc1", std::make_shared<nn::Linear>(d, ff, true, rng));
  fc2 = register_module("fc2", std::make_shared<nn::Linear>(ff, d, true, rng));
}

Tensor FeedForward::forward(const Tensor& x) { return fc2->forward(ops::gelu(fc1->forward(x))); }

EncoderLayer::EncoderLayer(const CaptionDecoderConfig& c, Rng& rng) {
  norm1 = register_module("norm1", std::make_shared<nn::LayerNorm>(c.d_model));
  self_attn =
      register_module("self_attn", std::make_shared<MultiHeadAttention>(c.d_model, c.heads, rng));
  norm2 = register_module("norm2", std::make_shared<nn::LayerNorm>(c.d_model));
  ff = register_module("ff", std::make_shared<FeedForward>(c.d_model, c.ff_dim, rng));
}

DecoderLayer::DecoderLayer(const CaptionDecoderConfig& c, Rng& rng) {
  norm1 = register_module("norm1", std::make_shared<nn::LayerNorm>(c.d_model));
  self_attn =
      register_module("self_attn", std::make_shared<MultiHeadAttention>(c.d_model, c.heads, rng));
  norm2 = register_module("norm2", std::make_shared<nn::LayerNorm>(c.d_model));
  cross_attn =
      register_module("cross_attn", std::make_shared<MultiHeadAttention>(c.d_model, c.heads, rng));
  norm3 = register_module("norm3", std::make_shared<nn::LayerNorm>(c.d_model));
  ff = register_module("ff", std::make_shared<FeedForward>(c.d_model, c.ff_dim, rng));
}

}  // namespace caption_detail

CaptionDecoder::CaptionDecoder(const CaptionDecoderConfig& c, Rng& rng, bool init) : cfg_(c) {
  SYN_CHECK(c.vocab_size > 0 && c.d_model > 0 && c.layers >= 1 && c.tag_layers >= 0 &&
                c.ff_dim > 0 && c.max_len >= 2,
            "caption decoder: invalid sizes (vocab ", c.vocab_size, ", d_model ", c.d_model,
            ", layers ", c.layers, ", tag_layers ", c.tag_layers, ", ff_dim ", c.ff_dim,
            ", max_len ", c.max_len, ")");
  SYN_CHECK(c.heads > 0 && c.d_model % c.heads == 0, "caption decoder: d_model ", c.d_model,
            " is not divisible by heads ", c.heads);
  SYN_CHECK(c.pad_id >= 0 && c.pad_id < c.vocab_size, "caption decoder: pad_id ", c.pad_id,
            " is not a token of a ", c.vocab_size, "-token vocabulary");
  SYN_CHECK(c.dropout >= 0 && c.dropout < 1, "caption decoder: dropout ", c.dropout,
            " is not in [0, 1)");
  tok_emb_ =
      register_module("tok_emb", std::make_shared<nn::Embedding>(c.vocab_size, c.d_model, rng));
  pos_emb_ = register_module("pos_emb", std::make_shared<nn::Embedding>(c.max_len, c.d_model, rng));
  if (c.token_memory) {
    SYN_CHECK(c.max_tag_tokens >= 1, "caption decoder: max_tag_tokens must be positive, got ",
              c.max_tag_tokens);
    tag_pos_emb_ = register_module(
        "tag_pos_emb", std::make_shared<nn::Embedding>(c.max_tag_tokens, c.d_model, rng));
  }
  for (int64_t i = 0; i < c.tag_layers; ++i)
    tag_layers_.push_back(
        register_module("tag_layers." + std::to_string(i), std::make_shared<EncoderLayer>(c, rng)));
  tag_norm_ = register_module("tag_norm", std::make_shared<nn::LayerNorm>(c.d_model));
  for (int64_t i = 0; i < c.layers; ++i)
    layers_.push_back(
        register_module("layers." + std::to_string(i), std::make_shared<DecoderLayer>(c, rng)));
  final_norm_ = register_module("final_norm", std::make_shared<nn::LayerNorm>(c.d_model));
  if (init) init_weights(rng);
}

void CaptionDecoder::init_weights(Rng& rng) {
  const float residual_std = 0.02f / std::sqrt(2.0f * (float)(cfg_.layers + cfg_.tag_layers));
  for (auto& [name, p] : named_parameters()) {
    auto ends_with = [&](const std::string& s) {
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (name.find("norm") != std::string::npos) continue;  // LayerNorm: 1 and 0 already
    if (ends_with(".bias")) {
      p.fill_(0.0f);
    } else {
      float sd = ends_with("out_proj.weight") || ends_with("fc2.weight") ? residual_std : 0.02f;
      p.copy_(Tensor::randn(p.shape(), rng, sd, p.device()));
    }
  }
}

Tensor CaptionDecoder::drop(const Tensor& x, Rng* rng) {
  if (!rng || !is_training() || cfg_.dropout <= 0) return x;
  return ops::dropout(x, cfg_.dropout, true, *rng);
}

Tensor CaptionDecoder::embed(const std::vector<int64_t>& ids, int64_t B, int64_t T,
                             int64_t first_position) {
  SYN_CHECK(first_position + T <= cfg_.max_len, "caption decoder: positions ", first_position,
            " .. ", first_position + T - 1, " exceed max_len ", cfg_.max_len);
  std::vector<int64_t> pos((size_t)(B * T));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) pos[(size_t)(b * T + t)] = first_position + t;
  return ops::add(tok_emb_->forward(ids, {B, T}), pos_emb_->forward(pos, {B, T}));
}

TagMemory CaptionDecoder::encode_tags(const TagIds& tags, Rng* rng) {
  const int64_t B = tags.B, S = tags.S, W = tags.W, D = cfg_.d_model;
  SYN_CHECK(B >= 1 && S >= 1 && W >= 1 && (int64_t)tags.ids.size() == B * S * W &&
                (int64_t)tags.tokens_per_tag.size() == B * S &&
                (int64_t)tags.tags_per_set.size() == B,
            "caption decoder: inconsistent TagIds (B ", B, ", S ", S, ", W ", W, ", ",
            tags.ids.size(), " ids)");
  const Device dev = tok_emb_->weight.device();
  // Mean of each tag's token vectors: a weight of 1/n on its n tokens, 0 on the padding.
  std::vector<float> w((size_t)(B * S * W * D), 0.0f);
  for (int64_t bs = 0; bs < B * S; ++bs) {
    const int64_t n = tags.tokens_per_tag[(size_t)bs];
    for (int64_t k = 0; k < n; ++k) std::fill_n(w.begin() + (bs * W + k) * D, D, 1.0f / (float)n);
  }
  Tensor emb = tok_emb_->forward(tags.ids, {B, S, W});
  Tensor m = ops::sum(ops::mul(emb, Tensor::from_vector(w, {B, S, W, D}, dev)), 2);  // [B, S, D]
  TagMemory out;
  out.key_padding = ops::key_padding_from_lengths(tags.tags_per_set, S, dev);
  m = drop(m, rng);
  for (auto& l : tag_layers_) {
    Tensor h = l->norm1->forward(m);
    m = ops::add(m, drop(l->self_attn->forward(h, h, false, out.key_padding), rng));
    m = ops::add(m, drop(l->ff->forward(l->norm2->forward(m)), rng));
  }
  if (!cfg_.token_memory) {
    out.memory = tag_norm_->forward(m);
    return out;
  }
  // One row per tag token: its embedding, its place in the tag, and its tag's context (the
  // context rows gathered to every token of the tag, as an embedding lookup into [B·S, D]).
  SYN_CHECK(W <= cfg_.max_tag_tokens, "caption decoder: tags of ", W,
            " tokens exceed max_tag_tokens ", cfg_.max_tag_tokens);
  std::vector<int64_t> within((size_t)(B * S * W)), owner((size_t)(B * S * W));
  for (int64_t i = 0; i < B * S * W; ++i) {
    within[(size_t)i] = i % W;
    owner[(size_t)i] = i / W;
  }
  Tensor ctx = ops::embedding(ops::reshape(m, {B * S, D}), owner, {B, S * W});
  Tensor tok = ops::reshape(emb, {B, S * W, D});
  Tensor x = ops::add(ops::add(tok, tag_pos_emb_->forward(within, {B, S * W})), ctx);
  out.memory = tag_norm_->forward(drop(x, rng));
  out.key_padding = ops::key_padding_from_ids(tags.ids, B, S * W, cfg_.pad_id, dev);
  return out;
}

Tensor CaptionDecoder::forward(const TagMemory& mem, const std::vector<int64_t>& ids, int64_t B,
                               int64_t T, Rng* rng) {
  SYN_CHECK(mem.memory.defined() && mem.memory.size(0) == B, "caption decoder: memory ",
            mem.memory.defined() ? mem.memory.describe() : std::string("undefined"),
            " does not hold ", B, " tag sets");
  Tensor x = drop(embed(ids, B, T, 0), rng);
  for (auto& l : layers_) {
    Tensor h = l->norm1->forward(x);
    x = ops::add(x, drop(l->self_attn->forward(h, h, true, Tensor()), rng));
    h = l->norm2->forward(x);
    x = ops::add(x, drop(l->cross_attn->forward(h, mem.memory, false, mem.key_padding), rng));
    x = ops::add(x, drop(l->ff->forward(l->norm3->forward(x)), rng));
  }
  return ops::linear(final_norm_->forward(x), tok_emb_->weight, Tensor());
}

namespace {

// Rows `rows` of t (first dim), as a gather: the tensor viewed as an embedding table.
Tensor gather_rows(const Tensor& t, const std::vector<int64_t>& rows) {
  if (!t.defined()) return t;
  const int64_t R = t.size(0), rest = t.numel() / std::max<int64_t>(1, R);
  Shape shape = t.shape();
  shape[0] = (int64_t)rows.size();
  if (rows.empty() || rest == 0) return Tensor::zeros(shape, t.device());
  Tensor g = ops::embedding(view_as_shape(t, {R, rest}), rows, {(int64_t)rows.size()});
  return view_as_shape(g, shape);
}

// y = x · wt + bias with wt = W^T stored [Din, Dout]: ops::linear's product (and its kernel
// slots, so any device) for a weight kept transposed; inference only (no gradient recorded).
Tensor linear_t(const Tensor& x, const Tensor& wt, const Tensor& bias) {
  const int64_t Din = wt.size(0), Dout = wt.size(1), N = x.numel() / Din;
  SYN_CHECK(x.size(x.dim() - 1) == Din, "caption decoder: input ", x.describe(),
            " does not match the transposed weight ", wt.describe());
  Shape shape = x.shape();
  shape.back() = Dout;
  const Device dev = x.device();
  Tensor y = Tensor::empty(shape, dev);
  float beta = 0.0f;
  if (bias.defined()) {
    row_fill_kernel.on(dev)(y.data(), bias.data(), N, Dout);
    beta = 1.0f;
  }
  gemm_kernel.on(dev)(false, false, N, Dout, Din, 1.0f, x.data(), Din, wt.data(), Dout, beta,
                      y.data(), Dout);
  return y;
}

Tensor transposed(const nn::Linear& l) { return ops::transpose(l.weight, 0, 1); }

// x [R, 1, D] through one head-split projection: -> [R, H, 1, D/H].
Tensor heads_of(const Tensor& x, int64_t heads) {
  const int64_t R = x.size(0), T = x.size(1), D = x.size(2);
  return ops::transpose(ops::reshape(x, {R, T, heads, D / heads}), 1, 2);
}

}  // namespace

void CaptionDecoder::freeze_for_inference() {
  frozen_.reset();
  frozen_ = step_weights();
}

std::shared_ptr<const StepWeights> CaptionDecoder::step_weights() {
  if (frozen_) return frozen_;
  NoGradGuard no_grad;
  auto w = std::make_shared<StepWeights>();
  for (auto& l : layers_) {
    auto& sa = *l->self_attn;
    auto& ca = *l->cross_attn;
    w->layers.push_back({transposed(*sa.q_proj), transposed(*sa.k_proj), transposed(*sa.v_proj),
                         transposed(*sa.out_proj), transposed(*ca.q_proj), transposed(*ca.out_proj),
                         transposed(*l->ff->fc1), transposed(*l->ff->fc2)});
  }
  w->output = ops::transpose(tok_emb_->weight, 0, 1);
  return w;
}

DecoderCache CaptionDecoder::start(const TagMemory& mem) {
  NoGradGuard no_grad;
  DecoderCache c;
  c.weights = step_weights();
  c.rows = mem.memory.size(0);
  c.row_set.resize((size_t)c.rows);
  for (int64_t r = 0; r < c.rows; ++r) c.row_set[(size_t)r] = r;
  c.key_padding = mem.key_padding;
  for (auto& l : layers_) {
    c.cross_k.push_back(l->cross_attn->project_heads(*l->cross_attn->k_proj, mem.memory));
    c.cross_v.push_back(l->cross_attn->project_heads(*l->cross_attn->v_proj, mem.memory));
    c.self_k.emplace_back();
    c.self_v.emplace_back();
  }
  return c;
}

Tensor CaptionDecoder::step(DecoderCache& c, const std::vector<int64_t>& ids) {
  NoGradGuard no_grad;
  const int64_t R = c.rows;
  SYN_CHECK((int64_t)ids.size() == R, "caption decoder step: ", ids.size(), " tokens for ", R,
            " rows");
  SYN_CHECK(c.weights && c.weights->layers.size() == layers_.size(),
            "caption decoder step: the cache was not made by start()");
  const int64_t H = cfg_.heads;
  // Attention over projected heads, then the output projection (MultiHeadAttention::attend
  // with the transposed weights).
  auto attend = [&](const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out_t,
                    const nn::Linear& out) {
    ops::AttentionOptions o;
    Tensor a = ops::transpose(ops::attention(q, k, v, o), 1, 2);  // [R, 1, H, Dh]
    return linear_t(ops::reshape(a, {R, 1, cfg_.d_model}), out_t, out.bias);
  };
  // Cross-attention by set: queries [sets, H, n, Dh] when every set has its n rows together in
  // set order; otherwise (uneven beams) each row gets a copy of its set's keys and values.
  const int64_t sets = c.key_padding.size(0);
  const int64_t n = sets > 0 && R % sets == 0 ? R / sets : 0;
  bool grouped = n > 0;
  for (int64_t r = 0; r < R && grouped; ++r) grouped = c.row_set[(size_t)r] == r / n;
  const Tensor row_padding = grouped ? c.key_padding : gather_rows(c.key_padding, c.row_set);
  auto cross = [&](const Tensor& q_flat, size_t layer, const StepWeights::Layer& w,
                   const nn::Linear& out) {  // q_flat [R, 1, D] -> [R, 1, D]
    const int64_t D = cfg_.d_model, Dh = D / H;
    ops::AttentionOptions o;
    if (grouped) {
      o.key_padding = row_padding;
      Tensor q = ops::transpose(ops::reshape(q_flat, {sets, n, H, Dh}), 1, 2);
      Tensor a = ops::attention(q, c.cross_k[layer], c.cross_v[layer], o);  // [sets, H, n, Dh]
      return linear_t(ops::reshape(ops::transpose(a, 1, 2), {R, 1, D}), w.cross_out, out.bias);
    }
    o.key_padding = row_padding;
    Tensor a = ops::attention(heads_of(q_flat, H), gather_rows(c.cross_k[layer], c.row_set),
                              gather_rows(c.cross_v[layer], c.row_set), o);  // [R, H, 1, Dh]
    return linear_t(ops::reshape(ops::transpose(a, 1, 2), {R, 1, D}), w.cross_out, out.bias);
  };
  Tensor x = embed(ids, R, 1, c.length);  // [R, 1, D]
  for (size_t i = 0; i < layers_.size(); ++i) {
    auto& l = *layers_[i];
    auto& sa = *l.self_attn;
    const StepWeights::Layer& w = c.weights->layers[i];
    Tensor h = l.norm1->forward(x);
    Tensor k = heads_of(linear_t(h, w.self_k, sa.k_proj->bias), H);
    Tensor v = heads_of(linear_t(h, w.self_v, sa.v_proj->bias), H);
    c.self_k[i] = c.length == 0 ? k : ops::concat({c.self_k[i], k}, 2);
    c.self_v[i] = c.length == 0 ? v : ops::concat({c.self_v[i], v}, 2);
    // The new token sees every cached position (the causal mask's last row).
    Tensor q = heads_of(linear_t(h, w.self_q, sa.q_proj->bias), H);
    x = ops::add(x, attend(q, c.self_k[i], c.self_v[i], w.self_out, *sa.out_proj));
    auto& ca = *l.cross_attn;
    h = l.norm2->forward(x);
    x = ops::add(x, cross(linear_t(h, w.cross_q, ca.q_proj->bias), i, w, *ca.out_proj));
    h = linear_t(l.norm3->forward(x), w.fc1, l.ff->fc1->bias);
    x = ops::add(x, linear_t(ops::gelu(h), w.fc2, l.ff->fc2->bias));
  }
  ++c.length;
  Tensor logits = linear_t(final_norm_->forward(x), c.weights->output, Tensor());
  return ops::reshape(logits, {R, cfg_.vocab_size});
}

void CaptionDecoder::reorder(DecoderCache& c, const std::vector<int64_t>& rows) const {
  NoGradGuard no_grad;
  for (int64_t r : rows)
    SYN_CHECK(r >= 0 && r < c.rows, "caption decoder reorder: row ", r, " of a ", c.rows,
              "-row cache");
  for (auto* list : {&c.self_k, &c.self_v})
    for (Tensor& t : *list) t = gather_rows(t, rows);
  // The sets still decoded, in order of first use; the cross keys keep only those (a no-op
  // while no set finished and none changed places).
  std::vector<int64_t> row_set, kept, renumber((size_t)c.key_padding.size(0), -1);
  for (int64_t r : rows) {
    int64_t& to = renumber[(size_t)c.row_set[(size_t)r]];
    if (to < 0) {
      to = (int64_t)kept.size();
      kept.push_back(c.row_set[(size_t)r]);
    }
    row_set.push_back(to);
  }
  bool same = (int64_t)kept.size() == c.key_padding.size(0);
  for (size_t s = 0; s < kept.size() && same; ++s) same = kept[s] == (int64_t)s;
  if (!same) {
    for (auto* list : {&c.cross_k, &c.cross_v})
      for (Tensor& t : *list) t = gather_rows(t, kept);
    c.key_padding = gather_rows(c.key_padding, kept);
  }
  c.row_set = std::move(row_set);
  c.rows = (int64_t)rows.size();
}

}  // namespace syn::models
