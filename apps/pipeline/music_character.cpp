// music_character.cpp — see music_character.h for the measurements and the rules.
#include "apps/pipeline/music_character.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "data/audio/audio_io.h"
#include "data/audio/spectrogram.h"
#include "engine/check.h"
#include "engine/cpu/fft.h"
#include "engine/parallel.h"

namespace syn {

namespace {

constexpr double kSilenceDb = -120.0;
constexpr double kMoodPrior = 0.2;     // the neutral evidence in the arousal/valence denominators
constexpr int64_t kChunkFrames = 256;  // STFT frames per parallel work item

struct StftPlan {
  int64_t hop = 0, n_fft = 0, frames = 0;
  double frame_rate = 0;
};

StftPlan plan_for(int64_t n, int rate, const TempoOptions& o) {
  SYN_CHECK(rate >= kMinAudioRate && rate <= kMaxAudioRate, "music character: sample rate ", rate,
            " Hz is outside ", kMinAudioRate, "..", kMaxAudioRate, " Hz");
  SYN_CHECK(o.hop_seconds > 0 && o.window_seconds >= o.hop_seconds,
            "music character: need 0 < hop_seconds <= window_seconds, got ", o.hop_seconds, " and ",
            o.window_seconds);
  StftPlan p;
  p.hop = std::max<int64_t>(1, std::llround(rate * o.hop_seconds));
  p.n_fft = 1;
  while ((double)p.n_fft < rate * o.window_seconds) p.n_fft *= 2;
  p.frames = n / p.hop + 1;  // centred frames (frame t is centred on sample t · hop)
  p.frame_rate = (double)rate / (double)p.hop;
  return p;
}

// One pass over the STFT: the flux envelope (step 3) and the centroid sums. Frames are centred
// on t · hop with zeros outside the signal; chunks of frames run in parallel and each also
// transforms the frame before its first, so results do not depend on the thread count.
struct SpectrumPass {
  std::vector<float> flux;
  double weighted_hz = 0, magnitude = 0;
};

SpectrumPass spectrum_pass(const std::vector<float>& x, int rate, const TempoOptions& o,
                           const StftPlan& p) {
  const int64_t n = (int64_t)x.size(), bins = p.n_fft / 2 + 1;
  const std::vector<double> window = hann_window(p.n_fft);
  const fft::RealFft rfft(p.n_fft);
  const int64_t chunks = (p.frames + kChunkFrames - 1) / kChunkFrames;
  SpectrumPass out;
  out.flux.assign((size_t)p.frames, 0.0f);
  std::vector<double> part_hz((size_t)chunks, 0.0), part_mag((size_t)chunks, 0.0);
  parallel_for(chunks, 1, [&](int64_t c_lo, int64_t c_hi) {
    std::vector<double> buf((size_t)p.n_fft);
    std::vector<fft::cd> spec((size_t)bins);
    std::vector<float> prev((size_t)bins), cur((size_t)bins);
    for (int64_t c = c_lo; c < c_hi; ++c) {
      const int64_t t0 = c * kChunkFrames, t1 = std::min(p.frames, t0 + kChunkFrames);
      for (int64_t t = std::max<int64_t>(0, t0 - 1); t < t1; ++t) {
        const int64_t start = t * p.hop - p.n_fft / 2;
        for (int64_t k = 0; k < p.n_fft; ++k) {
          const int64_t i = start + k;
          buf[(size_t)k] = (i >= 0 && i < n) ? window[(size_t)k] * (double)x[(size_t)i] : 0.0;
        }
        rfft.forward(buf.data(), spec.data());
        double flux = 0;
        for (int64_t b = 0; b < bins; ++b) {
          const double mag = std::abs(spec[(size_t)b]);
          cur[(size_t)b] = (float)std::log1p(o.log_gain * mag);
          if (t >= t0) {
            if (t > 0) flux += std::max(0.0f, cur[(size_t)b] - prev[(size_t)b]);
            part_hz[(size_t)c] += mag * (double)b * rate / (double)p.n_fft;
            part_mag[(size_t)c] += mag;
          }
        }
        if (t >= t0) out.flux[(size_t)t] = (float)(flux / (double)bins);
        std::swap(prev, cur);
      }
    }
  });
  for (int64_t c = 0; c < chunks; ++c) {
    out.weighted_hz += part_hz[(size_t)c];
    out.magnitude += part_mag[(size_t)c];
  }
  return out;
}

double centroid_of(const SpectrumPass& s) {
  return s.magnitude > 0 ? s.weighted_hz / s.magnitude : 0.0;
}

std::string lower(std::string s) {
  for (char& ch : s) ch = (char)std::tolower((unsigned char)ch);
  return s;
}

}  // namespace

OnsetEnvelope onset_strength(const std::vector<float>& samples, int rate,
                             const TempoOptions& options) {
  SYN_CHECK(!samples.empty(), "onset_strength: the signal is empty");
  StftPlan p = plan_for((int64_t)samples.size(), rate, options);
  return {spectrum_pass(samples, rate, options, p).flux, p.frame_rate};
}

TempoEstimate tempo_from_envelope(const OnsetEnvelope& env, const TempoOptions& o) {
  SYN_CHECK(env.frame_rate > 0, "tempo: the envelope's frame rate must be positive, got ",
            env.frame_rate);
  SYN_CHECK(o.min_bpm > 0 && o.min_bpm < o.max_bpm, "tempo: need 0 < min_bpm < max_bpm, got ",
            o.min_bpm, " and ", o.max_bpm);
  const double fps = env.frame_rate;
  const int64_t T = (int64_t)env.strength.size();
  // Lags searched, with one neighbour each side for the parabola.
  const int64_t lag_lo = std::max<int64_t>(1, (int64_t)std::floor(60.0 * fps / o.max_bpm));
  const int64_t lag_hi = (int64_t)std::ceil(60.0 * fps / o.min_bpm);
  const int64_t need = 2 * (lag_hi + 1) + 1;
  SYN_CHECK(T >= need, "tempo: the clip is too short: ", T, " envelope frames (", T / fps,
            " s) but ", need, " (", need / fps, " s) are needed to see two beats at ", o.min_bpm,
            " BPM");

  // Step 4a: Gaussian smoothing (truncated at 3 sigma, renormalised at the ends).
  std::vector<double> sm((size_t)T, 0.0);
  const double sigma = o.smooth_seconds * fps;
  if (sigma > 0) {
    const int64_t radius = (int64_t)std::ceil(3 * sigma);
    std::vector<double> kernel((size_t)(2 * radius + 1));
    for (int64_t j = -radius; j <= radius; ++j)
      kernel[(size_t)(j + radius)] = std::exp(-0.5 * (double)(j * j) / (sigma * sigma));
    for (int64_t t = 0; t < T; ++t) {
      double s = 0, w = 0;
      for (int64_t j = std::max(-radius, -t); j <= radius && t + j < T; ++j) {
        s += kernel[(size_t)(j + radius)] * env.strength[(size_t)(t + j)];
        w += kernel[(size_t)(j + radius)];
      }
      sm[(size_t)t] = s / w;
    }
  } else {
    for (int64_t t = 0; t < T; ++t) sm[(size_t)t] = env.strength[(size_t)t];
  }
  // Step 4b: subtract the centred moving average (clipped at the ends).
  const int64_t half = std::max<int64_t>(1, std::llround(o.detrend_seconds * fps / 2));
  std::vector<double> prefix((size_t)T + 1, 0.0);
  for (int64_t t = 0; t < T; ++t) prefix[(size_t)t + 1] = prefix[(size_t)t] + sm[(size_t)t];
  std::vector<double> e((size_t)T);
  for (int64_t t = 0; t < T; ++t) {
    const int64_t a = std::max<int64_t>(0, t - half), b = std::min(T, t + half + 1);
    e[(size_t)t] = sm[(size_t)t] - (prefix[(size_t)b] - prefix[(size_t)a]) / (double)(b - a);
  }

  // Step 5: normalised, unbiased autocorrelation.
  double r0 = 0;
  for (double v : e) r0 += v * v;
  r0 /= (double)T;
  TempoEstimate est;
  if (!(r0 > 1e-12)) return est;  // no onsets: the prior's centre, confidence 0
  auto rho = [&](int64_t l) {
    double s = 0;
    for (int64_t t = 0; t + l < T; ++t) s += e[(size_t)t] * e[(size_t)(t + l)];
    return s / (double)(T - l) / r0;
  };
  // Step 6: the prior-weighted peak over the lags whose tempo lies in [min_bpm, max_bpm].
  auto prior = [&](double bpm) {
    const double z = std::log2(bpm / o.prior_bpm) / o.prior_octaves;
    return std::exp(-0.5 * z * z);
  };
  int64_t best = -1;
  double best_score = -1e300;
  std::vector<double> r((size_t)lag_hi + 2, 0.0);
  for (int64_t l = std::max<int64_t>(1, lag_lo - 1); l <= lag_hi + 1; ++l) r[(size_t)l] = rho(l);
  for (int64_t l = lag_lo; l <= lag_hi; ++l) {
    const double bpm = 60.0 * fps / (double)l;
    if (bpm < o.min_bpm - 1e-9 || bpm > o.max_bpm + 1e-9) continue;
    const double score = r[(size_t)l] * prior(bpm);
    if (score > best_score) {
      best_score = score;
      best = l;
    }
  }
  SYN_CHECK(best > 0, "tempo: no lag lies in ", o.min_bpm, "..", o.max_bpm, " BPM at ", fps,
            " frames per second");
  // Step 6b: the octave check — a pulse at half the lag that is nearly as regular wins.
  for (;;) {
    int64_t half_best = -1;
    for (int64_t l = (best + 1) / 2 - 1; l <= best / 2 + 1; ++l) {
      if (l < lag_lo || l >= best || 60.0 * fps / (double)l > o.max_bpm + 1e-9) continue;
      if (half_best < 0 || r[(size_t)l] > r[(size_t)half_best]) half_best = l;
    }
    if (half_best < 0 || r[(size_t)half_best] < o.octave_ratio * r[(size_t)best]) break;
    best = half_best;
  }
  // Step 7: the vertex of the parabola through (l−1, l, l+1), kept within half a frame.
  const double ym = r[(size_t)best - 1], y0 = r[(size_t)best], yp = r[(size_t)best + 1];
  const double denom = ym - 2 * y0 + yp;
  double shift = denom < 0 ? 0.5 * (ym - yp) / denom : 0.0;
  shift = std::clamp(shift, -0.5, 0.5);
  const double lag = (double)best + shift;
  est.bpm = std::clamp(60.0 * fps / lag, o.min_bpm, o.max_bpm);
  est.confidence = y0 - 0.25 * (ym - yp) * shift;  // the parabola's value at its vertex
  est.confidence = std::clamp(est.confidence, -1.0, 1.0);
  return est;
}

TempoEstimate estimate_tempo(const std::vector<float>& samples, int rate,
                             const TempoOptions& options) {
  return tempo_from_envelope(onset_strength(samples, rate, options), options);
}

double rms_db(const std::vector<float>& samples) {
  SYN_CHECK(!samples.empty(), "rms_db: the signal is empty");
  double s = 0;
  for (float v : samples) s += (double)v * (double)v;
  const double ms = s / (double)samples.size();
  SYN_CHECK(std::isfinite(ms), "rms_db: the signal holds non-finite samples");
  return ms > 0 ? std::max(kSilenceDb, 10.0 * std::log10(ms)) : kSilenceDb;
}

double spectral_centroid_hz(const std::vector<float>& samples, int rate,
                            const TempoOptions& options) {
  SYN_CHECK(!samples.empty(), "spectral_centroid_hz: the signal is empty");
  StftPlan p = plan_for((int64_t)samples.size(), rate, options);
  return centroid_of(spectrum_pass(samples, rate, options, p));
}

// ---- mood from tags ----

const std::vector<MoodWeight>& mood_weights() {
  // {spellings (MTT raw, MSD as musicnn spells it lower-cased, refined names)}, arousal, valence.
  // Arousal: how energetic (tempo, loudness, distortion, dance) versus still (calm, ambient,
  // soft). Valence: how bright/positive (happy, party, pop) versus dark/negative (sad, eerie,
  // metal's aggression). Instrument tags carry small weights only where they lean one way
  // (piano, strings and classical are usually calm; drums and beats are usually energetic).
  // clang-format off
  static const std::vector<MoodWeight> table = {
      // tempo and loudness (MTT)
      {{"fast"}, 1.0f, 0.2f},
      {{"slow"}, -1.0f, -0.2f},
      {{"loud"}, 0.9f, 0.0f},
      {{"quiet"}, -0.8f, 0.0f},
      {{"soft"}, -0.7f, 0.1f},
      {{"beat", "beats"}, 0.5f, 0.1f},
      {{"upbeat"}, 0.7f, 0.6f},
      {{"heavy"}, 0.7f, -0.3f},
      // moods
      {{"happy"}, 0.4f, 1.0f},
      {{"sad"}, -0.4f, -1.0f},
      {{"calm"}, -0.9f, 0.3f},
      {{"chill", "chillout", "mellow", "easy listening"}, -0.6f, 0.3f},
      {{"beautiful"}, -0.2f, 0.5f},
      {{"sexy"}, 0.2f, 0.4f},
      {{"catchy"}, 0.3f, 0.4f},
      {{"party"}, 0.8f, 0.6f},
      {{"dark"}, 0.0f, -0.7f},
      {{"eerie"}, -0.2f, -0.8f},
      {{"weird"}, 0.0f, -0.2f},
      {{"spacey", "airy"}, -0.5f, 0.1f},
      // genres
      {{"rock", "alternative rock", "classic rock", "indie rock", "progressive rock"}, 0.7f, 0.0f},
      {{"hard rock"}, 0.9f, -0.1f},
      {{"metal", "heavy metal"}, 1.0f, -0.4f},
      {{"punk"}, 0.9f, -0.1f},
      {{"techno"}, 0.8f, 0.1f},
      {{"electronic", "electronica", "electro"}, 0.4f, 0.1f},
      {{"dance"}, 0.8f, 0.5f},
      {{"house"}, 0.7f, 0.3f},
      {{"pop", "indie pop"}, 0.3f, 0.4f},
      {{"funk"}, 0.6f, 0.4f},
      {{"hip-hop", "hip hop"}, 0.5f, 0.0f},
      {{"soul", "rnb", "r&b"}, 0.0f, 0.2f},
      {{"blues"}, -0.2f, -0.3f},
      {{"jazz"}, 0.0f, 0.1f},
      {{"country", "folk"}, -0.1f, 0.2f},
      {{"ambient"}, -0.8f, 0.1f},
      {{"new age"}, -0.7f, 0.3f},
      {{"classical", "classic"}, -0.4f, 0.1f},
      {{"opera", "choir", "choral"}, -0.2f, 0.1f},
      // instruments that lean one way
      {{"piano"}, -0.3f, 0.0f},
      {{"strings", "violin", "cello", "string instruments"}, -0.3f, -0.1f},
      {{"harp", "flute"}, -0.4f, 0.2f},
      {{"acoustic", "acoustic guitar"}, -0.3f, 0.1f},
      {{"drums", "percussion"}, 0.4f, 0.0f},
  };
  // clang-format on
  return table;
}

MoodScores mood_from_tags(const std::vector<TaggerOutput>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i)
    SYN_CHECK(outputs[i].labels.size() == outputs[i].probabilities.size(),
              "mood_from_tags: tagger output ", i, " has ", outputs[i].labels.size(),
              " labels but ", outputs[i].probabilities.size(), " probabilities");
  MoodScores s;
  double num_a = 0, den_a = kMoodPrior, num_v = 0, den_v = kMoodPrior;
  for (const MoodWeight& w : mood_weights()) {
    MoodEvidence ev;
    bool found = false;
    for (const TaggerOutput& out : outputs)
      for (size_t j = 0; j < out.labels.size(); ++j) {
        const std::string l = lower(out.labels[j]);
        if (std::find(w.spellings.begin(), w.spellings.end(), l) == w.spellings.end()) continue;
        const float p = out.probabilities[j];
        SYN_CHECK(std::isfinite(p) && p >= 0 && p <= 1, "mood_from_tags: tag '", out.labels[j],
                  "' has probability ", p, " (expected 0..1)");
        if (!found || p > ev.probability) ev = {out.labels[j], p, w.arousal, w.valence};
        found = true;
      }
    if (!found || ev.probability <= 0) continue;
    num_a += w.arousal * ev.probability;
    den_a += std::fabs(w.arousal) * ev.probability;
    num_v += w.valence * ev.probability;
    den_v += std::fabs(w.valence) * ev.probability;
    s.evidence.push_back(ev);
  }
  s.arousal = num_a / den_a;
  s.valence = num_v / den_v;
  return s;
}

