// test_audio_io.cpp — decoding files written here with libsndfile (wav, flac, ogg/vorbis, opus,
// mp3, float wav), the channel downmix, the sample-rate limits, load_audio's resampling, and
// every bad-input case: each must throw syn::Error naming the file and the problem.
#include <doctest/doctest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "data/audio/audio_io.h"
#include "data/audio/resample.h"
#include "engine/check.h"
#include "tests/support/error_text.h"

using namespace syn;
using syn::test::contains;
using syn::test::error_of;
namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

// A per-process scratch directory, removed at exit.
struct ScratchDir {
  fs::path path;
  ScratchDir()
      : path(fs::temp_directory_path() / ("syn_test_audio_io_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

fs::path test_dir() {
  static ScratchDir dir;
  return dir.path;
}

// Writes `frames` frames of `channels` interleaved channels; value(frame, channel).
std::string write_audio(const std::string& name, int format, int rate, int channels, int64_t frames,
                        const std::function<double(int64_t, int)>& value) {
  std::string path = (test_dir() / name).string();
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  REQUIRE_MESSAGE(f != nullptr, "cannot write ", path, ": ", sf_strerror(nullptr));
  std::vector<float> buf((size_t)(frames * channels));
  for (int64_t i = 0; i < frames; ++i)
    for (int c = 0; c < channels; ++c) buf[(size_t)(i * channels + c)] = (float)value(i, c);
  REQUIRE(sf_writef_float(f, buf.data(), frames) == frames);
  sf_close(f);
  return path;
}

std::string write_bytes(const std::string& name, const std::string& bytes) {
  std::string path = (test_dir() / name).string();
  std::ofstream(path, std::ios::binary).write(bytes.data(), (std::streamsize)bytes.size());
  return path;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A copy of `path` cut to `fraction` of its bytes.
std::string truncated_copy(const std::string& path, const std::string& name, double fraction) {
  std::string bytes = read_all(path);
  return write_bytes(name, bytes.substr(0, (size_t)(bytes.size() * fraction)));
}

// The message of the syn::Error thrown by f ("" if none).
double sine(double freq, int rate, int64_t i, double amp) {
  return amp * std::sin(2 * kPi * freq * (double)i / rate);
}

// Relative RMS error of a decoded lossy tone against the exact one, over the middle half.
double lossy_error(const std::vector<float>& y, double freq, int rate, double amp) {
  double e = 0, r = 0;
  for (size_t i = y.size() / 4; i < y.size() * 3 / 4; ++i) {
    double ref = sine(freq, rate, (int64_t)i, amp);
    e += (y[i] - ref) * (y[i] - ref);
    r += ref * ref;
  }
  return std::sqrt(e / r);
}

}  // namespace

TEST_CASE("16-bit stereo wav at 44.1 kHz: rate, channels, frames and downmix = channel mean") {
  std::string p = write_audio(
      "stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 44100, [](int64_t i, int c) {
        return c == 0 ? sine(440, 44100, i, 0.5) : sine(1000, 44100, i, 0.25);
      });
  DecodedAudio a = decode_audio(p);
  CHECK(a.sample_rate == 44100);
  CHECK(a.channels == 2);
  CHECK(a.frames == 44100);
  REQUIRE(a.samples.size() == 44100);
  double worst = 0;
  for (int64_t i = 0; i < a.frames; ++i) {
    double mean = 0.5 * (sine(440, 44100, i, 0.5) + sine(1000, 44100, i, 0.25));
    worst = std::max(worst, std::fabs(a.samples[(size_t)i] - mean));
  }
  CHECK(worst < 1.0 / 32768);  // 16-bit quantisation: half a step per channel
}

TEST_CASE("24-bit mono flac at 48 kHz decodes to the written sine") {
  std::string p = write_audio("mono48k.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 48000, 1, 48000,
                              [](int64_t i, int) { return sine(1000, 48000, i, 0.8); });
  DecodedAudio a = decode_audio(p);
  CHECK(a.sample_rate == 48000);
  CHECK(a.channels == 1);
  REQUIRE(a.frames == 48000);
  double worst = 0;
  for (int64_t i = 0; i < a.frames; ++i)
    worst = std::max(worst, std::fabs(a.samples[(size_t)i] - sine(1000, 48000, i, 0.8)));
  CHECK(worst < 2.0 / 8388608);  // 24-bit quantisation
}

TEST_CASE("six-channel float wav at 96 kHz: the downmix is the exact channel mean") {
  std::string p = write_audio(
      "six.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 96000, 6, 9600,
      [](int64_t i, int c) { return 0.1 * c - 0.2 + sine(300 * (c + 1), 96000, i, 0.05); });
  DecodedAudio a = decode_audio(p);
  CHECK(a.channels == 6);
  CHECK(a.sample_rate == 96000);
  REQUIRE(a.frames == 9600);
  for (int64_t i = 0; i < a.frames; i += 97) {
    float sum = 0;
    for (int c = 0; c < 6; ++c) sum += (float)(0.1 * c - 0.2 + sine(300 * (c + 1), 96000, i, 0.05));
    CHECK(a.samples[(size_t)i] == doctest::Approx(sum / 6).epsilon(1e-6));
  }
}

TEST_CASE("lossy codecs: ogg/vorbis, opus and mp3 decode to the tone with the written length") {
  // Lossy: the RMS error of a pure 1 kHz tone (both channels equal) relative to the tone is
  // ~0.8-0.9% for all three at libsndfile's default quality; the bound is 3%. The length must
  // be exact: libsndfile removes the encoders' priming delay and padding.
  struct Case {
    const char* name;
    int format;
    int rate;
    double tolerance;
  };
  for (Case c : {Case{"tone.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 0.03},
                 Case{"tone.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, 0.03},
                 Case{"tone.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100, 0.03}}) {
    CAPTURE(c.name);
    int64_t frames = c.rate;  // one second
    std::string p = write_audio(c.name, c.format, c.rate, 2, frames,
                                [&](int64_t i, int) { return sine(1000, c.rate, i, 0.5); });
    DecodedAudio a = decode_audio(p);
    CHECK(a.sample_rate == c.rate);
    CHECK(a.channels == 2);
    CHECK(a.frames == frames);
    CHECK(lossy_error(a.samples, 1000, c.rate, 0.5) < c.tolerance);
  }
}

TEST_CASE("sample rates: 8 kHz and 192 kHz accepted, outside that range rejected") {
  for (int rate : {8000, 192000}) {
    std::string p =
        write_audio("rate" + std::to_string(rate) + ".wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, rate,
                    1, rate / 10, [&](int64_t i, int) { return sine(440, rate, i, 0.5); });
    CHECK(decode_audio(p).sample_rate == rate);
  }
  for (int rate : {4000, 7999, 192001, 384000}) {
    std::string name = "bad_rate" + std::to_string(rate) + ".wav";
    std::string p = write_audio(name, SF_FORMAT_WAV | SF_FORMAT_PCM_16, rate, 1, 1000,
                                [&](int64_t i, int) { return sine(440, rate, i, 0.5); });
    std::string msg = error_of([&] { decode_audio(p); });
    CHECK(contains(msg, name));
    CHECK(contains(msg, "unsupported sample rate"));
  }
}

TEST_CASE("load_audio resamples to the target rate and enforces a minimum length") {
  std::string p = write_audio("load48k.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 48000, 1, 96000,
                              [](int64_t i, int) { return sine(1000, 48000, i, 0.5); });
  std::vector<float> y = load_audio(p, 22050);
  REQUIRE(y.size() == (size_t)resampled_length(96000, 48000, 22050));
  CHECK(y.size() == 44100);
  double worst = 0;
  for (size_t i = 1000; i + 1000 < y.size(); ++i)
    worst = std::max(worst, std::fabs(y[i] - sine(1000, 22050, (int64_t)i, 0.5)));
  CHECK(worst < 1e-4);
  CHECK(load_audio(p, 22050, 44100).size() == 44100);  // exactly the minimum is enough
  std::string msg = error_of([&] { load_audio(p, 22050, 59049); });
  CHECK(contains(msg, "load48k.flac"));
  CHECK(contains(msg, "too short"));
  CHECK(contains(msg, "59049"));
  CHECK(contains(error_of([&] { load_audio(p, 1000); }), "unsupported target rate"));
}

TEST_CASE("bad input: every case throws an Error naming the file and the problem") {
  std::string wav = write_audio("good.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 44100,
                                [](int64_t i, int) { return sine(440, 44100, i, 0.5); });
  std::string flac =
      write_audio("good.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 2, 44100,
                  [](int64_t i, int c) { return sine(440 + 300 * c, 44100, i, 0.5); });
  std::string ogg =
      write_audio("good.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 1, 88200,
                  [](int64_t i, int) { return sine(440, 44100, i, 0.5) * std::sin(i * 1e-3); });
  std::string opus =
      write_audio("good.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, 1, 96000,
                  [](int64_t i, int) { return sine(440, 48000, i, 0.5) * std::sin(i * 1e-3); });
  std::string mp3 =
      write_audio("good.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100, 1, 88200,
                  [](int64_t i, int) { return sine(440, 44100, i, 0.5) * std::sin(i * 1e-3); });
  // The intact files decode (so the failures below are caused by the damage).
  for (const std::string& p : {wav, flac, ogg, opus, mp3}) CHECK_NOTHROW(decode_audio(p));

  struct Case {
    std::string path, name, problem;
  };
  std::vector<Case> cases = {
      {(test_dir() / "missing.wav").string(), "missing.wav", "not found"},
      {write_bytes("empty.wav", ""), "empty.wav", "empty"},
      {write_bytes("text.wav", "this is a text file, not a RIFF/WAVE header\n"), "text.wav",
       "not an audio file"},
      {write_bytes("text.mp3", std::string(3000, 'x')), "text.mp3", "not an audio file"},
      {truncated_copy(wav, "cut.wav", 0.6), "cut.wav", "truncated"},
      {truncated_copy(wav, "cut_header.wav", 0.0005), "cut_header.wav", "truncated"},
      {truncated_copy(flac, "cut.flac", 0.6), "cut.flac", "truncated"},
      {truncated_copy(ogg, "cut.ogg", 0.6), "cut.ogg", "truncated"},
      {truncated_copy(ogg, "cut_late.ogg", 0.97), "cut_late.ogg", "truncated"},
      {truncated_copy(opus, "cut.opus", 0.6), "cut.opus", "truncated"},
      {truncated_copy(mp3, "cut.mp3", 0.6), "cut.mp3", "truncated"},
      {write_audio("zero.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 0,
                   [](int64_t, int) { return 0.0; }),
       "zero.wav", "zero audio frames"},
      {write_audio("nan.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 1, 1000,
                   [](int64_t i, int) {
                     return i == 500 ? std::numeric_limits<double>::quiet_NaN() : 0.1;
                   }),
       "nan.wav", "non-finite"},
      {test_dir().string(), test_dir().filename().string(), "not a regular file"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::string msg = error_of([&] { decode_audio(c.path); });
    CAPTURE(msg);
    CHECK(contains(msg, c.name));
    CHECK(contains(msg, c.problem));
    // load_audio reports the same problem.
    CHECK(contains(error_of([&] { load_audio(c.path, 22050); }), c.problem));
  }
}
