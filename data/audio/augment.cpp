// augment.cpp — CLMR's augmentation chain: the crop, the parameter draws, the random transforms
// and the chain itself. The arithmetic of the other transforms is in engine/ops/augment_dsp.cpp
// and augment_pitch.cpp (shared with the batch kernel slot, engine/ops/augment.h). Parameters and
// sources: augment.h.
#include "data/audio/augment.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "engine/check.h"

namespace syn::augment {

// ---------------- deterministic transforms ----------------

std::vector<float> crop(const std::vector<float>& x, int64_t start, int64_t n) {
  SYN_CHECK(n >= 0 && start >= 0, "crop: start ", start, " and length ", n, " must be >= 0");
  std::vector<float> out((size_t)n, 0.0f);
  int64_t len = (int64_t)x.size();
  int64_t avail = std::max<int64_t>(0, std::min<int64_t>(n, len - start));
  std::copy(x.begin() + start, x.begin() + start + avail, out.begin());
  return out;
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
