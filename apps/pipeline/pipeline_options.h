// pipeline_options.h — everything apps/pipeline's flags configure (config/pipeline.yaml documents
// each key and its default), read from the config, and the check of all of it that
// run_pipeline makes before its first expensive stage: a bad flag or a missing file fails at once,
// not after the tagging.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/pipeline/caption_model.h"
#include "apps/pipeline/motif_mapping.h"
#include "engine/config.h"
#include "models/caption_decode.h"

namespace syn::app {

// Fill it with pipeline_options_from: config/pipeline.yaml holds the defaults and documents every
// key; the initial values below only keep a struct made by hand defined.
struct PipelineOptions {
  std::string audio;       // the clip (any file data/audio/audio_io decodes)
  std::string output_dir;  // created when absent

  // 1. tags: musicnn MTT and MSD
  std::string device = "cpu";  // cpu or cuda
  std::string weights_dir;     // musicnn_{mtt,msd}.synckpt ("" = the shipped models/weights/)

  // 2. sentence: the confident tags (tag_json.h confident_tags) and up to max_borderline
  // borderline ones, said "possibly" (caption_model.h caption_tags_from, the rule of
  // `caption --from tags.json`) → the caption decoder
  std::string caption_model;
  double refined_threshold = 0.1, tag_threshold = 0.1;
  int max_tags = 8;
  double borderline_threshold = 0.05;
  int max_borderline = 2;
  models::DecodeOptions decode;  // beam, length_penalty, ..., and the seed of sampling
  double coverage_weight = 0;

  // 4. prompts and pictures
  PromptOptions prompts;
  std::string image_model;
  // 0 steps, sampler "auto" and guidance 0: the weights' advice (sampling_advice.h)
  int64_t steps = 0;
  std::string sampler = "auto";
  float guidance_scale = 0;
  uint64_t seed = 0;       // the pictures' noise and the cover's layout and grain
  int64_t image_size = 0;  // saved picture size: a multiple of the model's native size (0: it)

  std::string judge;  // the judge's weights (picture_judge.h: "" or missing = no judge)

  // 5. cover and report
  int cover_size = 512;
  bool report = true;  // write report.html beside the outputs
};

// From apps/pipeline's config; `positional` is the optional AUDIO argument (none: the config's
// default_clip, found from the working directory or the source tree). Errors on more than one.
PipelineOptions pipeline_options_from(const Config& cfg,
                                      const std::vector<std::string>& positional);

// The sentence stage's tag rule (the same as apps/caption --from's), phrases mapped.
CaptionTagRule caption_tag_rule(const PipelineOptions& options);

// Every check that needs no model: the files exist, the device, the tag rule, the decoding options
// and the cover size. run_pipeline checks the image size against the model's native size right
// after loading the text-to-image weights, still before the first stage; the number of sampler
// steps is checked against the model's schedule when the pictures are drawn. Errors name the flag
// or file, with the same text as the stage that would otherwise fail.
void check_pipeline_options(const PipelineOptions& options);

}  // namespace syn::app
