// text_to_image.h — prompt → picture: the prompt encoder and the U-Net as one network
// (TextToImageNet, what the trainer optimises), and TextToImage, the product API that loads the
// shipped weights and samples images with DDIM or DPM-Solver++(2M) and classifier-free guidance.
//
// Weights file (engine/checkpoint.h, fp16 tensors):
//   text.<name>   the PromptEncoder's parameters        unet.<name>  the U-Net's (EMA) parameters
//   meta/kind "synesthesia-text-to-image-1"; meta/vocabulary (one word per line);
//   meta/unet.* and meta/text.* the sizes; meta/schedule, meta/timesteps; plus provenance entries
//   (data, command, steps, device, train_seconds, final losses...) written by apps/train_imagine.
// Second generation (issue 18), meta/kind "synesthesia-text-to-image-2", adds:
//   meta/prediction "eps" or "v" (prediction.h); meta/text.tokenizer "words" or "words+bytes"
//   (prompt_encoder.h); meta/latent "none" or "autoencoder": the U-Net denoises the latents of
//   the autoencoder (models/autoencoder.h) stored in the same file as ae.<name> tensors with its
//   meta/ae.* sizes and meta/latent_scale, and generate() decodes them to pictures;
//   meta/sample.sampler and meta/sample.steps, the sampler and step count the trainer advises
//   (what ImagineOptions' sampler "auto" and apps/imagine's --steps 0 mean).
// A first-generation file reads as eps, words, pixel space, DDIM, 50 steps: it loads and samples
// exactly as before. Files that use none of the new features are still written as "-1".
//
//   auto t2i = TextToImage::load("models/weights/unet_emoji.synckpt");
//   Tensor images = t2i.generate({"guitar", "red heart"}, {.steps = 50, .seed = 7});
//   // images: [2, 3, 32, 32] in [0, 1]
//
// Generation: x_T ~ N(0, I) of shape [N, 3, S, S] drawn from Rng(seed) (N = prompts × batch,
// prompt-major), DDIM with `steps` steps; when guidance_scale != 1 each step runs the N
// conditional and the N unconditional (empty prompt) inputs as one batch of 2N and combines them
// (diffusion.h); guidance_scale == 1 runs the conditional batch alone (the same result, half the
// work). The output maps the model's [−1, 1] to [0, 1] and clamps.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/module.h"
#include "models/diffusion.h"
#include "models/prompt_encoder.h"
#include "models/unet.h"

namespace syn::models {

struct TextToImageConfig {
  UNetConfig unet;
  PromptEncoderConfig text;
  std::string schedule = "cosine";
  int64_t timesteps = 1000;
  std::string prediction = "eps";   // eps or v (prediction.h)
  std::string tokenizer = "words";  // the prompt tokenizer's scheme (prompt_encoder.h)
  bool latent = false;              // the U-Net works on autoencoder latents, not pixels
};

// Sizes as metadata entries ("unet.base_channels" -> "32", ...) and back; read_* errors name
// `source` and the missing or bad key.
void write_text_to_image_meta(std::map<std::string, std::string>& meta, const TextToImageConfig& c,
                              const PromptTokenizer& tok);
TextToImageConfig read_text_to_image_meta(const std::map<std::string, std::string>& meta,
                                          const std::string& source);

class TextToImageNet : public Module {
 public:
  TextToImageNet(const TextToImageConfig& config, Rng& rng);
  const TextToImageConfig& config() const { return cfg_; }
  // ε̂ for noised images x_t [B, 3, S, S] at timesteps t [B] under the prompts `ids` (B rows).
  Tensor forward(const Tensor& x_t, const Tensor& t, const PromptIds& ids);
  // The same with the prompts already encoded (a sampler encodes them once for all steps).
  Tensor forward(const Tensor& x_t, const Tensor& t, const PromptTokens& text);
  PromptEncoder& text() { return *text_; }
  UNet& unet() { return *unet_; }

 private:
  TextToImageConfig cfg_;
  std::shared_ptr<PromptEncoder> text_;
  std::shared_ptr<UNet> unet_;
};

struct ImagineOptions {
  int64_t steps = 50;  // network calls (TextToImage::default_steps(): the weights' advice)
  // "ddim", "dpmpp_2m", or "auto": the weights' meta/sample.sampler (ddim if absent).
  std::string sampler = "auto";
  float guidance_scale = 3.0f;
  uint64_t seed = 0;
  int64_t batch = 1;
  // Called after each DDIM step with (steps done, steps in all), e.g. for a progress line.
  std::function<void(int64_t done, int64_t total)> on_step;
};

// Samples [prompts.size() · batch, C, S, S] with `net`: pixels in [−1, 1] (before the [0, 1]
// mapping), or latents for a latent model. Sampler "auto" means DDIM here; pixel models clip x̂0
// to [−1, 1], latent models do not.
Tensor sample_images(TextToImageNet& net, const PromptTokenizer& tok, const NoiseSchedule& schedule,
                     const std::vector<std::string>& prompts, const ImagineOptions& options);

class Autoencoder;

class TextToImage {
 public:
  static TextToImage load(
      const std::string& weights_path);  // EMA U-Net + prompt encoder + tokenizer + schedule
                                         // (+ autoencoder); clear errors naming the file
  int64_t image_size() const;  // native resolution of the pictures (32; 64 for the latent model)
  // One image per prompt (batch copies each, so prompts.size()*batch images, prompt-major):
  // [N, 3, S, S] floats in [0, 1] on the CPU. Same seed → same images.
  Tensor generate(const std::vector<std::string>& prompts, const ImagineOptions& options) const;
  const std::map<std::string, std::string>& provenance() const;

  // Writes `net` (its current weights, e.g. the EMA copy) with the tokenizer and sizes as a
  // weights file that load() reads; `provenance` entries are added to the metadata. A latent
  // model's autoencoder `ae` is stored with it (required exactly when net's config is latent).
  static void save(const std::string& path, const TextToImageNet& net, const PromptTokenizer& tok,
                   const std::map<std::string, std::string>& provenance, bool fp16 = true,
                   const Autoencoder* ae = nullptr);
  const PromptTokenizer& tokenizer() const { return tok_; }
  // The options with sampler "auto" replaced by the weights' meta/sample.sampler (ddim if absent).
  ImagineOptions resolved(const ImagineOptions& options) const;
  // The weights' meta/sample.steps (50, today's default, if absent).
  int64_t default_steps() const;

 private:
  std::shared_ptr<TextToImageNet> net_;  // shared: generate() is const, the net is stateless
  std::shared_ptr<Autoencoder> ae_;      // latent models only
  PromptTokenizer tok_;
  NoiseSchedule schedule_;
  std::map<std::string, std::string> meta_;
};

}  // namespace syn::models
