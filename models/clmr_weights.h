// clmr_weights.h — CLMR's released PyTorch weights in our models: the pre-trained SampleCNN
// encoder (clmr_checkpoint_10000.pt) and the fine-tuned tagging head (finetuner_checkpoint_200.pt).
//
// Key layouts, as CLMR's clmr/utils/checkpoint.py reads them:
//   encoder, PyTorch Lightning checkpoint of ContrastiveLearning (CLMR v2, the 10000-epoch file):
//     state_dict: "encoder.sequential.…", "model.encoder.sequential.…" (the same tensors) and
//     "model.projector.{0,2}.weight"; CLMR keeps "model.encoder.*".
//   encoder, plain SimCLR state dict (CLMR v1 files): "encoder.sequential.…", "projector.…";
//     CLMR keeps "encoder.*".
//   head, Lightning checkpoint of LinearEvaluation: "encoder.…" (the frozen encoder) and
//     "model.0.{weight,bias}" (linear) or "model.{0,2}.{weight,bias}" (MLP: Linear, ReLU, Linear);
//     CLMR keeps "model.*". A plain head state dict ("0.weight", ...) is used as it is.
// Here the encoder prefix is the first of "model.encoder.", "encoder.", "" that any key has
// (so a bare SampleCNN state dict loads too); what follows it is our SampleCNN's names exactly
// (models/samplecnn.h). The projector and everything outside the prefix are ignored;
// "num_batches_tracked" (which our batch norm does not keep) and "fc.*" (CLMR swaps the fc for
// zeros, SimCLR for Identity) are dropped. The rest loads strictly: every missing, unexpected
// or mis-shaped key is listed in one error naming the file.
//
// Model sizes are read off the weights' shapes (the stable-diffusion.cpp habit), so the same
// loader takes the full 512-channel encoder and the reduced ones in tests.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/io/torch_checkpoint.h"
#include "models/samplecnn.h"

namespace syn::models {

struct ClmrEncoderWeights {
  NamedTensors tensors;              // under our SampleCNN names
  SampleCNNConfig config;            // read off the shapes (no fc head)
  std::string prefix;                // the key prefix that was stripped
  std::vector<std::string> ignored;  // keys of the file not loaded (projector, duplicates, ...)
};

// Maps a checkpoint's keys onto SampleCNN's; `path` names the file in errors.
ClmrEncoderWeights clmr_encoder_weights(const TorchCheckpoint& ckpt, const std::string& path);
// A SampleCNN encoder (no head) with the weights of a CLMR checkpoint, in eval mode.
std::shared_ptr<SampleCNN> load_clmr_encoder(const std::string& path);
// Loads into an existing encoder (strict: its shapes must be the file's).
void load_clmr_encoder(const std::string& path, SampleCNN& encoder);

// CLMR's fine-tuning head, nn.Sequential-named like LinearEvaluation.model:
//   hidden_dim == 0: "0" Linear(in_dim → out_dim)
//   hidden_dim  > 0: "0" Linear(in_dim → hidden_dim), "1" ReLU, "2" Linear(hidden_dim → out_dim)
struct ClmrHeadConfig {
  int64_t in_dim = 512;
  int64_t out_dim = 50;    // MagnaTagATune's 50 tags
  int64_t hidden_dim = 0;  // CLMR's MLP head uses in_dim
};
std::shared_ptr<nn::Sequential> make_clmr_head(const ClmrHeadConfig& cfg, Rng& rng);

struct ClmrHeadWeights {
  NamedTensors tensors;  // "0.weight", "0.bias"[, "2.weight", "2.bias"]
  ClmrHeadConfig config;
  std::vector<std::string> ignored;
};
ClmrHeadWeights clmr_head_weights(const TorchCheckpoint& ckpt, const std::string& path);
// The head of a finetuner checkpoint (linear or MLP, sizes from the file), in eval mode.
std::shared_ptr<nn::Sequential> load_clmr_head(const std::string& path);

}  // namespace syn::models
