// unet.cpp — the diffusion U-Net (see unet.h).
//
// Initialisation: PyTorch's defaults (kaiming-uniform convolutions and linears), except the
// layers that close a residual branch — each ResBlock's second convolution, the transformer's
// attention and feed-forward output projections — and the final convolution, which start at
// zero: every block starts as the identity and the net starts by predicting ε̂ = 0 (loss 1),
// which trains faster and more stably than a random output (DDPM's and Stable Diffusion's habit).
#include "models/unet.h"

#include <sstream>

#include "engine/check.h"
#include "engine/ops/activation.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/groupnorm.h"
#include "engine/ops/shape.h"
#include "engine/ops/timestep_embedding.h"
#include "engine/ops/upsample.h"

namespace syn::models {

using namespace unet_detail;

std::vector<int64_t> parse_int_list(const std::string& text, const std::string& what) {
  std::vector<int64_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t a = item.find_first_not_of(" \t"), b = item.find_last_not_of(" \t");
    SYN_CHECK(a != std::string::npos, what, ": empty entry in '", text, "'");
    item = item.substr(a, b - a + 1);
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    SYN_CHECK(used == item.size(), what, ": '", item, "' in '", text, "' is not an integer");
    out.push_back(v);
  }
  return out;
}

std::string format_int_list(const std::vector<int64_t>& values) {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(values[i]);
  }
  return s;
}

namespace unet_detail {

GroupNorm::GroupNorm(int64_t g, int64_t channels) : groups(g) {
  SYN_CHECK(g >= 1 && channels % g == 0, "U-Net: ", channels,
            " channels are not divisible by norm_groups ", g);
  weight = register_parameter("weight", Tensor::full({channels}, 1.0f));
  bias = register_parameter("bias", Tensor::zeros({channels}));
}

Tensor GroupNorm::forward(const Tensor& x) { return ops::group_norm(x, groups, weight, bias); }

ResBlock::ResBlock(int64_t cin, int64_t cout, int64_t temb_dim, int64_t groups, Rng& rng) {
  const Padding2d same = Padding2d::symmetric(1, 1);
  norm1 = register_module("norm1", std::make_shared<GroupNorm>(groups, cin));
  conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(cin, cout, 3, 3, same, true, rng));
  if (temb_dim > 0)
    temb_proj =
        register_module("temb_proj", std::make_shared<nn::Linear>(temb_dim, cout, true, rng));
  norm2 = register_module("norm2", std::make_shared<GroupNorm>(groups, cout));
  conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(cout, cout, 3, 3, same, true, rng));
  conv2->weight.fill_(0.0f);
  conv2->bias.fill_(0.0f);
  if (cin != cout)
    skip = register_module("skip",
                           std::make_shared<nn::Conv2d>(cin, cout, 1, 1, Padding2d{}, true, rng));
}

Tensor ResBlock::forward(const Tensor& x, const Tensor& temb_act) {
  Tensor h = conv1->forward(ops::silu(norm1->forward(x)));
  if (!temb_proj) {  // no timestep (the autoencoder's blocks)
    h = conv2->forward(ops::silu(norm2->forward(h)));
    return ops::add(skip ? skip->forward(x) : x, h);
  }
  // The timestep's per-channel shift, broadcast over the (square) map: [B, C] -> [B, C, H, W]
  // by nearest upsampling of a 1×1 map, whose backward sums over the positions.
  const int64_t B = h.size(0), C = h.size(1), H = h.size(2);
  SYN_CHECK(h.size(3) == H, "U-Net: feature maps must be square, got ", h.describe());
  Tensor e = ops::reshape(temb_proj->forward(temb_act), {B, C, 1, 1});
  h = ops::add(h, ops::upsample_nearest2d(e, H));
  h = conv2->forward(ops::silu(norm2->forward(h)));
  return ops::add(skip ? skip->forward(x) : x, h);
}

SpatialTransformer::SpatialTransformer(int64_t c, int64_t context_dim, int64_t heads,
                                       int64_t ff_mult, int64_t groups, Rng& rng) {
  norm = register_module("norm", std::make_shared<GroupNorm>(groups, c));
  block = register_module(
      "block", std::make_shared<TransformerBlock>(c, context_dim, heads, ff_mult, true, rng));
  zero_linear(*block->self_attn->out_proj);
  zero_linear(*block->cross_attn->out_proj);
  zero_linear(*block->ff->fc2);
}

