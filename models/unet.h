// unet.h — the compact text-conditioned diffusion U-Net (DDPM's ε-predictor, with Stable
// Diffusion's cross-attention to text tokens), sized for 32×32 RGB on a CPU.
//
//   x_t [B, 3, S, S], t [B] (timesteps as floats), text [B, L, Dtxt] + padding [B, L]
//     -> ε̂ [B, 3, S, S]
//
// Layout, with C = base_channels and levels k = 0 .. K-1 at S / 2^k pixels of C·mult[k] channels:
//   time:   sinusoidal(t, C) -> Linear(C, 4C) -> SiLU -> Linear(4C, 4C)            = temb
//   in:     conv3×3(3 -> C)
//   down k: res_blocks × ResBlock (then a SpatialTransformer if k is an attention level),
//           then (except at the last level) a stride-2 conv3×3; every output is kept as a skip
//   mid:    ResBlock, SpatialTransformer, ResBlock
//   up k (K-1 .. 0): (res_blocks + 1) × [concat(h, skip) -> ResBlock (-> SpatialTransformer)],
//           then (except at level 0) nearest ×2 + conv3×3
//   out:    GroupNorm -> SiLU -> conv3×3(C -> 3), zero-initialised
// ResBlock(cin -> cout): h = conv3×3(SiLU(GN(x))); h += Linear(SiLU(temb)) per channel;
//   h = conv3×3(SiLU(GN(h))) (zero-initialised); out = h + (1×1 conv of x when cin != cout).
// SpatialTransformer(c): GroupNorm, the H·W positions as tokens [B, HW, c], one TransformerBlock
//   (self-attention, cross-attention to the text, feed-forward; its out projections
//   zero-initialised), back to [B, c, H, W], plus the input.
// Attention levels default to the lowest resolution only (8×8 for 32 px and three levels):
// attention over 1024 tokens at 32 px would dominate the CPU step time.
// Every GroupNorm uses norm_groups groups (each channel count must be divisible by it).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/module.h"
#include "engine/nn/layers.h"
#include "engine/nn/layers2d.h"
#include "engine/rng.h"
#include "models/transformer_block.h"

namespace syn::models {

struct UNetConfig {
  int64_t image_size = 32;
  int64_t in_channels = 3;
  int64_t base_channels = 32;
  std::vector<int64_t> channel_mult{1, 2, 2};  // one entry per level (32, 16, 8 px)
  int64_t res_blocks = 1;                      // per level on the way down (+1 on the way up)
  std::vector<int64_t> attention_levels{2};    // level indices with a SpatialTransformer
  int64_t heads = 4;
  int64_t context_dim = 128;  // width of the text tokens
  int64_t norm_groups = 8;
  int64_t ff_mult = 2;  // feed-forward width of the spatial transformers, × channels
};

// "1,2,2" <-> {1, 2, 2} (config files and weight metadata); an empty text is an empty list.
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& what);
std::string format_int_list(const std::vector<int64_t>& values);

namespace unet_detail {

class GroupNorm : public Module {
 public:
  GroupNorm(int64_t groups, int64_t channels);
  Tensor forward(const Tensor& x);
  Tensor weight, bias;
  int64_t groups;
};

class ResBlock : public Module {
 public:
  // temb_dim 0: a block without the timestep shift (no temb_proj; the autoencoder's).
  ResBlock(int64_t cin, int64_t cout, int64_t temb_dim, int64_t groups, Rng& rng);
  // temb_act = SiLU(temb); ignored (may be undefined) when temb_dim was 0.
  Tensor forward(const Tensor& x, const Tensor& temb_act);
  std::shared_ptr<GroupNorm> norm1, norm2;
  std::shared_ptr<nn::Conv2d> conv1, conv2, skip;  // skip null when cin == cout
  std::shared_ptr<nn::Linear> temb_proj;           // null when temb_dim was 0
};

class SpatialTransformer : public Module {
 public:
  SpatialTransformer(int64_t channels, int64_t context_dim, int64_t heads, int64_t ff_mult,
                     int64_t groups, Rng& rng);
  Tensor forward(const Tensor& x, const Tensor& context, const Tensor& context_padding);
  std::shared_ptr<GroupNorm> norm;
  std::shared_ptr<TransformerBlock> block;
};

}  // namespace unet_detail

class UNet : public Module {
 public:
  UNet(const UNetConfig& config, Rng& rng);
  const UNetConfig& config() const { return cfg_; }
  // x [B, in_channels, S, S] (S divisible by 2^(levels-1)), t [B], context [B, L, context_dim],
  // context_padding [B, L] or undefined -> ε̂ of x's shape.
  Tensor forward(const Tensor& x, const Tensor& t, const Tensor& context,
                 const Tensor& context_padding);

 private:
  // One step of the down or up path: a ResBlock, optionally followed by a SpatialTransformer.
  struct Stage {
    std::shared_ptr<unet_detail::ResBlock> res;
    std::shared_ptr<unet_detail::SpatialTransformer> attn;  // may be null
  };
  Stage make_stage(const std::string& name, int64_t cin, int64_t cout, bool attn, Rng& rng);
  Tensor run_stage(Stage& s, const Tensor& h, const Tensor& temb_act, const Tensor& context,
                   const Tensor& padding);

  UNetConfig cfg_;
  std::shared_ptr<nn::Linear> time_fc1_, time_fc2_;
  std::shared_ptr<nn::Conv2d> conv_in_, conv_out_;
  std::vector<std::vector<Stage>> down_, up_;                       // per level
  std::vector<std::shared_ptr<nn::Conv2d>> downsample_, upsample_;  // per level (null at ends)
  std::shared_ptr<unet_detail::ResBlock> mid1_, mid2_;
  std::shared_ptr<unet_detail::SpatialTransformer> mid_attn_;
  std::shared_ptr<unet_detail::GroupNorm> norm_out_;
};

}  // namespace syn::models
