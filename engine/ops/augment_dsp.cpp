// augment_dsp.cpp — the arithmetic of CLMR's deterministic transforms (polarity, noise, gain,
// filters, delay, reverb); pitch shifting is in augment_pitch.cpp. See augment_dsp.h; the
// parameters' sources are in data/audio/augment.h.
#include "engine/ops/augment_dsp.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "engine/check.h"

namespace syn::augment {

namespace {

constexpr double kPi = 3.14159265358979323846;

void clamp_unit(std::vector<float>& x) {
  for (float& v : x) v = std::min(1.0f, std::max(-1.0f, v));
}

// One bilinear-transform biquad (Bristow-Johnson's cookbook form), run as transposed direct form
// II in double: at a 200 Hz cutoff the poles sit within 0.06 of z = 1, where float state drifts.
struct Biquad {
  double b0, b1, b2, a1, a2;  // a0 normalised to 1
  double z1 = 0.0, z2 = 0.0;

  static Biquad make(bool highpass, double cutoff_hz, double sample_rate, double q) {
    double w0 = 2.0 * kPi * cutoff_hz / sample_rate;
    double c = std::cos(w0), alpha = std::sin(w0) / (2.0 * q);
    double a0 = 1.0 + alpha;
    Biquad f{};
    if (highpass) {
      f.b0 = (1.0 + c) / 2.0 / a0;
      f.b1 = -(1.0 + c) / a0;
    } else {
      f.b0 = (1.0 - c) / 2.0 / a0;
      f.b1 = (1.0 - c) / a0;
    }
    f.b2 = f.b0;
    f.a1 = -2.0 * c / a0;
    f.a2 = (1.0 - alpha) / a0;
    return f;
  }
  double step(double x) {
    double y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    return y;
  }
};

// 4th-order Butterworth = two biquads whose analog prototypes have Q = 1/(2 cos(pi/8)) and
// 1/(2 cos(3 pi/8)); both share the same bilinear prewarp at the cutoff, so the cascade is exact.
void butterworth4(std::vector<float>& x, bool highpass, float cutoff_hz, float sample_rate) {
  SYN_CHECK(sample_rate > 0 && cutoff_hz > 0 && cutoff_hz < sample_rate / 2,
            highpass ? "highpass" : "lowpass", ": cutoff ", cutoff_hz,
            " Hz must lie in (0, sample_rate/2) for sample_rate ", sample_rate);
  Biquad s1 = Biquad::make(highpass, cutoff_hz, sample_rate, 1.0 / (2.0 * std::cos(kPi / 8)));
  Biquad s2 = Biquad::make(highpass, cutoff_hz, sample_rate, 1.0 / (2.0 * std::cos(3 * kPi / 8)));
  for (float& v : x) v = (float)s2.step(s1.step(v));
}

double unbiased_std(const std::vector<float>& x) {
  size_t n = x.size();
  if (n < 2) return 0.0;
  double mean = 0.0;
  for (float v : x) mean += v;
  mean /= (double)n;
  double ss = 0.0;
  for (float v : x) ss += ((double)v - mean) * ((double)v - mean);
  return std::sqrt(ss / (double)(n - 1));
}

// ---- Freeverb tank with sox's constants ----

using dsp::kAllpassFeedback;
using dsp::kAllpassLengths;
using dsp::kCombLengths;
using dsp::kWetGain;

struct DelayLine {
  std::vector<float> buf;
  size_t pos = 0;
  float store = 0.0f;  // the comb's one-pole damping state
  explicit DelayLine(size_t n) : buf(std::max<size_t>(n, 1), 0.0f) {}
  float read() const { return buf[pos]; }
  void write_advance(float v) {
    buf[pos] = v;
    if (++pos == buf.size()) pos = 0;
  }
};

}  // namespace

void butterworth4_coefficients(bool highpass, float cutoff_hz, float sample_rate, double coef[10]) {
  SYN_CHECK(sample_rate > 0 && cutoff_hz > 0 && cutoff_hz < sample_rate / 2,
            highpass ? "highpass" : "lowpass", ": cutoff ", cutoff_hz,
            " Hz must lie in (0, sample_rate/2) for sample_rate ", sample_rate);
  const Biquad s[2] = {
      Biquad::make(highpass, cutoff_hz, sample_rate, 1.0 / (2.0 * std::cos(kPi / 8))),
      Biquad::make(highpass, cutoff_hz, sample_rate, 1.0 / (2.0 * std::cos(3 * kPi / 8)))};
  for (int i = 0; i < 2; ++i) {
    coef[5 * i + 0] = s[i].b0;
    coef[5 * i + 1] = s[i].b1;
    coef[5 * i + 2] = s[i].b2;
    coef[5 * i + 3] = s[i].a1;
    coef[5 * i + 4] = s[i].a2;
  }
}

double unbiased_std_of(const std::vector<float>& x) { return unbiased_std(x); }

void polarity_inversion(std::vector<float>& x) {
  for (float& v : x) v = -v;
}

void add_noise(std::vector<float>& x, float ratio, Rng& rng) {
  SYN_CHECK(ratio >= 0, "add_noise: ratio ", ratio, " must be >= 0");
  float sigma = (float)(ratio * unbiased_std(x));
  for (float& v : x) v += sigma * rng.normal();
}

void gain_db(std::vector<float>& x, float db) {
  float g = std::pow(10.0f, db / 20.0f);
  for (float& v : x) v = std::min(1.0f, std::max(-1.0f, v * g));
}

void lowpass(std::vector<float>& x, float cutoff_hz, float sample_rate) {
  butterworth4(x, false, cutoff_hz, sample_rate);
}

void highpass(std::vector<float>& x, float cutoff_hz, float sample_rate) {
  butterworth4(x, true, cutoff_hz, sample_rate);
}

void delay(std::vector<float>& x, int64_t offset, float volume) {
  SYN_CHECK(offset >= 0, "delay: offset ", offset, " must be >= 0");
  int64_t n = (int64_t)x.size();
  // Walk backwards so x[t - offset] is still the dry sample when t is written.
  for (int64_t t = n - 1; t >= 0; --t) {
    float echo = t >= offset ? x[(size_t)(t - offset)] : 0.0f;
    x[(size_t)t] = 0.5f * (x[(size_t)t] + volume * echo);
  }
}

ReverbTank reverb_tank(const ReverbParams& p, float sample_rate) {
  SYN_CHECK(p.reverberance >= 0 && p.reverberance <= 100 && p.hf_damping >= 0 &&
                p.hf_damping <= 100 && p.room_scale >= 0 && p.room_scale <= 100,
            "reverb: reverberance ", p.reverberance, ", hf_damping ", p.hf_damping, ", room_scale ",
            p.room_scale, " must lie in [0, 100]");
  // sox's mapping: feedback = 1 - exp((r - a)/b) with a, b chosen so r = 0 gives 0.5 and
  // r = 100 gives 0.98 (the comb decays 6 dB per pass at 0%, 0.18 dB at 100%).
  double b = -1.0 / std::log(0.5);
  double a = 100.0 / (1.0 + std::log(1.0 - 0.98) * b);
  b *= a;
  ReverbTank t;
  t.feedback = (float)(1.0 - std::exp((p.reverberance - a) / b));
  t.damping = p.hf_damping / 100.0f * 0.3f + 0.2f;
  double scale = p.room_scale / 100.0 * 0.9 + 0.1;
  double rate = sample_rate / 44100.0;
  for (size_t i = 0; i < kCombLengths.size(); ++i)
    t.comb[i] = std::max(1, (int)(scale * rate * kCombLengths[i] + 0.5));
  for (size_t i = 0; i < kAllpassLengths.size(); ++i)
    t.allpass[i] = std::max(1, (int)(rate * kAllpassLengths[i] + 0.5));
  return t;
}

void reverb(std::vector<float>& x, const ReverbParams& p, float sample_rate) {
  const ReverbTank tank = reverb_tank(p, sample_rate);
  const float feedback = tank.feedback, damping = tank.damping;
  std::vector<DelayLine> combs, allpasses;
  combs.reserve(kCombLengths.size());
  allpasses.reserve(kAllpassLengths.size());
  for (int len : tank.comb) combs.emplace_back((size_t)len);
  for (int len : tank.allpass) allpasses.emplace_back((size_t)len);

  for (float& v : x) {
    float in = v, wet = 0.0f;
    for (DelayLine& c : combs) {
      float out = c.read();
      c.store = out + (c.store - out) * damping;  // one-pole low-pass inside the loop
      c.write_advance(in + c.store * feedback);
      wet += out;
    }
    for (DelayLine& ap : allpasses) {
      float out = ap.read();
      ap.write_advance(wet + out * kAllpassFeedback);
      wet = out - wet;
    }
    v = in + kWetGain * wet;
  }
  clamp_unit(x);
}

}  // namespace syn::augment
