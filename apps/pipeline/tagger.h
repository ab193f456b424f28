// tagger.h — tagging one audio file with any of our taggers, behind apps/tag (and the pipeline):
//   musicnn-mtt  musicnn's MagnaTagATune model (the default; weights in models/weights/)
//   musicnn-msd  musicnn's Million Song Dataset model
//   samplecnn    a SampleCNN encoder (CLMR or apps/pretrain checkpoint) + a tag head
//                (apps/linear_evaluation's or CLMR's finetuner_checkpoint_200.pt)
// musicnn streams the file (data/audio/musicnn_stream.h): memory does not grow with its length.
// Each also checks whether the input is music at all (TagResult::input_check, not_music.h).
// Each gives the clip-level probability of every tag (the mean over its chunks, as musicnn's
// top_tags and CLMR's evaluation compute it) and the taggram: one row per chunk with its time.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/audio/not_music.h"
#include "data/tags/tag_profile.h"
#include "engine/config.h"
#include "engine/device.h"

namespace syn::app {

struct TagResult {
  std::string file, model;
  double duration_seconds = 0;                 // of the decoded audio
  std::vector<std::string> labels;             // the model's tags, in output order
  std::vector<float> clip;                     // [tags] clip-level probabilities
  std::vector<double> chunk_start, chunk_end;  // seconds, one per taggram row
  std::vector<std::vector<float>> taggram;     // [chunks][tags]
  AudioCheck input_check;                      // data/audio/not_music.h: is the input music at all?
  TaggerOutput output() const { return {labels, clip}; }
};

class Tagger {
 public:
  virtual ~Tagger() = default;
  virtual TagResult tag(const std::string& path) = 0;
  virtual std::string name() const = 0;
};

// The tagger named by the config's `model` key (see config/tag.yaml for the keys it reads).
std::unique_ptr<Tagger> make_tagger(const Config& cfg, const std::string& model);

// musicnn-mtt or musicnn-msd without a Config (the pipeline library's options), and the two checks
// it makes, for callers that validate before loading anything:
//   tagger_device         --device's value (cpu or cuda) as a Device; errors name the flag
//   musicnn_weights_path  the model's weights in weights_dir ("" = the shipped models/weights/);
//                         an error if the file is absent
std::unique_ptr<Tagger> make_musicnn_tagger(const std::string& model, Device device,
                                            const std::string& weights_dir);
Device tagger_device(const std::string& name);

// Tags one file with several musicnn taggers (make_musicnn_tagger's) from one pass of the front
// end: the file is decoded, resampled and turned into patches once, and each batch of patches
// goes through every model in turn. Each result equals that tagger's own tag(path); the
// pipeline's tag stage (MTT and MSD) saves one front end. Throws naming a tagger that is not
// musicnn.
std::vector<TagResult> tag_musicnn_shared(const std::vector<Tagger*>& taggers,
                                          const std::string& path);
std::string musicnn_weights_path(const std::string& weights_dir, const std::string& model);

// Indices of the k most probable tags, highest first (ties: lower index first).
std::vector<size_t> top_k(const std::vector<float>& p, size_t k);

// The whole result as JSON (apps/pipeline/json_io): file, model, duration_seconds, "tags" (every
// tag's probability, most probable first), "taggram" (labels; chunks with start, end and
// probabilities), "input_warning" when the input is not music (not_music.h), and — when given —
// "refined", the refined tag profile. apps/pipeline/tag_json
// reads it back.
std::string tag_result_json(const TagResult& r, const std::vector<ProfileTag>* profile);

}  // namespace syn::app
