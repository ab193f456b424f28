// spectrogram.cpp — STFT power, mel filterbank, musicnn log-mel and patches (see spectrogram.h).
// Every formula mirrors the librosa / numpy / scipy expression it reproduces, including where
// those round to float32, so that our float32 values equal librosa's (and musicnn's float16
// rounding decisions agree) almost everywhere.
#include "data/audio/spectrogram.h"

#include <algorithm>
#include <cmath>
#include <complex>

#include "engine/check.h"
#include "engine/cpu/fft.h"
#include "engine/parallel.h"

namespace syn {

namespace {

constexpr double kPi = 3.14159265358979323846;

// One STFT frame → n_fft/2 + 1 float32 powers (the arithmetic is engine/ops/log_mel.h's, shared
// with the log-mel slot).
void stft_frame_power(const float* x, int64_t n, int64_t t, const StftConfig& cfg,
                      const std::vector<double>& window, const fft::RealFft& rfft, double* buf,
                      fft::cd* spec, float* power) {
  const int64_t start = t * cfg.hop - (cfg.center ? cfg.n_fft / 2 : 0);
  windowed_frame(x, n, start, cfg.n_fft, window.data(), cfg.pad == StftPad::Reflect, buf);
  frame_power(rfft, buf, spec, power);
}

// numpy.linspace(start, stop, num): y_i = i·step + start (two roundings), y_last = stop.
std::vector<double> linspace(double start, double stop, int64_t num) {
  std::vector<double> y((size_t)num);
  if (num == 1) {
    y[0] = start;
    return y;
  }
  const double step = (stop - start) / (double)(num - 1);
  for (int64_t i = 0; i < num; ++i) y[(size_t)i] = (double)i * step + start;
  y[(size_t)(num - 1)] = stop;
  return y;
}

// librosa.hz_to_mel / mel_to_hz (Slaney: linear below 1 kHz, logarithmic above; or HTK).
constexpr double kFsp = 200.0 / 3;
const double kMinLogHz = 1000.0;
const double kMinLogMel = (kMinLogHz - 0.0) / kFsp;
const double kLogStep = std::log(6.4) / 27.0;

double hz_to_mel(double f, bool htk) {
  if (htk) return 2595.0 * std::log10(1.0 + f / 700.0);
  double mels = (f - 0.0) / kFsp;
  if (f >= kMinLogHz) mels = kMinLogMel + std::log(f / kMinLogHz) / kLogStep;
  return mels;
}

double mel_to_hz(double m, bool htk) {
  if (htk) return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
  double f = 0.0 + kFsp * m;
  if (m >= kMinLogMel) f = kMinLogHz * std::exp(kLogStep * (m - kMinLogMel));
  return f;
}

void check_stft_config(const StftConfig& cfg) {
  SYN_CHECK(cfg.n_fft >= 2, "STFT: n_fft must be at least 2, got ", cfg.n_fft);
  SYN_CHECK(cfg.hop >= 1, "STFT: hop must be positive, got ", cfg.hop);
}

}  // namespace

std::vector<double> hann_window(int64_t n) {
  SYN_CHECK(n >= 1, "hann_window: length must be positive, got ", n);
  // scipy general_cosine([0.5, 0.5], n + 1) truncated to n: w = 0.5 + 0.5 cos(fac),
  // fac = linspace(−pi, pi, n + 1).
  std::vector<double> fac = linspace(-kPi, kPi, n + 1);
  std::vector<double> w((size_t)n);
  for (int64_t k = 0; k < n; ++k) w[(size_t)k] = 0.5 + 0.5 * std::cos(fac[(size_t)k]);
  return w;
}

int64_t stft_frame_count(int64_t samples, const StftConfig& cfg) {
  check_stft_config(cfg);
  SYN_CHECK(samples >= 1, "STFT: empty signal (", samples, " samples)");
  if (cfg.center) return 1 + samples / cfg.hop;
  SYN_CHECK(samples >= cfg.n_fft, "STFT: ", samples, " samples are shorter than one frame (n_fft ",
            cfg.n_fft, ") and frames are not centred");
  return 1 + (samples - cfg.n_fft) / cfg.hop;
}

Tensor stft_power(const float* x, int64_t n, const StftConfig& cfg) {
  const int64_t frames = stft_frame_count(n, cfg);
  const int64_t bins = cfg.n_fft / 2 + 1;
  Tensor out = Tensor::empty({frames, bins});
  float* o = out.data();
  const std::vector<double> window = hann_window(cfg.n_fft);
  const fft::RealFft rfft(cfg.n_fft);
  parallel_for(frames, 16, [&](int64_t lo, int64_t hi) {
    std::vector<double> buf((size_t)cfg.n_fft);
    std::vector<fft::cd> spec((size_t)bins);
    for (int64_t t = lo; t < hi; ++t)
      stft_frame_power(x, n, t, cfg, window, rfft, buf.data(), spec.data(), o + t * bins);
  });
  return out;
}

Tensor MelFilterbank::tensor() const { return Tensor::from_vector(weights, {n_mels, n_bins}); }

MelFilterbank mel_filterbank(const MelConfig& cfg) {
  SYN_CHECK(cfg.sample_rate > 0, "mel_filterbank: sample rate must be positive, got ",
            cfg.sample_rate);
  SYN_CHECK(cfg.n_fft >= 2, "mel_filterbank: n_fft must be at least 2, got ", cfg.n_fft);
  SYN_CHECK(cfg.n_mels >= 1, "mel_filterbank: n_mels must be positive, got ", cfg.n_mels);
  const double fmax = cfg.fmax > 0 ? cfg.fmax : cfg.sample_rate / 2;
  SYN_CHECK(cfg.fmin >= 0 && cfg.fmin < fmax, "mel_filterbank: need 0 <= fmin < fmax, got fmin ",
            cfg.fmin, ", fmax ", fmax);
  MelFilterbank fb;
  fb.n_mels = cfg.n_mels;
  fb.n_bins = cfg.n_fft / 2 + 1;
  // FFT bin frequencies: librosa 0.7 linspace(0, sr/2, 1 + n_fft//2) (0.10's rfftfreq gives the
  // same doubles for the rates used here; checked by the fixture).
  std::vector<double> freqs = linspace(0.0, cfg.sample_rate / 2, fb.n_bins);
  std::vector<double> mel_pts =
      linspace(hz_to_mel(cfg.fmin, cfg.htk), hz_to_mel(fmax, cfg.htk), cfg.n_mels + 2);
  std::vector<double> mel_f(mel_pts.size());
  for (size_t i = 0; i < mel_pts.size(); ++i) mel_f[i] = mel_to_hz(mel_pts[i], cfg.htk);

  fb.weights.assign((size_t)(fb.n_mels * fb.n_bins), 0.0f);
  fb.lo.assign((size_t)fb.n_mels, 0);
  fb.hi.assign((size_t)fb.n_mels, 0);
  for (int64_t m = 0; m < fb.n_mels; ++m) {
    const double fdiff_lo = mel_f[(size_t)m + 1] - mel_f[(size_t)m];
    const double fdiff_hi = mel_f[(size_t)m + 2] - mel_f[(size_t)m + 1];
    const double enorm = 2.0 / (mel_f[(size_t)m + 2] - mel_f[(size_t)m]);
    float* row = fb.weights.data() + m * fb.n_bins;
    int32_t first = -1, last = -1;
    for (int64_t k = 0; k < fb.n_bins; ++k) {
      // ramps = mel_f[i] − fft_freqs; lower = −ramps[m] / fdiff[m]; upper = ramps[m+2] / fdiff[m+1]
      const double lower = -(mel_f[(size_t)m] - freqs[(size_t)k]) / fdiff_lo;
      const double upper = (mel_f[(size_t)m + 2] - freqs[(size_t)k]) / fdiff_hi;
      float w = (float)std::max(0.0, std::min(lower, upper));  // stored float32 first
      if (cfg.slaney_norm) w = (float)((double)w * enorm);     // float32 *= float64 (numpy)
      row[k] = w;
      if (w != 0.0f) {
        if (first < 0) first = (int32_t)k;
        last = (int32_t)k;
      }
    }
    // A band narrower than one bin holds no weight at all (librosa warns; the band is zero).
    fb.lo[(size_t)m] = first < 0 ? 0 : first;
    fb.hi[(size_t)m] = first < 0 ? 0 : last + 1;
  }
  return fb;
}

Tensor mel_spectrogram(const Tensor& power, const MelFilterbank& fb) {
  SYN_CHECK(power.defined() && power.dim() == 2 && !power.is_cuda(),
            "mel_spectrogram: expected a CPU power spectrogram [frames, bins], got ",
            power.defined() ? power.describe() : std::string("undefined"));
  SYN_CHECK(power.size(1) == fb.n_bins, "mel_spectrogram: power ", power.describe(), " has ",
            power.size(1), " bins but the filterbank expects ", fb.n_bins);
  const int64_t frames = power.size(0);
  Tensor out = Tensor::empty({frames, fb.n_mels});
  const float* p = power.data();
  float* o = out.data();
  parallel_for(frames, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t)
      for (int64_t m = 0; m < fb.n_mels; ++m)
        o[t * fb.n_mels + m] = project_band(fb.weights.data() + m * fb.n_bins, fb.lo[(size_t)m],
                                            fb.hi[(size_t)m], p + t * fb.n_bins);
  });
  return out;
}

