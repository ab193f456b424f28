// pipeline_options.cpp — see pipeline_options.h.
#include "apps/pipeline/pipeline_options.h"

#include <filesystem>

#include "apps/cli/app_config.h"
#include "apps/pipeline/caption_model.h"
#include "apps/pipeline/cover.h"
#include "apps/pipeline/tagger.h"
#include "engine/check.h"

namespace fs = std::filesystem;

namespace syn::app {

PipelineOptions pipeline_options_from(const Config& cfg,
                                      const std::vector<std::string>& positional) {
  SYN_CHECK(positional.size() <= 1, "pipeline takes one audio file, got ", positional.size(),
            " positional arguments (see --help)");
  PipelineOptions o;
  o.audio =
      positional.empty() ? resolve_source_path(cfg.get_string("default_clip")) : positional[0];
  o.output_dir = cfg.get_string("output");
  o.device = cfg.get_string("device");
  o.weights_dir = cfg.get_string("weights_dir");
  o.caption_model = resolve_source_path(cfg.get_string("caption_model"));
  o.refined_threshold = cfg.get_float("refined_threshold");
  o.tag_threshold = cfg.get_float("tag_threshold");
  o.max_tags = (int)cfg.get_int("max_tags");
  o.borderline_threshold = cfg.get_float("borderline_threshold");
  o.max_borderline = (int)cfg.get_int("max_borderline");
  o.decode = decode_options_from(cfg);
  o.coverage_weight = cfg.get_float("coverage_weight");
  o.prompts.top_k = (size_t)cfg.get_int("top_k");
  o.prompts.min_probability = (float)cfg.get_float("min_probability");
  o.prompts.max_motifs = (size_t)cfg.get_int("max_motifs");
  o.image_model = resolve_source_path(cfg.get_string("image_model"));
  o.steps = cfg.get_int("steps");
  o.sampler = cfg.get_string("sampler");
  o.guidance_scale = (float)cfg.get_float("guidance_scale");
  o.seed = (uint64_t)cfg.get_int("seed");
  o.image_size = cfg.get_int("image_size");
  o.cover_size = (int)cfg.get_int("cover_size");
  const std::string judge = cfg.get_string("judge");
  o.judge = judge.empty() ? "" : resolve_source_path(judge);
  o.report = cfg.get_bool("report");
  return o;
}

CaptionTagRule caption_tag_rule(const PipelineOptions& o) {
  CaptionTagRule rule;
  rule.refined_threshold = o.refined_threshold;
  rule.tag_threshold = o.tag_threshold;
  rule.max_tags = o.max_tags;
  rule.borderline_threshold = o.borderline_threshold;
  rule.max_borderline = o.max_borderline;
  rule.map_phrases = true;
  return rule;
}

void check_pipeline_options(const PipelineOptions& o) {
  SYN_CHECK(fs::exists(o.audio), "audio file '", o.audio, "' does not exist");
  SYN_CHECK(!o.output_dir.empty(), "no output folder: give -o DIR");
  SYN_CHECK(fs::exists(o.image_model), "image model '", o.image_model,
            "' does not exist: train it with apps/train_imagine --export_path ", o.image_model,
            " or pass --image_model FILE");
  SYN_CHECK(fs::exists(o.caption_model), "caption model '", o.caption_model,
            "' does not exist: train it with apps/train_captioner or pass --caption_model FILE");
  tagger_device(o.device);
  SYN_CHECK(o.steps >= 0, "--steps must be >= 0 (0 = the weights' advice), got ", o.steps);
  SYN_CHECK(o.sampler == "auto" || o.sampler == "ddim" || o.sampler == "dpmpp_2m", "--sampler '",
            o.sampler, "' is not one of auto, ddim, dpmpp_2m");
  SYN_CHECK(o.guidance_scale >= 0 && o.guidance_scale <= 100,
            "--guidance_scale must be in [0, 100] (0 = the weights' advice), got ",
            o.guidance_scale);
  SYN_CHECK(o.image_size >= 0, "--image_size must be >= 0 (0 = the model's native size), got ",
            o.image_size);
  SYN_CHECK(o.max_tags >= 1, "--max_tags must be at least 1, got ", o.max_tags);
  SYN_CHECK(o.borderline_threshold >= 0 && o.borderline_threshold <= 1,
            "--borderline_threshold must be in [0, 1], got ", o.borderline_threshold);
  SYN_CHECK(o.max_borderline >= 0, "--max_borderline must be >= 0, got ", o.max_borderline);
  for (const char* model : {"musicnn-mtt", "musicnn-msd"})
    musicnn_weights_path(o.weights_dir, model);
  // The decoder checks these too (models/caption_decode.cpp), but only after the tagging; the same
  // words here make a bad flag fail at once with the error it would give later.
  const models::DecodeOptions& d = o.decode;
  SYN_CHECK(d.max_tokens >= 1, "decode: max_tokens must be at least 1, got ", d.max_tokens);
  SYN_CHECK(d.beam >= 1, "decode: beam must be at least 1, got ", d.beam);
  SYN_CHECK(d.top_p >= 0 && d.top_p <= 1, "decode: top_p must be in [0, 1], got ", d.top_p);
  SYN_CHECK(d.top_p == 0 || d.beam == 1, "decode: top_p sampling and beam search (beam ", d.beam,
            ") do not combine; use one");
  SYN_CHECK(d.temperature > 0, "decode: temperature must be positive, got ", d.temperature);
  SYN_CHECK(d.no_repeat_ngram >= 0, "decode: no_repeat_ngram must be >= 0");
  check_cover_size(o.cover_size);
}

}  // namespace syn::app
