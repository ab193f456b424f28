// not_music.h — is this input music at all? Silence, near-silence, white noise and a single steady
// tone all get confident-looking tags from a tagger (issue 20: a silent clip came out as
// "guitar, quiet, classical"); this detector says so, so the apps can warn and not pretend.
//
// Fed block by block (O(frame) memory, any length). Measures:
//   level     peak and RMS of the whole input, in dBFS (full scale = 1.0)
//   spectrum  per 2,048-sample frame (Hann, no overlap) whose own RMS is at least -60 dBFS, over
//             the bins from 50 Hz to 7 kHz (below the 16 kHz resampler's roll-off):
//               flatness  geometric / arithmetic mean of the power: ~0.56 for white noise (the
//                         ratio for exponentially distributed bins, e^-0.577); measured on
//                         synthetic_audio's timbres: 4e-8 (flute) .. 0.07 (guitar), 0.28 for
//                         drums alone (decaying noise bursts)
//               tone      the share of the power within ±3 bins of the strongest bin (a Hann
//                         window's main lobe is ±2 bins): ~1 for a pure tone
//             averaged over those frames, and how often the strongest bin sits (±2 bins) at the
//             most common place.
// Verdicts, first match wins (thresholds leave wide margins on both sides):
//   silence       peak <= -90 dBFS (one 16-bit step is -90.3 dBFS: digital silence or dither)
//   near-silence  RMS < -60 dBFS (mastered music averages -25..-8 dBFS, quiet classical
//                 recordings -45..-30; -70 dBFS is inaudible at normal volume)
//   noise         mean flatness > 0.40
//   tone          mean tone share >= 0.90 and one place for the strongest bin in >= 80% of the
//                 frames (a melody moves: the synthetic flute has a tone share of 0.97 but one
//                 place in only 14% of its frames)
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace syn {

struct AudioCheck {
  bool music = true;    // false: one of the verdicts above
  std::string kind;     // "" (music), "silence", "near-silence", "noise" or "tone"
  std::string warning;  // one sentence for logs and JSON; "" when music
  double peak_dbfs = -300, rms_dbfs = -300;
  double flatness = 0, tone_share = 0, tone_hz = 0, tone_steadiness = 0;
  int64_t spectral_frames = 0;  // frames loud enough for the spectral measures
};

constexpr double kSilencePeakDbfs = -90.0;
constexpr double kNearSilenceRmsDbfs = -60.0;
constexpr double kNoiseFlatness = 0.40;
constexpr double kToneShare = 0.90;
constexpr double kToneSteadiness = 0.80;

class NotMusicDetector {
 public:
  explicit NotMusicDetector(int sample_rate);
  ~NotMusicDetector();
  void push(const float* x, int64_t n);
  AudioCheck finish() const;  // the verdict on everything pushed so far

  static constexpr int64_t kFrame = 2048;

 private:
  void frame(const float* x);
  struct Fft;
  std::unique_ptr<Fft> fft_;
  int rate_;
  int64_t lo_bin_, hi_bin_;
  std::vector<float> pending_;
  std::vector<double> window_;
  double peak_ = 0, sum_sq_ = 0, flatness_sum_ = 0, tone_sum_ = 0;
  int64_t samples_ = 0, frames_ = 0;
  std::vector<int64_t> peak_bins_;  // strongest bin per spectral frame (8 bytes per 128 ms)
  std::vector<double> peak_hz_;     // its frequency, refined by a parabola through log power
};

// Convenience for a whole signal.
AudioCheck check_not_music(const std::vector<float>& x, int sample_rate);

}  // namespace syn
