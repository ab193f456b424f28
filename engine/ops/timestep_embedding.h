// timestep_embedding.h — sinusoidal embedding of diffusion timesteps (DDPM / Stable Diffusion),
// the same function as diffusers' get_timestep_embedding:
//
//   t [B] (integer timesteps stored as floats; fractional values allowed)  ->  emb [B, D]
//   half = D / 2 (floor),  freq_i = exp(-ln(max_period) · i / (half - downscale_freq_shift))
//   arg_bi = scale · t_b · freq_i,   i = 0 .. half-1
//   emb_b = [sin(arg_b0..), cos(arg_b0..)]   ([cos.., sin..] when flip_sin_to_cos)
//   an odd D gets one trailing zero column.
//
// Conventions. The defaults are diffusers' get_timestep_embedding defaults (flip_sin_to_cos =
// false, downscale_freq_shift = 1: sin first, freq_i = 10000^(-i/(half-1)), the original DDPM
// code's choice). Stable Diffusion's UNet2DConditionModel calls it with flip_sin_to_cos = true and
// freq_shift = 0 (cos first, freq_i = 10000^(-i/half)); pass those for SD-style models.
//
// Precision: computed in double and rounded once (on the CPU and the GPU alike). PyTorch's fp32
// code rounds the frequencies and the arguments to fp32 first, so at t ≈ 1000 it differs from the
// exact value by up to ~1e-4; our fixtures are the float64 reference.
// No gradient: the timesteps are data, never parameters (the output is not recorded).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

struct TimestepEmbeddingOptions {
  bool flip_sin_to_cos = false;
  float downscale_freq_shift = 1.0f;
  float scale = 1.0f;
  float max_period = 10000.0f;
};

// t: [B]; out: [B, D] (every element written).
using TimestepEmbeddingFn = void(const float* t, float* out, int64_t B, int64_t D,
                                 const TimestepEmbeddingOptions& options);

extern Kernel<TimestepEmbeddingFn> timestep_embedding_kernel;

namespace ops {

// timesteps [B] on any device -> [B, dim] on the same device. dim >= 1; when dim >= 2 the
// frequency denominator half - downscale_freq_shift must not be 0 (e.g. dim 2 with shift 1:
// diffusers would divide by zero; here it is an error).
Tensor timestep_embedding(const Tensor& timesteps, int64_t dim,
                          const TimestepEmbeddingOptions& options = {});

// Convenience: integer timesteps from the host (e.g. a sampler's schedule), placed on `device`.
Tensor timestep_embedding(const std::vector<int64_t>& timesteps, int64_t dim, Device device,
                          const TimestepEmbeddingOptions& options = {});

}  // namespace ops
}  // namespace syn
