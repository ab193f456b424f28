// test_music_character.cpp — apps/pipeline/music_character.h: tempo of synthetic click tracks made
// here (90 and 140 BPM within ±3 BPM as the brief asks, and a sweep of 60..180 BPM, at two sample
// rates, over a sustained chord and noise), the octave choice of the tempo prior, loudness and
// spectral centroid against closed-form values, the arousal/valence formula on hand-computed
// cases, and that every spelling in the mood table exists in some tagger vocabulary.
#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <set>

#include "apps/pipeline/music_character.h"
#include "data/tags/refined_tags.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "models/musicnn.h"
#include "tests/support/error_text.h"

using namespace syn;
using syn::test::contains;
using syn::test::error_of;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Clicks at t0 + k · 60 / bpm: 6 ms bursts of a 1.5 kHz tone (exponential decay, time constant
// 1.5 ms), amplitude `gain` (or `accent` × gain on every second click), plus `noise` white noise
// and a sustained A-minor chord of amplitude `chord` (no onsets: the tempo must ignore it).
std::vector<float> click_track(double bpm, double seconds, int rate, double noise = 0,
                               double chord = 0, double accent = 1, uint64_t seed = 1) {
  const int64_t n = (int64_t)(seconds * rate);
  std::vector<float> x((size_t)n, 0.0f);
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) {
    double t = (double)i / rate, v = 0;
    if (chord > 0)
      for (double f : {220.0, 261.63, 329.63}) v += chord / 3 * std::sin(2 * kPi * f * t);
    if (noise > 0) v += noise * (rng.uniform() * 2 - 1);
    x[(size_t)i] = (float)v;
  }
  const double t0 = 0.1, period = 60.0 / bpm;
  for (int k = 0; t0 + k * period < seconds; ++k) {
    const int64_t start = (int64_t)std::llround((t0 + k * period) * rate);
    const double g = 0.6 * (k % 2 == 0 ? accent : 1.0);
    for (int64_t j = 0; j < (int64_t)(0.006 * rate) && start + j < n; ++j) {
      double t = (double)j / rate;
      x[(size_t)(start + j)] += (float)(g * std::exp(-t / 0.0015) * std::sin(2 * kPi * 1500 * t));
    }
  }
  return x;
}

std::vector<float> sine(double hz, double amplitude, double seconds, int rate) {
  std::vector<float> x((size_t)(seconds * rate));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (float)(amplitude * std::sin(2 * kPi * hz * (double)i / rate));
  return x;
}

std::string lower(std::string s) {
  for (char& c : s) c = (char)std::tolower((unsigned char)c);
  return s;
}

}  // namespace

TEST_CASE("tempo of click tracks at 90 and 140 BPM is within 3 BPM") {
  for (int rate : {22050, 44100}) {
    for (double bpm : {90.0, 140.0}) {
      TempoEstimate e = estimate_tempo(click_track(bpm, 12, rate), rate);
      INFO(rate, " Hz, ", bpm, " BPM: estimated ", e.bpm, " (confidence ", e.confidence, ")");
      CHECK(std::fabs(e.bpm - bpm) <= 3.0);
      CHECK(std::fabs(e.bpm - bpm) <= 1.0);  // what it actually achieves on clean clicks
      CHECK(e.confidence > 0.5);
    }
  }
}

TEST_CASE("tempo over 60..180 BPM, over a sustained chord and noise") {
  double worst = 0;
  for (double bpm = 61; bpm <= 179; bpm += 9.5) {
    auto x = click_track(bpm, 10, 16000, /*noise=*/0.05, /*chord=*/0.3, 1, (uint64_t)bpm);
    TempoEstimate e = estimate_tempo(x, 16000);
    INFO(bpm, " BPM: estimated ", e.bpm);
    CHECK(std::fabs(e.bpm - bpm) <= 3.0);
    worst = std::max(worst, std::fabs(e.bpm - bpm));
  }
  MESSAGE("worst tempo error over the sweep (noise + chord, 16 kHz): ", worst, " BPM");
}

