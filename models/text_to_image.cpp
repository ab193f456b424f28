// text_to_image.cpp — the combined network, its metadata, sampling and the product API
// (see text_to_image.h).
#include "models/text_to_image.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/shape.h"
#include "models/autoencoder.h"
#include "models/dpm_solver.h"
#include "models/latent_codec.h"
#include "models/prediction.h"
#include "models/weight_meta.h"

namespace syn::models {

namespace {

const char* const kKind = "synesthesia-text-to-image-1";
const char* const kKind2 = "synesthesia-text-to-image-2";

// What a first-generation file can say: ε-prediction, word tokens, pixel space.
bool first_generation(const TextToImageConfig& c) {
  return c.prediction == "eps" && c.tokenizer == "words" && !c.latent;
}

// The metadata as the autoencoder's reader wants it: the embedded entries (ae.*, latent_scale)
// under the autoencoder file's own kind, which the text-to-image file's kind replaced.
std::map<std::string, std::string> autoencoder_meta(const std::map<std::string, std::string>& m) {
  std::map<std::string, std::string> probe, out = m;
  write_autoencoder_meta(probe, AutoencoderConfig{}, 1.0);
  out["kind"] = probe["kind"];
  return out;
}

}  // namespace

void write_text_to_image_meta(std::map<std::string, std::string>& m, const TextToImageConfig& c,
                              const PromptTokenizer& tok) {
  SYN_CHECK(c.tokenizer == tok.scheme(), "text-to-image: the config's tokenizer '", c.tokenizer,
            "' differs from the tokenizer's scheme '", tok.scheme(), "'");
  parse_prediction(c.prediction);  // an unknown name is an error here, not at load time
  m["kind"] = first_generation(c) ? kKind : kKind2;
  if (!first_generation(c)) {
    m["prediction"] = c.prediction;
    m["text.tokenizer"] = c.tokenizer;
    m["latent"] = c.latent ? "autoencoder" : "none";
  }
  m["vocabulary"] = tok.to_text();
  m["schedule"] = c.schedule;
  m["timesteps"] = std::to_string(c.timesteps);
  const UNetConfig& u = c.unet;
  m["unet.image_size"] = std::to_string(u.image_size);
  m["unet.in_channels"] = std::to_string(u.in_channels);
  m["unet.base_channels"] = std::to_string(u.base_channels);
  m["unet.channel_mult"] = format_int_list(u.channel_mult);
  m["unet.res_blocks"] = std::to_string(u.res_blocks);
  m["unet.attention_levels"] = format_int_list(u.attention_levels);
  m["unet.heads"] = std::to_string(u.heads);
  m["unet.context_dim"] = std::to_string(u.context_dim);
  m["unet.norm_groups"] = std::to_string(u.norm_groups);
  m["unet.ff_mult"] = std::to_string(u.ff_mult);
  const PromptEncoderConfig& t = c.text;
  m["text.vocab_size"] = std::to_string(t.vocab_size);
  m["text.dim"] = std::to_string(t.dim);
  m["text.heads"] = std::to_string(t.heads);
  m["text.layers"] = std::to_string(t.layers);
  m["text.ff_mult"] = std::to_string(t.ff_mult);
  m["text.max_len"] = std::to_string(t.max_len);
}

TextToImageConfig read_text_to_image_meta(const std::map<std::string, std::string>& m,
                                          const std::string& src) {
  auto kind = m.find("kind");
  SYN_CHECK(kind != m.end() && (kind->second == kKind || kind->second == kKind2), src,
            ": not a text-to-image weights file (meta/kind is '",
            kind == m.end() ? std::string("missing") : kind->second, "', expected '", kKind,
            "' or '", kKind2, "')");
  TextToImageConfig c;
  if (kind->second == kKind2) {
    c.prediction = meta_str(m, "prediction", src);
    parse_prediction(c.prediction);
    c.tokenizer = meta_str(m, "text.tokenizer", src);
    PromptTokenizer::parse_scheme(c.tokenizer, src);
    const std::string& latent = meta_str(m, "latent", src);
    SYN_CHECK(latent == "none" || latent == "autoencoder", src, ": metadata 'latent' = '", latent,
              "' is neither none nor autoencoder");
    c.latent = latent == "autoencoder";
  }
  c.schedule = meta_str(m, "schedule", src);
  c.timesteps = meta_int(m, "timesteps", src);
  UNetConfig& u = c.unet;
  u.image_size = meta_int(m, "unet.image_size", src);
  u.in_channels = meta_int(m, "unet.in_channels", src);
  u.base_channels = meta_int(m, "unet.base_channels", src);
  u.channel_mult =
      parse_int_list(meta_str(m, "unet.channel_mult", src), src + ": unet.channel_mult");
  u.res_blocks = meta_int(m, "unet.res_blocks", src);
  u.attention_levels =
      parse_int_list(meta_str(m, "unet.attention_levels", src), src + ": unet.attention_levels");
  u.heads = meta_int(m, "unet.heads", src);
  u.context_dim = meta_int(m, "unet.context_dim", src);
  u.norm_groups = meta_int(m, "unet.norm_groups", src);
  u.ff_mult = meta_int(m, "unet.ff_mult", src);
  PromptEncoderConfig& t = c.text;
  t.vocab_size = meta_int(m, "text.vocab_size", src);
  t.dim = meta_int(m, "text.dim", src);
  t.heads = meta_int(m, "text.heads", src);
  t.layers = meta_int(m, "text.layers", src);
  t.ff_mult = meta_int(m, "text.ff_mult", src);
  t.max_len = meta_int(m, "text.max_len", src);
  return c;
}

TextToImageNet::TextToImageNet(const TextToImageConfig& c, Rng& rng) : cfg_(c) {
  SYN_CHECK(c.unet.context_dim == c.text.dim, "text-to-image: the U-Net's context_dim ",
            c.unet.context_dim, " differs from the prompt encoder's dim ", c.text.dim);
  text_ = register_module("text", std::make_shared<PromptEncoder>(c.text, rng));
  unet_ = register_module("unet", std::make_shared<UNet>(c.unet, rng));
}

Tensor TextToImageNet::forward(const Tensor& x_t, const Tensor& t, const PromptIds& ids) {
  return forward(x_t, t, text_->forward(ids));
}

Tensor TextToImageNet::forward(const Tensor& x_t, const Tensor& t, const PromptTokens& text) {
  return unet_->forward(x_t, t, text.tokens, text.key_padding);
}

Tensor sample_images(TextToImageNet& net, const PromptTokenizer& tok, const NoiseSchedule& schedule,
                     const std::vector<std::string>& prompts, const ImagineOptions& o) {
  NoGradGuard no_grad;
  SYN_CHECK(!prompts.empty(), "imagine: no prompts");
  SYN_CHECK(o.batch >= 1, "imagine: batch must be at least 1, got ", o.batch);
  SYN_CHECK(o.steps >= 1 && o.steps <= schedule.T, "imagine: steps ", o.steps, " must be in [1, ",
            schedule.T, "]");
  SYN_CHECK(std::isfinite(o.guidance_scale), "imagine: guidance_scale must be finite");
  const std::string sampler = o.sampler == "auto" ? "ddim" : o.sampler;
  check_sampler_name(sampler);
  const Prediction pred = parse_prediction(net.config().prediction);
  const bool guided = o.guidance_scale != 1.0f;
  const int64_t N = (int64_t)prompts.size() * o.batch, S = net.config().unet.image_size;
  const int64_t C = net.config().unet.in_channels;
  std::vector<std::string> rows;
  for (const auto& p : prompts)
    for (int64_t k = 0; k < o.batch; ++k) rows.push_back(p);
  if (guided)
    for (int64_t k = 0; k < N; ++k) rows.push_back("");  // the unconditional prompt
  const bool was_training = net.is_training();
  net.eval();
  const PromptTokens text =
      net.text().forward(encode_prompts(tok, rows, net.config().text.max_len));
  const Device dev = text.tokens.device();
  Rng rng(o.seed);
  Tensor x_T = Tensor::randn({N, C, S, S}, rng, 1.0f, dev);
  int64_t done = 0;
  // Guidance combines raw outputs: ε and v are both affine in the output (prediction.h).
  OutputFn model = [&](const Tensor& x, int64_t t) {
    const int64_t R = (int64_t)rows.size();
    Tensor tt = Tensor::full({R}, (float)t, dev);
    Tensor in = guided ? ops::concat({x, x}, 0) : x;
    Tensor e = net.forward(in, tt, text);
    if (o.on_step) o.on_step(++done, o.steps);  // one network call per step
    return guided ? guided_eps(e, o.guidance_scale) : e;
  };
  Tensor out = run_sampler(schedule, pred, sampler, model, x_T, o.steps,
                           /*clip=*/!net.config().latent);
  net.train(was_training);
  return out;
}

TextToImage TextToImage::load(const std::string& path) {
  SYN_CHECK(std::filesystem::exists(path), "text-to-image weights '", path,
            "' do not exist (train them with apps/train_imagine --export_path ", path, ")");
  Checkpoint ck = load_checkpoint(path);
  TextToImage t;
  TextToImageConfig cfg = read_text_to_image_meta(ck.meta, "'" + path + "'");
  t.tok_ = PromptTokenizer::from_text(meta_str(ck.meta, "vocabulary", path), path + ": vocabulary",
                                      cfg.tokenizer == "words+bytes");
  SYN_CHECK(t.tok_.vocab_size() == cfg.text.vocab_size, "'", path, "': the vocabulary holds ",
            t.tok_.vocab_size(), " ids but text.vocab_size is ", cfg.text.vocab_size);
  t.schedule_ = NoiseSchedule::make(cfg.schedule, cfg.timesteps);
  Rng init(0);
  t.net_ = std::make_shared<TextToImageNet>(cfg, init);
  NamedTensors net_tensors, ae_tensors;
  for (auto& [name, tensor] : ck.tensors) {
    if (name.rfind("ae.", 0) == 0)
      ae_tensors.emplace_back(name.substr(3), tensor);
    else
      net_tensors.emplace_back(name, tensor);
  }
  SYN_CHECK(cfg.latent || ae_tensors.empty(), "text-to-image weights '", path,
            "': a pixel-space model holds autoencoder tensors (ae.*)");
  try {
    t.net_->load_state_dict(net_tensors);
    if (cfg.latent) {
      double scale = 1.0;
      AutoencoderConfig ac =
          read_autoencoder_meta(autoencoder_meta(ck.meta), "'" + path + "'", &scale);
      SYN_CHECK(
          ac.latent_channels == cfg.unet.in_channels && ac.latent_size() == cfg.unet.image_size,
          "the autoencoder's ", ac.latent_channels, "×", ac.latent_size(), "² latents ",
          "differ from the U-Net's ", cfg.unet.in_channels, "×", cfg.unet.image_size, "²");
      t.ae_ = std::make_shared<Autoencoder>(ac, init);
      t.ae_->load_state_dict(ae_tensors);
      t.ae_->set_latent_scale(scale);
      t.ae_->eval();
    }
  } catch (const Error& e) {
    throw Error(str_cat("text-to-image weights '", path, "': ", e.what()));
  }
  t.net_->eval();
  t.meta_ = std::move(ck.meta);
  t.meta_.erase("vocabulary");  // provenance() is for people; the vocabulary is in tokenizer()
  return t;
}

void TextToImage::save(const std::string& path, const TextToImageNet& net,
                       const PromptTokenizer& tok,
                       const std::map<std::string, std::string>& provenance, bool fp16,
                       const Autoencoder* ae) {
  SYN_CHECK(net.config().latent == (ae != nullptr), "text-to-image save '", path, "': a ",
            net.config().latent ? "latent model needs its autoencoder"
                                : "pixel-space model takes no autoencoder");
  Checkpoint ck;
  ck.tensors = net.state_dict();
  ck.meta = provenance;
  write_text_to_image_meta(ck.meta, net.config(), tok);
  if (ae) {
    for (auto& [name, tensor] : ae->state_dict()) ck.tensors.emplace_back("ae." + name, tensor);
    std::map<std::string, std::string> am;
    write_autoencoder_meta(am, ae->config(), ae->latent_scale());
    am.erase("kind");  // the file's kind is the text-to-image one
    for (auto& [k, v] : am) ck.meta[k] = v;
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  save_checkpoint(path, ck, fp16);
}

int64_t TextToImage::image_size() const {
  SYN_CHECK(net_, "TextToImage: no weights loaded (use TextToImage::load)");
  return ae_ ? ae_->config().image_size : net_->config().unet.image_size;
}

ImagineOptions TextToImage::resolved(const ImagineOptions& options) const {
  ImagineOptions o = options;
  if (o.sampler == "auto") {
    auto it = meta_.find("sample.sampler");
    o.sampler = it == meta_.end() ? "ddim" : it->second;
  }
  return o;
}

int64_t TextToImage::default_steps() const {
  return meta_.count("sample.steps") ? meta_int(meta_, "sample.steps", "text-to-image weights")
                                     : 50;
}

Tensor TextToImage::generate(const std::vector<std::string>& prompts,
                             const ImagineOptions& options) const {
  SYN_CHECK(net_, "TextToImage: no weights loaded (use TextToImage::load)");
  Tensor x = sample_images(*net_, tok_, schedule_, prompts, resolved(options));
  if (ae_) x = decode_latents(*ae_, x);
  x = x.to(Device::CPU);
  std::vector<float> v = x.to_vector();
  for (float& f : v) f = std::clamp((f + 1.0f) * 0.5f, 0.0f, 1.0f);
  return Tensor::from_vector(v, x.shape());
}

const std::map<std::string, std::string>& TextToImage::provenance() const { return meta_; }

}  // namespace syn::models
