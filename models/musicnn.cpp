// musicnn.cpp — see musicnn.h.
#include "models/musicnn.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/reduce_max.h"
#include "engine/ops/shape.h"
#include "engine/parallel.h"

namespace syn::models {

const std::vector<std::string>& musicnn_labels(MusicnnDataset dataset) {
  // musicnn/configuration.py, MTT_LABELS and MSD_LABELS, in order.
  // clang-format off
  static const std::vector<std::string> mtt = {
      "guitar",      "classical", "slow",        "techno",     "strings",      "drums",
      "electronic",  "rock",      "fast",        "piano",      "ambient",      "beat",
      "violin",      "vocal",     "synth",       "female",     "indian",       "opera",
      "male",        "singing",   "vocals",      "no vocals",  "harpsichord",  "loud",
      "quiet",       "flute",     "woman",       "male vocal", "no vocal",     "pop",
      "soft",        "sitar",     "solo",        "man",        "classic",      "choir",
      "voice",       "new age",   "dance",       "male voice", "female vocal", "beats",
      "harp",        "cello",     "no voice",    "weird",      "country",      "metal",
      "female voice", "choral"};
  static const std::vector<std::string> msd = {
      "rock",         "pop",          "alternative",    "indie",         "electronic",
      "female vocalists", "dance",    "00s",            "alternative rock", "jazz",
      "beautiful",    "metal",        "chillout",       "male vocalists", "classic rock",
      "soul",         "indie rock",   "Mellow",         "electronica",   "80s",
      "folk",         "90s",          "chill",          "instrumental",  "punk",
      "oldies",       "blues",        "hard rock",      "ambient",       "acoustic",
      "experimental", "female vocalist", "guitar",      "Hip-Hop",       "70s",
      "party",        "country",      "easy listening", "sexy",          "catchy",
      "funk",         "electro",      "heavy metal",    "Progressive rock", "60s",
      "rnb",          "indie pop",    "sad",            "House",         "happy"};
  // clang-format on
  return dataset == MusicnnDataset::MTT ? mtt : msd;
}

std::string musicnn_model_name(MusicnnDataset dataset) {
  return dataset == MusicnnDataset::MTT ? "MTT_musicnn" : "MSD_musicnn";
}

MusicnnDataset musicnn_dataset_from_name(const std::string& name) {
  if (name == "MTT_musicnn") return MusicnnDataset::MTT;
  if (name == "MSD_musicnn") return MusicnnDataset::MSD;
  SYN_FAIL("unknown musicnn model '", name, "' (expected MTT_musicnn or MSD_musicnn)");
}

int64_t MusicnnConfig::timbral_width(int i) const {
  // Python's int(0.4 * 96) truncates 38.4 to 38 and int(0.7 * 96) 67.2 to 67. Computed in
  // double exactly as Python does (0.7 * 96 is 67.19999..., still 67).
  return (int64_t)((i == 0 ? 0.4 : 0.7) * (double)n_mels);
}

// ---------------------------------------------------------------------------------------------

MusicnnFrontBranch::MusicnnFrontBranch(int64_t filters, int64_t kh, int64_t kw, Padding2d padding,
                                       float eps, Rng& rng) {
  conv =
      register_module("conv", std::make_shared<nn::Conv2d>(1, filters, kh, kw, padding, true, rng));
  // TF's momentum 0.99 is PyTorch's 0.01 (only used if someone trains it).
  bn = register_module("bn", std::make_shared<nn::BatchNorm2d>(filters, 0.01f, eps));
}

Tensor MusicnnFrontBranch::forward(const Tensor& x) {
  if (is_training() || grad_enabled()) {
    // h [P, C, T, W]; the whole-frequency max -> [P, C, T]
    Tensor h = bn->forward(ops::relu(conv->forward(x)));
    return ops::max(h, 3);
  }
  // Inference: the order of the last three steps is free. Evaluation-mode batch norm is a
  // per-channel map y = (x - mean) * invstd * gamma + beta, non-decreasing in x where gamma >= 0
  // and non-increasing where gamma < 0; ReLU is non-decreasing; rounding to float keeps both
  // monotone. So max_W bn(relu(c)) = bn(relu(max_W c)) for gamma >= 0 and bn(relu(min_W c)) for
  // gamma < 0, exactly. Reducing first touches the largest tensor of the model ([P, 204, T, W])
  // once or twice instead of four times (measured: bench/README.md, musicnn CPU speed).
  // Two patches at a time: a branch's conv output for one patch is 5-11 MB ([C, T, W] floats),
  // so a pair stays in the 32 MB L3 between the convolution that writes it and the max and min
  // that read it, where a whole batch of 16 (80-180 MB) went to memory three times. Every op here
  // is per patch, so the values are those of the whole batch. Measured with bench_tag (2 threads,
  // Zen 4, idle): the whole path 204-208 -> 192 ms, the model's CPU 349 -> 319 ms; chunks of 1,
  // 4 and 8 patches gave 199, 193-198 and 203-208 ms.
  constexpr int64_t kPatchesAtOnce = 2;
  if (x.size(0) > kPatchesAtOnce) {
    std::vector<Tensor> parts;
    for (int64_t a = 0; a < x.size(0); a += kPatchesAtOnce)
      parts.push_back(forward(ops::slice(x, 0, a, std::min(x.size(0), a + kPatchesAtOnce))));
    return ops::concat(parts, 0);
  }
  std::vector<float> gamma = bn->weight.to_vector();
  bool any_negative = false;
  for (float g : gamma) any_negative |= g < 0;
  Tensor c = conv->forward(x);  // [P, C, T, W]

  auto normalised = [&](const Tensor& r) {  // [P, C, T] -> bn over channels
    Tensor r4 = ops::reshape(r, {r.size(0), r.size(1), r.size(2), 1});
    return ops::reshape(bn->forward(ops::relu(r4)), {r.size(0), r.size(1), r.size(2)});
  };
  Tensor hi = normalised(ops::max(c, 3));
  if (!any_negative) return hi;
  Tensor lo = normalised(ops::min(c, 3));
  // Per channel: hi where gamma >= 0, lo where gamma < 0 (a 0/1 mask, exact).
  int64_t p = hi.size(0), ch = hi.size(1), t = hi.size(2);
  std::vector<float> m((size_t)(p * ch * t));
  for (int64_t i = 0; i < p; ++i)
    for (int64_t j = 0; j < ch; ++j)
      std::fill_n(&m[(size_t)((i * ch + j) * t)], t, gamma[(size_t)j] >= 0 ? 1.0f : 0.0f);
  Tensor mask = Tensor::from_vector(m, hi.shape(), hi.device());
  Tensor inv = Tensor::from_vector(std::vector<float>(m.size(), 1.0f), hi.shape(), hi.device());
  return ops::add(ops::mul(mask, hi), ops::mul(ops::sub(inv, mask), lo));
}

MusicnnMidLayer::MusicnnMidLayer(int64_t in_channels, int64_t filters, float eps, Rng& rng) {
  conv = register_module("conv",
                         std::make_shared<nn::Conv1d>(in_channels, filters, 7, 1, 3, true, rng));
  bn = register_module("bn", std::make_shared<nn::BatchNorm1d>(filters, 0.01f, eps));
}

Tensor MusicnnMidLayer::forward(const Tensor& x) {
  return bn->forward(ops::relu(conv->forward(x)));
}

Musicnn::Musicnn(const MusicnnConfig& cfg, Rng& rng) : cfg_(cfg) {
  SYN_CHECK(cfg.n_mels >= 2 && cfg.timbral_filters > 0 && cfg.temporal_filters > 0 &&
                cfg.midend_filters > 0 && cfg.backend_units > 0 && cfg.num_classes > 0,
            "musicnn: invalid config (n_mels ", cfg.n_mels, ", filters ", cfg.timbral_filters, "/",
            cfg.temporal_filters, "/", cfg.midend_filters, ", units ", cfg.backend_units,
            ", classes ", cfg.num_classes, ")");
  const float eps = cfg.bn_eps;
  input_bn = register_module("input_bn", std::make_shared<nn::BatchNorm2d>(1, 0.01f, eps));
  // Timbral: musicnn pads the time axis by 3 + 3 (tf.pad) and convolves 'valid'.
  const Padding2d time3{3, 3, 0, 0};
  timbral1 = register_module(
      "timbral1", std::make_shared<MusicnnFrontBranch>(cfg.timbral_filters, 7, cfg.timbral_width(0),
                                                       time3, eps, rng));
  timbral2 = register_module(
      "timbral2", std::make_shared<MusicnnFrontBranch>(cfg.timbral_filters, 7, cfg.timbral_width(1),
                                                       time3, eps, rng));
  std::shared_ptr<MusicnnFrontBranch>* temporal[3] = {&temporal1, &temporal2, &temporal3};
  for (int i = 0; i < 3; ++i) {
    const int64_t len = kMusicnnTemporalLengths[i];
    *temporal[i] =
        register_module("temporal" + std::to_string(i + 1),
                        std::make_shared<MusicnnFrontBranch>(cfg.temporal_filters, len, 1,
                                                             same_padding2d(len, 1), eps, rng));
  }
  midend1 = register_module("midend1", std::make_shared<MusicnnMidLayer>(
                                           cfg.frontend_channels(), cfg.midend_filters, eps, rng));
  midend2 = register_module("midend2", std::make_shared<MusicnnMidLayer>(
                                           cfg.midend_filters, cfg.midend_filters, eps, rng));
  midend3 = register_module("midend3", std::make_shared<MusicnnMidLayer>(
                                           cfg.midend_filters, cfg.midend_filters, eps, rng));
  const int64_t pooled = 2 * cfg.pooled_channels();
  pool_bn = register_module("pool_bn", std::make_shared<nn::BatchNorm1d>(pooled, 0.01f, eps));
  dense =
      register_module("dense", std::make_shared<nn::Linear>(pooled, cfg.backend_units, true, rng));
  dense_bn =
      register_module("dense_bn", std::make_shared<nn::BatchNorm1d>(cfg.backend_units, 0.01f, eps));
  output = register_module(
      "output", std::make_shared<nn::Linear>(cfg.backend_units, cfg.num_classes, true, rng));
}

Musicnn::Outputs Musicnn::forward_all(const Tensor& patches) {
  SYN_CHECK(patches.dim() == 3 && patches.size(2) == cfg_.n_mels && patches.size(0) >= 1 &&
                patches.size(1) >= 1,
            "musicnn expects log-mel patches [P, T, ", cfg_.n_mels, "], got ", patches.describe());
  const int64_t P = patches.size(0), T = patches.size(1);
  Tensor x = input_bn->forward(ops::reshape(patches, {P, 1, T, cfg_.n_mels}));

  Outputs out;
  MusicnnFrontBranch* branches[5] = {timbral1.get(), timbral2.get(), temporal1.get(),
                                     temporal2.get(), temporal3.get()};
  Tensor b[5];
  if (!grad_enabled() && x.device() == Device::CPU && num_threads() == 2) {
    // Inference on two threads: the branches as two tasks of about equal work, one thread each
    // (their ops' parallel loops run inline), instead of every op split in two: no
    // synchronisation of the many small regions, and each op's bits are the same on one thread
    // as on two. Single-thread CPU ms (bench_tag --profile): timbral1 142, timbral2 124,
    // temporal1 30, temporal2 17, temporal3 11 → {timbral1, temporal2} 159 and {timbral2,
    // temporal1, temporal3} 165. Every op is per patch and per channel: the task order cannot
    // change a value.
    run_chunks(2, [&](int64_t task) {
      NoGradGuard no_grad;  // grad mode is per thread: the worker's must match the caller's
      for (int i : task == 0 ? std::vector<int>{0, 3} : std::vector<int>{1, 2, 4})
        b[i] = branches[i]->forward(x);
    });
  } else {
    for (int i = 0; i < 5; ++i) b[i] = branches[i]->forward(x);
  }
  out.timbral = ops::concat({b[0], b[1]}, 1);
  out.temporal = ops::concat({b[2], b[3], b[4]}, 1);
  Tensor front = ops::concat({out.timbral, out.temporal}, 1);  // [P, 561, T]

  out.cnn1 = midend1->forward(front);
  out.cnn2 = ops::add(midend2->forward(out.cnn1), out.cnn1);
  out.cnn3 = ops::add(midend3->forward(out.cnn2), out.cnn2);
  Tensor features = ops::concat({front, out.cnn1, out.cnn2, out.cnn3}, 1);  // [P, 753, T]

  out.max_pool = ops::max(features, 2);
  out.mean_pool = ops::mean(features, 2);
  // TF concatenates [max, mean] on a trailing axis and flattens: (c0 max, c0 mean, c1 max, ...).
  Tensor pooled =
      ops::reshape(ops::stack({out.max_pool, out.mean_pool}, 2), {P, 2 * cfg_.pooled_channels()});
  // Dropout (rate 0.5 in training) sits after pool_bn and after dense_bn: identity here.
  Tensor h = pool_bn->forward(pooled);
  out.penultimate = dense_bn->forward(ops::relu(dense->forward(h)));
  out.logits = output->forward(out.penultimate);
  return out;
}

// ---------------------------------------------------------------------------------------------

MusicnnPrediction musicnn_predict(Musicnn& model, const Tensor& patches) {
  NoGradGuard no_grad;
  Tensor logits = model.forward(patches);
  std::vector<float> p = logits.to_vector();
  for (float& v : p) v = 1.0f / (1.0f + std::exp(-v));
  const int64_t P = logits.size(0), K = logits.size(1);
  MusicnnPrediction out;
  out.patch_probabilities = Tensor::from_vector(p, {P, K});
  out.clip_probabilities.assign((size_t)K, 0.0f);
  for (int64_t k = 0; k < K; ++k) {
    double s = 0;
    for (int64_t i = 0; i < P; ++i) s += p[(size_t)(i * K + k)];
    out.clip_probabilities[(size_t)k] = (float)(s / (double)P);
  }
  return out;
}

std::vector<int64_t> top_tags(const std::vector<float>& probabilities, int64_t n) {
  std::vector<int64_t> idx(probabilities.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
    return probabilities[(size_t)a] > probabilities[(size_t)b];
  });
  idx.resize((size_t)std::clamp<int64_t>(n, 0, (int64_t)idx.size()));
  return idx;
}

