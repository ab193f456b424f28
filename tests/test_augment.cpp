// test_augment.cpp — each CLMR augmentation against the property that defines it (sign flip, dB
// range, noise ratio, filter attenuation, pitch ratio, echo position, reverb tail) and the chain's
// contract: exact crop length, determinism per seed, identity at p = 0, every step at p = 1.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "data/audio/augment.h"
#include "engine/rng.h"

using namespace syn;
using namespace syn::augment;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr float kSr = kClmrSampleRate;

std::vector<float> tone(int64_t n, double hz, double amp, double phase = 0.0) {
  std::vector<float> x((size_t)n);
  for (int64_t i = 0; i < n; ++i)
    x[(size_t)i] = (float)(amp * std::sin(2 * kPi * hz * i / kSr + phase));
  return x;
}

std::vector<float> white(int64_t n, float amp, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x((size_t)n);
  for (float& v : x) v = rng.uniform(-amp, amp);
  return x;
}

double rms(const std::vector<float>& x, int64_t from = 0, int64_t to = -1) {
  if (to < 0) to = (int64_t)x.size();
  double s = 0.0;
  for (int64_t i = from; i < to; ++i) s += (double)x[(size_t)i] * x[(size_t)i];
  return std::sqrt(s / (double)(to - from));
}

double energy(const std::vector<float>& x, int64_t from, int64_t to) {
  double s = 0.0;
  for (int64_t i = from; i < to; ++i) s += (double)x[(size_t)i] * x[(size_t)i];
  return s;
}

// Amplitude of the `hz` component over [from, to) through a Hann window (a single DFT bin);
// comparing it before and after a filter gives that filter's gain at hz.
double tone_level(const std::vector<float>& x, double hz, int64_t from, int64_t to) {
  double re = 0.0, im = 0.0;
  int64_t n = to - from;
  for (int64_t i = 0; i < n; ++i) {
    double w = 0.5 - 0.5 * std::cos(2 * kPi * i / (double)(n - 1));
    double ph = 2 * kPi * hz * (double)(from + i) / kSr;
    re += w * x[(size_t)(from + i)] * std::cos(ph);
    im += w * x[(size_t)(from + i)] * std::sin(ph);
  }
  return std::sqrt(re * re + im * im);
}

double db(double ratio) { return 20.0 * std::log10(ratio); }

// Frequency from upward zero crossings over [from, to), crossing times linearly interpolated.
double zero_crossing_hz(const std::vector<float>& x, int64_t from, int64_t to) {
  double first = -1.0, last = -1.0;
  int64_t count = 0;
  for (int64_t i = from; i + 1 < to; ++i) {
    float a = x[(size_t)i], b = x[(size_t)(i + 1)];
    if (a < 0.0f && b >= 0.0f) {
      double t = (double)i + (double)a / (double)(a - b);
      if (first < 0) first = t;
      last = t;
      ++count;
    }
  }
  REQUIRE(count > 10);
  return (double)(count - 1) / (last - first) * kSr;
}

AugmentConfig all_probabilities(float p) {
  AugmentConfig c;
  c.p_polarity = c.p_noise = c.p_gain = c.p_filters = c.p_delay = c.p_pitch = c.p_reverb = p;
  return c;
}

}  // namespace

TEST_CASE("config defaults are CLMR's") {
  AugmentConfig c;
  CHECK(c.crop_length == 59049);
  CHECK(c.sample_rate == 22050.0f);
  CHECK(c.p_polarity == 0.8f);
  CHECK(c.p_noise == 0.01f);
  CHECK(c.p_gain == 0.3f);
  CHECK(c.p_filters == 0.8f);
  CHECK(c.p_delay == 0.3f);
  CHECK(c.p_pitch == 0.6f);
  CHECK(c.p_reverb == 0.6f);
}

