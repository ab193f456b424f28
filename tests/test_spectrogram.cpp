// test_spectrogram.cpp — musicnn's front end against librosa/resampy fixtures
// (tests/reference/gen_spectrogram.py): Hann window, STFT power (musicnn's geometry, a
// Bluestein size, uncentred frames), mel filterbanks (Slaney and HTK), float16 rounding
// (exhaustively), the full log-mel, patch cutting (musicnn's extractor rules), the librosa 0.7 /
// resampy 0.2 resampler and how far the project's own resampler is from it, file loading and
// its errors, and (when ../shared is present) musicnn's reference clip.
//
// Tolerances, and why:
//   window, filterbanks   float32 values computed by the same float64 formulas: exact or 1 ulp.
//   STFT power            our float64 FFT vs pocketfft's, both rounded to complex64: equal to
//                         ~1e-6 relative; bins far below the frame's peak carry the FFT's
//                         absolute error (~1e-16 of the peak amplitude), hence an absolute term.
//   mel energies          float64 accumulation vs librosa's float32 GEMM: 1e-5 relative.
//   float16 ties          musicnn rounds each mel energy to float16. Where librosa's float32
//                         value and ours straddle a float16 rounding boundary, the rounded values
//                         differ by exactly one float16 ulp; this is allowed for at most 0.5% of
//                         the elements (measured: 1 in 6,048), everything else must be bit-equal
//                         before the log and within 2 float32 ulps after it (glibc's log10f vs
//                         the fixture's numpy 2 SIMD log10).
#include <doctest/doctest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "data/audio/audio_to_musicnn.h"
#include "data/audio/resample.h"
#include "data/audio/spectrogram.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "tests/support/fixtures.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

std::vector<float> vec(const Tensor& t) { return t.to_vector(); }

// Distance in float16 ulps between two values that are both float16 (same sign or zero).
int64_t half_ulps(float a, float b) {
  return std::llabs((int64_t)float_to_half(a) - (int64_t)float_to_half(b));
}

// Distance in float32 ulps (finite, non-negative values).
int64_t float_ulps(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  return std::llabs((int64_t)ia - (int64_t)ib);
}

std::string scratch_dir() {
  static const fs::path dir = [] {
    fs::path p = fs::temp_directory_path() / ("syn_test_spectrogram_" + std::to_string(getpid()));
    fs::create_directories(p);
    return p;
  }();
  return dir.string();
}

struct ScratchCleanup {
  // Makes scratch_dir()'s static first, so that it is destroyed after this destructor runs.
  ScratchCleanup() { scratch_dir(); }
  ~ScratchCleanup() {
    std::error_code ec;
    fs::remove_all(scratch_dir(), ec);
  }
} scratch_cleanup;

std::string write_wav(const std::string& name, int rate, int channels,
                      const std::vector<float>& interleaved) {
  std::string path = scratch_dir() + "/" + name;
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  REQUIRE_MESSAGE(f != nullptr, "cannot write ", path);
  const sf_count_t frames = (sf_count_t)(interleaved.size() / (size_t)channels);
  REQUIRE(sf_writef_float(f, interleaved.data(), frames) == frames);
  sf_close(f);
  return path;
}

std::vector<float> test_tone(int64_t n, int rate, double seed_phase) {
  std::vector<float> x((size_t)n);
  for (int64_t i = 0; i < n; ++i) {
    double t = (double)i / rate;
    x[(size_t)i] = (float)(0.3 * std::sin(2 * M_PI * 440 * t + seed_phase) +
                           0.2 * std::sin(2 * M_PI * 3000 * t * (1 + 0.1 * t)) +
                           0.1 * std::sin(2 * M_PI * 70 * t));
  }
  return x;
}

}  // namespace

TEST_CASE("periodic Hann window equals scipy's get_window('hann', 512, fftbins=True)") {
  auto fx = test::load_fixture("spectrogram_stft");
  std::vector<double> w = hann_window(512);
  std::vector<float> wf(w.begin(), w.end());
  test::check_close(Tensor::from_vector(wf, {512}), test::fixture_tensor(fx, "window"),
                    "hann window", 0.0f, 0.0f);
  CHECK(w[0] == 0.0);
  CHECK(w[256] == 1.0);
  CHECK_THROWS_AS(hann_window(0), Error);
}