std::map<std::string, std::string> musicnn_config_meta(const MusicnnConfig& cfg) {
  return {{"n_mels", std::to_string(cfg.n_mels)},
          {"timbral_filters", std::to_string(cfg.timbral_filters)},
          {"temporal_filters", std::to_string(cfg.temporal_filters)},
          {"midend_filters", std::to_string(cfg.midend_filters)},
          {"backend_units", std::to_string(cfg.backend_units)},
          {"num_classes", std::to_string(cfg.num_classes)},
          {"bn_eps", str_cat(cfg.bn_eps)}};
}

MusicnnConfig musicnn_config_from_meta(const std::map<std::string, std::string>& meta,
                                       const std::string& path) {
  auto get = [&](const std::string& key) -> const std::string& {
    auto it = meta.find(key);
    SYN_CHECK(it != meta.end(), "musicnn weights '", path, "' lack the metadata '", key,
              "' (convert them with apps/convert_musicnn)");
    return it->second;
  };
  auto get_int = [&](const std::string& key) {
    const std::string& v = get(key);
    size_t used = 0;
    int64_t x = 0;
    try {
      x = std::stoll(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    SYN_CHECK(used == v.size() && !v.empty() && x > 0, "musicnn weights '", path, "': metadata '",
              key, "' = '", v, "' is not a positive integer");
    return x;
  };
  MusicnnConfig cfg;
  cfg.n_mels = get_int("n_mels");
  cfg.timbral_filters = get_int("timbral_filters");
  cfg.temporal_filters = get_int("temporal_filters");
  cfg.midend_filters = get_int("midend_filters");
  cfg.backend_units = get_int("backend_units");
  cfg.num_classes = get_int("num_classes");
  const std::string& eps = get("bn_eps");
  try {
    cfg.bn_eps = std::stof(eps);
  } catch (const std::exception&) {
    SYN_FAIL("musicnn weights '", path, "': metadata 'bn_eps' = '", eps, "' is not a number");
  }
  return cfg;
}

LoadedMusicnn load_musicnn(const std::string& path, MusicnnDataset expected) {
  LoadedMusicnn out = load_musicnn(path);
  SYN_CHECK(out.dataset == expected, "musicnn weights '", path, "' hold ",
            musicnn_model_name(out.dataset), ", but ", musicnn_model_name(expected),
            " was asked for (swapped or renamed weight files?)");
  return out;
}

LoadedMusicnn load_musicnn(const std::string& path) {
  Checkpoint ck = load_checkpoint(path);
  LoadedMusicnn out;
  out.meta = ck.meta;
  auto model_it = ck.meta.find("model");
  SYN_CHECK(model_it != ck.meta.end(), "musicnn weights '", path,
            "' lack the metadata 'model' (MTT_musicnn or MSD_musicnn)");
  out.dataset = musicnn_dataset_from_name(model_it->second);
  out.labels = musicnn_labels(out.dataset);
  if (auto it = ck.meta.find("labels"); it != ck.meta.end()) {
    std::string expected;
    for (const auto& l : out.labels) expected += (expected.empty() ? "" : "\n") + l;
    SYN_CHECK(it->second == expected, "musicnn weights '", path, "' list labels that differ from ",
              model_it->second, "'s");
  }
  MusicnnConfig cfg = musicnn_config_from_meta(ck.meta, path);
  SYN_CHECK(cfg.num_classes == (int64_t)out.labels.size(), "musicnn weights '", path, "' have ",
            cfg.num_classes, " outputs but ", model_it->second, " has ", out.labels.size(),
            " labels");
  Rng rng(0);  // every value is overwritten by the file
  out.model = std::make_unique<Musicnn>(cfg, rng);
  try {
    out.model->load_state_dict(ck.tensors);
  } catch (const Error& e) {
    throw Error("musicnn weights '" + path + "': " + e.what());
  }
  out.model->eval();
  return out;
}

}  // namespace syn::models
