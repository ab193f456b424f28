// augment.h — the kernel slot of CLMR's augmentation chain after the crop, for a whole batch of
// views at once, from per-view parameter records drawn on the host (data/audio/augment_batch.h
// makes them from the same Rng streams as apply_chain). The CUDA version is kernels/augment.cu.
//
// The chain, per view b, on its cropped row x[b, 0:L]: polarity, noise, gain, high/low-pass,
// delay, pitch shift, reverb, each where its record says so, with the arithmetic of
// engine/ops/augment_dsp.h. One difference from apply_chain: the noise's normals come from a
// counter-based generator (augment_noise_normal, keyed by the record's noise_key and the sample
// index), so that a device can draw them in parallel; the CPU implementation here uses the same
// generator, so the two devices agree up to float rounding of log/cos. The values differ from
// apply_chain's (which draws them from its Rng stream); their law is the same. Without noise
// (CLMR draws it for 1 % of views) the CPU slot equals apply_chain bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/dispatch.h"
#include "engine/tensor.h"

#ifdef __CUDACC__
#define SYN_HOST_DEVICE __host__ __device__
#else
#define SYN_HOST_DEVICE
#endif

namespace syn {

// One view's record (plain data: the CUDA implementation copies an array of them to the
// device). Flags are 0/1.
struct AugmentParams {
  int32_t polarity = 0;
  int32_t noise = 0;
  float noise_ratio = 0.0f;
  uint64_t noise_key = 0;
  int32_t gain = 0;
  float gain_db = 0.0f;
  int32_t filter = 0;
  double filter_coef[10] = {};  // butterworth4_coefficients (engine/ops/augment_dsp.h)
  int32_t delay = 0;
  int32_t delay_samples = 0;
  float delay_volume = 0.5f;
  int32_t pitch_cents = 0;  // 0: no pitch shift
  int32_t reverb = 0;
  float reverberance = 0.0f, hf_damping = 0.0f, room_scale = 0.0f;  // percent
};

// x, y: [batch, length] rows on the slot's device (y may not alias x); params: host array of
// `batch` records; sample_rate in Hz.
using AugmentBatchFn = void(const float* x, float* y, int64_t batch, int64_t length,
                            const AugmentParams* params, float sample_rate);
extern Kernel<AugmentBatchFn> augment_batch_kernel;

// The slot's CPU implementation (views in parallel).
void augment_batch_cpu(const float* x, float* y, int64_t batch, int64_t length,
                       const AugmentParams* params, float sample_rate);

// crops [batch, length] on any device -> the augmented views, same device and shape. Not part
// of the autograd graph (inputs of a step, never differentiated).
Tensor augment_batch(const Tensor& crops, const std::vector<AugmentParams>& params,
                     float sample_rate);

// Normal number i of the noise keyed `key`: splitmix64 of (key, i) -> two 24-bit uniforms ->
// Box-Muller (cosine branch), in float.
SYN_HOST_DEVICE inline float augment_noise_normal(uint64_t key, int64_t i) {
  uint64_t z = key + 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  const float u1 = ((float)(z >> 40) + 1.0f) * (1.0f / 16777216.0f);  // (0, 1]
  const float u2 = (float)(z & 0xFFFFFFull) * (1.0f / 16777216.0f);   // [0, 1)
  return sqrtf(-2.0f * logf(u1)) * cosf(6.28318530717958648f * u2);
}

}  // namespace syn
