// sampling_advice.h — what imagine, pipeline and eval_imagine draw with when the user leaves the
// sampling to the weights: --steps 0, --sampler auto and --guidance_scale 0 each mean "what these
// weights advise", so one default suits both shipped models (the first-generation 32-px U-Net:
// DDIM, 50 steps, guidance 8; the latent model: DPM-Solver++(2M), 20 steps, guidance 5).
//
// The advice, read from the weights file (models/text_to_image.h):
//   sampler   meta/sample.sampler (ddim when absent: TextToImage::resolved)
//   steps     meta/sample.steps (50 when absent: TextToImage::default_steps)
//   guidance  meta/sample.guidance when present; else, in a file that carries the trainer's
//             sampling advice (meta/sample.sampler: second generation), the sample_guidance of
//             the training config stored in meta/config, the scale its sample grids were drawn
//             with; else 8, the scale apps/eval_imagine chose for the first-generation U-Net
//             (its meta/config's sample_guidance, 3, only drew its training grids).
#pragma once
#include <string>

#include "models/text_to_image.h"

namespace syn::app {

// The first-generation U-Net's guidance scale (chosen with apps/eval_imagine, README).
inline constexpr float kFirstGenerationGuidance = 8.0f;

// The guidance scale `t2i` advises (see above); `source` names the file in errors (a meta/config
// that does not parse, or a sample.guidance that is not a number).
float advised_guidance(const models::TextToImage& t2i, const std::string& source);

// `options` with steps 0, sampler "auto" and guidance_scale 0 replaced by the weights' advice.
models::ImagineOptions with_advice(const models::TextToImage& t2i, models::ImagineOptions options,
                                   const std::string& source);

// "dpmpp_2m, 20 steps, guidance 3": for log lines and pipeline.json's readers.
std::string describe_sampling(const models::ImagineOptions& options);

}  // namespace syn::app
