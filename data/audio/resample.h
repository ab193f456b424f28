// resample.h — band-limited sample-rate conversion of mono float signals.
//
// A polyphase windowed-sinc (Kaiser) resampler for the rational ratio to/from (reduced by their
// gcd to L/M). Output sample n sits at input time n * from / to (in input samples): the kernel
// is symmetric, so there is no delay and tones stay phase-aligned with the input.
// Output length: resampled_length(n) = ceil(n * to / from) — every output instant that falls
// inside the input's span [0, n). Samples outside the input are taken as zero, so the first and
// last ~taps/2 output samples see a half window (edge transient).
//
// Filter design (fractions of the lower of the two Nyquist frequencies):
//   passband edge 0.90 — the response there is flat to ~1e-5 dB;
//   stopband edge 1.00 — everything at or above the target Nyquist is attenuated by >= 100 dB
//                         (design value; the tests require >= 60 dB).
// Each polyphase row is normalised to unit sum, so a constant signal passes exactly.
// When L is large (odd rate pairs such as 44056 -> 22050) the bank keeps 512 phases and
// interpolates linearly between neighbours (kernel error ~1e-5 of its peak, below the stopband).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace syn {

constexpr double kResamplePassband = 0.90;        // fraction of the lower Nyquist
constexpr double kResampleStopband = 1.00;        // fraction of the lower Nyquist
constexpr double kResampleAttenuationDb = 100.0;  // Kaiser design target

// ceil(n * to_rate / from_rate).
int64_t resampled_length(int64_t n, int from_rate, int to_rate);

class Resampler {
 public:
  Resampler(int from_rate, int to_rate);

  // Resamples x[0..n) into a new vector of resampled_length(n) samples. Thread-safe (const).
  std::vector<float> process(const float* x, int64_t n) const;
  std::vector<float> process(const std::vector<float>& x) const {
    return process(x.data(), (int64_t)x.size());
  }

  int from_rate() const { return from_; }
  int to_rate() const { return to_; }
  int64_t up() const { return up_; }      // L
  int64_t down() const { return down_; }  // M
  int64_t phases() const { return phases_; }
  int64_t taps() const { return taps_; }  // per phase (per output sample)
  bool interpolated() const { return interp_; }
  double cutoff() const { return cutoff_; }  // -6 dB point, cycles per input sample

 private:
  int from_, to_;
  int64_t up_ = 1, down_ = 1;
  int64_t phases_ = 1, taps_ = 0, half_ = 0;  // tap i of output n reads x[q - half_ + 1 + i]
  bool interp_ = false;
  double cutoff_ = 0.5;
  std::vector<float> bank_;  // (phases_ + interp_) rows of taps_ coefficients
};

// A shared, cached resampler for a rate pair (building a bank costs up to a few ms).
std::shared_ptr<const Resampler> get_resampler(int from_rate, int to_rate);

// Convenience: a copy when the rates are equal, otherwise get_resampler(...)->process(x).
std::vector<float> resample(const std::vector<float>& x, int from_rate, int to_rate);

}  // namespace syn
