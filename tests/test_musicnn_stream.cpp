// test_musicnn_stream.cpp — the streaming musicnn front end (data/audio/musicnn_stream.h) gives
// exactly what the whole-clip path gives: the resampler's outputs, the log-mel frames and the
// patches, bit for bit, whatever the block sizes; and AudioReader decodes what decode_audio does.
#include <doctest/doctest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "data/audio/audio_io.h"
#include "data/audio/audio_to_musicnn.h"
#include "data/audio/musicnn_stream.h"
#include "data/audio/spectrogram.h"
#include "data/audio/synthetic_audio.h"
#include "engine/rng.h"
#include "models/musicnn.h"

using namespace syn;
namespace fs = std::filesystem;

// A chirp with noise and a few level jumps: every band and edge case of the filters gets energy.
static std::vector<float> test_signal(int64_t n, int rate, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x((size_t)n);
  for (int64_t i = 0; i < n; ++i) {
    const double t = (double)i / rate;
    const double f = 100.0 + 3000.0 * std::fmod(t, 7.0);
    x[(size_t)i] = (float)(0.4 * std::sin(2 * M_PI * f * t) + 0.1 * (rng.uniform() - 0.5)) *
                   (i % 40000 < 20000 ? 1.0f : 0.3f);
  }
  return x;
}

static bool same_bits(const std::vector<float>& a, const float* b, size_t n) {
  return a.size() == n && std::memcmp(a.data(), b, n * sizeof(float)) == 0;
}

TEST_CASE("Librosa07Stream equals resample_librosa07 bit for bit, whatever the blocks") {
  for (int rate : {44100, 22050, 48000, 16000, 11025}) {
    const std::vector<float> x = test_signal(9 * rate + 123, rate, (uint64_t)rate);
    const std::vector<float> whole = resample_librosa07(x, rate, 16000);
    for (int64_t block : {7, 1000, 65536, 1 << 20}) {
      CAPTURE(rate);
      CAPTURE(block);
      Librosa07Stream s(rate, 16000);
      std::vector<float> out;
      for (int64_t i = 0; i < (int64_t)x.size(); i += block)
        s.push(x.data() + i, std::min<int64_t>(block, (int64_t)x.size() - i), out);
      s.finish(out);
      CHECK(same_bits(whole, out.data(), out.size()));
    }
  }
}

TEST_CASE("MusicnnLogMelStream equals musicnn_log_mel over the whole clip") {
  for (int64_t n : {int64_t(5000), int64_t(16000 * 8 + 1024), int64_t(16000 * 21 + 77)}) {
    const std::vector<float> x = test_signal(n, 16000, 7);
    const Tensor whole = musicnn_log_mel(x.data(), n);
    for (int64_t block : {333, 16000, 1 << 20}) {
      CAPTURE(n);
      CAPTURE(block);
      MusicnnLogMelStream s;
      std::vector<float> rows;
      for (int64_t i = 0; i < n; i += block) s.push(x.data() + i, std::min(block, n - i), rows);
      s.finish(rows);
      REQUIRE((int64_t)rows.size() == whole.numel());
      CHECK(same_bits(rows, whole.data(), rows.size()));
    }
  }
}

TEST_CASE("MusicnnFileStream gives musicnn_input_from_file's patches in pieces") {
  const fs::path wav = fs::temp_directory_path() / "syn_musicnn_stream_70s.wav";
  write_wav(wav.string(), test_signal(70 * 44100 + 5, 44100, 3), 44100);
  for (double overlap : {0.0, 1.0}) {
    MusicnnInputOptions opt;
    opt.input_overlap = overlap;
    const MusicnnInput whole = musicnn_input_from_file(wav.string(), opt);
    int64_t audio_seen = 0;
    MusicnnFileStream stream(wav.string(), opt, [&](const float*, int64_t n) { audio_seen += n; });
    std::vector<float> got;
    Tensor part;
    while (stream.next(3, part)) {
      CHECK(part.size(0) <= 3);
      std::vector<float> v = part.to_vector();
      got.insert(got.end(), v.begin(), v.end());
    }
    CAPTURE(overlap);
    CHECK(stream.patches_done() == whole.patches.size(0));
    CHECK(stream.samples_16k() == whole.samples_16k);
    CHECK(audio_seen == whole.samples_16k);
    CHECK(stream.source_rate() == 44100);
    CHECK(same_bits(got, whole.patches.data(), (size_t)whole.patches.numel()));
  }
  fs::remove(wav);
}

