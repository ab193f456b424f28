// audio_to_musicnn.cpp — file → 16 kHz mono → log-mel → patches, and the librosa 0.7 / resampy
// 0.2 'kaiser_best' resampler (see audio_to_musicnn.h).
#include "data/audio/audio_to_musicnn.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>

#include "data/audio/audio_io.h"
#include "data/audio/resample.h"
#include "data/audio/resampy_kernels.h"
#include "engine/check.h"
#include "engine/cpu/cpu_level.h"
#include "engine/parallel.h"

namespace syn {

struct ResampyTable {
  std::vector<double> win, delta;  // half window (scaled by the ratio when downsampling), diff
  // The same values regrouped by offset: row o holds win[o + i·step] (and delta) for i = 0, 1, …
  // so that the taps of one output are contiguous. Rows o = 0 .. step (a wing's offset is
  // int(frac · 512) with frac <= scale, so at most step); row_len entries each.
  int64_t step = 0, row_len = 0;
  std::vector<double> win_rows, delta_rows;
  std::vector<int64_t> row_taps;  // (nwin − o) / step: the most taps of a wing at offset o
  // Outputs lane_spacing apart (a multiple of the reduced ratio's numerator L, at least
  // kMinLaneSpacing) are lane_shift input samples apart at the same fraction of a sample: they
  // share filter rows and form one lane group of the kernels (resampy_kernels.h).
  int64_t lane_spacing = 1, lane_shift = 1;
};

namespace {

constexpr double kPi = 3.14159265358979323846;
// resampy 0.2's kaiser_best (resampy/data/kaiser_best.npz, equal to
// sinc_window(num_zeros=64, precision=9, window=kaiser(beta), rolloff) to 2e-16).
constexpr int64_t kZeros = 64;
constexpr int64_t kTable = 512;  // 2^precision points per zero crossing
constexpr double kBeta = 14.769656459379492;
constexpr double kRolloff = 0.9475937167399596;
// Lane groups of the kernels span kLanes · lane_spacing outputs: at least 1,024.
constexpr int64_t kMinLaneSpacing = 128;

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
  t.row_taps.resize((size_t)(t.step + 1));
  for (int64_t o = 0; o <= t.step; ++o) t.row_taps[(size_t)o] = (nwin - o) / t.step;
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
  if (!slot) {
    ResampyTable t = build_table((double)to_rate / (double)from_rate);
    const int64_t g = std::gcd((int64_t)from_rate, (int64_t)to_rate);
    const int64_t up = to_rate / g, down = from_rate / g;
    const int64_t periods = (kMinLaneSpacing + up - 1) / up;
    t.lane_spacing = periods * up;
    t.lane_shift = periods * down;
    slot = std::make_shared<const ResampyTable>(std::move(t));
  }
  return slot;
}

// Which level's inner loop runs (SYN_CPU forces it: engine/cpu/cpu_level.h).
const resampy::Kernels& resampy_kernels() {
  const resampy::Kernels* k = nullptr;
  switch (cpu::cpu_kernel_level()) {
    case cpu::CpuLevel::avx512:
      k = resampy::kernels_avx512();
      break;
    case cpu::CpuLevel::avx2:
      k = resampy::kernels_avx2();
      break;
    case cpu::CpuLevel::generic:
      break;
  }
  return k ? *k : *resampy::kernels_generic();
}

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

// Both wings of the output at `time`, as resampy's loop sets them up: the input sample n, the
// filter offsets, interpolation factors and tap counts.
struct WingSetup {
  int64_t n, off_l, off_r, count_l, count_r;
  double eta_l, eta_r;
};

WingSetup wing_setup(double time, int64_t n_orig, const ResampyTable& tab, double scale) {
  WingSetup s;
  s.n = (int64_t)time;
  double frac = scale * (time - (double)s.n);
  double index_frac = frac * (double)kTable;
  s.off_l = (int64_t)index_frac;
  s.eta_l = index_frac - (double)s.off_l;
  s.count_l = std::max<int64_t>(0, std::min(s.n + 1, tab.row_taps[(size_t)s.off_l]));
  frac = scale - frac;
  index_frac = frac * (double)kTable;
  s.off_r = (int64_t)index_frac;
  s.eta_r = index_frac - (double)s.off_r;
  s.count_r = std::max<int64_t>(0, std::min(n_orig - s.n - 1, tab.row_taps[(size_t)s.off_r]));
  return s;
}

// One output the plain way, resampy's loop as written: for the rare lane whose filter offset
// differs from its group's (the time register's rounding carried it across a table point).
float resampy_output_scalar(const float* x, int64_t x0, int64_t n_orig, double time,
                            const ResampyTable& tab, double scale) {
  const WingSetup s = wing_setup(time, n_orig, tab, scale);
  const double* w = tab.win_rows.data() + s.off_l * tab.row_len;
  const double* d = tab.delta_rows.data() + s.off_l * tab.row_len;
  float acc = 0.0f;
  for (int64_t i = 0; i < s.count_l; ++i)
    acc = (float)((double)acc + (w[i] + s.eta_l * d[i]) * (double)x[s.n - i - x0]);
  w = tab.win_rows.data() + s.off_r * tab.row_len;
  d = tab.delta_rows.data() + s.off_r * tab.row_len;
  for (int64_t i = 0; i < s.count_r; ++i)
    acc = (float)((double)acc + (w[i] + s.eta_r * d[i]) * (double)x[s.n + 1 + i - x0]);
  return acc;
}

#pragma GCC pop_options

// Outputs [b, end), end − b <= kLanes · K (K = tab.lane_spacing, D = tab.lane_shift), at input
// times `times` (resampy's accumulated time register, indexed like y). Lane group r holds
// outputs b + r + K·l (l < kLanes): same filter offsets, inputs D·l apart (resampy_kernels.h).
// x holds input samples x0 .. x0 + x_len − 1 (x0 > 0 when streaming: the caller keeps every
// sample the wings read). The block's input is laid out transposed as float64 in xt: row j
// holds x[j + D·l] for every lane l (zero outside x, where no lane reads).
void resampy_block(const float* x, int64_t x0, int64_t x_len, int64_t n_orig, const double* times,
                   int64_t b, int64_t end, float* y, const ResampyTable& tab, double scale,
                   const resampy::Kernels& kernels) {
  using resampy::kGroups;
  using resampy::kLanes;
  const int64_t K = tab.lane_spacing, D = tab.lane_shift, wing = tab.row_len;
  const int64_t phases = std::min(K, end - b);
  const int64_t j0 = (int64_t)times[b] - wing, j1 = (int64_t)times[b + phases - 1] + wing + 1;
  thread_local std::vector<double> xt;
  xt.resize((size_t)((j1 - j0) * kLanes));
  for (int64_t j = j0; j < j1; ++j) {
    double* row = xt.data() + (j - j0) * kLanes;
    if (j >= x0 && j + D * (kLanes - 1) < x0 + x_len) {  // all inside x (almost every row)
      for (int l = 0; l < kLanes; ++l) row[l] = (double)x[j + D * l - x0];
      continue;
    }
    for (int l = 0; l < kLanes; ++l) {
      const int64_t s = j + D * l;
      row[l] = s >= x0 && s < x0 + x_len ? (double)x[s - x0] : 0.0;
    }
  }
  for (int64_t r0 = 0; r0 < phases; r0 += kGroups) {
    resampy::LaneWing left[kGroups], right[kGroups];
    int64_t phase[kGroups];
    int groups = 0;
    for (int64_t r = r0; r < std::min(phases, r0 + kGroups); ++r) {
      resampy::LaneWing& lw = left[groups];
      resampy::LaneWing& rw = right[groups];
      const WingSetup s0 = wing_setup(times[b + r], n_orig, tab, scale);
      bool shared = true;
      for (int l = 0; l < kLanes; ++l) {
        const int64_t t = b + r + K * l;
        if (t >= end) {  // past the block: no taps
          lw.count[l] = rw.count[l] = 0;
          lw.eta[l] = rw.eta[l] = 0.0;
          continue;
        }
        const WingSetup s = l == 0 ? s0 : wing_setup(times[t], n_orig, tab, scale);
        shared &= s.n == s0.n + D * l && s.off_l == s0.off_l && s.off_r == s0.off_r;
        lw.count[l] = s.count_l, lw.eta[l] = s.eta_l;
        rw.count[l] = s.count_r, rw.eta[l] = s.eta_r;
      }
      if (!shared) {
        for (int64_t t = b + r; t < end; t += K)
          y[t] = resampy_output_scalar(x, x0, n_orig, times[t], tab, scale);
        continue;
      }
      // Left wing: x[n], x[n − 1], … (rows going down); right wing: x[n + 1], … (going up).
      lw.w = tab.win_rows.data() + s0.off_l * tab.row_len;
      lw.d = tab.delta_rows.data() + s0.off_l * tab.row_len;
      lw.x = xt.data() + (s0.n - j0) * kLanes;
      lw.x_step = -kLanes;
      rw.w = tab.win_rows.data() + s0.off_r * tab.row_len;
      rw.d = tab.delta_rows.data() + s0.off_r * tab.row_len;
      rw.x = xt.data() + (s0.n + 1 - j0) * kLanes;
      rw.x_step = kLanes;
      phase[groups++] = r;
    }
    if (groups == 0) continue;
    float acc[kGroups * kLanes] = {};
    kernels.add_wing(left, groups, acc);  // left wing first, then the right, as resampy
    kernels.add_wing(right, groups, acc);
    for (int q = 0; q < groups; ++q)
      for (int l = 0; l < kLanes; ++l) {
        const int64_t t = b + phase[q] + K * l;
        if (t < end) y[t] = acc[q * kLanes + l];
      }
  }
}

// Outputs [0, count) in blocks of kLanes · K spread over the pool: the blocks are claimed as
// threads come free, so a thread that another job holds up delays one block, not half the clip.
void resampy_blocks(const float* x, int64_t x0, int64_t x_len, int64_t n_orig, const double* times,
                    int64_t count, float* y, const ResampyTable& tab, double scale) {
  const resampy::Kernels& kernels = resampy_kernels();
  const int64_t span = resampy::kLanes * tab.lane_spacing;
  const int64_t blocks = (count + span - 1) / span;
  auto body = [&](int64_t k) {
    resampy_block(x, x0, x_len, n_orig, times, k * span, std::min(count, (k + 1) * span), y, tab,
                  scale, kernels);
  };
  if (num_threads() <= 1 || blocks < 2) {
    for (int64_t k = 0; k < blocks; ++k) body(k);
  } else {
    run_chunks(blocks, body);
  }
}

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
  resampy_blocks(x, 0, n, n, times.data(), n_resampy, y.data(), *tab, scale);
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
  resampy_blocks(buf_.data(), x0_, (int64_t)buf_.size(), n_orig, times_.data(), count, y, tab,
                 scale);
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
