// synthetic_audio.h — a built-in corpus of synthetic "instruments", so pretraining, the demo and
// the tests run without any download. Five timbres with clearly different spectra and envelopes:
//   0 flute  — near-pure tone with vibrato       1 clarinet — odd harmonics (square-like)
//   2 brass  — all harmonics (sawtooth-like)     3 guitar   — plucked string (Karplus–Strong)
//   4 drums  — decaying noise bursts on a beat
// Each clip is a random melody (or rhythm) at a random tempo and loudness; the same seed gives the
// same clip. Also: writing clips as 16-bit WAV (through libsndfile) to build audio folders.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/rng.h"

namespace syn {

constexpr int kNumSyntheticTimbres = 5;
const char* synthetic_timbre_name(int timbre);

// `samples` samples of timbre `timbre` at `sample_rate`, peak about 0.5.
std::vector<float> synthesize_clip(int timbre, int64_t samples, int sample_rate, Rng& rng);

struct SyntheticCorpus {
  std::vector<std::vector<float>> clips;
  std::vector<int> labels;  // timbre of each clip
};

// clips_per_timbre clips of every timbre, interleaved (clip i has timbre i % 5).
SyntheticCorpus make_synthetic_corpus(int clips_per_timbre, int64_t samples, int sample_rate,
                                      uint64_t seed);

// Writes a mono 16-bit PCM WAV (atomically: temp file + rename). Errors name the file.
void write_wav(const std::string& path, const std::vector<float>& samples, int sample_rate);

}  // namespace syn
