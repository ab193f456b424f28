// not_music.cpp — see not_music.h for the measures and why the thresholds are where they are.
#include "data/audio/not_music.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "engine/check.h"
#include "engine/cpu/fft.h"

namespace syn {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kFrameDbfs = -60.0;  // frames quieter than this carry no spectral verdict
constexpr double kLowHz = 50.0, kHighHz = 7000.0;
constexpr int64_t kToneLobe = 3;
double dbfs(double amplitude) { return amplitude > 0 ? 20.0 * std::log10(amplitude) : -300.0; }
}  // namespace

struct NotMusicDetector::Fft {
  fft::RealFft plan{NotMusicDetector::kFrame};
  std::vector<double> in = std::vector<double>(NotMusicDetector::kFrame);
  std::vector<fft::cd> out = std::vector<fft::cd>(NotMusicDetector::kFrame / 2 + 1);
};

NotMusicDetector::NotMusicDetector(int sample_rate)
    : fft_(std::make_unique<Fft>()), rate_(sample_rate) {
  SYN_CHECK(sample_rate >= 8000, "NotMusicDetector: sample rate ", sample_rate,
            " Hz is below 8 kHz");
  const double df = (double)sample_rate / (double)kFrame;
  lo_bin_ = (int64_t)std::ceil(kLowHz / df);
  hi_bin_ = std::min<int64_t>(kFrame / 2 - 1, (int64_t)std::floor(kHighHz / df));
  window_.resize((size_t)kFrame);
  for (int64_t i = 0; i < kFrame; ++i)
    window_[(size_t)i] = 0.5 - 0.5 * std::cos(2.0 * kPi * (double)i / (double)kFrame);
}

NotMusicDetector::~NotMusicDetector() = default;

void NotMusicDetector::push(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double v = x[i];
    peak_ = std::max(peak_, std::fabs(v));
    sum_sq_ += v * v;
  }
  samples_ += n;
  int64_t i = 0;
  if (!pending_.empty()) {
    const int64_t need = std::min<int64_t>(kFrame - (int64_t)pending_.size(), n);
    pending_.insert(pending_.end(), x, x + need);
    i = need;
    if ((int64_t)pending_.size() == kFrame) {
      frame(pending_.data());
      pending_.clear();
    }
  }
  for (; i + kFrame <= n; i += kFrame) frame(x + i);
  if (i < n && pending_.empty()) pending_.assign(x + i, x + n);
}

void NotMusicDetector::frame(const float* x) {
  double sq = 0;
  for (int64_t i = 0; i < kFrame; ++i) sq += (double)x[i] * x[i];
  if (dbfs(std::sqrt(sq / kFrame)) < kFrameDbfs) return;
  for (int64_t i = 0; i < kFrame; ++i) fft_->in[(size_t)i] = x[i] * window_[(size_t)i];
  fft_->plan.forward(fft_->in.data(), fft_->out.data());
  double sum = 0, log_sum = 0, best = -1;
  int64_t best_bin = lo_bin_;
  const int64_t bins = hi_bin_ - lo_bin_ + 1;
  std::vector<double> power((size_t)bins);
  for (int64_t k = lo_bin_; k <= hi_bin_; ++k) {
    const double p = std::norm(fft_->out[(size_t)k]);
    power[(size_t)(k - lo_bin_)] = p;
    sum += p;
    if (p > best) best = p, best_bin = k;
  }
  if (sum <= 0) return;
  // A floor far below the frame's level keeps log(0) out without changing real spectra.
  const double floor = 1e-12 * sum / (double)bins;
  for (double p : power) log_sum += std::log(p + floor);
  const double flatness = std::exp(log_sum / (double)bins) / (sum / (double)bins);
  double lobe = 0;
  for (int64_t k = std::max(lo_bin_, best_bin - kToneLobe);
       k <= std::min(hi_bin_, best_bin + kToneLobe); ++k)
    lobe += power[(size_t)(k - lo_bin_)];
  flatness_sum_ += flatness;
  tone_sum_ += lobe / sum;
  peak_bins_.push_back(best_bin);
  double offset = 0;  // the peak between bins: a parabola through the log power of 3 bins
  if (best_bin > lo_bin_ && best_bin < hi_bin_) {
    const double a = std::log(power[(size_t)(best_bin - lo_bin_ - 1)] + floor),
                 b = std::log(power[(size_t)(best_bin - lo_bin_)] + floor),
                 c = std::log(power[(size_t)(best_bin - lo_bin_ + 1)] + floor);
    if (a - 2 * b + c < 0) offset = 0.5 * (a - c) / (a - 2 * b + c);
  }
  peak_hz_.push_back(((double)best_bin + offset) * rate_ / (double)kFrame);
  ++frames_;
}

