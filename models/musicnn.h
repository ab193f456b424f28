// musicnn.h — musicnn (Pons & Serra 2019, ISC licence), the musically motivated CNN tagger, as
// musicnn 0.1.0's models.py builds it for MTT_musicnn and MSD_musicnn; the pretrained weights are
// converted from its TensorFlow checkpoints by apps/convert_musicnn (models/weights/).
//
// Shape letters: P patches, T frames (187 per 3 s patch), F mel bands (96), C channels.
// TF works in NHWC with H = time, W = frequency; here planes are NCHW [P, C, T, F].
//
//   input log-mel patches [P, T, 96] -> [P, 1, T, 96]
//   input_bn        BatchNorm over the single channel
//   front end (each: conv + ReLU, then BatchNorm, then max over the frequency axis -> [P, C, T])
//     timbral1      conv [7, 38] (7 frames × 40% of the mels), 204 filters, time padded 3 + 3
//     timbral2      conv [7, 67] (70% of the mels), 204 filters, time padded 3 + 3
//     temporal1..3  conv [128, 1], [64, 1], [32, 1], 51 filters each, TF 'SAME' padding
//                   (the extra row goes below: 63 + 64, 31 + 32, 15 + 16)
//     concatenated over channels -> front [P, 561, T]
//   mid end (each: conv over time k7 pad 3 + ReLU, then BatchNorm; 64 filters)
//     midend1       m1 = bn(relu(conv(front)))
//     midend2       m2 = bn(relu(conv(m1))) + m1
//     midend3       m3 = bn(relu(conv(m2))) + m2
//     concatenated: [front, m1, m2, m3] -> [P, 753, T]
//   back end
//     max and mean over time, interleaved per channel as TF's flatten of [P, 753, 2] lays them
//     out (feature 2c = max of channel c, 2c + 1 = its mean) -> [P, 1506]
//     pool_bn (BatchNorm 1506) -> dropout (inference: none) -> dense (1506 -> 200) + ReLU
//     -> dense_bn -> dropout -> output (200 -> 50 logits); sigmoid gives the tag probabilities.
//
// TF's mid-end convs are 2-D convs whose kernel spans the whole feature axis of a one-channel
// plane ([7, 561] over [T, 561, 1]); that is exactly a 1-D conv over time with the features as
// channels, which is how it is written here (no transposes between the layers). Every batch norm
// is TF's tf.layers.batch_normalization at inference: eps 1e-3, moving statistics.
// This is the inference graph: the two dropout layers are left out (training musicnn from
// scratch is not a goal; the modules would still train, just without dropout).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/layers.h"
#include "engine/nn/layers2d.h"

namespace syn::models {

enum class MusicnnDataset { MTT, MSD };

// The 50 tags in output order, exactly as musicnn's configuration.py lists them.
const std::vector<std::string>& musicnn_labels(MusicnnDataset dataset);
// "MTT_musicnn" / "MSD_musicnn" <-> the dataset (errors name the unknown string).
std::string musicnn_model_name(MusicnnDataset dataset);
MusicnnDataset musicnn_dataset_from_name(const std::string& name);

struct MusicnnConfig {
  int64_t n_mels = 96;
  int64_t timbral_filters = 204;  // int(1.6 * 128)
  int64_t temporal_filters = 51;  // int(1.6 * 32)
  int64_t midend_filters = 64;    // 512 for musicnn's MSD_musicnn_big
  int64_t backend_units = 200;    // 500 for MSD_musicnn_big
  int64_t num_classes = 50;
  float bn_eps = 1e-3f;  // tf.layers.batch_normalization's default
  // Derived sizes.
  int64_t timbral_width(int i) const;  // int(0.4 * n_mels), int(0.7 * n_mels)
  int64_t frontend_channels() const { return 2 * timbral_filters + 3 * temporal_filters; }
  int64_t pooled_channels() const { return frontend_channels() + 3 * midend_filters; }
};
inline constexpr int64_t kMusicnnTemporalLengths[3] = {128, 64, 32};

// A front-end branch: conv + ReLU, BatchNorm, max over frequency. [P, 1, T, F] -> [P, C, T].
class MusicnnFrontBranch : public Module {
 public:
  MusicnnFrontBranch(int64_t filters, int64_t kh, int64_t kw, Padding2d padding, float eps,
                     Rng& rng);
  Tensor forward(const Tensor& x);
  std::shared_ptr<nn::Conv2d> conv;
  std::shared_ptr<nn::BatchNorm2d> bn;
};

// A mid-end layer: conv over time (k 7, pad 3) + ReLU, then BatchNorm. [P, Cin, T] -> [P, C, T].
class MusicnnMidLayer : public Module {
 public:
  MusicnnMidLayer(int64_t in_channels, int64_t filters, float eps, Rng& rng);
  Tensor forward(const Tensor& x);
  std::shared_ptr<nn::Conv1d> conv;
  std::shared_ptr<nn::BatchNorm1d> bn;
};

class Musicnn : public Module {
 public:
  Musicnn(const MusicnnConfig& cfg, Rng& rng);

