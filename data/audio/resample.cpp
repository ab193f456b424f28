// resample.cpp — the polyphase Kaiser-windowed-sinc resampler declared in resample.h.
#include "data/audio/resample.h"

#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <utility>

#include "engine/check.h"

namespace syn {

namespace {

constexpr double kPi = 3.14159265358979323846;
// Above this many exact phases the bank switches to kInterpPhases interpolated ones (memory).
constexpr int64_t kMaxExactPhases = 2048;
constexpr int64_t kInterpPhases = 512;

// Modified Bessel function of the first kind, order 0 (power series; converges fast for the
// beta ~ 10 used here).
double bessel_i0(double x) {
  double sum = 1.0, term = 1.0, half = 0.5 * x;
  for (int k = 1; k < 200; ++k) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

double sinc(double x) { return x == 0.0 ? 1.0 : std::sin(kPi * x) / (kPi * x); }

}  // namespace

int64_t resampled_length(int64_t n, int from_rate, int to_rate) {
  SYN_CHECK(from_rate > 0 && to_rate > 0, "resampled_length: rates must be positive, got ",
            from_rate, " -> ", to_rate);
  SYN_CHECK(n >= 0, "resampled_length: negative length ", n);
  int64_t g = std::gcd((int64_t)from_rate, (int64_t)to_rate);
  int64_t up = to_rate / g, down = from_rate / g;
  return (n * up + down - 1) / down;
}

Resampler::Resampler(int from_rate, int to_rate) : from_(from_rate), to_(to_rate) {
  SYN_CHECK(from_rate > 0 && to_rate > 0, "Resampler: rates must be positive, got ", from_rate,
            " -> ", to_rate);
  int64_t g = std::gcd((int64_t)from_rate, (int64_t)to_rate);
  up_ = to_rate / g;
  down_ = from_rate / g;
  if (up_ == 1 && down_ == 1) return;  // identity: process() copies

  // Everything below is in input samples / cycles per input sample.
  double nyquist_low = 0.5 * std::min(1.0, (double)up_ / (double)down_);
  cutoff_ = 0.5 * (kResamplePassband + kResampleStopband) * nyquist_low;
  double transition = (kResampleStopband - kResamplePassband) * nyquist_low;
  double a = kResampleAttenuationDb;
  double beta = 0.1102 * (a - 8.7);
  double length = (a - 7.95) / (2.285 * 2.0 * kPi * transition);  // Kaiser's estimate
  double half_width = 0.5 * length;
  half_ = (int64_t)std::ceil(half_width);
  taps_ = 2 * half_;

  interp_ = up_ > kMaxExactPhases;
  phases_ = interp_ ? kInterpPhases : up_;
  int64_t rows = phases_ + (interp_ ? 1 : 0);
  bank_.assign((size_t)(rows * taps_), 0.0f);
  double i0_beta = bessel_i0(beta);
  std::vector<double> row((size_t)taps_);
  for (int64_t r = 0; r < rows; ++r) {
    double phase = (double)r / (double)phases_;  // fractional input position of the output
    double sum = 0.0;
    for (int64_t i = 0; i < taps_; ++i) {
      double t = phase - (double)(i - half_ + 1);  // output time minus tap time
      double u = t / half_width;
      double h = 0.0;
      if (std::fabs(u) < 1.0) {
        h = 2.0 * cutoff_ * sinc(2.0 * cutoff_ * t) * bessel_i0(beta * std::sqrt(1.0 - u * u)) /
            i0_beta;
      }
      row[(size_t)i] = h;
      sum += h;
    }
    // Unit DC gain for every phase, so constants pass unchanged (the raw sums differ from 1
    // by about the stopband level).
    for (int64_t i = 0; i < taps_; ++i)
      bank_[(size_t)(r * taps_ + i)] = (float)(row[(size_t)i] / sum);
  }
}

static inline float dot(const float* x, const float* h, int64_t n) {
  float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
  for (int64_t i = 0; i < n; ++i) acc += x[i] * h[i];
  return acc;
}

// Dot product with zeros outside x[0, n): tap i reads x[start + i].
static inline float dot_clamped(const float* x, int64_t n, int64_t start, const float* h,
                                int64_t taps) {
  int64_t lo = std::max<int64_t>(0, -start), hi = std::min<int64_t>(taps, n - start);
  if (hi <= lo) return 0.0f;
  return dot(x + start + lo, h + lo, hi - lo);
}

std::vector<float> Resampler::process(const float* x, int64_t n) const {
  SYN_CHECK(n >= 0, "Resampler::process: negative length ", n);
  if (up_ == 1 && down_ == 1) return std::vector<float>(x, x + n);
  int64_t out_n = (n * up_ + down_ - 1) / down_;
  std::vector<float> y((size_t)out_n);
  for (int64_t j = 0; j < out_n; ++j) {
    int64_t num = j * down_;
    int64_t q = num / up_, p = num % up_;
    int64_t start = q - half_ + 1;
    bool inside = start >= 0 && start + taps_ <= n;
    if (!interp_) {
      const float* h = bank_.data() + p * taps_;
      y[(size_t)j] = inside ? dot(x + start, h, taps_) : dot_clamped(x, n, start, h, taps_);
    } else {
      // Linear interpolation between the two nearest of the kInterpPhases + 1 stored rows.
      double pos = (double)p * (double)phases_ / (double)up_;
      int64_t r = (int64_t)pos;
      float frac = (float)(pos - (double)r);
      const float* h0 = bank_.data() + r * taps_;
      const float* h1 = h0 + taps_;
      float s0 = inside ? dot(x + start, h0, taps_) : dot_clamped(x, n, start, h0, taps_);
      float s1 = inside ? dot(x + start, h1, taps_) : dot_clamped(x, n, start, h1, taps_);
      y[(size_t)j] = s0 + frac * (s1 - s0);
    }
  }
  return y;
}

std::shared_ptr<const Resampler> get_resampler(int from_rate, int to_rate) {
  static std::mutex mu;
  static std::map<std::pair<int, int>, std::shared_ptr<const Resampler>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[{from_rate, to_rate}];
  if (!slot) slot = std::make_shared<const Resampler>(from_rate, to_rate);
  return slot;
}

std::vector<float> resample(const std::vector<float>& x, int from_rate, int to_rate) {
  SYN_CHECK(from_rate > 0 && to_rate > 0, "resample: rates must be positive, got ", from_rate,
            " -> ", to_rate);
  if (from_rate == to_rate) return x;
  return get_resampler(from_rate, to_rate)->process(x);
}

}  // namespace syn