const MelFilterbank& musicnn_filterbank() {
  static const MelFilterbank fb = [] {
    MelConfig cfg;
    cfg.sample_rate = kMusicnnSampleRate;
    cfg.n_fft = kMusicnnFftSize;
    cfg.n_mels = kMusicnnMels;
    return mel_filterbank(cfg);
  }();
  return fb;
}

const std::vector<double>& musicnn_window() {
  static const std::vector<double> w = hann_window(kMusicnnFftSize);
  return w;
}

int64_t musicnn_frame_count(int64_t samples) {
  StftConfig cfg;
  cfg.n_fft = kMusicnnFftSize;
  cfg.hop = kMusicnnHop;
  return stft_frame_count(samples, cfg);
}

Tensor musicnn_log_mel(const float* audio16k, int64_t n) {
  const int64_t frames = musicnn_frame_count(n);
  for (int64_t i = 0; i < n; ++i)
    SYN_CHECK(std::isfinite(audio16k[i]), "musicnn_log_mel: sample ", i, " of ", n,
              " is not finite (", audio16k[i], ")");
  Tensor out = Tensor::empty({frames, kMusicnnMels});
  const MelFilterbank& fb = musicnn_filterbank();
  musicnn_log_mel_cpu(audio16k, n, out.data(), frames, kMusicnnFftSize, kMusicnnHop,
                      musicnn_window().data(), fb.n_mels, fb.weights.data(), fb.lo.data(),
                      fb.hi.data());
  return out;
}

