// autoencoder.cpp — the picture autoencoder (see autoencoder.h).
//
// Initialisation: PyTorch's defaults, except what the U-Net's ResBlock zeroes (each block's
// second convolution, so every block starts as the identity or its 1×1 skip). The output
// convolutions keep their random initialisation: a zero decoder output would give the encoder
// no gradient at the start.
#include "models/autoencoder.h"

#include <cmath>
#include <cstdio>

#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/ops/activation.h"
#include "engine/ops/upsample.h"
#include "models/weight_meta.h"

namespace syn::models {

using namespace unet_detail;

namespace {

const char* const kKind = "synesthesia-autoencoder-1";

void check_config(const AutoencoderConfig& c) {
  const int64_t K = (int64_t)c.channel_mult.size();
  SYN_CHECK(K >= 1 && K <= 6 && c.base_channels >= 1 && c.latent_channels >= 1 && c.image_size >= 1,
            "autoencoder: invalid sizes (levels ", K, ", base_channels ", c.base_channels,
            ", latent_channels ", c.latent_channels, ", image_size ", c.image_size, ")");
  SYN_CHECK(c.image_size % (int64_t{1} << (K - 1)) == 0, "autoencoder: image_size ", c.image_size,
            " is not divisible by 2^", K - 1, " (", K, " levels)");
  for (int64_t m : c.channel_mult)
    SYN_CHECK(m >= 1 && (c.base_channels * m) % c.norm_groups == 0, "autoencoder: channel_mult '",
              format_int_list(c.channel_mult), "' with base_channels ", c.base_channels,
              " must give channel counts divisible by ", "norm_groups ", c.norm_groups);
}

}  // namespace

int64_t AutoencoderConfig::latent_size() const {
  return image_size / (int64_t{1} << ((int64_t)channel_mult.size() - 1));
}

namespace autoencoder_detail {

Encoder::Encoder(const AutoencoderConfig& c, Rng& rng) {
  const Padding2d same = Padding2d::symmetric(1, 1);
  const int64_t K = (int64_t)c.channel_mult.size(), C = c.base_channels;
  conv_in_ = register_module("conv_in", std::make_shared<nn::Conv2d>(3, C, 3, 3, same, true, rng));
  int64_t ch = C;
  res_.resize((size_t)K);
  downsample_.resize((size_t)K);
  for (int64_t k = 0; k < K; ++k) {
    const int64_t out = C * c.channel_mult[(size_t)k];
    const std::string name = "down." + std::to_string(k);
    res_[(size_t)k] =
        register_module(name + ".res", std::make_shared<ResBlock>(ch, out, 0, c.norm_groups, rng));
    ch = out;
    if (k + 1 < K)
      downsample_[(size_t)k] = register_module(
          name + ".downsample", std::make_shared<nn::Conv2d>(ch, ch, 3, 3, same, true, rng, 2, 2));
  }
  mid_ = register_module("mid", std::make_shared<ResBlock>(ch, ch, 0, c.norm_groups, rng));
  norm_out_ = register_module("norm_out", std::make_shared<GroupNorm>(c.norm_groups, ch));
  conv_out_ = register_module(
      "conv_out", std::make_shared<nn::Conv2d>(ch, c.latent_channels, 3, 3, same, true, rng));
}

Tensor Encoder::forward(const Tensor& x) {
  Tensor h = conv_in_->forward(x);
  for (size_t k = 0; k < res_.size(); ++k) {
    h = res_[k]->forward(h, Tensor());
    if (downsample_[k]) h = downsample_[k]->forward(h);
  }
  h = mid_->forward(h, Tensor());
  return conv_out_->forward(ops::silu(norm_out_->forward(h)));
}

Decoder::Decoder(const AutoencoderConfig& c, Rng& rng) {
  const Padding2d same = Padding2d::symmetric(1, 1);
  const int64_t K = (int64_t)c.channel_mult.size(), C = c.base_channels;
  int64_t ch = C * c.channel_mult[(size_t)(K - 1)];
  conv_in_ = register_module(
      "conv_in", std::make_shared<nn::Conv2d>(c.latent_channels, ch, 3, 3, same, true, rng));
  mid_ = register_module("mid", std::make_shared<ResBlock>(ch, ch, 0, c.norm_groups, rng));
  res_.resize((size_t)K);
  upsample_.resize((size_t)K);
  for (int64_t k = K - 1; k >= 0; --k) {
    const int64_t out = C * c.channel_mult[(size_t)k];
    const std::string name = "up." + std::to_string(k);
    res_[(size_t)k] =
        register_module(name + ".res", std::make_shared<ResBlock>(ch, out, 0, c.norm_groups, rng));
    ch = out;
    if (k > 0) {
      const int64_t next = C * c.channel_mult[(size_t)(k - 1)];
      upsample_[(size_t)k] = register_module(
          name + ".upsample", std::make_shared<nn::Conv2d>(ch, next, 3, 3, same, true, rng));
      ch = next;
    }
  }
  norm_out_ = register_module("norm_out", std::make_shared<GroupNorm>(c.norm_groups, ch));
  conv_out_ =
      register_module("conv_out", std::make_shared<nn::Conv2d>(ch, 3, 3, 3, same, true, rng));
}

Tensor Decoder::forward(const Tensor& z) {
  Tensor h = mid_->forward(conv_in_->forward(z), Tensor());
  for (size_t k = res_.size(); k-- > 0;) {
    h = res_[k]->forward(h, Tensor());
    if (upsample_[k]) h = upsample_[k]->forward(ops::upsample_nearest2d(h, 2));
  }
  return conv_out_->forward(ops::silu(norm_out_->forward(h)));
}

}  // namespace autoencoder_detail

Autoencoder::Autoencoder(const AutoencoderConfig& c, Rng& rng) : cfg_(c) {
  check_config(c);
  encoder_ = register_module("encoder", std::make_shared<autoencoder_detail::Encoder>(c, rng));
  decoder_ = register_module("decoder", std::make_shared<autoencoder_detail::Decoder>(c, rng));
}

Tensor Autoencoder::encode(const Tensor& x) {
  SYN_CHECK(x.dim() == 4 && x.size(1) == 3 && x.size(2) == cfg_.image_size &&
                x.size(3) == cfg_.image_size,
            "autoencoder: encode input ", x.describe(), " must be [B, 3, ", cfg_.image_size, ", ",
            cfg_.image_size, "]");
  return encoder_->forward(x);
}

Tensor Autoencoder::decode(const Tensor& z) {
  const int64_t L = cfg_.latent_size();
  SYN_CHECK(z.dim() == 4 && z.size(1) == cfg_.latent_channels && z.size(2) == L && z.size(3) == L,
            "autoencoder: decode input ", z.describe(), " must be [B, ", cfg_.latent_channels, ", ",
            L, ", ", L, "]");
  return decoder_->forward(z);
}

void Autoencoder::set_latent_scale(double s) {
  SYN_CHECK(std::isfinite(s) && s > 0.0, "autoencoder: latent_scale must be positive, got ", s);
  latent_scale_ = s;
}

void write_autoencoder_meta(std::map<std::string, std::string>& m, const AutoencoderConfig& c,
                            double latent_scale) {
  m["kind"] = kKind;
  m["ae.image_size"] = std::to_string(c.image_size);
  m["ae.latent_channels"] = std::to_string(c.latent_channels);
  m["ae.base_channels"] = std::to_string(c.base_channels);
  m["ae.channel_mult"] = format_int_list(c.channel_mult);
  m["ae.norm_groups"] = std::to_string(c.norm_groups);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", latent_scale);  // round-trips the double exactly
  m["latent_scale"] = buf;
}

AutoencoderConfig read_autoencoder_meta(const std::map<std::string, std::string>& m,
                                        const std::string& src, double* latent_scale) {
  auto kind = m.find("kind");
  SYN_CHECK(kind != m.end() && kind->second == kKind, src,
            ": not an autoencoder weights file (meta/kind is '",
            kind == m.end() ? std::string("(missing)") : kind->second, "', expected '", kKind,
            "')");
  AutoencoderConfig c;
  c.image_size = meta_int(m, "ae.image_size", src);
  c.latent_channels = meta_int(m, "ae.latent_channels", src);
  c.base_channels = meta_int(m, "ae.base_channels", src);
  c.channel_mult = parse_int_list(meta_str(m, "ae.channel_mult", src), src + ": ae.channel_mult");
  c.norm_groups = meta_int(m, "ae.norm_groups", src);
  if (latent_scale) {
    const std::string& text = meta_str(m, "latent_scale", src);
    size_t used = 0;
    double v = 0.0;
    try {
      v = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    SYN_CHECK(used == text.size() && used > 0 && std::isfinite(v) && v > 0.0, src,
              ": metadata 'latent_scale' = '", text, "' is not a positive number");
    *latent_scale = v;
  }
  return c;
}

void save_autoencoder(const std::string& path, const Autoencoder& ae,
                      const std::map<std::string, std::string>& meta, bool fp16) {
  Checkpoint ck;
  ck.tensors = ae.state_dict();
  ck.meta = meta;
  write_autoencoder_meta(ck.meta, ae.config(), ae.latent_scale());
  save_checkpoint(path, ck, fp16);
}

std::shared_ptr<Autoencoder> load_autoencoder(const std::string& path,
                                              std::map<std::string, std::string>* meta) {
  Checkpoint ck = load_checkpoint(path);
  double scale = 1.0;
  AutoencoderConfig c = read_autoencoder_meta(ck.meta, "'" + path + "'", &scale);
  Rng rng(1);
  auto ae = std::make_shared<Autoencoder>(c, rng);
  try {
    ae->load_state_dict(ck.tensors);
  } catch (const std::exception& e) {
    SYN_FAIL("autoencoder '", path, "': ", e.what());
  }
  ae->set_latent_scale(scale);
  ae->eval();
  if (meta) *meta = std::move(ck.meta);
  return ae;
}

}  // namespace syn::models