TaggerOutput profile_as_output(const std::vector<ProfileTag>& profile) {
  TaggerOutput out;
  for (const ProfileTag& t : profile) {
    out.labels.push_back(t.tag);
    out.probabilities.push_back(t.probability);
  }
  return out;
}

// ---- everything together ----

std::string MusicCharacter::summary() const {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "%.1f BPM (confidence %.2f), %.1f dBFS, centroid %.0f Hz, arousal %+.2f, "
                "valence %+.2f",
                tempo_bpm, tempo_confidence, loudness_db, brightness_hz, arousal, valence);
  return buf;
}

MusicCharacter measure_music_character(const std::vector<float>& samples, int rate,
                                       const std::vector<TaggerOutput>& tags,
                                       const TempoOptions& options) {
  SYN_CHECK(!samples.empty(), "music character: the signal is empty");
  MusicCharacter c;
  c.loudness_db = rms_db(samples);
  StftPlan p = plan_for((int64_t)samples.size(), rate, options);
  SpectrumPass pass = spectrum_pass(samples, rate, options, p);
  TempoEstimate t = tempo_from_envelope({pass.flux, p.frame_rate}, options);
  c.tempo_bpm = t.bpm;
  c.tempo_confidence = t.confidence;
  c.brightness_hz = centroid_of(pass);
  MoodScores m = mood_from_tags(tags);
  c.arousal = m.arousal;
  c.valence = m.valence;
  c.mood_evidence = std::move(m.evidence);
  return c;
}

}  // namespace syn