Tensor SpatialTransformer::forward(const Tensor& x, const Tensor& context,
                                   const Tensor& context_padding) {
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor tokens = ops::transpose(ops::reshape(norm->forward(x), {B, C, H * W}), 1, 2);
  tokens = block->forward(tokens, context, context_padding);  // [B, HW, C]
  Tensor back = ops::reshape(ops::transpose(tokens, 1, 2), {B, C, H, W});
  return ops::add(x, back);
}

}  // namespace unet_detail

UNet::Stage UNet::make_stage(const std::string& name, int64_t cin, int64_t cout, bool attn,
                             Rng& rng) {
  const int64_t temb = 4 * cfg_.base_channels;
  Stage s;
  s.res = register_module(name + ".res",
                          std::make_shared<ResBlock>(cin, cout, temb, cfg_.norm_groups, rng));
  if (attn)
    s.attn = register_module(
        name + ".attn", std::make_shared<SpatialTransformer>(cout, cfg_.context_dim, cfg_.heads,
                                                             cfg_.ff_mult, cfg_.norm_groups, rng));
  return s;
}

UNet::UNet(const UNetConfig& c, Rng& rng) : cfg_(c) {
  const int64_t K = (int64_t)c.channel_mult.size();
  SYN_CHECK(K >= 1 && c.base_channels >= 1 && c.res_blocks >= 1 && c.in_channels >= 1 &&
                c.context_dim >= 1 && c.ff_mult >= 1,
            "U-Net: invalid sizes (levels ", K, ", base_channels ", c.base_channels,
            ", res_blocks ", c.res_blocks, ", context_dim ", c.context_dim, ")");
  SYN_CHECK(c.image_size % (int64_t{1} << (K - 1)) == 0, "U-Net: image_size ", c.image_size,
            " is not divisible by 2^", K - 1, " (", K, " levels)");
  for (int64_t m : c.channel_mult)
    SYN_CHECK(m >= 1, "U-Net: channel_mult entries must be positive, got '",
              format_int_list(c.channel_mult), "'");
  std::vector<bool> attn((size_t)K, false);
  for (int64_t a : c.attention_levels) {
    SYN_CHECK(a >= 0 && a < K, "U-Net: attention level ", a, " is not one of the ", K, " levels");
    attn[(size_t)a] = true;
  }
  const Padding2d same = Padding2d::symmetric(1, 1);
  const int64_t C = c.base_channels, temb = 4 * C;
  time_fc1_ = register_module("time_fc1", std::make_shared<nn::Linear>(C, temb, true, rng));
  time_fc2_ = register_module("time_fc2", std::make_shared<nn::Linear>(temb, temb, true, rng));
  conv_in_ = register_module("conv_in",
                             std::make_shared<nn::Conv2d>(c.in_channels, C, 3, 3, same, true, rng));
  // Down path; `skips` tracks the channel count of every kept activation.
  std::vector<int64_t> skips{C};
  int64_t ch = C;
  down_.resize((size_t)K);
  downsample_.resize((size_t)K);
  for (int64_t k = 0; k < K; ++k) {
    const int64_t out = C * c.channel_mult[(size_t)k];
    for (int64_t r = 0; r < c.res_blocks; ++r) {
      down_[(size_t)k].push_back(make_stage("down." + std::to_string(k) + "." + std::to_string(r),
                                            ch, out, attn[(size_t)k], rng));
      ch = out;
      skips.push_back(ch);
    }
    if (k + 1 < K) {
      downsample_[(size_t)k] =
          register_module("down." + std::to_string(k) + ".downsample",
                          std::make_shared<nn::Conv2d>(ch, ch, 3, 3, same, true, rng, 2, 2));
      skips.push_back(ch);
    }
  }
  mid1_ = register_module("mid.res1", std::make_shared<ResBlock>(ch, ch, temb, c.norm_groups, rng));
  mid_attn_ =
      register_module("mid.attn", std::make_shared<SpatialTransformer>(
                                      ch, c.context_dim, c.heads, c.ff_mult, c.norm_groups, rng));
  mid2_ = register_module("mid.res2", std::make_shared<ResBlock>(ch, ch, temb, c.norm_groups, rng));
  up_.resize((size_t)K);
  upsample_.resize((size_t)K);
  for (int64_t k = K - 1; k >= 0; --k) {
    const int64_t out = C * c.channel_mult[(size_t)k];
    for (int64_t r = 0; r <= c.res_blocks; ++r) {
      const int64_t skip = skips.back();
      skips.pop_back();
      up_[(size_t)k].push_back(make_stage("up." + std::to_string(k) + "." + std::to_string(r),
                                          ch + skip, out, attn[(size_t)k], rng));
      ch = out;
    }
    if (k > 0)
      upsample_[(size_t)k] =
          register_module("up." + std::to_string(k) + ".upsample",
                          std::make_shared<nn::Conv2d>(ch, ch, 3, 3, same, true, rng));
  }
  norm_out_ = register_module("norm_out", std::make_shared<GroupNorm>(c.norm_groups, ch));
  conv_out_ = register_module(
      "conv_out", std::make_shared<nn::Conv2d>(ch, c.in_channels, 3, 3, same, true, rng));
  conv_out_->weight.fill_(0.0f);
  conv_out_->bias.fill_(0.0f);
}