TEST_CASE("octaves: the prior and the octave check pick the felt beat") {
  // Accented downbeats (every second click 1.5x louder) make the half tempo a strong candidate.
  TempoEstimate e = estimate_tempo(click_track(140, 12, 22050, 0, 0, 1.5), 22050);
  INFO("140 accented: estimated ", e.bpm);
  CHECK(std::fabs(e.bpm - 140) <= 3.0);
  // Above 170 BPM the prior alone prefers the half tempo; the octave check restores it.
  TempoOptions no_check;
  no_check.octave_ratio = 2.0;
  TempoEstimate fast = estimate_tempo(click_track(176, 12, 22050), 22050);
  TempoEstimate halved = estimate_tempo(click_track(176, 12, 22050), 22050, no_check);
  INFO("176: ", fast.bpm, " with the octave check, ", halved.bpm, " without");
  CHECK(std::fabs(fast.bpm - 176) <= 3.0);
  CHECK(std::fabs(halved.bpm - 88) <= 2.0);
  // A slow beat with quieter off-beat clicks (a noise floor at -40 dB, as any recording has)
  // stays slow; off-beats as loud as the beats make it a click track at twice the tempo.
  for (double offbeat : {0.0, 0.25, 0.5, 1.0}) {
    auto x = click_track(80, 12, 22050, /*noise=*/0.01);
    // The same clicks, half a period later; 12.5 s so that off[i + shift] stays inside it.
    auto off = click_track(80, 12 + 0.5, 22050);
    const int64_t shift = (int64_t)std::llround(0.375 * 22050);
    for (size_t i = 0; i < x.size(); ++i) x[i] += (float)offbeat * off[i + (size_t)shift];
    TempoEstimate slow = estimate_tempo(x, 22050);
    INFO("80 BPM, off-beats at ", offbeat, ": ", slow.bpm);
    CHECK(std::fabs(slow.bpm - (offbeat < 1 ? 80 : 160)) <= 2.0);
  }
}

TEST_CASE("tempo from an impulse-train envelope; silence gives the prior centre at confidence 0") {
  OnsetEnvelope env;
  env.frame_rate = 100;
  env.strength.assign(1500, 0.0f);
  const double period = 100 * 60.0 / 133.0;  // 133 BPM, 45.11 frames
  for (int k = 0; k * period < 1500; ++k) env.strength[(size_t)std::llround(k * period)] = 1.0f;
  TempoEstimate e = tempo_from_envelope(env);
  INFO("estimated ", e.bpm);
  CHECK(std::fabs(e.bpm - 133) <= 1.5);

  std::vector<float> silence(22050 * 5, 0.0f);
  TempoEstimate s = estimate_tempo(silence, 22050);
  CHECK(s.bpm == 120.0);
  CHECK(s.confidence == 0.0);
  // A steady tone has no onsets after its start either: low confidence.
  TempoEstimate tone = estimate_tempo(sine(440, 0.5, 6, 22050), 22050);
  CHECK(tone.confidence < 0.3);
}

TEST_CASE("loudness is the RMS level in dBFS") {
  CHECK(rms_db(sine(1000, 1.0, 1, 48000)) == doctest::Approx(-3.0103).epsilon(1e-4));
  CHECK(rms_db(sine(1000, 0.5, 1, 48000)) == doctest::Approx(-9.0309).epsilon(1e-4));
  CHECK(rms_db(std::vector<float>(100, 0.25f)) == doctest::Approx(-12.0412).epsilon(1e-4));
  CHECK(rms_db(std::vector<float>(100, 0.0f)) == -120.0);
  CHECK(rms_db(std::vector<float>(100, 1e-9f)) == -120.0);  // floored
}

TEST_CASE("brightness is the spectral centroid in Hz") {
  CHECK(spectral_centroid_hz(sine(1000, 0.5, 2, 22050), 22050) ==
        doctest::Approx(1000).epsilon(0.02));
  CHECK(spectral_centroid_hz(sine(3000, 0.1, 2, 44100), 44100) ==
        doctest::Approx(3000).epsilon(0.02));
  // Two equal tones: the magnitude-weighted mean of their frequencies.
  auto a = sine(500, 0.3, 2, 22050), b = sine(2500, 0.3, 2, 22050);
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  CHECK(spectral_centroid_hz(a, 22050) == doctest::Approx(1500).epsilon(0.03));
  // White noise: flat spectrum, centroid at a quarter of the rate.
  Rng rng(3);
  std::vector<float> noise(22050 * 2);
  for (float& v : noise) v = rng.uniform() - 0.5f;
  CHECK(spectral_centroid_hz(noise, 22050) == doctest::Approx(22050 / 4.0).epsilon(0.05));
  CHECK(spectral_centroid_hz(std::vector<float>(22050, 0.0f), 22050) == 0.0);
}

