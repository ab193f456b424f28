// test_audio_folder.cpp — the audio folder dataset on a tree of files written here: the scan
// (nesting, extensions, order), the preprocess cache (contents, short/corrupt clips skipped and
// counted, reuse, invalidation, stale-file removal) and the mmap reader's random crops.
#include <doctest/doctest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "data/audio/audio_io.h"
#include "data/audio/resample.h"
#include "data/datasets/audio_folder.h"
#include "engine/check.h"
#include "engine/rng.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

struct ScratchDir {
  fs::path path;
  ScratchDir()
      : path(fs::temp_directory_path() / ("syn_test_audio_folder_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

fs::path scratch() {
  static ScratchDir dir;
  return dir.path;
}

void write_audio(const fs::path& path, int format, int rate, int channels, int64_t frames,
                 double freq) {
  fs::create_directories(path.parent_path());
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  REQUIRE_MESSAGE(f != nullptr, "cannot write ", path.string(), ": ", sf_strerror(nullptr));
  // A tone plus seeded noise: not periodic, so every crop position is distinguishable.
  Rng rng((uint64_t)freq);
  std::vector<float> buf((size_t)(frames * channels));
  for (int64_t i = 0; i < frames; ++i) {
    float v = (float)(0.4 * std::sin(2 * kPi * freq * (double)i / rate)) + rng.uniform(-0.1f, 0.1f);
    for (int c = 0; c < channels; ++c) buf[(size_t)(i * channels + c)] = v;
  }
  REQUIRE(sf_writef_float(f, buf.data(), frames) == frames);
  sf_close(f);
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

size_t count_clip_files(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".f32";
  return n;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The tree used by most cases: three good clips of ~3 s in nested folders, a 1 s clip (too
// short for 59,049 samples at 22,050 Hz), a text file renamed .mp3, and non-audio files.
fs::path make_tree(const std::string& name) {
  fs::path root = scratch() / name;
  fs::remove_all(root);
  write_audio(root / "a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 3 * 44100, 440);
  write_audio(root / "sub" / "b.FLAC", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 1, 3 * 48000,
              1000);
  write_audio(root / "sub" / "deeper" / "c.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 2,
              3 * 44100, 660);
  write_audio(root / "sub" / "short.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 1, 22050, 440);
  write_text(root / "sub" / "corrupt.mp3", std::string(4000, 'z'));
  write_text(root / "notes.txt", "not audio");
  write_text(root / "cover.jpg", "\xff\xd8\xff\xe0 not really a jpeg");
  write_text(root / "sub" / "deeper" / "README", "nothing");
  fs::create_directories(root / "folder.wav");  // a directory with an audio extension
  return root;
}

AudioCacheOptions quiet() {
  AudioCacheOptions o;
  o.verbose = false;
  o.threads = 2;
  return o;
}

}  // namespace

TEST_CASE("audio extensions are matched case-insensitively") {
  for (const char* p : {"x.wav", "a/b.WAV", "c.Flac", "d.ogg", "e.OPUS", "f.mp3", "g.Mp3"})
    CHECK(is_audio_path(p));
  for (const char* p : {"x.txt", "wav", "a.wav.bak", "b.mp4", "c.m4a", "README", "dir/"})
    CHECK_FALSE(is_audio_path(p));
}

TEST_CASE("scan: recursive, audio files only, sorted relative paths") {
  fs::path root = make_tree("scan");
  std::vector<std::string> files = scan_audio_folder(root.string());
  std::vector<std::string> expected = {"a.wav", "sub/b.FLAC", "sub/corrupt.mp3", "sub/deeper/c.ogg",
                                       "sub/short.wav"};
  CHECK(files == expected);
  CHECK(scan_audio_folder(root.string()) == files);  // deterministic
  CHECK_THROWS_AS(scan_audio_folder((root / "nope").string()), Error);
  CHECK_THROWS_AS(scan_audio_folder((root / "a.wav").string()), Error);
}

TEST_CASE("preprocess: decodes, resamples, caches; short and corrupt clips skipped and counted") {
  fs::path root = make_tree("pre"), cache = scratch() / "pre_cache";
  PreprocessSummary s = preprocess_audio_folder(root.string(), cache.string(), quiet());
  CHECK(s.scanned == 5);
  CHECK(s.cached == 3);
  CHECK(s.reused == 0);
  CHECK(s.skipped_short == 1);
  CHECK(s.skipped_bad == 1);
  REQUIRE(s.warnings.size() == 2);
  CHECK(contains(s.warnings[0], "sub/corrupt.mp3"));
  CHECK(contains(s.warnings[0], "not an audio file"));
  CHECK_FALSE(contains(s.warnings[0], "audio_io.cpp:"));  // no source location in warnings
  CHECK(contains(s.warnings[1], "sub/short.wav"));
  CHECK(contains(s.warnings[1], "too short"));
  CHECK(s.to_string() == "scanned 5, cached 3 (0 reused), skipped 1 too short, 1 bad");
  CHECK(fs::exists(cache / "index.tsv"));
  CHECK(count_clip_files(cache) == 3);
  for (const auto& e : fs::directory_iterator(cache))
    CHECK_FALSE(contains(e.path().filename().string(), ".tmp."));

  AudioFolderCache c(cache.string(), kClmrSampleRate);
  REQUIRE(c.size() == 3);
  CHECK(c.sample_rate() == 22050);
  CHECK(c.path(0) == "a.wav");
  CHECK(c.path(1) == "sub/b.FLAC");
  CHECK(c.path(2) == "sub/deeper/c.ogg");
  CHECK(c.num_samples(0) == resampled_length(3 * 44100, 44100, 22050));
  CHECK(c.num_samples(1) == resampled_length(3 * 48000, 48000, 22050));
  CHECK(c.num_samples(2) == resampled_length(3 * 44100, 44100, 22050));
  // The cached samples are exactly load_audio's output.
  for (int64_t i = 0; i < c.size(); ++i) {
    std::vector<float> ref = load_audio((root / c.path(i)).string(), 22050);
    std::span<const float> got = c.clip(i);
    REQUIRE(got.size() == ref.size());
    CHECK(std::equal(got.begin(), got.end(), ref.begin()));
  }
  CHECK_THROWS_AS(c.clip(3), Error);
  CHECK_THROWS_AS(AudioFolderCache(cache.string(), 16000), Error);
}

TEST_CASE("preprocess: a re-run reuses up-to-date clips; changes and deletions are picked up") {
  fs::path root = make_tree("rerun"), cache = scratch() / "rerun_cache";
  preprocess_audio_folder(root.string(), cache.string(), quiet());
  std::map<fs::path, fs::file_time_type> times;
  for (const auto& e : fs::directory_iterator(cache))
    if (e.path().extension() == ".f32") times[e.path()] = fs::last_write_time(e.path());
  REQUIRE(times.size() == 3);

  PreprocessSummary again = preprocess_audio_folder(root.string(), cache.string(), quiet());
  CHECK(again.scanned == 5);
  CHECK(again.cached == 3);
  CHECK(again.reused == 3);
  CHECK(again.skipped_short == 1);  // skipped files are examined again (and warned about again)
  CHECK(again.skipped_bad == 1);
  for (const auto& [p, t] : times) CHECK(fs::last_write_time(p) == t);  // not rewritten

  // Replace b.FLAC with a longer clip, delete c.ogg: one decode, one reuse, one stale file.
  write_audio(root / "sub" / "b.FLAC", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 1, 4 * 16000, 500);
  fs::remove(root / "sub" / "deeper" / "c.ogg");
  PreprocessSummary third = preprocess_audio_folder(root.string(), cache.string(), quiet());
  CHECK(third.scanned == 4);
  CHECK(third.cached == 2);
  CHECK(third.reused == 1);
  CHECK(count_clip_files(cache) == 2);
  AudioFolderCache c(cache.string());
  REQUIRE(c.size() == 2);
  CHECK(c.path(1) == "sub/b.FLAC");
  CHECK(c.num_samples(1) == resampled_length(4 * 16000, 16000, 22050));

  // A different sample rate invalidates every entry.
  AudioCacheOptions o = quiet();
  o.sample_rate = 16000;
  o.min_samples = 16000;
  PreprocessSummary other = preprocess_audio_folder(root.string(), cache.string(), o);
  CHECK(other.cached == 3);  // the 1 s clip is long enough at this minimum
  CHECK(other.reused == 0);
  CHECK(AudioFolderCache(cache.string()).sample_rate() == 16000);
}

TEST_CASE("preprocess: a damaged cache entry is rebuilt, and the reader rejects it before that") {
  fs::path root = make_tree("damage"), cache = scratch() / "damage_cache";
  preprocess_audio_folder(root.string(), cache.string(), quiet());
  fs::path victim;
  for (const auto& e : fs::directory_iterator(cache))
    if (e.path().extension() == ".f32") victim = e.path();
  REQUIRE(!victim.empty());
  fs::resize_file(victim, fs::file_size(victim) - 100);
  std::string msg;
  try {
    AudioFolderCache c(cache.string());
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK(contains(msg, victim.filename().string()));
  CHECK(contains(msg, "re-run the preprocess"));
  PreprocessSummary s = preprocess_audio_folder(root.string(), cache.string(), quiet());
  CHECK(s.reused == 2);
  CHECK(s.cached == 3);
  CHECK_NOTHROW(AudioFolderCache(cache.string()));
  CHECK_THROWS_AS(AudioFolderCache((scratch() / "no_such_cache").string()), Error);
}

TEST_CASE("preprocess: a file name the index cannot store is skipped as bad") {
  fs::path root = scratch() / "names", cache = scratch() / "names_cache";
  write_audio(root / "ok.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 1, 60000, 300);
  write_audio(root / "tab\tname.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 1, 60000, 300);
  PreprocessSummary s = preprocess_audio_folder(root.string(), cache.string(), quiet());
  CHECK(s.scanned == 2);
  CHECK(s.cached == 1);
  CHECK(s.skipped_bad == 1);
  REQUIRE(s.warnings.size() == 1);
  CHECK(contains(s.warnings[0], "tab or newline"));
  AudioFolderCache c(cache.string());
  REQUIRE(c.size() == 1);
  CHECK(c.num_samples(0) == 60000);  // same rate: no resampling
}

TEST_CASE("random crops: exact length, a contiguous slice, uniform start, seeded") {
  fs::path root = make_tree("crop"), cache = scratch() / "crop_cache";
  preprocess_audio_folder(root.string(), cache.string(), quiet());
  AudioFolderCache c(cache.string());
  const int64_t len = kClmrInputSamples;
  for (int64_t i = 0; i < c.size(); ++i) {
    std::span<const float> clip = c.clip(i);
    int64_t n = (int64_t)clip.size(), max_start = n - len;
    REQUIRE(max_start > 0);
    Rng rng(7 + i);
    int64_t lo = n, hi = -1;
    for (int k = 0; k < 200; ++k) {
      std::vector<float> crop = c.random_crop(i, len, rng);
      REQUIRE(crop.size() == (size_t)len);
      // Locate the crop: the offset whose slice matches exactly (the clips hold noise, so it is
      // unique).
      int64_t start = -1;
      for (int64_t s = 0; s <= max_start && start < 0; ++s)
        if (std::equal(crop.begin(), crop.begin() + 64, clip.begin() + s) &&
            std::equal(crop.begin(), crop.end(), clip.begin() + s))
          start = s;
      REQUIRE(start >= 0);
      lo = std::min(lo, start);
      hi = std::max(hi, start);
    }
    // 200 uniform draws over [0, max_start]: the extremes land within 5% of the ends with
    // probability 1 - 2 * 0.95^200 > 0.9999.
    CHECK(lo < max_start / 20);
    CHECK(hi > max_start - max_start / 20);
  }
  Rng r1(42), r2(42);
  CHECK(c.random_crop(1, 1000, r1) == c.random_crop(1, 1000, r2));
  Rng r3(1);
  std::vector<float> whole = c.random_crop(0, c.num_samples(0), r3);
  CHECK(std::equal(whole.begin(), whole.end(), c.clip(0).begin()));
  CHECK_THROWS_AS(c.random_crop(0, c.num_samples(0) + 1, r3), Error);
  CHECK_THROWS_AS(c.random_crop(0, 0, r3), Error);

  Rng rb(5);
  Tensor batch = c.random_crop_batch({0, 2, 2, 1}, len, rb);
  CHECK(batch.shape() == Shape{4, 1, len});
  std::vector<float> v = batch.to_vector();
  Rng rc(5);
  c.random_crop(0, len, rc);  // the batch draws its crops in order from the same Rng
  std::vector<float> second = c.random_crop(2, len, rc);
  CHECK(std::equal(second.begin(), second.end(), v.begin() + len));
}