TEST_CASE("random crop takes an in-range window of the signal") {
  std::vector<float> x((size_t)70000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (float)i;
  Rng rng(1);
  for (int k = 0; k < 50; ++k) {
    int64_t start = -1;
    std::vector<float> y = random_crop(x, 59049, rng, &start);
    REQUIRE(y.size() == 59049);
    CHECK(start >= 0);
    CHECK(start <= 70000 - 59049);
    CHECK(y.front() == (float)start);
    CHECK(y.back() == (float)(start + 59048));
  }
  // A shorter signal is kept whole and zero-padded.
  std::vector<float> y = random_crop(std::vector<float>(100, 1.0f), 150, rng);
  CHECK(y.size() == 150);
  CHECK(y[99] == 1.0f);
  CHECK(y[100] == 0.0f);
}

TEST_CASE("polarity inversion flips the sign exactly") {
  std::vector<float> x = white(1000, 0.9f, 2);
  std::vector<float> y = x;
  polarity_inversion(y);
  for (size_t i = 0; i < x.size(); ++i) REQUIRE(y[i] == -x[i]);
  polarity_inversion(y);
  CHECK(y == x);
}

TEST_CASE("gain scales by a dB value drawn uniformly from [-20, -1]") {
  std::vector<float> x = white(4096, 0.5f, 3);
  double in = rms(x);
  AugmentConfig cfg;
  Rng rng(4);
  double lo = 1e9, hi = -1e9, mean = 0.0;
  const int draws = 500;
  for (int k = 0; k < draws; ++k) {
    std::vector<float> y = x;
    float g = random_gain(y, cfg, rng);
    double measured = db(rms(y) / in);
    REQUIRE(measured == doctest::Approx(g).epsilon(1e-4));  // the RMS ratio is the drawn gain
    REQUIRE(measured >= -20.0 - 1e-4);
    REQUIRE(measured <= -1.0 + 1e-4);
    lo = std::min(lo, measured);
    hi = std::max(hi, measured);
    mean += measured / draws;
  }
  // Uniform over [-20, -1]: 500 draws reach near both ends, mean -10.5 (sd of mean ~0.25 dB).
  CHECK(lo < -19.5);
  CHECK(hi > -1.5);
  CHECK(mean == doctest::Approx(-10.5).epsilon(0.1));
  // torchaudio's Vol clamps its output to [-1, 1].
  std::vector<float> loud = {2.0f, -3.0f, 0.5f};
  gain_db(loud, 0.0f);
  CHECK(loud == std::vector<float>{1.0f, -1.0f, 0.5f});
}

TEST_CASE("noise is added at the drawn noise/signal std ratio") {
  std::vector<float> x = tone(22050, 440.0, 0.5);
  double sx = rms(x);  // zero-mean tone: rms == std
  // Fixed ratio: the added component has std ratio * std(x) (22050 normals: ~0.5% sampling error).
  for (float ratio : {0.3f, 0.01f, 1e-4f}) {
    std::vector<float> y = x;
    Rng rng(5);
    add_noise(y, ratio, rng);
    std::vector<float> d(y.size());
    for (size_t i = 0; i < y.size(); ++i) d[i] = y[i] - x[i];
    CHECK(rms(d) / sx == doctest::Approx(ratio).epsilon(0.03));
  }
  // Random draws: ratio ~ U(1e-4, 1e-2), and the noise matches each draw.
  AugmentConfig cfg;
  Rng rng(6);
  double mean = 0.0;
  const int draws = 200;
  for (int k = 0; k < draws; ++k) {
    std::vector<float> y = x;
    float r = random_noise(y, cfg, rng);
    REQUIRE(r >= 1e-4f);
    REQUIRE(r <= 1e-2f);
    std::vector<float> d(y.size());
    for (size_t i = 0; i < y.size(); ++i) d[i] = y[i] - x[i];
    REQUIRE(rms(d) / sx == doctest::Approx(r).epsilon(0.05));
    mean += r / draws;
  }
  CHECK(mean == doctest::Approx(0.00505).epsilon(0.12));  // sd of the mean ~4%
}

TEST_CASE("low-pass cuts tones above the cutoff and keeps tones below") {
  const int64_t n = 32768, from = n / 2;  // measure after the start-up transient
  std::vector<float> x = tone(n, 300.0, 0.4);
  std::vector<float> high = tone(n, 9000.0, 0.4, 1.0);
  for (int64_t i = 0; i < n; ++i) x[(size_t)i] += high[(size_t)i];
  double lo_in = tone_level(x, 300.0, from, n), hi_in = tone_level(x, 9000.0, from, n);
  for (float cutoff : {2200.0f, 3000.0f, 4000.0f}) {
    std::vector<float> y = x;
    lowpass(y, cutoff, kSr);
    double keep = db(tone_level(y, 300.0, from, n) / lo_in);
    double cut = db(tone_level(y, 9000.0, from, n) / hi_in);
    INFO("cutoff ", cutoff, " Hz: 300 Hz ", keep, " dB, 9000 Hz ", cut, " dB");
    CHECK(std::fabs(keep) < 1.0);
    CHECK(cut <= -12.0);
    // Butterworth: exactly -3 dB at the cutoff.
    std::vector<float> at = tone(n, cutoff, 0.4);
    double in_at = tone_level(at, cutoff, from, n);
    lowpass(at, cutoff, kSr);
    CHECK(db(tone_level(at, cutoff, from, n) / in_at) == doctest::Approx(-3.01).epsilon(0.05));
  }
}

TEST_CASE("high-pass cuts tones below the cutoff and keeps tones above") {
  const int64_t n = 32768, from = n / 2;
  std::vector<float> x = tone(n, 50.0, 0.4);
  std::vector<float> high = tone(n, 5000.0, 0.4, 1.0);
  for (int64_t i = 0; i < n; ++i) x[(size_t)i] += high[(size_t)i];
  double lo_in = tone_level(x, 50.0, from, n), hi_in = tone_level(x, 5000.0, from, n);
  for (float cutoff : {200.0f, 700.0f, 1200.0f}) {
    std::vector<float> y = x;
    highpass(y, cutoff, kSr);
    double cut = db(tone_level(y, 50.0, from, n) / lo_in);
    double keep = db(tone_level(y, 5000.0, from, n) / hi_in);
    INFO("cutoff ", cutoff, " Hz: 50 Hz ", cut, " dB, 5000 Hz ", keep, " dB");
    CHECK(cut <= -12.0);
    CHECK(std::fabs(keep) < 1.0);
    std::vector<float> at = tone(n, cutoff, 0.4);
    double in_at = tone_level(at, cutoff, from, n);
    highpass(at, cutoff, kSr);
    CHECK(db(tone_level(at, cutoff, from, n) / in_at) == doctest::Approx(-3.01).epsilon(0.05));
  }
}

TEST_CASE("random high/low-pass picks either filter with a cutoff in the package's range") {
  const int64_t n = 32768, from = n / 2;
  std::vector<float> x = tone(n, 50.0, 0.3);
  for (double hz : {300.0, 9000.0}) {
    std::vector<float> t = tone(n, hz, 0.3, hz);
    for (int64_t i = 0; i < n; ++i) x[(size_t)i] += t[(size_t)i];
  }
  double in50 = tone_level(x, 50.0, from, n), in300 = tone_level(x, 300.0, from, n);
  double in9k = tone_level(x, 9000.0, from, n);
  AugmentConfig cfg;
  Rng rng(7);
  int highs = 0, lows = 0;
  for (int k = 0; k < 40; ++k) {
    std::vector<float> y = x;
    bool hp = false;
    float cutoff = random_high_low_pass(y, cfg, rng, &hp);
    double g50 = db(tone_level(y, 50.0, from, n) / in50);
    double g300 = db(tone_level(y, 300.0, from, n) / in300);
    double g9k = db(tone_level(y, 9000.0, from, n) / in9k);
    if (hp) {
      ++highs;
      REQUIRE(cutoff >= 200.0f);
      REQUIRE(cutoff <= 1200.0f);
      CHECK(g50 <= -12.0);
      CHECK(std::fabs(g9k) < 1.0);
    } else {
      ++lows;
      REQUIRE(cutoff >= 2200.0f);
      REQUIRE(cutoff <= 4000.0f);
      CHECK(g9k <= -12.0);
      CHECK(std::fabs(g300) < 1.0);
      CHECK(std::fabs(g50) < 1.0);
    }
  }
  CHECK(highs >= 8);  // a fair coin over 40 draws
  CHECK(lows >= 8);
}

TEST_CASE("pitch shift moves a sine's frequency by 2^(n/12) and keeps the length") {
  const int64_t n = kClmrCropLength, m0 = 4000, m1 = n - 4000;
  for (double f0 : {440.0, 2000.0}) {
    std::vector<float> x = tone(n, f0, 0.5);
    for (int semis : {-7, -4, -1, 1, 3, 7}) {
      std::vector<float> y = x;
      pitch_shift(y, semis * 100, kSr);
      REQUIRE(y.size() == x.size());
      double want = f0 * std::pow(2.0, semis / 12.0);
      double got = zero_crossing_hz(y, m0, m1);
      INFO(f0, " Hz shifted ", semis, " semitones: got ", got, " Hz, want ", want);
      CHECK(got == doctest::Approx(want).epsilon(0.02));
      CHECK(std::fabs(db(rms(y, m0, m1) / rms(x, m0, m1))) < 1.5);  // loudness kept
    }
  }
  // Zero cents is the identity (sox skips the effect).
  std::vector<float> x = tone(5000, 440.0, 0.5), y = x;
  pitch_shift(y, 0, kSr);
  CHECK(y == x);
}

TEST_CASE("random pitch shift draws integer cents in [-700, 700] and shifts by them") {
  const int64_t n = kClmrCropLength;
  std::vector<float> x = tone(n, 440.0, 0.5);
  AugmentConfig cfg;
  Rng rng(8);
  for (int k = 0; k < 12; ++k) {
    std::vector<float> y = x;
    int cents = random_pitch_shift(y, cfg, rng);
    REQUIRE(cents >= -700);
    REQUIRE(cents <= 700);
    REQUIRE(y.size() == (size_t)n);
    if (std::abs(cents) < 5) continue;
    double want = 440.0 * std::pow(2.0, cents / 1200.0);
    CHECK(zero_crossing_hz(y, 4000, n - 4000) == doctest::Approx(want).epsilon(0.02));
  }
}

TEST_CASE("delay adds an echo at the drawn delay time") {
  // Impulse response of the fixed transform: (x + 0.5 x[t - d]) / 2.
  std::vector<float> x(30000, 0.0f);
  x[1000] = 1.0f;
  std::vector<float> y = x;
  delay(y, 4410, 0.5f);
  for (size_t i = 0; i < y.size(); ++i) {
    float want = i == 1000 ? 0.5f : i == 5410 ? 0.25f : 0.0f;
    REQUIRE(y[i] == want);
  }
  // Random draws land on int(ms * 22.05) for ms in {200, 250, ..., 450}; the impulse response
  // peaks there.
  const std::set<int64_t> allowed = {4410, 5512, 6615, 7717, 8820, 9922};
  AugmentConfig cfg;
  Rng rng(9);
  std::set<int64_t> seen;
  for (int k = 0; k < 60; ++k) {
    std::vector<float> z = x;
    int64_t d = random_delay(z, cfg, rng);
    REQUIRE(allowed.count(d) == 1);
    seen.insert(d);
    int64_t echo =
        1001 + (int64_t)(std::max_element(z.begin() + 1001, z.end()) - (z.begin() + 1001));
    CHECK(echo == 1000 + d);
    CHECK(z[(size_t)(1000 + d)] == 0.25f);
  }
  CHECK(seen.size() == allowed.size());  // every choice shows up in 60 draws
  // On noise, the cross-correlation of output with input peaks (away from lag 0) at the delay.
  std::vector<float> s = white(24000, 0.5f, 10), t = s;
  delay(t, 6615, 0.5f);
  int64_t best_lag = 0;
  double best = -1e30;
  for (int64_t lag = 50; lag < 11000; ++lag) {
    double c = 0.0;
    for (int64_t i = lag; i < 24000; ++i) c += (double)t[(size_t)i] * s[(size_t)(i - lag)];
    if (c > best) best = c, best_lag = lag;
  }
  CHECK(best_lag == 6615);
}

TEST_CASE("reverb lengthens the decay") {
  const int64_t n = kClmrCropLength, burst = 1102;  // 50 ms of noise, then silence
  std::vector<float> x(n, 0.0f);
  std::vector<float> b = white(burst, 0.5f, 11);
  std::copy(b.begin(), b.end(), x.begin());
  double e_burst = energy(x, 0, burst);
  const int64_t tail0 = burst + 220, tail1 = burst + 22050;  // 10 ms .. 1 s after the burst
  REQUIRE(energy(x, tail0, tail1) == 0.0);                   // the dry signal has no tail

  auto late_tail = [&](ReverbParams p) {
    std::vector<float> y = x;
    reverb(y, p, kSr);
    REQUIRE(y.size() == x.size());
    return energy(y, burst + 5512, tail1) / e_burst;  // 0.25 s .. 1 s after the burst
  };
  // Every random draw leaves a tail; pre-delay 0 and a unity dry path mean the first comb-length
  // samples (>= 56 at room scale 0) are the dry signal untouched.
  AugmentConfig cfg;
  Rng rng(12);
  for (int k = 0; k < 20; ++k) {
    std::vector<float> y = x;
    ReverbParams p = random_reverb(y, cfg, rng);
    REQUIRE(p.reverberance >= 0);
    REQUIRE(p.reverberance <= 99);
    REQUIRE(p.hf_damping <= 99);
    REQUIRE(p.room_scale <= 99);
    INFO("reverberance ", p.reverberance, " damping ", p.hf_damping, " room ", p.room_scale);
    CHECK(energy(y, tail0, tail1) > 1e-6 * e_burst);
    for (int64_t i = 0; i < 50; ++i) REQUIRE(y[(size_t)i] == x[(size_t)i]);
  }
  // More reverberance and a bigger room both mean a longer, louder late tail.
  CHECK(late_tail({90, 50, 50}) > 10 * late_tail({10, 50, 50}));
  CHECK(late_tail({50, 50, 90}) > 2 * late_tail({50, 50, 10}));
  CHECK(late_tail({90, 90, 90}) > 1e-3);  // a big hall rings for the whole second
}

TEST_CASE("chain output always has the crop length") {
  AugmentConfig cfg;
  Rng rng(13);
  for (int64_t len : {(int64_t)59049, (int64_t)60000, (int64_t)150000, (int64_t)30000}) {
    std::vector<float> x = white(len, 0.5f, (uint64_t)len);
    for (int k = 0; k < 6; ++k) CHECK(apply_chain(x, cfg, rng).size() == 59049);
    CHECK(apply_chain(x, all_probabilities(1.0f), rng).size() == 59049);
  }
  AugmentConfig small = all_probabilities(1.0f);
  small.crop_length = 20000;
  CHECK(apply_chain(white(50000, 0.5f, 14), small, rng).size() == 20000);
}

TEST_CASE("the same seed gives identical output") {
  std::vector<float> x = white(80000, 0.5f, 15);
  AugmentConfig cfg = all_probabilities(0.5f);
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int k = 0; k < 6; ++k) {
    std::vector<float> ya = apply_chain(x, cfg, a), yb = apply_chain(x, cfg, b);
    REQUIRE(ya == yb);
    differs |= apply_chain(x, cfg, c) != ya;
  }
  CHECK(differs);
}

