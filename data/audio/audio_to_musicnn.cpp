// audio_to_musicnn.cpp — file → 16 kHz mono → log-mel → patches, and the librosa 0.7 / resampy
// 0.2 'kaiser_best' resampler (see audio_to_musicnn.h).
#include "data/audio/audio_to_musicnn.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "data/audio/audio_io.h"
#include "data/audio/resample.h"
#include "engine/check.h"
#include "engine/parallel.h"

namespace syn {

struct ResampyTable {
  std::vector<double> win, delta;  // half window (scaled by the ratio when downsampling), diff
  // The same values regrouped by offset: row o holds win[o + i·step] (and delta) for i = 0, 1, …
  // so that the taps of one output are contiguous. Rows o = 0 .. step (a wing's offset is
  // int(frac · 512) with frac <= scale, so at most step); row_len entries each.
  int64_t step = 0, row_len = 0;
  std::vector<double> win_rows, delta_rows;
};

namespace {

constexpr double kPi = 3.14159265358979323846;
// resampy 0.2's kaiser_best (resampy/data/kaiser_best.npz, equal to
// sinc_window(num_zeros=64, precision=9, window=kaiser(beta), rolloff) to 2e-16).
constexpr int64_t kZeros = 64;
constexpr int64_t kTable = 512;  // 2^precision points per zero crossing
constexpr double kBeta = 14.769656459379492;
constexpr double kRolloff = 0.9475937167399596;

double bessel_i0(double x) {  // power series; converges fast for x <= 15
  double sum = 1.0, term = 1.0, half = 0.5 * x;
  for (int k = 1; k < 500; ++k) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return sum;
}

ResampyTable build_table(double sample_ratio) {
  const int64_t nwin = kZeros * kTable + 1;
  ResampyTable t;
  t.win.resize((size_t)nwin);
  t.delta.assign((size_t)nwin, 0.0);
  const double i0_beta = bessel_i0(kBeta);
  for (int64_t j = 0; j < nwin; ++j) {
    // sinc_win = rolloff · np.sinc(rolloff · linspace(0, 64, nwin)); taper = the right half of
    // scipy's kaiser(2·(nwin−1) + 1, beta).
    const double s = kRolloff * ((double)j / (double)kTable);
    const double sinc = s == 0.0 ? 1.0 : std::sin(kPi * s) / (kPi * s);
    const double r = (double)j / (double)(nwin - 1);
    const double taper = bessel_i0(kBeta * std::sqrt(1.0 - r * r)) / i0_beta;
    t.win[(size_t)j] = taper * (kRolloff * sinc);
  }
  if (sample_ratio < 1.0)
    for (double& w : t.win) w *= sample_ratio;
  for (int64_t j = 0; j + 1 < nwin; ++j)
    t.delta[(size_t)j] = t.win[(size_t)j + 1] - t.win[(size_t)j];

  t.step = (int64_t)(std::min(1.0, sample_ratio) * (double)kTable);
  t.row_len = nwin / t.step + 1;
  t.win_rows.assign((size_t)((t.step + 1) * t.row_len), 0.0);
  t.delta_rows.assign(t.win_rows.size(), 0.0);
  for (int64_t o = 0; o <= t.step; ++o)
    for (int64_t i = 0; o + i * t.step < nwin; ++i) {
      t.win_rows[(size_t)(o * t.row_len + i)] = t.win[(size_t)(o + i * t.step)];
      t.delta_rows[(size_t)(o * t.row_len + i)] = t.delta[(size_t)(o + i * t.step)];
    }
  return t;
}

std::shared_ptr<const ResampyTable> get_table(int from_rate, int to_rate) {
  static std::mutex mu;
  static std::map<std::pair<int, int>, std::shared_ptr<const ResampyTable>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[{from_rate, to_rate}];
  if (!slot)
    slot = std::make_shared<const ResampyTable>(build_table((double)to_rate / (double)from_rate));
  return slot;
}

// One wing of one output: offset row, interpolation factor, tap count, first input sample.
struct Wing {
  const double* w;
  const double* d;
  double eta;
  int64_t count;
  const float* x;  // left wing: x[n] (read backwards); right wing: x[n + 1] (read forwards)
};

// resampy's loop (interpn.resample_f) stores y[t] after every tap, so each output is a serial
// chain of float32 roundings; numba neither fuses multiply-adds nor reorders. The chains of
// kLanes outputs are interleaved (fully unrolled, kept in registers) to hide their latency, and
// fp-contract is off for this block so the compiler keeps numba's separate roundings.
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

constexpr int kLanes = 8;

template <int kDir>
inline void wing_serial(const Wing& g, int64_t from, float& acc) {
  for (int64_t i = from; i < g.count; ++i) {
    const double wt = g.w[i] + g.eta * g.d[i];
    acc = (float)((double)acc + wt * (double)g.x[kDir * i]);
  }
}

template <int kDir>
inline void wings_lockstep(const Wing* g, int64_t count, float* acc) {
  float a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6],
        a7 = acc[7];
  for (int64_t i = 0; i < count; ++i) {
#define SYN_TAP(l, a) \
  a = (float)((double)a + (g[l].w[i] + g[l].eta * g[l].d[i]) * (double)g[l].x[kDir * i])
    SYN_TAP(0, a0);
    SYN_TAP(1, a1);
    SYN_TAP(2, a2);
    SYN_TAP(3, a3);
    SYN_TAP(4, a4);
    SYN_TAP(5, a5);
    SYN_TAP(6, a6);
    SYN_TAP(7, a7);
#undef SYN_TAP
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5, acc[6] = a6,
  acc[7] = a7;
}

// Outputs [t0, t1) at input times `times` (resampy's accumulated time register). x holds input
// samples x0, x0 + 1, ... (x0 > 0 when streaming: the caller keeps every sample the wings read).
void resampy_outputs(const float* x, int64_t x0, int64_t n_orig, const double* times, int64_t t0,
                     int64_t t1, float* y, const ResampyTable& tab, double scale) {
  const int64_t nwin = (int64_t)tab.win.size(), step = tab.step;
  for (int64_t base = t0; base < t1; base += kLanes) {
    const int lanes = (int)std::min<int64_t>(kLanes, t1 - base);
    Wing left[kLanes], right[kLanes];
    float acc[kLanes] = {};
    int64_t minl = INT64_MAX, minr = INT64_MAX;
    for (int l = 0; l < lanes; ++l) {
      const double time = times[base + l];
      const int64_t n = (int64_t)time;
      double frac = scale * (time - (double)n);
      double index_frac = frac * (double)kTable;
      int64_t off = (int64_t)index_frac;
      left[l] = {tab.win_rows.data() + off * tab.row_len, tab.delta_rows.data() + off * tab.row_len,
                 index_frac - (double)off,
                 std::max<int64_t>(0, std::min(n + 1, (nwin - off) / step)), x + (n - x0)};
      frac = scale - frac;
      index_frac = frac * (double)kTable;
      off = (int64_t)index_frac;
      right[l] = {tab.win_rows.data() + off * tab.row_len,
                  tab.delta_rows.data() + off * tab.row_len, index_frac - (double)off,
                  std::max<int64_t>(0, std::min(n_orig - n - 1, (nwin - off) / step)),
                  x + (n - x0) + 1};
      minl = std::min(minl, left[l].count);
      minr = std::min(minr, right[l].count);
    }
    if (lanes == kLanes) {
      // Left wing (x[n], x[n−1], …) then right wing (x[n+1], …) for every lane, as resampy:
      // first the taps all lanes have, in lockstep, then each lane's remainder.
      wings_lockstep<-1>(left, minl, acc);
      for (int l = 0; l < kLanes; ++l) wing_serial<-1>(left[l], minl, acc[l]);
      wings_lockstep<1>(right, minr, acc);
      for (int l = 0; l < kLanes; ++l) wing_serial<1>(right[l], minr, acc[l]);
    } else {
      for (int l = 0; l < lanes; ++l) {
        wing_serial<-1>(left[l], 0, acc[l]);
        wing_serial<1>(right[l], 0, acc[l]);
      }
    }
    for (int l = 0; l < lanes; ++l) y[base + l] = acc[l];
  }
}

#pragma GCC pop_options

void check_patchable(int64_t samples16k, const MusicnnPatching& p, const std::string& what) {
  const int64_t frames = musicnn_frame_count(samples16k);
  SYN_CHECK(frames >= p.patch_frames, "musicnn input: ", what, ": too short: ", samples16k,
            " samples at 16 kHz (", (double)samples16k / kMusicnnSampleRate, " s) give ", frames,
            " frames; one patch needs ", p.patch_frames, " frames (",
            (p.patch_frames - 1) * kMusicnnHop, " samples)");
}

}  // namespace

std::vector<float> resample_librosa07(const float* x, int64_t n, int from_rate, int to_rate) {
  SYN_CHECK(from_rate > 0 && to_rate > 0, "resample_librosa07: rates must be positive, got ",
            from_rate, " -> ", to_rate);
  SYN_CHECK(n >= 0, "resample_librosa07: negative length ", n);
  if (from_rate == to_rate) return std::vector<float>(x, x + n);  // librosa returns y as is
  const double ratio = (double)to_rate / (double)from_rate;
  const int64_t n_resampy = (int64_t)((double)n * ratio);       // resampy: int(n · ratio)
  const int64_t n_out = (int64_t)std::ceil((double)n * ratio);  // librosa: ceil(n · ratio)
  SYN_CHECK(n_resampy >= 1, "resample_librosa07: ", n, " samples are too few to resample from ",
            from_rate, " to ", to_rate, " Hz");
  const std::shared_ptr<const ResampyTable> tab = get_table(from_rate, to_rate);
  const double scale = std::min(1.0, ratio);
  const double time_increment = 1.0 / ratio;
  // resampy 0.2 accumulates the output time (time_register += time_increment); the rounding of
  // that running sum decides which input sample some outputs start from, so it is replayed.
  std::vector<double> times((size_t)n_resampy);
  double reg = 0.0;
  for (int64_t t = 0; t < n_resampy; ++t) {
    times[(size_t)t] = reg;
    reg += time_increment;
  }
  std::vector<float> y((size_t)n_out, 0.0f);  // fix_length pads the tail with zeros
  parallel_for((n_resampy + kLanes - 1) / kLanes, 256, [&](int64_t lo, int64_t hi) {
    resampy_outputs(x, 0, n, times.data(), lo * kLanes, std::min(n_resampy, hi * kLanes), y.data(),
                    *tab, scale);
  });
  return y;
}

Librosa07Stream::Librosa07Stream(int from_rate, int to_rate) : from_(from_rate), to_(to_rate) {
  SYN_CHECK(from_rate > 0 && to_rate > 0, "resample_librosa07: rates must be positive, got ",
            from_rate, " -> ", to_rate);
  ratio_ = (double)to_rate / (double)from_rate;
  if (from_rate == to_rate) return;
  table_ = get_table(from_rate, to_rate);
  // The widest wing: (nwin − off) / step taps with off >= 0.
  wing_ = (int64_t)table_->win.size() / table_->step + 1;
}

void Librosa07Stream::emit(int64_t n_orig, int64_t until, std::vector<float>& out) {
  if (until <= next_) return;
  const double scale = std::min(1.0, ratio_), time_increment = 1.0 / ratio_;
  times_.resize((size_t)(until - next_));
  for (auto& t : times_) {  // resampy's running sum, replayed in the same order
    t = reg_;
    reg_ += time_increment;
  }
  const int64_t count = until - next_, base = (int64_t)out.size();
  out.resize((size_t)(base + count));
  const ResampyTable& tab = *table_;
  float* y = out.data() + base;
  parallel_for((count + kLanes - 1) / kLanes, 256, [&](int64_t lo, int64_t hi) {
    resampy_outputs(buf_.data(), x0_, n_orig, times_.data(), lo * kLanes,
                    std::min(count, hi * kLanes), y, tab, scale);
  });
  next_ = until;
}

void Librosa07Stream::push(const float* x, int64_t n, std::vector<float>& out) {
  SYN_CHECK(!finished_, "Librosa07Stream: push after finish");
  if (from_ == to_) {
    out.insert(out.end(), x, x + n);
    total_ += n;
    return;
  }
  buf_.insert(buf_.end(), x, x + n);
  total_ += n;
  // Output t reads x up to int(time_t) + wing; its right wing is complete (and does not depend
  // on the final length) while that is below what has arrived. reg_ is the time of output next_;
  // the outputs' times grow by 1 / ratio, with a margin of two outputs for the running sum's
  // rounding. Also stay below resampy's int(n · ratio), which only grows with n.
  const int64_t ready = total_ - wing_ - 2;
  int64_t until = next_;
  if (ready > 0) {
    const double t_last = (double)ready - 2.0 / ratio_;
    if (t_last > reg_) until = next_ + (int64_t)((t_last - reg_) * ratio_);
  }
  until = std::min(until, (int64_t)((double)total_ * ratio_) - 1);
  emit(total_, until, out);  // n_orig only matters within a wing of the end: not reached here
  // Keep what the left wings of the next outputs read: from int(time) − wing on.
  const int64_t keep_from = std::max<int64_t>(0, (int64_t)reg_ - wing_ - 2);
  if (keep_from - x0_ > (int64_t)buf_.size() / 2 && keep_from > x0_) {
    buf_.erase(buf_.begin(), buf_.begin() + (keep_from - x0_));
    x0_ = keep_from;
  }
}

void Librosa07Stream::finish(std::vector<float>& out) {
  SYN_CHECK(!finished_, "Librosa07Stream: finish called twice");
  finished_ = true;
  if (from_ == to_) return;
  const int64_t n_resampy = (int64_t)((double)total_ * ratio_);       // resampy: int(n · ratio)
  const int64_t n_out = (int64_t)std::ceil((double)total_ * ratio_);  // librosa: ceil(n · ratio)
  SYN_CHECK(n_resampy >= 1, "resample_librosa07: ", total_,
            " samples are too few to resample from ", from_, " to ", to_, " Hz");
  emit(total_, n_resampy, out);
  out.resize(out.size() + (size_t)(n_out - next_), 0.0f);  // fix_length pads with zeros
  next_ = n_out;
}

std::vector<float> resample_librosa07(const std::vector<float>& x, int from_rate, int to_rate) {
  return resample_librosa07(x.data(), (int64_t)x.size(), from_rate, to_rate);
}

MusicnnInput musicnn_input_from_audio(const std::vector<float>& audio16k,
                                      const MusicnnInputOptions& opt, const std::string& what) {
  const MusicnnPatching p = musicnn_patching(opt.input_length, opt.input_overlap);
  check_patchable((int64_t)audio16k.size(), p, what);
  MusicnnInput in;
  in.samples_16k = (int64_t)audio16k.size();
  if (opt.device == Device::CPU) {
    in.log_mel = musicnn_log_mel(audio16k.data(), in.samples_16k);
  } else {
    Tensor audio = Tensor::from_vector(audio16k, {in.samples_16k}, opt.device);
    in.log_mel = musicnn_log_mel(audio);
  }
  in.patches = musicnn_patches(in.log_mel, p);
  return in;
}

MusicnnInput musicnn_input_from_file(const std::string& path, const MusicnnInputOptions& opt) {
  DecodedAudio a = decode_audio(path);  // names the file in every error
  std::vector<float> y;
  if (a.sample_rate == kMusicnnSampleRate)
    y = std::move(a.samples);
  else if (opt.resampler == MusicnnResampler::Librosa07)
    y = resample_librosa07(a.samples, a.sample_rate, kMusicnnSampleRate);
  else
    y = resample(a.samples, a.sample_rate, kMusicnnSampleRate);
  MusicnnInput in = musicnn_input_from_audio(y, opt, "'" + path + "'");
  in.source_rate = a.sample_rate;
  in.channels = a.channels;
  return in;
}

}  // namespace syn