Tensor musicnn_log_mel(const Tensor& audio16k) {
  SYN_CHECK(audio16k.defined() && audio16k.dim() == 1,
            "musicnn_log_mel: expected 1-D audio [samples] at 16 kHz, got ",
            audio16k.defined() ? audio16k.describe() : std::string("undefined"));
  if (!audio16k.is_cuda()) return musicnn_log_mel(audio16k.data(), audio16k.size(0));
  const int64_t n = audio16k.size(0);
  const int64_t frames = musicnn_frame_count(n);
  const MelFilterbank& fb = musicnn_filterbank();
  Tensor out = Tensor::empty({frames, kMusicnnMels}, Device::CUDA);
  musicnn_log_mel_kernel.on(Device::CUDA)(audio16k.data(), n, out.data(), frames, kMusicnnFftSize,
                                          kMusicnnHop, musicnn_window().data(), fb.n_mels,
                                          fb.weights.data(), fb.lo.data(), fb.hi.data());
  return out;
}

int64_t musicnn_time_to_frames(double seconds) {
  // librosa: samples = int(seconds · sr) (truncation), frames = floor((samples − n_fft/2) / hop).
  const int64_t samples = (int64_t)(seconds * kMusicnnSampleRate);
  const int64_t num = samples - kMusicnnFftSize / 2;
  return num >= 0 ? num / kMusicnnHop : -((-num + kMusicnnHop - 1) / kMusicnnHop);
}

MusicnnPatching musicnn_patching(double input_length, double input_overlap) {
  SYN_CHECK(input_length > 0, "musicnn_patching: input_length must be positive, got ", input_length,
            " s");
  SYN_CHECK(input_overlap >= 0, "musicnn_patching: input_overlap must not be negative, got ",
            input_overlap, " s");
  MusicnnPatching p;
  p.patch_frames = musicnn_time_to_frames(input_length) + 1;
  SYN_CHECK(p.patch_frames >= 1, "musicnn_patching: input_length ", input_length,
            " s is shorter than one frame");
  p.step = input_overlap > 0 ? musicnn_time_to_frames(input_overlap) : p.patch_frames;
  SYN_CHECK(p.step >= 1, "musicnn_patching: input_overlap ", input_overlap,
            " s gives a patch step of ", p.step, " frames (musicnn's range() would fail)");
  return p;
}

int64_t musicnn_patch_count(int64_t frames, const MusicnnPatching& p) {
  SYN_CHECK(p.patch_frames >= 1 && p.step >= 1, "musicnn_patch_count: invalid patching (",
            p.patch_frames, " frames, step ", p.step, ")");
  return frames < p.patch_frames ? 0 : (frames - p.patch_frames) / p.step + 1;
}

Tensor musicnn_patches(const Tensor& log_mel, const MusicnnPatching& p) {
  SYN_CHECK(log_mel.defined() && log_mel.dim() == 2,
            "musicnn_patches: expected a log-mel [frames, mels], got ",
            log_mel.defined() ? log_mel.describe() : std::string("undefined"));
  const int64_t frames = log_mel.size(0), mels = log_mel.size(1);
  const int64_t count = musicnn_patch_count(frames, p);
  SYN_CHECK(count > 0, "musicnn_patches: ", frames, " frames (", frames * kMusicnnHop / 16000.0,
            " s) are fewer than one patch of ", p.patch_frames, " frames; musicnn needs at least ",
            (p.patch_frames - 1) * kMusicnnHop, " samples at 16 kHz");
  const Device dev = log_mel.device();
  Tensor out = Tensor::empty({count, p.patch_frames, mels}, dev);
  const size_t patch_bytes = (size_t)(p.patch_frames * mels) * sizeof(float);
  if (p.step == p.patch_frames) {  // back to back: one copy
    device_copy(out.data(), dev, log_mel.data(), dev, patch_bytes * (size_t)count);
  } else {
    for (int64_t i = 0; i < count; ++i)
      device_copy(out.data() + i * p.patch_frames * mels, dev, log_mel.data() + i * p.step * mels,
                  dev, patch_bytes);
  }
  return out;
}

}  // namespace syn