  // Intermediate results musicnn's extractor also exposes (its feature names).
  struct Outputs {
    Tensor timbral;              // [P, 408, T]  the two timbral branches
    Tensor temporal;             // [P, 153, T]  the three temporal branches
    Tensor cnn1, cnn2, cnn3;     // [P, 64, T] mid-end outputs (after the residual sums)
    Tensor max_pool, mean_pool;  // [P, 753]
    Tensor penultimate;          // [P, 200]    dense_bn output
    Tensor logits;               // [P, 50]
  };
  // patches [P, T, n_mels] (any T >= 1; the models were trained on T = 187).
  Outputs forward_all(const Tensor& patches);
  Tensor forward(const Tensor& patches) { return forward_all(patches).logits; }

  const MusicnnConfig& config() const { return cfg_; }

  std::shared_ptr<nn::BatchNorm2d> input_bn;
  std::shared_ptr<MusicnnFrontBranch> timbral1, timbral2, temporal1, temporal2, temporal3;
  std::shared_ptr<MusicnnMidLayer> midend1, midend2, midend3;
  std::shared_ptr<nn::BatchNorm1d> pool_bn, dense_bn;
  std::shared_ptr<nn::Linear> dense, output;

 private:
  MusicnnConfig cfg_;
};

// Per-patch sigmoid probabilities [P, 50] and their mean over patches (the clip-level tags
// musicnn's top_tags ranks). Runs without recording gradients, in the model's current mode
// (the loader puts it in eval mode).
struct MusicnnPrediction {
  Tensor patch_probabilities;             // [P, classes], on the CPU
  std::vector<float> clip_probabilities;  // [classes]
};
MusicnnPrediction musicnn_predict(Musicnn& model, const Tensor& patches);

// Indices of the n largest clip probabilities, highest first (ties: lower index first).
std::vector<int64_t> top_tags(const std::vector<float>& probabilities, int64_t n);

// A converted model: the weights, which dataset's labels, and the provenance recorded by the
// converter. The model is in eval mode on the CPU.
struct LoadedMusicnn {
  std::unique_ptr<Musicnn> model;
  MusicnnDataset dataset = MusicnnDataset::MTT;
  std::vector<std::string> labels;
  std::map<std::string, std::string> meta;
};
// Reads a weight file written by apps/convert_musicnn (strict: every parameter and buffer
// present with its shape, nothing extra). The config is read from the file's metadata.
LoadedMusicnn load_musicnn(const std::string& path);
// The same, and the file must hold the model trained on `expected` (its metadata 'model'): an
// MSD file where MTT weights were asked for (swapped or renamed files) is an error naming the
// file and both models, never MSD tags printed under the MTT name.
LoadedMusicnn load_musicnn(const std::string& path, MusicnnDataset expected);

// The metadata keys the converter writes and the loader reads back.
std::map<std::string, std::string> musicnn_config_meta(const MusicnnConfig& cfg);
MusicnnConfig musicnn_config_from_meta(const std::map<std::string, std::string>& meta,
                                       const std::string& path);

}  // namespace syn::models
