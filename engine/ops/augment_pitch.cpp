// augment_pitch.cpp — length-preserving pitch shift for the CLMR chain, built the way sox's
// "pitch" effect is (which WavAugment, and so torchaudio-augmentations' PitchShift, calls):
//   1. WSOLA time-stretch by r = 2^(cents/1200): the signal gets r times longer, pitch unchanged.
//      Geometry is sox tempo's default profile: 82 ms segments, 12 ms cross-faded overlap, and a
//      14.68 ms window searched for the splice point that best matches what is being faded out.
//   2. Resample by reading the stretched signal at r samples per output sample: the length returns
//      to n and every frequency is multiplied by r. A Hann-windowed sinc (8 zero crossings each
//      side, cutoff min(1, 1/r) of Nyquist so reading faster does not alias) interpolates, through
//      a 512-phase polyphase table built per call from one precomputed unit kernel.
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/check.h"
#include "engine/ops/augment_dsp.h"

namespace syn::augment {

namespace {

constexpr double kPi = 3.14159265358979323846;
using dsp::kKernelRes;  // unit-kernel samples per zero crossing
using dsp::kPhases;     // polyphase rows per input sample
using dsp::kZeros;      // sinc zero crossings on each side of the kernel

float dot(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

// g(v) = sinc(v) * Hann(v / kZeros) for v in [0, kZeros], sampled kKernelRes times per unit.
const std::vector<float>& pitch_unit_kernel() {
  static const std::vector<float> table = [] {
    std::vector<float> g(kZeros * kKernelRes + 2, 0.0f);
    for (int i = 0; i <= kZeros * kKernelRes; ++i) {
      double v = (double)i / kKernelRes;
      double sinc = i == 0 ? 1.0 : std::sin(kPi * v) / (kPi * v);
      double hann = 0.5 * (1.0 + std::cos(kPi * v / kZeros));
      g[(size_t)i] = (float)(sinc * hann);
    }
    return g;
  }();
  return table;
}

PitchGeometry pitch_geometry(int cents, float sample_rate, int64_t n) {
  PitchGeometry g;
  g.ratio = std::pow(2.0, cents / 1200.0);
  g.fc = std::min(1.0, 1.0 / g.ratio);  // cutoff as a fraction of the input Nyquist
  g.w = (int64_t)std::ceil(kZeros / g.fc);
  g.taps = 2 * g.w;
  g.stretched_len = (int64_t)std::floor((double)(n - 1) * g.ratio) + g.w + 2;
  // sox tempo's default profile: segment 82 ms, overlap = segment / 6.833, search = segment
  // / 5.587.
  g.seg = std::max<int64_t>(4, std::llround(0.082 * sample_rate));
  g.ovl = std::clamp<int64_t>(std::llround(0.082 / 6.833 * sample_rate), 1, g.seg / 2);
  g.search = std::llround(0.082 / 5.587 * sample_rate);
  g.hop_out = g.seg - g.ovl;
  g.hop_in = (double)g.hop_out / g.ratio;
  return g;
}

namespace {

float unit_kernel_at(double v) {
  v = std::fabs(v);
  if (v >= kZeros) return 0.0f;
  const std::vector<float>& g = pitch_unit_kernel();
  double pos = v * kKernelRes;
  size_t i = (size_t)pos;
  float w = (float)(pos - (double)i);
  return g[i] + w * (g[i + 1] - g[i]);
}

// Reads s at positions j * ratio for j in [0, n_out); positions past either end see zeros.
std::vector<float> resample_by(const std::vector<float>& s, const PitchGeometry& g, int64_t n_out) {
  const double ratio = g.ratio, fc = g.fc;
  const int64_t w = g.w, taps = g.taps;  // kernel half-width kZeros / fc, rounded up

  // Row q holds the taps for fractional position q / kPhases; tap t sits at input index
  // base - w + 1 + t, i.e. at distance u = t - (w - 1) - frac from the read position.
  std::vector<float> table((size_t)((kPhases + 1) * taps));
  for (int q = 0; q <= kPhases; ++q) {
    double frac = (double)q / kPhases;
    float* row = table.data() + (size_t)q * taps;
    double sum = 0.0;
    for (int64_t t = 0; t < taps; ++t) {
      double u = (double)(t - (w - 1)) - frac;
      row[t] = unit_kernel_at(u * fc);
      sum += row[t];
    }
    for (int64_t t = 0; t < taps; ++t) row[t] = (float)(row[t] / sum);  // unity gain at DC
  }

  std::vector<float> sp(s.size() + (size_t)(2 * w + 2), 0.0f);  // w zeros, s, w + 2 zeros
  std::copy(s.begin(), s.end(), sp.begin() + w);
  int64_t last_base = (int64_t)s.size();  // beyond this the window would leave sp
  std::vector<float> y((size_t)n_out, 0.0f);
  for (int64_t j = 0; j < n_out; ++j) {
    double p = (double)j * ratio;
    int64_t base = (int64_t)std::floor(p);
    int q = (int)std::lround((p - (double)base) * kPhases);
    if (base > last_base) break;  // only zeros left to read
    y[(size_t)j] = dot(table.data() + (size_t)q * taps, sp.data() + base + 1, taps);
  }
  return y;
}

// Stretches x in time by g.ratio keeping its pitch; returns exactly out_len samples.
std::vector<float> wsola_stretch(const std::vector<float>& x, const PitchGeometry& g,
                                 int64_t out_len) {
  const int64_t seg = g.seg, ovl = g.ovl, search = g.search, hop_out = g.hop_out;
  const double hop_in = g.hop_in;

  int64_t steps = out_len / hop_out + 2;
  int64_t need = (int64_t)std::ceil(steps * hop_in) + search + seg + 1;
  std::vector<float> xp((size_t)std::max<int64_t>(need, (int64_t)x.size()), 0.0f);
  std::copy(x.begin(), x.end(), xp.begin());

  std::vector<float> out;
  out.reserve((size_t)(out_len + seg));
  out.insert(out.end(), xp.begin(), xp.begin() + hop_out);
  std::vector<float> tail(xp.begin() + hop_out, xp.begin() + seg);  // waits to be cross-faded

  for (int64_t k = 1; (int64_t)out.size() < out_len; ++k) {
    int64_t nominal = std::llround((double)k * hop_in);
    int64_t lo = std::max<int64_t>(0, nominal - search / 2), hi = lo + search;
    // Normalised cross-correlation of each candidate's head with the tail; the candidate energy
    // is kept as a running sum. Ties (e.g. silence) keep the nominal position.
    double energy = 0.0;
    for (int64_t i = 0; i < ovl; ++i) energy += (double)xp[(size_t)(lo + i)] * xp[(size_t)(lo + i)];
    int64_t best = std::clamp(nominal, lo, hi);
    double best_score = -std::numeric_limits<double>::infinity();
    for (int64_t c = lo; c <= hi; ++c) {
      double score =
          dot(tail.data(), xp.data() + c, ovl) / std::sqrt(std::max(energy, 0.0) + 1e-12);
      if (score > best_score || (score == best_score && c == nominal)) {
        best_score = score;
        best = c;
      }
      double leave = xp[(size_t)c], enter = xp[(size_t)(c + ovl)];
      energy += enter * enter - leave * leave;
    }
    const float* segp = xp.data() + best;
    for (int64_t i = 0; i < ovl; ++i) {
      float wgt = (float)(i + 1) / (float)(ovl + 1);
      out.push_back(tail[(size_t)i] * (1.0f - wgt) + segp[i] * wgt);
    }
    out.insert(out.end(), segp + ovl, segp + hop_out);
    std::copy(segp + hop_out, segp + seg, tail.begin());
  }
  out.resize((size_t)out_len);
  return out;
}

}  // namespace

void pitch_shift(std::vector<float>& x, int cents, float sample_rate) {
  SYN_CHECK(sample_rate > 0, "pitch_shift: sample_rate ", sample_rate, " must be > 0");
  SYN_CHECK(cents >= -2400 && cents <= 2400, "pitch_shift: ", cents,
            " cents is outside ±2 octaves");
  if (cents == 0 || x.empty()) return;  // sox's pitch effect is a no-op at a factor of 1
  const int64_t n = (int64_t)x.size();
  const PitchGeometry g = pitch_geometry(cents, sample_rate, n);
  std::vector<float> s = wsola_stretch(x, g, g.stretched_len);
  x = resample_by(s, g, n);
  for (float& v : x) v = std::min(1.0f, std::max(-1.0f, v));  // sox's integer samples saturate
}

}  // namespace syn::augment
