// augment_batch.cpp — see augment_batch.h.
#include "data/audio/augment_batch.h"

#include <algorithm>

#include "engine/check.h"
#include "engine/parallel.h"

namespace syn::augment {

AugmentDraw draw_chain(int64_t signal_length, const AugmentConfig& cfg, Rng& rng) {
  SYN_CHECK(cfg.crop_length > 0, "apply_chain: crop_length ", cfg.crop_length, " must be > 0");
  AugmentDraw d;
  AugmentTrace& t = d.t;
  // The same draws in the same order as apply_chain (augment.cpp).
  t.crop_start = draw_crop_start(signal_length, cfg.crop_length, rng);
  t.polarity = rng.bernoulli(cfg.p_polarity);
  if ((t.noise = rng.bernoulli(cfg.p_noise))) {
    t.noise_ratio = draw_noise_ratio(cfg, rng);
    d.noise_state = rng.state();
    Rng keyed = rng;
    d.noise_key = keyed.next_u64();
    for (int64_t i = 0; i < cfg.crop_length; ++i) rng.normal();  // add_noise's normals
  }
  if ((t.gain = rng.bernoulli(cfg.p_gain))) t.gain_db = draw_gain_db(cfg, rng);
  if ((t.filter = rng.bernoulli(cfg.p_filters)))
    t.filter_cutoff_hz = draw_high_low_pass(cfg, rng, &t.filter_highpass);
  if ((t.delay = rng.bernoulli(cfg.p_delay))) t.delay_samples = draw_delay_offset(cfg, rng);
  if ((t.pitch = rng.bernoulli(cfg.p_pitch))) t.pitch_cents = draw_pitch_cents(cfg, rng);
  if ((t.reverb = rng.bernoulli(cfg.p_reverb))) t.reverb_params = draw_reverb(cfg, rng);
  return d;
}

std::vector<float> apply_draw(std::span<const float> signal, const AugmentConfig& cfg,
                              const AugmentDraw& d) {
  const AugmentTrace& t = d.t;
  SYN_CHECK(t.crop_start >= 0 && t.crop_start <= std::max<int64_t>(0, (int64_t)signal.size()),
            "apply_draw: crop start ", t.crop_start, " is outside the clip of ", signal.size(),
            " samples");
  // crop() of a view of the clip, without copying the whole clip first.
  std::vector<float> x((size_t)cfg.crop_length, 0.0f);
  const int64_t avail = std::max<int64_t>(
      0, std::min<int64_t>(cfg.crop_length, (int64_t)signal.size() - t.crop_start));
  std::copy(signal.begin() + t.crop_start, signal.begin() + t.crop_start + avail, x.begin());
  if (t.polarity) polarity_inversion(x);
  if (t.noise) {
    Rng normals;
    normals.set_state(d.noise_state);
    add_noise(x, t.noise_ratio, normals);
  }
  if (t.gain) gain_db(x, t.gain_db);
  if (t.filter) {
    if (t.filter_highpass)
      highpass(x, t.filter_cutoff_hz, cfg.sample_rate);
    else
      lowpass(x, t.filter_cutoff_hz, cfg.sample_rate);
  }
  if (t.delay) delay(x, t.delay_samples, cfg.delay_volume);
  if (t.pitch) pitch_shift(x, t.pitch_cents, cfg.sample_rate);
  if (t.reverb) reverb(x, t.reverb_params, cfg.sample_rate);
  return x;
}

std::vector<float> apply_chain_batch(const std::vector<std::span<const float>>& clips,
                                     const AugmentConfig& cfg,
                                     const std::vector<AugmentDraw>& draws) {
  SYN_CHECK(clips.size() == draws.size(), "apply_chain_batch: ", clips.size(), " clips but ",
            draws.size(), " draws");
  const int64_t batch = (int64_t)clips.size(), length = cfg.crop_length;
  std::vector<float> out((size_t)(batch * length));
  parallel_for(batch, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      std::vector<float> v = apply_draw(clips[(size_t)b], cfg, draws[(size_t)b]);
      std::copy(v.begin(), v.end(), out.begin() + b * length);
    }
  });
  return out;
}

std::vector<float> crop_batch(const std::vector<std::span<const float>>& clips,
                              const AugmentConfig& cfg, const std::vector<AugmentDraw>& draws) {
  SYN_CHECK(clips.size() == draws.size(), "crop_batch: ", clips.size(), " clips but ", draws.size(),
            " draws");
  const int64_t length = cfg.crop_length;
  std::vector<float> out(clips.size() * (size_t)length, 0.0f);
  for (size_t b = 0; b < clips.size(); ++b) {
    const std::span<const float> c = clips[b];
    const int64_t start = draws[b].t.crop_start;
    SYN_CHECK(start >= 0 && start <= std::max<int64_t>(0, (int64_t)c.size()),
              "crop_batch: crop start ", start, " is outside the clip of ", c.size(), " samples");
    const int64_t avail =
        std::max<int64_t>(0, std::min<int64_t>(length, (int64_t)c.size() - start));
    std::copy(c.begin() + start, c.begin() + start + avail, out.begin() + (int64_t)b * length);
  }
  return out;
}

AugmentParams device_params(const AugmentDraw& d, const AugmentConfig& cfg) {
  const AugmentTrace& t = d.t;
  AugmentParams p;
  p.polarity = t.polarity;
  p.noise = t.noise;
  p.noise_ratio = t.noise_ratio;
  p.noise_key = d.noise_key;
  p.gain = t.gain;
  p.gain_db = t.gain_db;
  p.filter = t.filter;
  if (t.filter)
    butterworth4_coefficients(t.filter_highpass, t.filter_cutoff_hz, cfg.sample_rate,
                              p.filter_coef);
  p.delay = t.delay;
  SYN_CHECK(t.delay_samples >= 0 && t.delay_samples < (int64_t)1 << 31, "device_params: delay of ",
            t.delay_samples, " samples");
  p.delay_samples = (int32_t)t.delay_samples;
  p.delay_volume = cfg.delay_volume;
  p.pitch_cents = t.pitch ? t.pitch_cents : 0;
  p.reverb = t.reverb;
  p.reverberance = t.reverb_params.reverberance;
  p.hf_damping = t.reverb_params.hf_damping;
  p.room_scale = t.reverb_params.room_scale;
  return p;
}

}  // namespace syn::augment
