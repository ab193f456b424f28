// augment.h — CLMR's stochastic audio augmentation chain, on mono float signals (22,050 Hz).
//
// CLMR (Spijkervet & Burgoyne, github.com/Spijkervet/CLMR, main.py + config/config.yaml) builds
// each contrastive view with torchaudio-augmentations
// (github.com/Spijkervet/torchaudio-augmentations, torchaudio_augmentations/augmentations/*.py,
// v0.2.4), in this order:
//
//   RandomResizedCrop(n_samples=59049)
//   RandomApply([PolarityInversion()],                 p=0.8)   transforms_polarity
//   RandomApply([Noise()],                             p=0.01)  transforms_noise
//   RandomApply([Gain()],                              p=0.3)   transforms_gain
//   RandomApply([HighLowPass(sample_rate=22050)],      p=0.8)   transforms_filters
//   RandomApply([Delay(sample_rate=22050)],            p=0.3)   transforms_delay
//   RandomApply([PitchShift(59049, 22050)],            p=0.6)   transforms_pitch
//   RandomApply([Reverb(sample_rate=22050)],           p=0.6)   transforms_reverb
//
// Parameters (package defaults, which CLMR's main.py uses unchanged) and how we realise them:
//
// | transform  | package definition (source file)                          | here |
// |------------|-----------------------------------------------------------|----------------------------|
// | crop       | start ~ randint(0, len - n) inclusive (random_resized_crop)| same; shorter input
// is     | |            |                                                           | zero-padded
// at the end     | | polarity   | -x (polarity_inversion.py)                                | same
// | | noise      | ratio r ~ U(min_snr, max_snr) = U(1e-4, 1e-2); add N(0,   | same (std is the
// unbiased  | |            | (r*std(x))^2) per sample (noise.py). "snr" there is the   | n-1
// estimate like torch)   | |            | noise/signal std ratio, i.e. an SNR of 40..80 dB. | | |
// gain       | g ~ U(-20, -1) dB, torchaudio Vol(g, "db"): x*10^(g/20),  | same, including the
// clamp  | |            | then clamped to [-1, 1] (gain.py; torchaudio Vol)          | | | high/low
// | randint(0,1): 0 = high-pass, cutoff ~ U(200, 1200) Hz;    | 4th-order Butterworth (two | | pass
// | 1 = low-pass, cutoff ~ U(2200, 4000) Hz (high_low_pass.py,| bilinear biquads): O(n),   | | |
// filter.py). julius windowed-sinc FIR (Hann, 8 zeros)       | 24 dB/octave; julius' FIR  | | | |
// at 200 Hz needs ~880 taps  | | delay      | ms ~ choice{200,250,...,450} (np.arange(200,500,50));
// | same; offset =             | |            | offset = int(ms*sr/1000); y = (x + 0.5*x[t-offset])
// / 2   | int(ms*sr/1000)            | |            | (delay.py; the /2 halves the dry signal too)
// |                            | | pitch      | cents ~ randint(-700, 700) inclusive;
// WavAugment/sox      | WSOLA time-stretch by      | |            | "pitch" = WSOLA "tempo"
// (segment 82 ms, search 14.68 ms,  | 2^(c/1200) with sox's      | |            | overlap 12 ms) +
// resample back to sr; length forced to    | default segment/search/    | |            | n_samples
// (pitch_shift.py, sox tempo.c)                   | overlap, then windowed-sinc| |            | |
// resampling; length kept    | | reverb     | reverberance, HF damping, room scale each ~
// randint(0,100)| Freeverb (8 combs + 4      | |            | exclusive (torch.randint), sox reverb
// (reverb.py; sox      | allpasses) with sox's      | |            | reverb.c: Freeverb, feedback
// 0.5..0.98 from reverberance, | mappings, pre-delay 0, wet | |            | damping .2+.3*hf,
// delay lengths * (.1+.9*room), wet gain  | 0 dB (x0.015), out = dry + | |            | 0.015,
// output dry + wet)                                  | wet; one mono tank instead | |            |
// | of sox's stereo pair       |
//
// sox (pitch, reverb) stores samples as 32-bit integers, so those effects saturate at ±1; we clamp
// their outputs to [-1, 1] likewise. Everything is deterministic for a given Rng state: each step
// draws "apply?" first (uniform < p, as RandomApply's `p < rand` skip test), then its parameters.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/ops/augment_dsp.h"
#include "engine/rng.h"