TEST_CASE("STFT power matches librosa (n_fft 512, hop 256, centred, reflect)") {
  auto fx = test::load_fixture("spectrogram_stft");
  Tensor x = test::fixture_tensor(fx, "x");
  Tensor ref = test::fixture_tensor(fx, "power");
  Tensor p = stft_power(x.data(), x.numel());
  REQUIRE(p.shape() == ref.shape());  // [63, 257]: 1 + 16000 / 256 frames
  CHECK(p.size(0) == 63);
  const std::vector<float> a = vec(p), e = vec(ref);
  float peak = 0.0f;
  for (float v : e) peak = std::max(peak, v);
  size_t equal = 0;
  for (size_t i = 0; i < a.size(); ++i) equal += a[i] == e[i];
  // Bins far below their frame's peak carry the FFTs' absolute errors, so only about two
  // thirds round to the very same float32 (measured: 10,727 of 16,191).
  MESSAGE("STFT power: ", equal, " of ", a.size(), " bins bit-equal to librosa");
  CHECK(equal > a.size() / 2);
  test::check_close(p, ref, "stft power", 2e-6f, 1e-12f * peak);
}

TEST_CASE("STFT power: non-power-of-two n_fft (Bluestein) and uncentred frames") {
  auto fx = test::load_fixture("spectrogram_stft");
  auto fv = test::load_fixture("spectrogram_stft_variants");
  Tensor x = test::fixture_tensor(fx, "x");
  const int64_t n = test::fixture_int(fv, "samples");
  struct Case {
    const char* key;
    StftConfig cfg;
  };
  for (Case c : {Case{"power_n400_h160", {400, 160, true, StftPad::Reflect}},
                 Case{"power_n512_h256_nocenter", {512, 256, false, StftPad::Reflect}}}) {
    CAPTURE(c.key);
    Tensor ref = test::fixture_tensor(fv, c.key);
    Tensor p = stft_power(x.data(), n, c.cfg);
    REQUIRE(p.shape() == ref.shape());
    float peak = 0.0f;
    for (float v : vec(ref)) peak = std::max(peak, v);
    test::check_close(p, ref, c.key, 2e-6f, 1e-12f * peak);
  }
}

TEST_CASE("STFT framing: counts, zero padding, reflection of short signals, errors") {
  StftConfig c;
  CHECK(stft_frame_count(16000, c) == 63);
  CHECK(stft_frame_count(1, c) == 1);
  CHECK(stft_frame_count(465984, c) == 1821);  // musicnn's reference clip
  StftConfig nc{512, 256, false, StftPad::Reflect};
  CHECK(stft_frame_count(512, nc) == 1);
  CHECK(stft_frame_count(767, nc) == 1);
  CHECK(stft_frame_count(768, nc) == 2);
  CHECK_THROWS_WITH_AS(stft_frame_count(511, nc), doctest::Contains("shorter than one frame"),
                       Error);
  CHECK_THROWS_AS(stft_frame_count(0, c), Error);
  CHECK_THROWS_AS(stft_frame_count(100, StftConfig{512, 0, true, StftPad::Reflect}), Error);

  // A constant signal: reflection keeps it constant, so every frame's spectrum is the window's
  // DC gain sum(w)^2 = 256^2 at bin 0; zero padding lowers the first frame's DC to
  // (w[256] + … + w[511])^2 = 128.5^2 (the other half of the window sees zeros).
  std::vector<float> ones(2048, 1.0f);
  std::vector<float> pr = vec(stft_power(ones.data(), 2048));
  CHECK(pr[0] == doctest::Approx(65536.0).epsilon(1e-6));
  StftConfig zc{512, 256, true, StftPad::Zeros};
  std::vector<float> pz = vec(stft_power(ones.data(), 2048, zc));
  CHECK(pz[0] == doctest::Approx(128.5 * 128.5).epsilon(1e-6));
  CHECK(pz[257 * 4] == doctest::Approx(65536.0).epsilon(1e-6));  // an interior frame

  // A signal shorter than the pad reflects repeatedly (numpy's rule), still finite and defined.
  std::vector<float> tiny = {0.5f, -0.25f, 1.0f};
  Tensor pt = stft_power(tiny.data(), 3);
  CHECK(pt.size(0) == 1);
  for (float v : vec(pt)) CHECK(std::isfinite(v));
}

