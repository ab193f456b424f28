// synthetic_audio.cpp — see synthetic_audio.h.
#include "data/audio/synthetic_audio.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn {

namespace {
constexpr double kTwoPi = 6.283185307179586;

// Harmonic tone: sum over k of amp(k) sin(2 pi k f t), for k f below Nyquist.
void add_harmonic_note(std::vector<float>& out, int64_t start, int64_t len, double f0, int sr,
                       int harmonic_step, double gain, double vibrato) {
  int max_k = (int)std::floor(0.45 * sr / f0);
  for (int64_t i = 0; i < len && start + i < (int64_t)out.size(); ++i) {
    double t = (double)i / sr;
    double attack = std::min(1.0, t / 0.01),
           release = std::min(1.0, (double)(len - i) / (0.01 * sr));
    double phase = kTwoPi * f0 * t + vibrato * std::sin(kTwoPi * 5.0 * t);
    double v = 0;
    for (int k = 1; k <= max_k; k += harmonic_step) v += std::sin(k * phase) / k;
    out[(size_t)(start + i)] += (float)(gain * attack * release * v);
  }
}

void add_plucked_note(std::vector<float>& out, int64_t start, int64_t len, double f0, int sr,
                      double gain, Rng& rng) {
  int period = std::max(2, (int)std::lround(sr / f0));
  std::vector<double> line((size_t)period);
  for (double& x : line) x = rng.uniform(-1.0f, 1.0f);
  for (int64_t i = 0; i < len && start + i < (int64_t)out.size(); ++i) {
    size_t j = (size_t)(i % period), next = (size_t)((i + 1) % period);
    double y = line[j];
    line[j] = 0.996 * 0.5 * (line[j] + line[next]);
    out[(size_t)(start + i)] += (float)(gain * y);
  }
}

void add_drum_hit(std::vector<float>& out, int64_t start, int sr, double gain, Rng& rng) {
  int64_t len = sr / 5;
  double decay = rng.uniform(20.0f, 40.0f), body = rng.uniform(60.0f, 120.0f);
  for (int64_t i = 0; i < len && start + i < (int64_t)out.size(); ++i) {
    double t = (double)i / sr, env = std::exp(-decay * t);
    double v = 0.7 * rng.uniform(-1.0f, 1.0f) + 0.6 * std::sin(kTwoPi * body * t);
    out[(size_t)(start + i)] += (float)(gain * env * v);
  }
}
}  // namespace

const char* synthetic_timbre_name(int timbre) {
  static const char* names[kNumSyntheticTimbres] = {"flute", "clarinet", "brass", "guitar",
                                                    "drums"};
  SYN_CHECK(timbre >= 0 && timbre < kNumSyntheticTimbres, "unknown synthetic timbre ", timbre);
  return names[timbre];
}

std::vector<float> synthesize_clip(int timbre, int64_t samples, int sr, Rng& rng) {
  synthetic_timbre_name(timbre);  // validates
  std::vector<float> out((size_t)samples, 0.0f);
  double note_seconds = rng.uniform(0.15f, 0.4f);
  int64_t note_len = std::max<int64_t>(1, (int64_t)(note_seconds * sr));
  double gain = rng.uniform(0.3f, 0.6f);
  for (int64_t start = 0; start < samples; start += note_len) {
    double f0 = 110.0 * std::pow(2.0, rng.uniform(0.0f, 36.0f) / 12.0);  // A2 .. A5
    switch (timbre) {
      case 0:
        add_harmonic_note(out, start, note_len, f0, sr, 1000000, gain, 0.02);
        break;
      case 1:
        add_harmonic_note(out, start, note_len, f0, sr, 2, gain * 0.7, 0.0);
        break;
      case 2:
        add_harmonic_note(out, start, note_len, f0, sr, 1, gain * 0.5, 0.0);
        break;
      case 3:
        add_plucked_note(out, start, note_len, f0, sr, gain, rng);
        break;
      default:
        add_drum_hit(out, start, sr, gain, rng);
        break;
    }
  }
  float peak = 1e-6f;
  for (float v : out) peak = std::max(peak, std::fabs(v));
  float scale = 0.5f / peak;
  for (float& v : out) v *= scale;
  return out;
}

SyntheticCorpus make_synthetic_corpus(int clips_per_timbre, int64_t samples, int sample_rate,
                                      uint64_t seed) {
  SyntheticCorpus c;
  Rng rng(seed);
  for (int i = 0; i < clips_per_timbre * kNumSyntheticTimbres; ++i) {
    int timbre = i % kNumSyntheticTimbres;
    c.clips.push_back(synthesize_clip(timbre, samples, sample_rate, rng));
    c.labels.push_back(timbre);
  }
  return c;
}

void write_wav(const std::string& path, const std::vector<float>& samples, int sample_rate) {
  io::AtomicOutputFile out(path, "WAV output");  // removes the temporary on any error
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(out.temporary().c_str(), SFM_WRITE, &info);
  SYN_CHECK(f != nullptr, "cannot write WAV '", path, "': ", sf_strerror(nullptr));
  sf_count_t n = sf_writef_float(f, samples.data(), (sf_count_t)samples.size());
  sf_close(f);
  SYN_CHECK(n == (sf_count_t)samples.size(), "writing WAV '", path, "' failed after ", n, " of ",
            samples.size(), " samples");
  out.commit();
}

}  // namespace syn
