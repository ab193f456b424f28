// augment.cpp — CLMR's augmentation chain: crop, polarity, noise, gain, filters, delay, reverb and
// the chain itself. Pitch shifting lives in augment_pitch.cpp. Parameters and sources: augment.h.
#include "data/audio/augment.h"

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

// Delay lengths at 44.1 kHz from Freeverb (as in sox reverb.c); scaled to the sample rate.
constexpr std::array<int, 8> kCombLengths = {1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617};
constexpr std::array<int, 4> kAllpassLengths = {225, 341, 441, 556};
constexpr float kAllpassFeedback = 0.5f;
constexpr float kWetGain = 0.015f;  // sox: 10^(wet_gain_dB/20) * 0.015 with wet gain 0 dB

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

// ---------------- deterministic transforms ----------------

std::vector<float> crop(const std::vector<float>& x, int64_t start, int64_t n) {
  SYN_CHECK(n >= 0 && start >= 0, "crop: start ", start, " and length ", n, " must be >= 0");
  std::vector<float> out((size_t)n, 0.0f);
  int64_t len = (int64_t)x.size();
  int64_t avail = std::max<int64_t>(0, std::min<int64_t>(n, len - start));
  std::copy(x.begin() + start, x.begin() + start + avail, out.begin());
  return out;
}

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