AudioCheck NotMusicDetector::finish() const {
  AudioCheck c;
  c.peak_dbfs = dbfs(peak_);
  c.rms_dbfs = samples_ > 0 ? dbfs(std::sqrt(sum_sq_ / (double)samples_)) : -300.0;
  c.spectral_frames = frames_;
  if (frames_ > 0) {
    c.flatness = flatness_sum_ / (double)frames_;
    c.tone_share = tone_sum_ / (double)frames_;
    // The most common place of the strongest bin, counting neighbours within ±2 bins.
    std::vector<int64_t> sorted = peak_bins_;
    std::sort(sorted.begin(), sorted.end());
    int64_t best_count = 0, best_bin = 0;
    for (size_t a = 0, b = 0; a < sorted.size(); ++a) {
      while (sorted[b] < sorted[a] - 2) ++b;
      size_t e = a;
      while (e < sorted.size() && sorted[e] <= sorted[a] + 2) ++e;
      if ((int64_t)(e - b) > best_count) best_count = (int64_t)(e - b), best_bin = sorted[a];
    }
    c.tone_steadiness = (double)best_count / (double)frames_;
    double hz = 0;
    int64_t in_cluster = 0;
    for (size_t f = 0; f < peak_bins_.size(); ++f)
      if (std::abs(peak_bins_[f] - best_bin) <= 2) hz += peak_hz_[f], ++in_cluster;
    c.tone_hz = hz / (double)std::max<int64_t>(1, in_cluster);
  }
  std::ostringstream w;
  w.setf(std::ios::fixed);
  w.precision(1);
  if (c.peak_dbfs <= kSilencePeakDbfs) {
    c.kind = "silence";
    w << "not music: the input is silent (peak ";
    if (peak_ > 0)
      w << c.peak_dbfs << " dBFS)";
    else
      w << "0: every sample is zero)";
  } else if (c.rms_dbfs < kNearSilenceRmsDbfs) {
    c.kind = "near-silence";
    w << "not music: the input is nearly silent (RMS " << c.rms_dbfs << " dBFS, below "
      << kNearSilenceRmsDbfs << ")";
  } else if (frames_ > 0 && c.flatness > kNoiseFlatness) {
    c.kind = "noise";
    w.precision(2);
    w << "not music: the input sounds like noise (spectral flatness " << c.flatness << ", above "
      << kNoiseFlatness << "; music stays below ~0.3)";
  } else if (frames_ > 0 && c.tone_share >= kToneShare && c.tone_steadiness >= kToneSteadiness) {
    c.kind = "tone";
    w.precision(0);
    w << "not music: the input is a single steady tone near " << c.tone_hz << " Hz ("
      << 100.0 * c.tone_share << "% of the power in one spectral peak)";
  }
  c.music = c.kind.empty();
  c.warning = w.str();
  return c;
}

AudioCheck check_not_music(const std::vector<float>& x, int sample_rate) {
  NotMusicDetector d(sample_rate);
  d.push(x.data(), (int64_t)x.size());
  return d.finish();
}

}  // namespace syn