namespace syn::augment {

constexpr float kClmrSampleRate = 22050.0f;
constexpr int64_t kClmrCropLength = 59049;  // 3^10 samples, SampleCNN's input (~2.68 s)

// The chain's knobs. Defaults are CLMR's config.yaml probabilities and the package's ranges.
struct AugmentConfig {
  int64_t crop_length = kClmrCropLength;
  float sample_rate = kClmrSampleRate;

  // Probabilities of each RandomApply (CLMR config.yaml transforms_*).
  float p_polarity = 0.8f;
  float p_noise = 0.01f;
  float p_gain = 0.3f;
  float p_filters = 0.8f;
  float p_delay = 0.3f;
  float p_pitch = 0.6f;
  float p_reverb = 0.6f;

  // Noise: noise std = r * std(x), r ~ U(noise_min_ratio, noise_max_ratio).
  float noise_min_ratio = 1e-4f;
  float noise_max_ratio = 1e-2f;
  // Gain in dB ~ U(gain_min_db, gain_max_db).
  float gain_min_db = -20.0f;
  float gain_max_db = -1.0f;
  // Filter cutoffs in Hz, uniform in each range.
  float highpass_min_hz = 200.0f, highpass_max_hz = 1200.0f;
  float lowpass_min_hz = 2200.0f, lowpass_max_hz = 4000.0f;
  // Delay: ms from {min, min+step, ...} < max; echo mixed at delay_volume.
  int delay_min_ms = 200, delay_max_ms = 500, delay_step_ms = 50;
  float delay_volume = 0.5f;
  // Pitch shift in cents, integer, inclusive range.
  int pitch_min_cents = -700, pitch_max_cents = 700;
  // Reverb parameters in percent, each an integer in [min, max) like torch.randint.
  int reverb_min = 0, reverb_max = 100;
};

// What apply_chain drew: which steps ran and with what parameters (for tests and logging).
struct AugmentTrace {
  int64_t crop_start = 0;
  bool polarity = false;
  bool noise = false;
  float noise_ratio = 0.0f;
  bool gain = false;
  float gain_db = 0.0f;
  bool filter = false;
  bool filter_highpass = false;
  float filter_cutoff_hz = 0.0f;
  bool delay = false;
  int64_t delay_samples = 0;
  bool pitch = false;
  int pitch_cents = 0;
  bool reverb = false;
  ReverbParams reverb_params;
};

// ---- deterministic transforms (explicit parameters) ----

// x[start, start + n), zero-padded where x ends early.
std::vector<float> crop(const std::vector<float>& x, int64_t start, int64_t n);
// polarity_inversion, add_noise, gain_db, lowpass, highpass, delay, pitch_shift and reverb (and
// ReverbParams): engine/ops/augment_dsp.h, shared with the batch kernel slot.

// ---- parameter draws: the random part of each random transform below, in the package's order
// (the batch path, augment_batch.h, draws a whole chain with these before applying it) ----

int64_t draw_crop_start(int64_t signal_length, int64_t n, Rng& rng);
float draw_noise_ratio(const AugmentConfig& cfg, Rng& rng);
float draw_gain_db(const AugmentConfig& cfg, Rng& rng);
float draw_high_low_pass(const AugmentConfig& cfg, Rng& rng, bool* highpass_out);  // -> Hz
int64_t draw_delay_offset(const AugmentConfig& cfg, Rng& rng);                     // -> samples
int draw_pitch_cents(const AugmentConfig& cfg, Rng& rng);
ReverbParams draw_reverb(const AugmentConfig& cfg, Rng& rng);

// ---- random transforms (draw parameters the package's way, apply, return the draw) ----

std::vector<float> random_crop(const std::vector<float>& x, int64_t n, Rng& rng,
                               int64_t* start_out = nullptr);
float random_noise(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng);  // -> ratio
float random_gain(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng);   // -> dB
// Returns the cutoff in Hz; *highpass_out says which filter ran.
float random_high_low_pass(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng,
                           bool* highpass_out = nullptr);
int64_t random_delay(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng);    // -> samples
int random_pitch_shift(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng);  // -> cents
ReverbParams random_reverb(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng);

// The whole CLMR chain in CLMR's order; returns exactly cfg.crop_length samples.
std::vector<float> apply_chain(const std::vector<float>& signal, const AugmentConfig& cfg, Rng& rng,
                               AugmentTrace* trace = nullptr);

}  // namespace syn::augment