TEST_CASE("mel filterbanks match librosa.filters.mel (Slaney and HTK)") {
  auto fx = test::load_fixture("spectrogram_mel");
  const MelFilterbank& fb = musicnn_filterbank();
  CHECK(fb.n_mels == 96);
  CHECK(fb.n_bins == 257);
  test::check_close(fb.tensor(), test::fixture_tensor(fx, "mel_basis"), "musicnn mel basis", 1e-6f,
                    0.0f);
  // Band ranges cover exactly the nonzero weights.
  for (int64_t m = 0; m < fb.n_mels; ++m) {
    CAPTURE(m);
    CHECK(fb.lo[(size_t)m] < fb.hi[(size_t)m]);
    for (int64_t k = 0; k < fb.n_bins; ++k) {
      bool inside = k >= fb.lo[(size_t)m] && k < fb.hi[(size_t)m];
      if (!inside) CHECK(fb.weights[(size_t)(m * fb.n_bins + k)] == 0.0f);
    }
  }
  MelConfig htk;
  htk.sample_rate = (double)test::fixture_int(fx, "htk_sample_rate");
  htk.n_fft = test::fixture_int(fx, "htk_n_fft");
  htk.n_mels = test::fixture_int(fx, "htk_n_mels");
  htk.fmin = test::fixture_float(fx, "htk_fmin");
  htk.fmax = test::fixture_float(fx, "htk_fmax");
  htk.htk = true;
  htk.slaney_norm = false;
  test::check_close(mel_filterbank(htk).tensor(), test::fixture_tensor(fx, "mel_basis_htk"),
                    "htk mel basis", 1e-6f, 0.0f);
  MelConfig bad;
  bad.fmin = 9000;  // above sr/2
  CHECK_THROWS_WITH_AS(mel_filterbank(bad), doctest::Contains("fmin < fmax"), Error);
}

TEST_CASE("float16 rounding: every half round-trips, midpoints go to even, overflow, subnormals") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00) continue;  // inf / NaN
    float v = half_to_float((uint16_t)h);
    REQUIRE(round_to_float16(v) == v);
    // The midpoint to the next half up (same sign) rounds to whichever has an even mantissa.
    if ((h & 0x7FFF) < 0x7BFF) {
      float next = half_to_float((uint16_t)(h + 1));
      float mid = (float)(0.5 * ((double)v + (double)next));  // exact in float
      float expect = (h & 1) ? next : v;
      REQUIRE(round_to_float16(mid) == expect);
      REQUIRE(round_to_float16(std::nextafter(mid, next)) == next);
      REQUIRE(round_to_float16(std::nextafter(mid, v)) == v);
    }
  }
  CHECK(round_to_float16(65504.0f) == 65504.0f);
  CHECK(round_to_float16(65519.99f) == 65504.0f);
  CHECK(std::isinf(round_to_float16(65520.0f)));
  CHECK(round_to_float16(std::ldexp(1.0f, -25)) == 0.0f);                   // tie → even (0)
  CHECK(round_to_float16(std::ldexp(1.5f, -25)) == std::ldexp(1.0f, -24));  // smallest subnormal
  // musicnn's compression on known values: log10(10000·0 + 1) = 0, log10(10000·0.5 + 1).
  CHECK(musicnn_compress(0.0f) == 0.0f);
  CHECK(musicnn_compress(0.5f) == std::log10(5001.0f));
  CHECK(musicnn_compress(0.1f) == std::log10(10000.0f * round_to_float16(0.1f) + 1.0f));
  CHECK(round_to_float16(0.1f) == 0.0999755859375f);
}

TEST_CASE(
    "float16 cast of librosa's mel energies equals numpy's; the log is within 2 float32 ulps") {
  auto fx = test::load_fixture("spectrogram_musicnn");
  const std::vector<float> mel = vec(test::fixture_tensor(fx, "mel"));
  const std::vector<float> f16 = vec(test::fixture_tensor(fx, "mel_f16"));
  const std::vector<float> logm = vec(test::fixture_tensor(fx, "log_mel"));
  size_t bad_round = 0, max_log_ulps = 0;
  for (size_t i = 0; i < mel.size(); ++i) {
    bad_round += round_to_float16(mel[i]) != f16[i];
    max_log_ulps =
        std::max<size_t>(max_log_ulps, (size_t)float_ulps(musicnn_compress(mel[i]), logm[i]));
  }
  CHECK(bad_round == 0);  // our round-to-nearest-even is numpy's astype(float16)
  // glibc's log10f vs numpy 2's own SIMD float32 log10 (numpy 1.x, which musicnn ran, called
  // libm's log10f like we do).
  CHECK(max_log_ulps <= 2);
  MESSAGE("log10: max ", max_log_ulps, " float32 ulp(s) from numpy");
}

