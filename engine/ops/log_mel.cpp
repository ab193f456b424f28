// log_mel.cpp — the musicnn log-mel slot and its CPU implementation (see log_mel.h). Every
// formula mirrors the librosa / numpy expression it reproduces, including where those round to
// float32, so that our float32 values equal librosa's (and musicnn's float16 rounding decisions
// agree) almost everywhere.
#include "engine/ops/log_mel.h"

#include <cmath>
#include <vector>

#include "engine/checkpoint.h"  // float_to_half / half_to_float (round to nearest even)
#include "engine/parallel.h"

namespace syn {

namespace {

// numpy pad mode 'reflect' for any distance outside [0, n): the extension is periodic with
// period 2(n − 1) (numpy reflects again and again when the pad is longer than the signal).
inline int64_t reflect_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

}  // namespace

Kernel<MusicnnLogMelFn> musicnn_log_mel_kernel{"musicnn_log_mel", musicnn_log_mel_cpu};

void windowed_frame(const float* x, int64_t n, int64_t start, int64_t n_fft, const double* window,
                    bool reflect, double* buf) {
  if (start >= 0 && start + n_fft <= n) {
    for (int64_t k = 0; k < n_fft; ++k) buf[k] = window[k] * (double)x[start + k];
    return;
  }
  for (int64_t k = 0; k < n_fft; ++k) {
    const int64_t i = start + k;
    double v;
    if (i >= 0 && i < n)
      v = x[i];
    else
      v = reflect ? (double)x[reflect_index(i, n)] : 0.0;
    buf[k] = window[k] * v;
  }
}

// |X| is computed in double: products of floats are exact there, so this is the correctly
// rounded hypot glibc's hypotf returns.
void frame_power(const fft::RealFft& rfft, double* buf, fft::cd* spec, float* power) {
  rfft.forward(buf, spec);
  const int64_t bins = rfft.size() / 2 + 1;
  for (int64_t b = 0; b < bins; ++b) {
    const double re = (float)spec[b].real(), im = (float)spec[b].imag();
    const float mag = (float)std::sqrt(re * re + im * im);
    power[b] = mag * mag;
  }
}

// Products of two floats are exact in double, so the sum is rounded only by its additions (and
// once more to float at the end).
float project_band(const float* w, int32_t lo, int32_t hi, const float* power) {
  double acc = 0.0;
  for (int32_t k = lo; k < hi; ++k) acc += (double)w[k] * (double)power[k];
  return (float)acc;
}

float round_to_float16(float x) { return half_to_float(float_to_half(x)); }

float musicnn_compress(float mel) {
  // 10000 · h is exact in float32 (h has 11 significant bits, 10000 has 10), so contracting
  // the multiply-add into an FMA cannot change the result.
  const float h = round_to_float16(mel);
  return std::log10(10000.0f * h + 1.0f);
}

void musicnn_log_mel_cpu(const float* audio, int64_t n, float* out, int64_t frames, int64_t n_fft,
                         int64_t hop, const double* window, int64_t n_mels, const float* weights,
                         const int32_t* band_lo, const int32_t* band_hi) {
  const fft::RealFft rfft(n_fft);
  const int64_t bins = n_fft / 2 + 1;
  parallel_for(frames, 16, [&](int64_t lo, int64_t hi) {
    std::vector<double> buf((size_t)n_fft);
    std::vector<fft::cd> spec((size_t)bins);
    std::vector<float> power((size_t)bins);
    for (int64_t t = lo; t < hi; ++t) {
      windowed_frame(audio, n, t * hop - n_fft / 2, n_fft, window, true, buf.data());
      frame_power(rfft, buf.data(), spec.data(), power.data());
      float* row = out + t * n_mels;
      for (int64_t m = 0; m < n_mels; ++m)
        row[m] = musicnn_compress(
            project_band(weights + m * bins, band_lo[m], band_hi[m], power.data()));
    }
  });
}

}  // namespace syn
