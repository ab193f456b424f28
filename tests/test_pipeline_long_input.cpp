// test_pipeline_long_input.cpp — the pipeline on inputs it used to mishandle (issue 20): a long
// input is summarised by its most representative 30 s (apps/pipeline/representative_window.h),
// and an input that is not music gets a warning, no sentence, no pictures and a neutral cover.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "apps/pipeline/json_io.h"
#include "apps/pipeline/pipeline.h"
#include "apps/pipeline/representative_window.h"
#include "apps/pipeline/tag_json.h"
#include "data/audio/synthetic_audio.h"
#include "data/images/png_image.h"
#include "engine/config.h"
#include "engine/rng.h"
#include "tests/support/pipeline_fixtures.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

using test::fast_pipeline_options;
using test::pipeline_weights_present;

// A taggram of `rows` chunks of 3 s over two tags; rows in [a, a + n) have `odd`, the rest `even`.
app::TagResult fake_result(size_t rows, const std::vector<float>& usual,
                           const std::vector<float>& odd, size_t a, size_t n) {
  app::TagResult r;
  r.labels = {"x", "y"};
  std::vector<double> sum(2, 0.0);
  for (size_t i = 0; i < rows; ++i) {
    r.taggram.push_back(i >= a && i < a + n ? odd : usual);
    r.chunk_start.push_back(3.0 * (double)i);
    r.chunk_end.push_back(3.0 * (double)(i + 1));
    for (size_t j = 0; j < 2; ++j) sum[j] += r.taggram.back()[j];
  }
  for (double s : sum) r.clip.push_back((float)(s / (double)rows));
  return r;
}

}  // namespace

TEST_CASE("the summary window is the 30 s whose tags are closest to the song's") {
  // 40 chunks: an unusual intro (rows 0..9) and an unusual bridge (rows 25..29) in a song that is
  // otherwise the same; the chosen window must avoid both.
  app::TagResult a = fake_result(40, {0.2f, 0.8f}, {0.9f, 0.1f}, 0, 10);
  for (size_t i = 25; i < 30; ++i) a.taggram[i] = {0.9f, 0.1f};
  const app::TagResult b = fake_result(40, {0.5f, 0.5f}, {0.5f, 0.5f}, 0, 0);
  // Recompute a's clip means after the bridge.
  for (size_t j = 0; j < 2; ++j) {
    double s = 0;
    for (const auto& row : a.taggram) s += row[j];
    a.clip[j] = (float)(s / 40.0);
  }
  const app::TagWindow w = app::representative_window(a, b);
  CHECK_FALSE(w.whole);
  CHECK(w.count == 10);
  // The song is 15/40 unusual: the closest window holds 4 of the 15 unusual rows (0.4 vs 0.375),
  // the earliest such is rows 6..15 (4 intro rows).
  CHECK(w.first == 6);
  CHECK(w.start_seconds == doctest::Approx(18.0));
  CHECK(w.end_seconds == doctest::Approx(48.0));
  const app::TagResult in = app::window_of(a, w);
  REQUIRE(in.taggram.size() == 10);
  CHECK(in.clip[0] == doctest::Approx((4 * 0.9 + 6 * 0.2) / 10.0));
  CHECK(in.chunk_start.front() == doctest::Approx(18.0));

  const app::TagResult short_clip = fake_result(10, {0.2f, 0.8f}, {0.9f, 0.1f}, 0, 3);
  const app::TagWindow whole = app::representative_window(short_clip, short_clip);
  CHECK(whole.whole);
  CHECK(whole.count == 10);
  CHECK(app::window_of(short_clip, whole).clip == short_clip.clip);
}

TEST_CASE("a long input: tags.json has the whole song, the later stages one 30 s window") {
  if (!pipeline_weights_present()) return;
  const fs::path dir = fs::temp_directory_path() / "syn_test_pipeline_long_input";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const int rate = 16000;
  Rng rng(4);
  std::vector<float> x = synthesize_clip(3, 40 * rate, rate, rng);  // 40 s of guitar: 13 chunks
  const fs::path audio = dir / "guitar40.wav";
  write_wav(audio.string(), x, rate);
  std::ostringstream log;
  app::PipelineResult r = app::run_pipeline(fast_pipeline_options(audio, dir / "out"), log);
  CHECK(r.input_warning.empty());
  CHECK_FALSE(r.window.whole);
  CHECK(r.window.end_seconds - r.window.start_seconds == doctest::Approx(29.92));
  CHECK(r.window.end_seconds <= r.duration_seconds + 1e-9);
  CHECK(app::read_json_file(r.tags_json.string())["taggram"]["chunks"].size() == 13);
  const app::Json j = app::read_json_file(r.pipeline_json.string());
  CHECK(j["input"]["summary_window"]["whole"] == false);
  CHECK(j["input"]["duration_seconds"].get<double>() == doctest::Approx(40.0).epsilon(1e-3));
  CHECK(j.find("input_warning") == j.end());
  CHECK(r.image_files.size() == 4);
  CHECK(log.str().find("most representative 30 s") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("silence: a warning in the log and pipeline.json, no sentence, no pictures, grey cover") {
  if (!pipeline_weights_present()) return;
  const fs::path dir = fs::temp_directory_path() / "syn_test_pipeline_silence";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path audio = dir / "silence.wav", out = dir / "out";
  write_wav(audio.string(), std::vector<float>(8 * 16000, 0.0f), 16000);
  std::ostringstream log;
  app::PipelineResult r = app::run_pipeline(fast_pipeline_options(audio, out), log);
  CHECK(r.input_warning.find("silent") != std::string::npos);
  CHECK(log.str().find("[pipeline] warning: not music") != std::string::npos);
  CHECK(r.sentence.empty());
  CHECK(r.image_files.empty());
  CHECK_FALSE(fs::exists(out / "sentence.txt"));
  CHECK_FALSE(fs::exists(out / "image_1_raw.png"));
  const app::Json j = app::read_json_file(r.pipeline_json.string());
  CHECK(j["input_warning"] == r.input_warning);
  CHECK(j["sentence"] == "");
  CHECK(j["images"].empty());
  CHECK(j["cover"]["layout"] == "neutral");
  CHECK(app::read_json_file(r.tags_json.string())["input_warning"] == r.input_warning);
  const Tensor cover = read_png(r.cover_png.string());
  std::vector<float> v = cover.to_vector();
  float lo = 1, hi = 0;
  for (float p : v) lo = std::min(lo, p), hi = std::max(hi, p);
  CHECK(hi - lo < 0.01f);  // one flat grey
  fs::remove_all(dir);
}