TEST_CASE("MusicnnFileStream: a clip shorter than one patch is an error naming the file") {
  const fs::path wav = fs::temp_directory_path() / "syn_musicnn_stream_short.wav";
  write_wav(wav.string(), test_signal(22050, 22050, 1), 22050);
  MusicnnFileStream stream(wav.string());
  Tensor part;
  CHECK_THROWS_WITH_AS(stream.next(4, part), doctest::Contains("too short"), std::exception);
  CHECK_THROWS_WITH_AS(MusicnnFileStream("/nonexistent.wav"), doctest::Contains("/nonexistent.wav"),
                       std::exception);
  fs::remove(wav);
}

TEST_CASE("MusicnnFileStream: a decoder error in a later block reaches next(), naming the file") {
  // 12 s at 44.1 kHz (float WAV) with a NaN at 11 s: the eighth decoder block, read ahead on
  // its own thread, throws there, and next() must rethrow it after the patches before (the
  // first 8 s log-mel segment gives two) went through.
  char tmpl[] = "/tmp/syn_musicnn_stream_nan_XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path dir(tmpl), wav = dir / "nan.wav";
  std::vector<float> x = test_signal(12 * 44100, 44100, 3);
  x[11 * 44100] = std::numeric_limits<float>::quiet_NaN();
  SF_INFO info{};
  info.samplerate = 44100;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(wav.string().c_str(), SFM_WRITE, &info);
  REQUIRE(f != nullptr);
  REQUIRE(sf_writef_float(f, x.data(), (sf_count_t)x.size()) == (sf_count_t)x.size());
  sf_close(f);
  MusicnnFileStream stream(wav.string());
  Tensor part;
  std::string error;
  try {
    while (stream.next(1, part)) {
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  CHECK(error.find("non-finite") != std::string::npos);
  CHECK(error.find(wav.string()) != std::string::npos);
  CHECK(stream.patches_done() == 2);
  fs::remove_all(dir);
}

TEST_CASE("AudioReader reads in blocks what decode_audio decodes, and can seek") {
  const fs::path wav = fs::temp_directory_path() / "syn_audio_reader.wav";
  const std::vector<float> x = test_signal(50000, 22050, 5);
  write_wav(wav.string(), x, 22050);
  const DecodedAudio whole = decode_audio(wav.string());
  AudioReader reader(wav.string());
  CHECK(reader.sample_rate() == 22050);
  std::vector<float> all, block;
  while (reader.read(block, 4097) > 0) all.insert(all.end(), block.begin(), block.end());
  CHECK(same_bits(whole.samples, all.data(), all.size()));
  CHECK(reader.read(block, 10) == 0);  // stays at the end
  AudioReader again(wav.string());
  again.seek(30000);
  REQUIRE(again.read(block, 100) == 100);
  CHECK(std::memcmp(block.data(), whole.samples.data() + 30000, 100 * sizeof(float)) == 0);
  fs::remove(wav);
}

TEST_CASE("musicnn's per-patch probabilities barely depend on how patches are batched") {
  // The tagger runs at most 16 patches (48 s) per forward pass. Up to 16 patches that is one pass,
  // as before, bit for bit; longer clips are batched differently from one pass over everything,
  // and the GEMMs' summation order follows the batch: the probabilities differ in the last bits.
  const std::string weights = std::string(SYN_SOURCE_DIR) + "/models/weights/musicnn_mtt.synckpt";
  if (!fs::exists(weights)) {
    MESSAGE("skipped: ", weights, " is not available");
    return;
  }
  models::LoadedMusicnn m = models::load_musicnn(weights);
  const std::vector<float> x = test_signal(40 * 16000, 16000, 9);
  const MusicnnInput in = musicnn_input_from_audio(x);
  REQUIRE(in.patches.size(0) == 13);
  const std::vector<float> all =
      models::musicnn_predict(*m.model, in.patches).patch_probabilities.to_vector();
  std::vector<float> pieces;
  for (int64_t i = 0; i < 13; i += 4) {
    const int64_t n = std::min<int64_t>(4, 13 - i);
    const std::vector<float> part = in.patches.to_vector();
    Tensor t = Tensor::from_vector(
        std::vector<float>(part.begin() + i * 187 * 96, part.begin() + (i + n) * 187 * 96),
        {n, 187, 96});
    const std::vector<float> p =
        models::musicnn_predict(*m.model, t).patch_probabilities.to_vector();
    pieces.insert(pieces.end(), p.begin(), p.end());
  }
  REQUIRE(all.size() == pieces.size());
  double worst = 0;
  for (size_t i = 0; i < all.size(); ++i)
    worst = std::max(worst, (double)std::fabs(all[i] - pieces[i]));
  MESSAGE("largest difference between batchings: ", worst);
  CHECK(worst < 1e-5);
}
