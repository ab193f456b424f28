// autoencoder.h — the picture autoencoder of latent diffusion (issue 18): 64-px RGB pictures
// <-> a small latent map (16×16 with a few channels), so a diffusion U-Net can work at the cost
// of a 16-px model and the decoder paints the 64-px picture (Stable Diffusion's VAE, made
// deterministic and CPU-sized).
//
//   encode: x [B, 3, S, S] in [−1, 1] -> z [B, latent_channels, S/2^(K−1), S/2^(K−1)]
//   decode: z -> x̂ [B, 3, S, S], about [−1, 1] (no squashing: callers clamp for display)
//
// Layout, with C = base_channels and levels k = 0 .. K−1 (K = channel_mult.size()) at S/2^k
// pixels of C·mult[k] channels, built from the U-Net's pieces (models/unet.h: ResBlock without
// the timestep, GroupNorm with norm_groups groups):
//   encoder: conv3×3(3 -> C); per level k: ResBlock(-> C·mult[k]), then (except at the last)
//            a stride-2 conv3×3; mid ResBlock; GroupNorm -> SiLU -> conv3×3(-> latent_channels)
//   decoder: conv3×3(latent_channels -> C·mult[K−1]); mid ResBlock; per level k = K−1 .. 0:
//            ResBlock(-> C·mult[k]), then (except at level 0) nearest ×2 + conv3×3 to
//            C·mult[k−1] channels (so the widest maps never run at the full resolution);
//            GroupNorm -> SiLU -> conv3×3(C·mult[0] -> 3)
// The encoder is deterministic (it returns the latent itself, not a distribution's mean and
// variance); training keeps its scale in check with a small L2 penalty on z
// (apps/train/autoencoder_task.h), and latent_scale() (1 / the standard deviation of the training
// pictures' latents, measured after training and stored in the weights) is the factor a latent
// diffusion model multiplies z by so that its data has unit variance.
//
// Weights file (engine/checkpoint.h, fp16 by default): the state dict (encoder.*, decoder.*) and
// meta/kind "synesthesia-autoencoder-1", meta/ae.image_size, ae.latent_channels,
// ae.base_channels, ae.channel_mult ("1,2,2"), ae.norm_groups, meta/latent_scale, plus the
// caller's provenance entries.
//
//   auto ae = models::load_autoencoder("/work/out/d18/autoencoder.synckpt");
//   Tensor z = ops::scale(ae->encode(x), (float)ae->latent_scale());   // diffusion's data
//   Tensor x_hat = ae->decode(ops::scale(z, 1.0f / (float)ae->latent_scale()));
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/module.h"
#include "engine/nn/layers2d.h"
#include "engine/rng.h"
#include "models/unet.h"

namespace syn::models {

struct AutoencoderConfig {
  int64_t image_size = 64;
  int64_t latent_channels = 4;
  int64_t base_channels = 32;
  std::vector<int64_t> channel_mult{1, 2, 2};  // one entry per level (64, 32, 16 px)
  int64_t norm_groups = 8;
  // The latent map's side: image_size / 2^(levels − 1).
  int64_t latent_size() const;
};

namespace autoencoder_detail {

class Encoder : public Module {
 public:
  Encoder(const AutoencoderConfig& c, Rng& rng);
  Tensor forward(const Tensor& x);

 private:
  std::shared_ptr<nn::Conv2d> conv_in_, conv_out_;
  std::vector<std::shared_ptr<unet_detail::ResBlock>> res_;  // per level
  std::vector<std::shared_ptr<nn::Conv2d>> downsample_;      // per level, null at the last
  std::shared_ptr<unet_detail::ResBlock> mid_;
  std::shared_ptr<unet_detail::GroupNorm> norm_out_;
};

class Decoder : public Module {
 public:
  Decoder(const AutoencoderConfig& c, Rng& rng);
  Tensor forward(const Tensor& z);

 private:
  std::shared_ptr<nn::Conv2d> conv_in_, conv_out_;
  std::shared_ptr<unet_detail::ResBlock> mid_;
  std::vector<std::shared_ptr<unet_detail::ResBlock>> res_;  // per level
  std::vector<std::shared_ptr<nn::Conv2d>> upsample_;        // per level, null at level 0
  std::shared_ptr<unet_detail::GroupNorm> norm_out_;
};

}  // namespace autoencoder_detail

class Autoencoder : public Module {
 public:
  Autoencoder(const AutoencoderConfig& config, Rng& rng);
  const AutoencoderConfig& config() const { return cfg_; }

  // x [B, 3, S, S] in [−1, 1] -> z [B, latent_channels, L, L] (L = config().latent_size()).
  Tensor encode(const Tensor& x);
  // z [B, latent_channels, L, L] -> x̂ [B, 3, S, S] in about [−1, 1].
  Tensor decode(const Tensor& z);
  // decode(encode(x)).
  Tensor reconstruct(const Tensor& x) { return decode(encode(x)); }

  // 1 / std of the training latents (1 until measured); diffusion works on z · latent_scale().
  double latent_scale() const { return latent_scale_; }
  void set_latent_scale(double s);

  autoencoder_detail::Encoder& encoder() { return *encoder_; }
  autoencoder_detail::Decoder& decoder() { return *decoder_; }

 private:
  AutoencoderConfig cfg_;
  std::shared_ptr<autoencoder_detail::Encoder> encoder_;
  std::shared_ptr<autoencoder_detail::Decoder> decoder_;
  double latent_scale_ = 1.0;
};

// The sizes and latent_scale as metadata entries ("ae.base_channels" -> "32", ...) and back;
// read errors name `source` and the missing or bad key.
void write_autoencoder_meta(std::map<std::string, std::string>& meta, const AutoencoderConfig& c,
                            double latent_scale);
AutoencoderConfig read_autoencoder_meta(const std::map<std::string, std::string>& meta,
                                        const std::string& source, double* latent_scale);

// Writes `ae`'s weights (fp16 unless told otherwise) with its sizes, latent_scale and the
// `meta` (provenance) entries.
void save_autoencoder(const std::string& path, const Autoencoder& ae,
                      const std::map<std::string, std::string>& meta = {}, bool fp16 = true);
// Reads a file of save_autoencoder in eval mode; `meta` (when given) receives every metadata
// entry. Errors name the file and what is wrong.
std::shared_ptr<Autoencoder> load_autoencoder(const std::string& path,
                                              std::map<std::string, std::string>* meta = nullptr);

}  // namespace syn::models
