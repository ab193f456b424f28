// test_not_music.cpp — the not-music detector (data/audio/not_music.h): silence, near-silence at
// -70 dBFS, white noise and a 440 Hz tone are flagged, each with its own kind; the bundled clip,
// synthetic music of every timbre and a mix are not. Through the tagger too: tags.json carries
// "input_warning" for a silent file and not for music.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "apps/pipeline/tagger.h"
#include "data/audio/audio_io.h"
#include "data/audio/audio_to_musicnn.h"
#include "data/audio/not_music.h"
#include "data/audio/synthetic_audio.h"
#include "engine/rng.h"

using namespace syn;
namespace fs = std::filesystem;

constexpr int kRate = 16000;

static std::vector<float> tone(double hz, double amplitude, double seconds) {
  std::vector<float> x((size_t)(seconds * kRate));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (float)(amplitude * std::sin(2 * M_PI * hz * (double)i / kRate));
  return x;
}

static std::vector<float> white_noise(double rms, double seconds, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x((size_t)(seconds * kRate));
  // Uniform in [-a, a] has RMS a / sqrt(3).
  const float a = (float)(rms * std::sqrt(3.0));
  for (float& v : x) v = rng.uniform(-a, a);
  return x;
}

static std::vector<float> music_mix(double seconds, uint64_t seed) {
  Rng rng(seed);
  const int64_t n = (int64_t)(seconds * kRate);
  std::vector<float> mix((size_t)n, 0.0f);
  for (int t : {0, 3, 4}) {  // flute, guitar, drums
    std::vector<float> x = synthesize_clip(t, n, kRate, rng);
    for (int64_t i = 0; i < n; ++i) mix[(size_t)i] += x[(size_t)i] / 3.0f;
  }
  return mix;
}

TEST_CASE("silence, near-silence, white noise and a pure tone are not music") {
  const AudioCheck zero = check_not_music(std::vector<float>(10 * kRate, 0.0f), kRate);
  CHECK_FALSE(zero.music);
  CHECK(zero.kind == "silence");
  CHECK(zero.warning.find("silent") != std::string::npos);

  // One 16-bit step of dither: still digital silence.
  std::vector<float> dither = white_noise(0.5 / 32768.0, 10, 1);
  CHECK(check_not_music(dither, kRate).kind == "silence");

  // Music at -70 dBFS RMS: inaudible at normal volume.
  std::vector<float> quiet = music_mix(10, 2);
  double sq = 0;
  for (float v : quiet) sq += (double)v * v;
  const double gain = std::pow(10.0, -70.0 / 20.0) / std::sqrt(sq / (double)quiet.size());
  for (float& v : quiet) v = (float)(v * gain);
  const AudioCheck near = check_not_music(quiet, kRate);
  CHECK(near.kind == "near-silence");
  CHECK(near.rms_dbfs == doctest::Approx(-70.0).epsilon(0.01));

  const AudioCheck noise = check_not_music(white_noise(0.2, 10, 3), kRate);
  CHECK(noise.kind == "noise");
  CHECK(noise.flatness > 0.5);

  const AudioCheck a440 = check_not_music(tone(440.0, 0.5, 10), kRate);
  CHECK(a440.kind == "tone");
  CHECK(a440.tone_hz == doctest::Approx(440.0).epsilon(0.02));
  CHECK(a440.warning.find("440") != std::string::npos);
}

TEST_CASE("synthetic music of every timbre, a mix and the bundled clip are music") {
  for (int t = 0; t < kNumSyntheticTimbres; ++t) {
    Rng rng(10 + (uint64_t)t);
    const AudioCheck c = check_not_music(synthesize_clip(t, 20 * kRate, kRate, rng), kRate);
    CAPTURE(synthetic_timbre_name(t));
    CAPTURE(c.warning);
    CHECK(c.music);
  }
  CHECK(check_not_music(music_mix(20, 4), kRate).music);
  const std::string clip =
      std::string(SYN_SOURCE_DIR) + "/data/clips/asc_time_to_strike_60-90s.ogg";
  const DecodedAudio a = decode_audio(clip);
  const AudioCheck c = check_not_music(resample_librosa07(a.samples, a.sample_rate, kRate), kRate);
  CAPTURE(c.warning);
  CHECK(c.music);
  CHECK(c.kind.empty());
  CHECK(c.warning.empty());
}

TEST_CASE("the detector gives the same verdict whatever the block sizes") {
  const std::vector<float> x = tone(440.0, 0.5, 5);
  NotMusicDetector d(kRate);
  for (size_t i = 0; i < x.size(); i += 777)
    d.push(x.data() + i, (int64_t)std::min<size_t>(777, x.size() - i));
  const AudioCheck streamed = d.finish(), whole = check_not_music(x, kRate);
  CHECK(streamed.kind == whole.kind);
  CHECK(streamed.spectral_frames == whole.spectral_frames);
  CHECK(streamed.flatness == doctest::Approx(whole.flatness));
  CHECK(streamed.tone_share == doctest::Approx(whole.tone_share));
}

TEST_CASE("the musicnn tagger warns about a silent file in its result and JSON, not about music") {
  const fs::path silent = fs::temp_directory_path() / "syn_not_music_silent.wav";
  const fs::path music = fs::temp_directory_path() / "syn_not_music_music.wav";
  write_wav(silent.string(), std::vector<float>(4 * 22050, 0.0f), 22050);
  {
    Rng rng(5);
    write_wav(music.string(), synthesize_clip(3, 4 * 22050, 22050, rng), 22050);
  }
  auto tagger = app::make_musicnn_tagger("musicnn-mtt", Device::CPU, "");
  const app::TagResult s = tagger->tag(silent.string());
  CHECK(s.input_check.kind == "silence");
  CHECK(app::tag_result_json(s, nullptr).find("\"input_warning\"") != std::string::npos);
  const app::TagResult m = tagger->tag(music.string());
  CHECK(m.input_check.music);
  CHECK(app::tag_result_json(m, nullptr).find("input_warning") == std::string::npos);
  fs::remove(silent);
  fs::remove(music);
}
