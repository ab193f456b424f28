// encoder_loading.h — the SampleCNN encoder and tag head that apps/linear_evaluation and apps/tag
// run, from whichever file the user has:
//   - our pretraining checkpoint (apps/pretrain, "SYNCKPT1", kind clmr-pretrain): the encoder
//     sizes come from the configuration stored in it, the weights from its "model.encoder.*";
//   - CLMR's released PyTorch files (clmr_checkpoint_10000.pt, a zip archive): read natively by
//     models/clmr_weights.h, sizes taken from the weights' shapes;
//   - no file: a randomly initialised encoder (a baseline; the caller says so in its log).
// Heads likewise: our tag-head checkpoint (kind tag-head, written by apps/linear_evaluation) or
// CLMR's finetuner_checkpoint_*.pt.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/checkpoint.h"
#include "engine/config.h"
#include "models/clmr.h"
#include "models/samplecnn.h"

namespace syn::app {

// True when the file starts with our checkpoint magic ("SYNCKPT1"); false for anything else
// (e.g. a PyTorch zip). Errors name a missing or unreadable file.
bool is_syn_checkpoint(const std::string& path);

// SampleCNN / CLMR sizes from the config (encoder_blocks, encoder_width_divisor, audio_length,
// projection_dim, temperature); errors name the offending key.
models::ClmrConfig clmr_config_from(const Config& cfg);

struct LoadedEncoder {
  std::shared_ptr<models::SampleCNN> encoder;
  std::string description;  // e.g. "CLMR PyTorch checkpoint 'x.pt' (prefix model.encoder.)"
};
// `cfg` supplies encoder_blocks / encoder_width_divisor / audio_length for the random baseline.
LoadedEncoder load_encoder(const std::string& path, const Config& cfg);

// Our tag-head files: the head's tensors ("0.weight", ...) plus meta kind=tag-head, tags (one
// per line), mlp (0/1) and whatever the caller adds.
struct LoadedHead {
  std::shared_ptr<nn::Sequential> head;
  std::vector<std::string> tags;  // empty for CLMR's files (MagnaTagATune's top 50 by position)
  std::string description;
};
void save_tag_head(const std::string& path, const nn::Sequential& head,
                   const std::vector<std::string>& tags, bool mlp,
                   std::map<std::string, std::string> meta);
LoadedHead load_tag_head(const std::string& path);

// The head's input width must be the encoder's feature width: a head trained on another encoder
// is an error naming both files and both widths, before any audio is read.
void check_head_fits(const LoadedEncoder& encoder, const std::string& encoder_path,
                     const LoadedHead& head, const std::string& head_path);

}  // namespace syn::app
