// pipeline_fixtures.h — what the pipeline-library suites share: whether the shipped weights are
// present (they skip with a message when not; the default text-to-image weights are the latent
// model's, latent_imagine.synckpt), and the shipped pipeline config with few sampler steps and
// small pictures (these suites check the wiring, not picture quality).
#pragma once
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "apps/pipeline/pipeline.h"
#include "engine/config.h"

namespace syn::test {

inline const std::string kPipelineWeights = std::string(SYN_SOURCE_DIR) + "/models/weights/";

inline bool pipeline_weights_present() {
  for (const char* f : {"musicnn_mtt.synckpt", "musicnn_msd.synckpt", "caption_decoder.synckpt",
                        "latent_imagine.synckpt"})
    if (!std::filesystem::exists(kPipelineWeights + f)) {
      MESSAGE("skipped: ", kPipelineWeights, f, " is not available");
      return false;
    }
  return true;
}

inline app::PipelineOptions fast_pipeline_options(const std::filesystem::path& audio,
                                                  const std::filesystem::path& out) {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/pipeline.yaml");
  cfg.set("output", out.string());
  cfg.set("steps", "3");
  cfg.set("image_size", "64");
  cfg.set("cover_size", "128");
  return app::pipeline_options_from(cfg, {audio.string()});
}

}  // namespace syn::test