TEST_CASE("probabilities 0 give the crop unchanged") {
  std::vector<float> x = white(70000, 0.5f, 16);
  AugmentConfig cfg = all_probabilities(0.0f);
  Rng rng(17);
  for (int k = 0; k < 10; ++k) {
    AugmentTrace t;
    std::vector<float> y = apply_chain(x, cfg, rng, &t);
    CHECK(y == crop(x, t.crop_start, cfg.crop_length));
    CHECK_FALSE((t.polarity || t.noise || t.gain || t.filter || t.delay || t.pitch || t.reverb));
  }
}

TEST_CASE("probabilities 1 apply every transform, in CLMR's order") {
  std::vector<float> x = tone(70000, 440.0, 0.4);
  Rng rng(18);
  for (int k = 0; k < 4; ++k) {
    AugmentTrace t;
    std::vector<float> y = apply_chain(x, all_probabilities(1.0f), rng, &t);
    CHECK((t.polarity && t.noise && t.gain && t.filter && t.delay && t.pitch && t.reverb));
    CHECK(y != crop(x, t.crop_start, 59049));
  }
  // Without noise (whose normals come from the Rng), re-applying the traced draws by hand in
  // CLMR's order reproduces the chain bit for bit.
  AugmentConfig cfg = all_probabilities(1.0f);
  cfg.p_noise = 0.0f;
  for (int k = 0; k < 4; ++k) {
    AugmentTrace t;
    std::vector<float> y = apply_chain(x, cfg, rng, &t);
    std::vector<float> z = crop(x, t.crop_start, cfg.crop_length);
    polarity_inversion(z);
    gain_db(z, t.gain_db);
    if (t.filter_highpass)
      highpass(z, t.filter_cutoff_hz, kSr);
    else
      lowpass(z, t.filter_cutoff_hz, kSr);
    delay(z, t.delay_samples, 0.5f);
    pitch_shift(z, t.pitch_cents, kSr);
    reverb(z, t.reverb_params, kSr);
    CHECK(y == z);
  }
}