Tensor UNet::run_stage(Stage& s, const Tensor& h, const Tensor& temb_act, const Tensor& context,
                       const Tensor& padding) {
  Tensor y = s.res->forward(h, temb_act);
  return s.attn ? s.attn->forward(y, context, padding) : y;
}

Tensor UNet::forward(const Tensor& x, const Tensor& t, const Tensor& context,
                     const Tensor& context_padding) {
  const int64_t K = (int64_t)cfg_.channel_mult.size();
  SYN_CHECK(x.dim() == 4 && x.size(1) == cfg_.in_channels && x.size(2) == x.size(3) &&
                x.size(2) % (int64_t{1} << (K - 1)) == 0,
            "U-Net: input ", x.describe(), " must be [B, ", cfg_.in_channels,
            ", S, S] with S divisible by ", (int64_t{1} << (K - 1)));
  SYN_CHECK(t.dim() == 1 && t.size(0) == x.size(0), "U-Net: timesteps ", t.describe(),
            " must be [B] for input ", x.describe());
  SYN_CHECK(
      context.dim() == 3 && context.size(0) == x.size(0) && context.size(2) == cfg_.context_dim,
      "U-Net: text context ", context.describe(), " must be [B, L, ", cfg_.context_dim,
      "] for input ", x.describe());
  TimestepEmbeddingOptions te;
  te.flip_sin_to_cos = true;  // Stable Diffusion's convention: cos first, 10000^(-i/half)
  te.downscale_freq_shift = 0.0f;
  Tensor temb = ops::timestep_embedding(t, cfg_.base_channels, te);
  temb = time_fc2_->forward(ops::silu(time_fc1_->forward(temb)));
  Tensor temb_act = ops::silu(temb);  // every ResBlock projects SiLU(temb)

  Tensor h = conv_in_->forward(x);
  std::vector<Tensor> skips{h};
  for (int64_t k = 0; k < K; ++k) {
    for (auto& s : down_[(size_t)k]) {
      h = run_stage(s, h, temb_act, context, context_padding);
      skips.push_back(h);
    }
    if (downsample_[(size_t)k]) {
      h = downsample_[(size_t)k]->forward(h);
      skips.push_back(h);
    }
  }
  h = mid1_->forward(h, temb_act);
  h = mid_attn_->forward(h, context, context_padding);
  h = mid2_->forward(h, temb_act);
  for (int64_t k = K - 1; k >= 0; --k) {
    for (auto& s : up_[(size_t)k]) {
      h = run_stage(s, ops::concat({h, skips.back()}, 1), temb_act, context, context_padding);
      skips.pop_back();
    }
    if (upsample_[(size_t)k]) h = upsample_[(size_t)k]->forward(ops::upsample_nearest2d(h, 2));
  }
  return conv_out_->forward(ops::silu(norm_out_->forward(h)));
}

}  // namespace syn::models
