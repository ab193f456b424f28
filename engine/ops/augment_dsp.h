// augment_dsp.h — the arithmetic of CLMR's deterministic audio transforms on mono float signals,
// each with explicit parameters: what data/audio/augment.h's random chain applies after drawing
// them, and what the batch kernel slot's CPU implementation (engine/ops/augment.h) applies from
// a parameter record. Here rather than in data/audio/ because kernels/augment.cu may include only
// engine/ and kernels/, and the slot's CPU implementation (the CUDA kernels' reference) must use
// the very same arithmetic. Sources and package definitions: data/audio/augment.h.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "engine/rng.h"

namespace syn::augment {

// sox reverb's three randomised parameters, each in percent [0, 100].
struct ReverbParams {
  float reverberance = 50.0f;  // comb feedback 0.5 .. 0.98
  float hf_damping = 50.0f;    // comb low-pass 0.2 .. 0.5
  float room_scale = 100.0f;   // comb lengths scaled 0.1 .. 1.0
};

// Constants the CUDA kernels (kernels/augment.cu) share with the CPU arithmetic.
namespace dsp {
// Freeverb (sox reverb.c): delay lengths at 44.1 kHz, allpass feedback, wet gain at 0 dB.
constexpr std::array<int, 8> kCombLengths = {1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617};
constexpr std::array<int, 4> kAllpassLengths = {225, 341, 441, 556};
constexpr float kAllpassFeedback = 0.5f;
constexpr float kWetGain = 0.015f;
// Pitch: windowed sinc of kZeros zero crossings per side, its unit kernel sampled kKernelRes
// times per crossing, kPhases polyphase rows per input sample.
constexpr int kZeros = 8, kKernelRes = 512, kPhases = 512;
}  // namespace dsp

// The two biquads of lowpass/highpass: {b0, b1, b2, a1, a2} each (a0 = 1), run in double as
// transposed direct form II: y = b0 x + z1; z1 = b1 x - a1 y + z2; z2 = b2 x - a2 y.
void butterworth4_coefficients(bool highpass, float cutoff_hz, float sample_rate, double coef[10]);
// The unbiased (n - 1) standard deviation in double, as add_noise scales its noise by.
double unbiased_std_of(const std::vector<float>& x);

void polarity_inversion(std::vector<float>& x);
// Adds Gaussian noise of std ratio * std(x); the normals come from rng.
void add_noise(std::vector<float>& x, float ratio, Rng& rng);
// x *= 10^(db/20), clamped to [-1, 1] (torchaudio Vol).
void gain_db(std::vector<float>& x, float db);
// 4th-order Butterworth low/high-pass; cutoff in Hz, 0 < cutoff < sample_rate / 2.
void lowpass(std::vector<float>& x, float cutoff_hz, float sample_rate);
void highpass(std::vector<float>& x, float cutoff_hz, float sample_rate);
// y[t] = (x[t] + volume * x[t - offset]) / 2, with x[t < 0] = 0.
void delay(std::vector<float>& x, int64_t offset, float volume);
// pitch_shift's geometry for `cents` on n samples: the ratio r = 2^(cents/1200); the resampler's
// cutoff fc = min(1, 1/r) and half-width w = ceil(kZeros / fc) (taps = 2w); the stretched
// length floor((n-1) r) + w + 2; WSOLA's segment, overlap, search window and hops (sox tempo).
struct PitchGeometry {
  double ratio = 1.0, fc = 1.0, hop_in = 0.0;
  int64_t w = 0, taps = 0, stretched_len = 0, seg = 0, ovl = 0, search = 0, hop_out = 0;
};
PitchGeometry pitch_geometry(int cents, float sample_rate, int64_t n);
// The resampler's unit kernel g(v) = sinc(v) Hann(v / kZeros), v in [0, kZeros], kKernelRes
// samples per unit (+2 guard values), computed once.
const std::vector<float>& pitch_unit_kernel();
// Shifts pitch by 2^(cents/1200) keeping the length (WSOLA stretch + windowed-sinc resampling).
void pitch_shift(std::vector<float>& x, int cents, float sample_rate);
// Freeverb's tank for `params` (sox's mapping): comb feedback, damping and the delay-line
// lengths in samples at sample_rate (each at least 1).
struct ReverbTank {
  float feedback = 0.0f, damping = 0.0f;
  std::array<int, 8> comb{};
  std::array<int, 4> allpass{};
};
ReverbTank reverb_tank(const ReverbParams& params, float sample_rate);
// Freeverb with sox's parameter mapping; output dry + wet, same length.
void reverb(std::vector<float>& x, const ReverbParams& params, float sample_rate);

}  // namespace syn::augment
