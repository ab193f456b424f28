// spectrogram.h — STFT power spectrograms, mel filterbanks, and musicnn's log-mel front end.
//
// Semantics follow librosa (0.7, which musicnn 0.1.0 ran on), element by element:
//   window      scipy get_window('hann', n_fft, fftbins=True): periodic Hann, in float64
//               (w_k = 0.5 + 0.5 cos(-pi + 2 pi k/n), scipy's own formula).
//   frames      centred: frame t covers samples [t·hop − n_fft/2, t·hop + n_fft/2), the signal
//               extended by reflection (numpy pad 'reflect': the edge sample is not repeated;
//               longer pads keep reflecting) or by zeros; frames = 1 + n / hop. Not centred:
//               frames = 1 + (n − n_fft) / hop, n >= n_fft required.
//   spectrum    float64 window × float32 samples, FFT in float64 (engine/cpu/fft.h), each bin
//               stored as complex64 like librosa; power = |X|² in float32 (float hypot, squared).
//   mel         librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm='slaney'|None):
//               triangles between n_mels + 2 points equally spaced on the Slaney (or HTK) mel
//               scale, computed in float64, stored float32, then scaled by the Slaney area
//               norm 2 / (f[m+2] − f[m]) with librosa's rounding (float32 × float64 → float32).
//   projection  mel[t, m] = Σ_k W[m, k] · P[t, k] over the band's nonzero bins, accumulated in
//               float64 and rounded once (librosa's float32 GEMM sums in another order: the two
//               agree to a few float32 ulps).
// Layout: time-major, [frames, bins] and [frames, n_mels] (musicnn's audio_rep is the
// transposed melspectrogram, [time, frequency]).
//
// musicnn (musicnn/extractor.py, batch_data): 16 kHz audio, n_fft 512, hop 256, 96 mels (Slaney,
// 0–8 kHz), power spectrogram, cast to float16 (round to nearest even), then
// log10(10000 · x + 1). Under numpy 1.x — what musicnn ran on — `10000 * float16_array` is
// promoted to float32 (10000 needs uint16; float16 ⊕ uint16 → float32), so the float16 cast only
// quantises the mel energies and the log is taken in float32; we do the same. (numpy 2 would
// keep float16 and overflow to inf above 6.55: not what the model was trained on.)
// Patches (batch_data): patch_frames = time_to_frames(input_length) + 1 = 187 for 3 s; patch
// starts 0, step, 2·step, … while start + patch_frames <= frames (the last partial patch is
// dropped); step = patch_frames without overlap, else time_to_frames(input_overlap). A clip
// shorter than one patch makes musicnn itself crash (UnboundLocalError); here it is a clear
// error.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/ops/log_mel.h"
#include "engine/tensor.h"

namespace syn {

enum class StftPad { Reflect, Zeros };

struct StftConfig {
  int64_t n_fft = 512;
  int64_t hop = 256;
  bool center = true;
  StftPad pad = StftPad::Reflect;  // librosa 0.7's pad_mode (0.10 changed it to zeros)
};

// Periodic Hann window of length n (scipy.signal.get_window('hann', n, fftbins=True)).
std::vector<double> hann_window(int64_t n);
// Number of STFT frames for `samples` input samples (errors when a non-centred STFT has fewer
// samples than n_fft).
int64_t stft_frame_count(int64_t samples, const StftConfig& cfg);
// Power spectrogram |X|², CPU: [frames, n_fft / 2 + 1]. Frames run in parallel.
Tensor stft_power(const float* x, int64_t n, const StftConfig& cfg = {});

struct MelConfig {
  double sample_rate = 16000.0;
  int64_t n_fft = 512;
  int64_t n_mels = 96;
  double fmin = 0.0;
  double fmax = 0.0;        // 0: sample_rate / 2 (librosa's fmax=None)
  bool htk = false;         // false: Slaney's mel scale (librosa's default)
  bool slaney_norm = true;  // librosa norm='slaney' (0.7: norm=1); false: norm=None
};

struct MelFilterbank {
  int64_t n_mels = 0, n_bins = 0;
  std::vector<float> weights;   // [n_mels, n_bins], row-major
  std::vector<int32_t> lo, hi;  // per band: first nonzero bin and one past the last
  Tensor tensor() const;        // the weights as a CPU tensor [n_mels, n_bins]
};

MelFilterbank mel_filterbank(const MelConfig& cfg);
// [frames, n_bins] power → [frames, n_mels] (CPU).
Tensor mel_spectrogram(const Tensor& power, const MelFilterbank& fb);

// round_to_float16 and musicnn_compress (the float16 cast and log10(10000 x + 1)) are declared
// in engine/ops/log_mel.h with the log-mel slot, which uses them.

// ---- musicnn's front end ----
constexpr int kMusicnnSampleRate = 16000;
constexpr int64_t kMusicnnFftSize = 512;
constexpr int64_t kMusicnnHop = 256;
constexpr int64_t kMusicnnMels = 96;
constexpr int64_t kMusicnnPatchFrames = 187;  // 3 s

// musicnn's filterbank (built once, shared).
const MelFilterbank& musicnn_filterbank();
const std::vector<double>& musicnn_window();
// Frames of a clip of `samples` samples at 16 kHz: 1 + samples / 256.
int64_t musicnn_frame_count(int64_t samples);

// The log-mel of 16 kHz mono audio: [frames, 96] on the CPU.
Tensor musicnn_log_mel(const float* audio16k, int64_t n);
// The same for a 1-D tensor on either device; the result lives on the input's device (CUDA:
// the slot musicnn_log_mel_kernel, engine/ops/log_mel.h; cuFFT, kernels/spectrogram.cu).
Tensor musicnn_log_mel(const Tensor& audio16k);

// librosa.time_to_frames(seconds, sr=16000, n_fft=512, hop_length=256):
// floor((int(seconds · 16000) − 256) / 256).
int64_t musicnn_time_to_frames(double seconds);

struct MusicnnPatching {
  int64_t patch_frames = kMusicnnPatchFrames;
  int64_t step = kMusicnnPatchFrames;
};
// extractor.py's choice: patch_frames = time_to_frames(input_length) + 1; step = patch_frames
// when input_overlap is 0 (musicnn's False), else time_to_frames(input_overlap).
MusicnnPatching musicnn_patching(double input_length = 3.0, double input_overlap = 0.0);
// Number of patches of a [frames, 96] log-mel: (frames − patch) / step + 1, or 0 when shorter.
int64_t musicnn_patch_count(int64_t frames, const MusicnnPatching& p = {});
// Cuts [frames, n_mels] into [P, patch_frames, n_mels] (same device). Errors when frames is
// shorter than one patch (musicnn crashes there).
Tensor musicnn_patches(const Tensor& log_mel, const MusicnnPatching& p = {});

}  // namespace syn