TEST_CASE("musicnn log-mel matches librosa + float16 + log10(10000x+1)") {
  auto fs16 = test::load_fixture("spectrogram_stft");
  auto fx = test::load_fixture("spectrogram_musicnn");
  Tensor x = test::fixture_tensor(fs16, "x");
  Tensor ref_mel = test::fixture_tensor(fx, "mel");
  const std::vector<float> ref_f16 = vec(test::fixture_tensor(fx, "mel_f16"));
  const std::vector<float> ref_log = vec(test::fixture_tensor(fx, "log_mel"));

  // Mel energies before the float16 cast.
  Tensor mel = mel_spectrogram(stft_power(x.data(), x.numel()), musicnn_filterbank());
  REQUIRE(mel.shape() == ref_mel.shape());
  float peak = 0.0f;
  for (float v : vec(ref_mel)) peak = std::max(peak, v);
  test::check_close(mel, ref_mel, "mel energies", 1e-5f, 1e-12f * peak);

  Tensor lm = musicnn_log_mel(x.data(), x.numel());
  REQUIRE(lm.shape() == Shape{63, 96});
  const std::vector<float> ours_mel = vec(mel), ours_log = vec(lm);
  size_t flips = 0, bad = 0;
  for (size_t i = 0; i < ours_log.size(); ++i) {
    const float h = round_to_float16(ours_mel[i]);
    const int64_t dh = half_ulps(h, ref_f16[i]);
    if (dh == 0) {
      bad += float_ulps(ours_log[i], ref_log[i]) > 2;
    } else {
      ++flips;
      bad += dh > 1;
      // One float16 ulp of the energy moves the log by at most log10(1 + 2^-10) (+ rounding).
      bad += std::fabs(ours_log[i] - ref_log[i]) > 4.3e-4f + 1e-6f;
    }
    // The pipeline's own log-mel is the composition of the tested steps.
    bad += ours_log[i] != musicnn_compress(ours_mel[i]);
  }
  MESSAGE("musicnn log-mel: ", flips, " of ", ours_log.size(),
          " elements round to the neighbouring float16 (ties within float32 noise)");
  CHECK(bad == 0);
  CHECK(flips * 200 <= ours_log.size());
  // The Tensor entry point gives the same values.
  CHECK(vec(musicnn_log_mel(x)) == ours_log);
  CHECK_THROWS_WITH_AS(musicnn_log_mel(Tensor::zeros({2, 100})), doctest::Contains("1-D audio"),
                       Error);
  std::vector<float> nan_audio(1000, 0.0f);
  nan_audio[123] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(musicnn_log_mel(nan_audio.data(), 1000), doctest::Contains("sample 123"),
                       Error);
}

TEST_CASE("musicnn patches follow extractor.py: 187 frames, no overlap, last partial dropped") {
  CHECK(musicnn_time_to_frames(3.0) == 186);
  CHECK(musicnn_time_to_frames(1.0) == 61);
  CHECK(musicnn_time_to_frames(0.01) == -1);  // floor((160 − 256) / 256)
  MusicnnPatching p = musicnn_patching();
  CHECK(p.patch_frames == 187);
  CHECK(p.step == 187);
  MusicnnPatching q = musicnn_patching(3.0, 1.0);
  CHECK(q.patch_frames == 187);
  CHECK(q.step == 61);
  CHECK_THROWS_AS(musicnn_patching(3.0, 0.01), Error);  // step 0 or less: range() would fail
  CHECK(musicnn_patch_count(186, p) == 0);
  CHECK(musicnn_patch_count(187, p) == 1);
  CHECK(musicnn_patch_count(373, p) == 1);
  CHECK(musicnn_patch_count(374, p) == 2);
  CHECK(musicnn_patch_count(1821, p) == 9);  // the 29 s reference clip
  CHECK(musicnn_patch_count(1821, q) == 27);

  // Content: patch i, row r is log-mel row i·step + r.
  const int64_t frames = 500, mels = 96;
  std::vector<float> v((size_t)(frames * mels));
  for (size_t i = 0; i < v.size(); ++i) v[i] = (float)i;
  Tensor lm = Tensor::from_vector(v, {frames, mels});
  for (MusicnnPatching pp : {p, q}) {
    Tensor pt = musicnn_patches(lm, pp);
    const int64_t count = musicnn_patch_count(frames, pp);
    REQUIRE(pt.shape() == Shape{count, 187, mels});
    std::vector<float> o = vec(pt);
    bool ok = true;
    for (int64_t i = 0; i < count; ++i)
      for (int64_t r = 0; r < 187; ++r)
        for (int64_t m = 0; m < mels; ++m)
          ok &= o[(size_t)((i * 187 + r) * mels + m)] == (float)((i * pp.step + r) * mels + m);
    CHECK(ok);
  }
  CHECK_THROWS_WITH_AS(musicnn_patches(Tensor::zeros({186, 96})),
                       doctest::Contains("fewer than one patch"), Error);
  CHECK_THROWS_AS(musicnn_patches(Tensor::zeros({400})), Error);
}

