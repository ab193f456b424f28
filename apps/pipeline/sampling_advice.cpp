// sampling_advice.cpp — see sampling_advice.h.
#include "apps/pipeline/sampling_advice.h"

#include <cmath>
#include <sstream>

#include "engine/check.h"
#include "engine/config.h"

namespace syn::app {

float advised_guidance(const models::TextToImage& t2i, const std::string& source) {
  const auto& meta = t2i.provenance();
  if (auto it = meta.find("sample.guidance"); it != meta.end()) {
    char* end = nullptr;
    const float g = std::strtof(it->second.c_str(), &end);
    SYN_CHECK(end != it->second.c_str() && *end == '\0' && std::isfinite(g) && g >= 0, source,
              ": meta/sample.guidance '", it->second, "' is not a non-negative number");
    return g;
  }
  // Only a file with the trainer's sampling advice has its grids' guidance as advice: the
  // first-generation file's config also says 3, but 8 was measured better for it (README).
  if (meta.count("sample.sampler") == 0) return kFirstGenerationGuidance;
  auto config = meta.find("config");
  if (config == meta.end()) return kFirstGenerationGuidance;
  const Config cfg = Config::parse(config->second, source + " (meta/config)");
  if (!cfg.has("sample_guidance")) return kFirstGenerationGuidance;
  return (float)cfg.get_float("sample_guidance");
}

models::ImagineOptions with_advice(const models::TextToImage& t2i, models::ImagineOptions options,
                                   const std::string& source) {
  if (options.steps == 0) options.steps = t2i.default_steps();
  if (options.guidance_scale == 0) options.guidance_scale = advised_guidance(t2i, source);
  return t2i.resolved(options);  // sampler "auto" named, so logs say which one ran
}

std::string describe_sampling(const models::ImagineOptions& o) {
  std::ostringstream s;
  s << o.sampler << ", " << o.steps << " steps, guidance " << o.guidance_scale;
  return s.str();
}

}  // namespace syn::app