void reverb(std::vector<float>& x, const ReverbParams& p, float sample_rate) {
  SYN_CHECK(p.reverberance >= 0 && p.reverberance <= 100 && p.hf_damping >= 0 &&
                p.hf_damping <= 100 && p.room_scale >= 0 && p.room_scale <= 100,
            "reverb: reverberance ", p.reverberance, ", hf_damping ", p.hf_damping, ", room_scale ",
            p.room_scale, " must lie in [0, 100]");
  // sox's mapping: feedback = 1 - exp((r - a)/b) with a, b chosen so r = 0 gives 0.5 and
  // r = 100 gives 0.98 (the comb decays 6 dB per pass at 0%, 0.18 dB at 100%).
  double b = -1.0 / std::log(0.5);
  double a = 100.0 / (1.0 + std::log(1.0 - 0.98) * b);
  b *= a;
  float feedback = (float)(1.0 - std::exp((p.reverberance - a) / b));
  float damping = p.hf_damping / 100.0f * 0.3f + 0.2f;
  double scale = p.room_scale / 100.0 * 0.9 + 0.1;
  double rate = sample_rate / 44100.0;

  std::vector<DelayLine> combs, allpasses;
  combs.reserve(kCombLengths.size());
  allpasses.reserve(kAllpassLengths.size());
  for (int len : kCombLengths) combs.emplace_back((size_t)(scale * rate * len + 0.5));
  for (int len : kAllpassLengths) allpasses.emplace_back((size_t)(rate * len + 0.5));

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

// ---------------- parameter draws ----------------

int64_t draw_crop_start(int64_t signal_length, int64_t n, Rng& rng) {
  int64_t slack = std::max<int64_t>(0, signal_length - n);
  return rng.randint(slack + 1);  // randint(0, len - n), both ends inclusive
}

float draw_noise_ratio(const AugmentConfig& cfg, Rng& rng) {
  return rng.uniform(cfg.noise_min_ratio, cfg.noise_max_ratio);
}

float draw_gain_db(const AugmentConfig& cfg, Rng& rng) {
  return rng.uniform(cfg.gain_min_db, cfg.gain_max_db);
}

float draw_high_low_pass(const AugmentConfig& cfg, Rng& rng, bool* highpass_out) {
  bool hp = rng.randint(2) == 0;  // package: randint(0, 1) == 0 -> high-pass
  *highpass_out = hp;
  return hp ? rng.uniform(cfg.highpass_min_hz, cfg.highpass_max_hz)
            : rng.uniform(cfg.lowpass_min_hz, cfg.lowpass_max_hz);
}

int64_t draw_delay_offset(const AugmentConfig& cfg, Rng& rng) {
  SYN_CHECK(cfg.delay_step_ms > 0 && cfg.delay_max_ms > cfg.delay_min_ms,
            "random_delay: need delay_min_ms < delay_max_ms and delay_step_ms > 0, got ",
            cfg.delay_min_ms, ", ", cfg.delay_max_ms, ", ", cfg.delay_step_ms);
  // np.arange(min, max, step): max is excluded.
  int choices = (cfg.delay_max_ms - cfg.delay_min_ms + cfg.delay_step_ms - 1) / cfg.delay_step_ms;
  int ms = cfg.delay_min_ms + cfg.delay_step_ms * (int)rng.randint(choices);
  return (int64_t)(ms * (cfg.sample_rate / 1000.0f));  // int() truncates, as in Python
}

int draw_pitch_cents(const AugmentConfig& cfg, Rng& rng) {
  int span = cfg.pitch_max_cents - cfg.pitch_min_cents + 1;  // randint is inclusive
  SYN_CHECK(span >= 1, "random_pitch_shift: empty cents range [", cfg.pitch_min_cents, ", ",
            cfg.pitch_max_cents, "]");
  return cfg.pitch_min_cents + (int)rng.randint(span);
}

ReverbParams draw_reverb(const AugmentConfig& cfg, Rng& rng) {
  int span = cfg.reverb_max - cfg.reverb_min;  // torch.randint excludes the top
  SYN_CHECK(span >= 1 && cfg.reverb_min >= 0 && cfg.reverb_max <= 101, "random_reverb: range [",
            cfg.reverb_min, ", ", cfg.reverb_max, ") must be inside [0, 101)");
  ReverbParams p;
  p.reverberance = (float)(cfg.reverb_min + rng.randint(span));
  p.hf_damping = (float)(cfg.reverb_min + rng.randint(span));
  p.room_scale = (float)(cfg.reverb_min + rng.randint(span));
  return p;
}

// ---------------- random transforms ----------------

std::vector<float> random_crop(const std::vector<float>& x, int64_t n, Rng& rng,
                               int64_t* start_out) {
  int64_t start = draw_crop_start((int64_t)x.size(), n, rng);
  if (start_out) *start_out = start;
  return crop(x, start, n);
}

float random_noise(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng) {
  float ratio = draw_noise_ratio(cfg, rng);
  add_noise(x, ratio, rng);
  return ratio;
}

float random_gain(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng) {
  float db = draw_gain_db(cfg, rng);
  gain_db(x, db);
  return db;
}

float random_high_low_pass(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng,
                           bool* highpass_out) {
  bool hp = false;
  float cutoff = draw_high_low_pass(cfg, rng, &hp);
  if (hp)
    highpass(x, cutoff, cfg.sample_rate);
  else
    lowpass(x, cutoff, cfg.sample_rate);
  if (highpass_out) *highpass_out = hp;
  return cutoff;
}

int64_t random_delay(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng) {
  int64_t offset = draw_delay_offset(cfg, rng);
  delay(x, offset, cfg.delay_volume);
  return offset;
}

int random_pitch_shift(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng) {
  int cents = draw_pitch_cents(cfg, rng);
  pitch_shift(x, cents, cfg.sample_rate);
  return cents;
}

ReverbParams random_reverb(std::vector<float>& x, const AugmentConfig& cfg, Rng& rng) {
  ReverbParams p = draw_reverb(cfg, rng);
  reverb(x, p, cfg.sample_rate);
  return p;
}

// ---------------- the chain ----------------

std::vector<float> apply_chain(const std::vector<float>& signal, const AugmentConfig& cfg, Rng& rng,
                               AugmentTrace* trace) {
  SYN_CHECK(cfg.crop_length > 0, "apply_chain: crop_length ", cfg.crop_length, " must be > 0");
  AugmentTrace t;
  std::vector<float> x = random_crop(signal, cfg.crop_length, rng, &t.crop_start);
  if ((t.polarity = rng.bernoulli(cfg.p_polarity))) polarity_inversion(x);
  if ((t.noise = rng.bernoulli(cfg.p_noise))) t.noise_ratio = random_noise(x, cfg, rng);
  if ((t.gain = rng.bernoulli(cfg.p_gain))) t.gain_db = random_gain(x, cfg, rng);
  if ((t.filter = rng.bernoulli(cfg.p_filters)))
    t.filter_cutoff_hz = random_high_low_pass(x, cfg, rng, &t.filter_highpass);
  if ((t.delay = rng.bernoulli(cfg.p_delay))) t.delay_samples = random_delay(x, cfg, rng);
  if ((t.pitch = rng.bernoulli(cfg.p_pitch))) t.pitch_cents = random_pitch_shift(x, cfg, rng);
  if ((t.reverb = rng.bernoulli(cfg.p_reverb))) t.reverb_params = random_reverb(x, cfg, rng);
  if (trace) *trace = t;
  return x;
}

}  // namespace syn::augment