TEST_CASE("resample_librosa07 reproduces resampy 0.2 kaiser_best + librosa's fix_length") {
  auto fx = test::load_fixture("resample_resampy");
  for (auto [rate, xk, yk] :
       {std::tuple{22050, "x22050", "y22050_16000"}, std::tuple{44100, "x44100", "y44100_16000"}}) {
    CAPTURE(rate);
    std::vector<float> x = vec(test::fixture_tensor(fx, xk));
    std::vector<float> ref = vec(test::fixture_tensor(fx, yk));
    std::vector<float> y = resample_librosa07(x, rate, 16000);
    REQUIRE(y.size() == ref.size());
    size_t equal = 0;
    double worst = 0.0;
    for (size_t i = 0; i < y.size(); ++i) {
      equal += y[i] == ref[i];
      worst = std::max(worst, std::fabs((double)y[i] - ref[i]));
    }
    MESSAGE(rate, " Hz: ", equal, " of ", y.size(), " samples bit-equal to resampy, max |diff| ",
            worst);
    // Same algorithm, same float32 rounding per tap; the filter table is recomputed here in
    // double (resampy loads it from a file), which can move a sum by a float32 ulp.
    CHECK(worst <= 1e-6);
    CHECK(equal >= y.size() * 9 / 10);
  }
  CHECK(resample_librosa07(std::vector<float>{1, 2, 3}, 16000, 16000) ==
        std::vector<float>{1, 2, 3});
  CHECK_THROWS_WITH_AS(resample_librosa07(std::vector<float>{1.0f}, 44100, 16000),
                       doctest::Contains("too few"), Error);
  // Lengths as numpy computes them: resampy floor(n·r), then librosa ceil(n·r) (zero padded).
  CHECK(resample_librosa07(std::vector<float>(22050, 0.1f), 22050, 16000).size() ==
        (size_t)std::ceil(22050.0 * (16000.0 / 22050.0)));
}

TEST_CASE(
    "the project's resampler against resampy kaiser_best (measured, see audio_to_musicnn.h)") {
  auto fx = test::load_fixture("resample_resampy");
  for (auto [rate, xk, yk] :
       {std::tuple{22050, "x22050", "y22050_16000"}, std::tuple{44100, "x44100", "y44100_16000"}}) {
    CAPTURE(rate);
    std::vector<float> x = vec(test::fixture_tensor(fx, xk));
    std::vector<float> ref = vec(test::fixture_tensor(fx, yk));
    std::vector<float> y = resample(x, rate, 16000);
    REQUIRE(y.size() == ref.size());
    double e2 = 0.0, r2 = 0.0;
    for (size_t i = 200; i + 200 < y.size(); ++i) {  // interior: edges differ by design
      e2 += ((double)y[i] - ref[i]) * ((double)y[i] - ref[i]);
      r2 += (double)ref[i] * ref[i];
    }
    const double db = 10 * std::log10(e2 / r2);
    MESSAGE(rate, " Hz -> 16 kHz: project resampler vs resampy kaiser_best: ", db,
            " dB (difference energy / signal energy)");
    // The test signal sweeps through the band where the two filters differ (7.2 - 8.3 kHz).
    CHECK(db < -35.0);
  }
}