TEST_CASE("arousal and valence follow the documented formula") {
  // MSD spells moods in its own case; matching is case-insensitive.
  TaggerOutput msd{{"Sad", "rock", "happy"}, {0.8f, 0.6f, 0.0f}};
  TaggerOutput mtt{{"fast", "rock", "guitar"}, {0.5f, 0.3f, 0.9f}};
  MoodScores s = mood_from_tags({mtt, msd});
  // fast (1.0, 0.2) p .5; rock (0.7, 0) p max(.3, .6) = .6; sad (-0.4, -1.0) p .8; happy p 0.
  const double a = (1.0 * 0.5 + 0.7 * 0.6 - 0.4 * 0.8) / (0.5 + 0.7 * 0.6 + 0.4 * 0.8 + 0.2);
  const double v = (0.2 * 0.5 - 1.0 * 0.8) / (0.2 * 0.5 + 1.0 * 0.8 + 0.2);
  CHECK(s.arousal == doctest::Approx(a).epsilon(1e-5));
  CHECK(s.valence == doctest::Approx(v).epsilon(1e-5));
  REQUIRE(s.evidence.size() == 3);  // fast, sad, rock (table order); guitar has no weights
  CHECK(s.evidence[0].label == "fast");
  CHECK(s.evidence[1].label == "Sad");
  CHECK(s.evidence[2].label == "rock");
  CHECK(s.evidence[2].probability == doctest::Approx(0.6f));  // the MSD side's larger value

  MoodScores none = mood_from_tags({});
  CHECK(none.arousal == 0.0);
  CHECK(none.valence == 0.0);
  // Happy dance music against sad, calm music, as real musicnn outputs would put it.
  MoodScores up = mood_from_tags({{{"dance", "fast", "happy", "beat"}, {0.7f, 0.5f, 0.4f, 0.6f}}});
  MoodScores down = mood_from_tags({{{"sad", "calm", "slow", "piano"}, {0.5f, 0.6f, 0.7f, 0.8f}}});
  CHECK(up.arousal > 0.5);
  CHECK(up.valence > 0.3);
  CHECK(down.arousal < -0.5);
  CHECK(down.valence < -0.1);
  // The refined profile works the same way.
  std::vector<ProfileTag> profile = {{"calm", "tempo/loudness", 0.9f, "mtt:calm"}};
  CHECK(mood_from_tags({profile_as_output(profile)}).arousal == doctest::Approx(-0.81 / 1.01));

  CHECK(contains(error_of([] { mood_from_tags({{{"a", "b"}, {0.1f}}}); }), "2 labels but 1"));
  CHECK(contains(error_of([] { mood_from_tags({{{"sad"}, {1.5f}}}); }), "'sad'"));
}

TEST_CASE("every mood table spelling is a label of some tagger vocabulary") {
  std::set<std::string> known;
  for (auto d : {models::MusicnnDataset::MTT, models::MusicnnDataset::MSD})
    for (const auto& l : models::musicnn_labels(d)) known.insert(lower(l));
  for (const auto& t : mtt::refined_vocabulary()) known.insert(t.name);
  for (const auto& t : msd_profile_table()) known.insert(t.name);
  std::set<std::string> seen;
  for (const MoodWeight& w : mood_weights()) {
    CHECK(std::fabs(w.arousal) <= 1.0f);
    CHECK(std::fabs(w.valence) <= 1.0f);
    for (const auto& s : w.spellings) {
      INFO("spelling '", s, "'");
      CHECK(known.count(s) == 1);
      CHECK(seen.insert(s).second);  // each spelling in one entry only
    }
  }
  // The brief's words all carry weights.
  for (const char* word : {"happy", "sad", "calm", "fast", "slow", "loud", "soft", "rock", "metal",
                           "ambient", "piano", "dance"})
    CHECK_MESSAGE(seen.count(word) == 1, word);
}

TEST_CASE("measure_music_character combines the measurements") {
  auto x = click_track(100, 8, 22050, 0.02, 0.2);
  MusicCharacter c = measure_music_character(x, 22050, {{{"happy"}, {0.9f}}});
  CHECK(std::fabs(c.tempo_bpm - 100) <= 3.0);
  CHECK(c.loudness_db == doctest::Approx(rms_db(x)));
  CHECK(c.brightness_hz == doctest::Approx(spectral_centroid_hz(x, 22050)));
  CHECK(c.valence == doctest::Approx(0.9 / 1.1));
  CHECK(c.arousal == doctest::Approx(0.36 / (0.36 + 0.2)));
  REQUIRE(c.mood_evidence.size() == 1);
  MESSAGE(c.summary());
  CHECK(contains(c.summary(), "BPM"));

  CHECK(contains(error_of([] { estimate_tempo(std::vector<float>(22050, 0.1f), 22050); }),
                 "too short"));
  CHECK(contains(error_of([] { estimate_tempo(std::vector<float>(22050, 0.1f), 1000); }),
                 "sample rate 1000"));
  CHECK(contains(error_of([] { estimate_tempo({}, 22050); }), "empty"));
}
