// augment_batch.h — CLMR's augmentation chain for a whole batch in one call, split in two:
// first every clip's random draws are made on the host into a parameter record (AugmentDraw),
// from exactly the Rng streams apply_chain uses and in its order; then the records are applied.
// The CPU application reproduces apply_chain bit for bit (tests/test_augment_batch.cpp); the
// record is also what a device implementation consumes: crop_batch + device_params feed the
// augment_batch kernel slot (engine/ops/augment.h; CUDA: kernels/augment.cu).
//
// The one draw that is not a handful of numbers is the noise: apply_chain draws a normal per
// sample from the same stream, after which the chain's later draws continue. draw_chain keeps
// the stream's state at that point (noise_state, where the CPU path draws its normals) and then
// advances the stream past those normals, so the later draws match. Noise runs with p = 0.01
// in CLMR, so that advance is rarely paid.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "data/audio/augment.h"
#include "engine/ops/augment.h"
#include "engine/rng.h"

namespace syn::augment {

// One view's draws: which transforms run and with what parameters (the trace), plus the noise
// generator. crop_length and sample_rate come from the AugmentConfig it was drawn with.
struct AugmentDraw {
  AugmentTrace t;
  std::array<uint64_t, 5> noise_state{};  // Rng state the CPU noise draws its normals from
  uint64_t noise_key = 0;  // seeds a device's counter-based noise (different values, same law)
};

// The draws apply_chain(signal, cfg, rng) would make for a signal of signal_length samples;
// leaves rng exactly where apply_chain leaves it.
AugmentDraw draw_chain(int64_t signal_length, const AugmentConfig& cfg, Rng& rng);

// apply_chain's output for its draws: exactly cfg.crop_length samples.
std::vector<float> apply_draw(std::span<const float> signal, const AugmentConfig& cfg,
                              const AugmentDraw& d);

// Every view b: apply_draw(clips[b], cfg, draws[b]) into row b of a [B, crop_length] buffer,
// clips in parallel (engine/parallel.h).
std::vector<float> apply_chain_batch(const std::vector<std::span<const float>>& clips,
                                     const AugmentConfig& cfg,
                                     const std::vector<AugmentDraw>& draws);

// ---- the device form: crops on the host, the rest of the chain in the augment_batch slot ----

// Row b: clips[b][crop_start, crop_start + crop_length), zero-padded (the chain's first step).
std::vector<float> crop_batch(const std::vector<std::span<const float>>& clips,
                              const AugmentConfig& cfg, const std::vector<AugmentDraw>& draws);
// The slot's record of a draw (filter coefficients computed here, in double, as the CPU filter).
AugmentParams device_params(const AugmentDraw& d, const AugmentConfig& cfg);

}  // namespace syn::augment