TEST_CASE("musicnn input from a file: stereo 44.1 kHz WAV, errors name the file") {
  // 4 s stereo: channel mean → resampy-style 16 kHz → 63·… frames → one 187-frame patch.
  const int rate = 44100;
  const int64_t n = 4 * rate;
  std::vector<float> left = test_tone(n, rate, 0.0), right = test_tone(n, rate, 1.0);
  std::vector<float> inter((size_t)(2 * n));
  for (int64_t i = 0; i < n; ++i)
    inter[(size_t)(2 * i)] = left[(size_t)i], inter[(size_t)(2 * i + 1)] = right[(size_t)i];
  std::string path = write_wav("stereo44k.wav", rate, 2, inter);
  MusicnnInput in = musicnn_input_from_file(path);
  CHECK(in.source_rate == 44100);
  CHECK(in.channels == 2);
  CHECK(in.samples_16k == 64000);
  CHECK(in.log_mel.shape() == Shape{251, 96});
  CHECK(in.patches.shape() == Shape{1, 187, 96});
  // Same as the steps done by hand.
  std::vector<float> mono((size_t)n);
  for (int64_t i = 0; i < n; ++i) mono[(size_t)i] = (left[(size_t)i] + right[(size_t)i]) / 2.0f;
  std::vector<float> y = resample_librosa07(mono, rate, 16000);
  CHECK(vec(in.log_mel) == vec(musicnn_log_mel(y.data(), (int64_t)y.size())));
  // With overlap: 1 s steps of 61 frames → (251 − 187) / 61 + 1 = 2 patches.
  MusicnnInputOptions o;
  o.input_overlap = 1.0;
  CHECK(musicnn_input_from_file(path, o).patches.shape() == Shape{2, 187, 96});
  // The project's resampler is selectable and close (same shapes, log-mel within ~0.3).
  o = {};
  o.resampler = MusicnnResampler::Project;
  MusicnnInput alt = musicnn_input_from_file(path, o);
  REQUIRE(alt.log_mel.shape() == in.log_mel.shape());
  double mean_diff = 0.0;
  std::vector<float> a = vec(alt.log_mel), b = vec(in.log_mel);
  for (size_t i = 0; i < a.size(); ++i) mean_diff += std::fabs(a[i] - b[i]);
  mean_diff /= (double)a.size();
  MESSAGE("project vs librosa07 resampler on the log-mel: mean |diff| ", mean_diff);
  CHECK(mean_diff < 0.01);

  std::string shortp = write_wav("short.wav", 16000, 1, std::vector<float>(40000, 0.1f));
  CHECK_THROWS_WITH_AS(musicnn_input_from_file(shortp),
                       doctest::Contains("short.wav': too short: 40000 samples"), Error);
  CHECK_THROWS_WITH_AS(musicnn_input_from_file(scratch_dir() + "/missing.mp3"),
                       doctest::Contains("missing.mp3"), Error);
}

TEST_CASE("musicnn's reference clip: our decode + log-mel against librosa's (needs ../shared)") {
  const std::string clip =
      test::shared_dir() +
      "/fixtures/musicnn-reference/joram-moments_of_clarity-08-solipsism-59-88.mp3";
  if (!fs::exists(clip)) {
    MESSAGE("skipped: ", clip, " is not present");
    return;
  }
  auto fx = test::load_fixture("spectrogram_reference_clip");
  MusicnnInput in = musicnn_input_from_file(clip);
  CHECK(in.samples_16k == test::fixture_int(fx, "samples"));
  REQUIRE(in.log_mel.size(0) == test::fixture_int(fx, "frames"));
  CHECK(in.patches.shape() == Shape{9, 187, 96});
  // First 48 frames element-wise (float16 ties allowed as above), band means to 1e-4.
  std::vector<float> head = vec(test::fixture_tensor(fx, "log_mel_head"));
  std::vector<float> ours = vec(in.log_mel);
  size_t flips = 0, bad = 0;
  for (size_t i = 0; i < head.size(); ++i) {
    float d = std::fabs(ours[i] - head[i]);
    if (d > 2.5e-7f * std::fabs(head[i]) + 1e-7f) ++flips, bad += d > 4.3e-4f + 1e-6f;
  }
  CHECK(bad == 0);
  CHECK(flips * 200 <= head.size());
  std::vector<float> mean_ref = vec(test::fixture_tensor(fx, "log_mel_band_mean"));
  const int64_t frames = in.log_mel.size(0);
  double worst = 0.0;
  for (int64_t m = 0; m < 96; ++m) {
    double s = 0.0;
    for (int64_t t = 0; t < frames; ++t) s += ours[(size_t)(t * 96 + m)];
    worst = std::max(worst, std::fabs(s / frames - mean_ref[(size_t)m]));
  }
  MESSAGE("reference clip: ", flips, " float16 ties in the first 48 frames, band means within ",
          worst);
  CHECK(worst < 1e-4);
}
