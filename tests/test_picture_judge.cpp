// test_picture_judge.cpp — apps/pipeline/picture_judge.h and picture_distances.h: the judge rule
// ("" and a missing file are no judge, with the reason; a file that exists but does not load is an
// error naming it), prompt fit against the cosine computed by hand, NaN for a text with no known
// word, pictures of another size resized to the judge's, the colour distance's end points
// (0 for the same picture, 1 for disjoint colours) and the distance matrices' shape; and through
// run_pipeline (shipped weights; skipped without them): a judge that does not load fails before
// anything is written, a working one puts its scores in pipeline.json and report.html.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/pipeline/image_grid.h"
#include "apps/pipeline/json_io.h"
#include "apps/pipeline/picture_judge.h"
#include "data/audio/synthetic_audio.h"
#include "engine/io/safe_file.h"
#include "engine/rng.h"
#include "tests/support/error_text.h"
#include "tests/support/pipeline_fixtures.h"

using namespace syn;
using namespace syn::app;
using syn::test::contains;
using syn::test::error_of;
namespace fs = std::filesystem;

namespace {

models::ClipJudgeConfig tiny() {
  models::ClipJudgeConfig c;
  c.widths = {8, 16};
  c.image_size = 8;
  c.embed_dim = 8;
  c.text_hidden = 16;
  return c;
}

fs::path temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "syn_test_judge_XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

}  // namespace

TEST_CASE("colour and content distances") {
  Tensor black = Tensor::zeros({3, 4, 4}), white = Tensor::full({3, 4, 4}, 1.0f);
  CHECK(colour_distance(black, black) == 0.0);
  CHECK(colour_distance(black, white) == 1.0);
  Tensor half = Tensor::from_vector(std::vector<float>(48, 0.0f), {3, 4, 4});
  for (int i = 0; i < 8; ++i)
    for (int c = 0; c < 3; ++c) half.data()[c * 16 + i] = 1.0f;  // half the pixels white
  CHECK(colour_distance(black, half) == doctest::Approx(0.5));
  const std::vector<double> h = colour_histogram(half);
  CHECK(h.size() == 64);
  CHECK(h[0] == doctest::Approx(0.5));
  CHECK(h[63] == doctest::Approx(0.5));

  Tensor set = Tensor::zeros({3, 3, 4, 4});
  for (int i = 0; i < 48; ++i) set.data()[48 + i] = 1.0f;  // picture 1 white
  DistanceMatrix d = colour_distances(set);
  REQUIRE(d.size() == 3);
  CHECK(d[0][1] == 1.0);
  CHECK(d[1][0] == 1.0);
  CHECK(d[0][2] == 0.0);
  CHECK(d[1][1] == 0.0);

  Tensor f = Tensor::from_vector({1, 0, 0, 1, -1, 0, 0, 0}, {4, 2});
  DistanceMatrix c = content_distances(f);
  CHECK(c[0][1] == doctest::Approx(1.0));
  CHECK(c[0][2] == doctest::Approx(2.0));
  CHECK(c[0][3] == 1.0);  // a zero row
  CHECK(c[2][0] == doctest::Approx(2.0));
}

TEST_CASE("the judge rule: none, missing, broken, loaded") {
  CHECK(!load_picture_judge("").present());
  PictureJudge missing = load_picture_judge("/no/such/judge.synckpt");
  CHECK(!missing.present());
  CHECK(contains(missing.missing_reason, "/no/such/judge.synckpt"));

  const fs::path dir = temp_dir();
  const std::string broken = (dir / "broken.synckpt").string();
  io::write_file_atomic(broken, "not a checkpoint");
  const std::string err = error_of([&] { load_picture_judge(broken); });
  CHECK(contains(err, "broken.synckpt"));
  CHECK(contains(err, "does not load"));

  Rng rng(4);
  models::ClipJudge model(tiny(), models::PromptTokenizer::build({"red square", "blue circle"}),
                          rng);
  const std::string path = (dir / "judge.synckpt").string();
  models::save_clip_judge(path, model);
  PictureJudge judge = load_picture_judge(path);
  REQUIRE(judge.present());
  CHECK(judge.file == path);

  // Fit = cos(image, text) by hand; a text with no known word has none.
  Tensor pictures = Tensor::uniform({2, 3, 8, 8}, rng, 0, 1);
  Tensor features = judge_image_features(*judge.model, pictures);
  CHECK(features.size(0) == 2);
  CHECK(features.size(1) == 8);
  const std::vector<double> fit =
      judge_prompt_fit(*judge.model, features, {"red square", "purple"});
  CHECK(std::isnan(fit[1]));
  const std::vector<float> img = features.to_vector(),
                           txt = judge.model->encode_texts({"red square"}).to_vector();
  double dot = 0;
  for (int k = 0; k < 8; ++k) dot += (double)img[k] * txt[k];
  CHECK(fit[0] == doctest::Approx(dot).epsilon(1e-5));
  CHECK(std::fabs(fit[0]) <= 1.0 + 1e-6);

  // A picture 4× larger (nearest) is averaged back to the judge's size: the same features.
  const std::vector<float> all = pictures.to_vector();
  Tensor one = Tensor::from_vector(std::vector<float>(all.begin(), all.begin() + 192), {3, 8, 8});
  Tensor up = upscale_nearest(one, 32);
  Tensor f_up =
      judge_image_features(*judge.model, Tensor::from_vector(up.to_vector(), {1, 3, 32, 32}));
  const std::vector<float> a = f_up.to_vector();
  for (int k = 0; k < 8; ++k) CHECK(a[k] == doctest::Approx(img[k]).epsilon(1e-4));

  // The strategy scores: judged, and without a judge only the colours.
  StrategyScores s = score_strategies(judge, pictures, {"red square", "blue circle"}, "red");
  CHECK(s.judge_file == path);
  CHECK(s.fit_own.size() == 2);
  CHECK(s.fit_refined.size() == 2);
  CHECK(s.content.size() == 2);
  CHECK(s.colour.size() == 2);
  StrategyScores none = score_strategies(missing, pictures, {"a", "b"}, "red");
  CHECK(none.judge_file.empty());
  CHECK(contains(none.no_judge, "do not exist"));
  CHECK(none.content.empty());
  CHECK(std::isnan(none.fit_own[0]));
  fs::remove_all(dir);
}

TEST_CASE("run_pipeline with a judge: errors before work, scores in pipeline.json and the report") {
  if (!test::pipeline_weights_present()) return;
  const fs::path dir = temp_dir(), out = dir / "out";
  Rng rng(3);
  const int rate = 16000;
  const fs::path wav = dir / "guitar.wav";
  write_wav(wav.string(), synthesize_clip(3, 8 * rate, rate, rng), rate);

  app::PipelineOptions o = test::fast_pipeline_options(wav, out);
  o.judge = (dir / "broken.synckpt").string();
  io::write_file_atomic(o.judge, "not a checkpoint");
  std::ostringstream log;
  const std::string err = error_of([&] { app::run_pipeline(o, log); });
  CHECK(contains(err, "broken.synckpt' exists but does not load"));
  CHECK(!fs::exists(out));

  // A working judge (untrained, with words the prompts use): every strategy is scored.
  models::ClipJudge model(
      tiny(), models::PromptTokenizer::build({"guitar drums piano", "rock electronic music"}), rng);
  o.judge = (dir / "judge.synckpt").string();
  models::save_clip_judge(o.judge, model);
  app::PipelineResult r = app::run_pipeline(o, log);
  REQUIRE(r.scores.fit_own.size() == 4);
  CHECK(r.scores.judge_file == o.judge);
  CHECK(r.scores.content.size() == 4);
  const app::Json j = app::read_json_file((out / "pipeline.json").string());
  CHECK(j["judge"]["file"] == o.judge);
  CHECK(j["judge"]["fit_refined"].size() == 4);
  CHECK(j["judge"]["content_distances"]["raw"].size() == 4);
  CHECK(j["judge"]["colour_distances"]["motifs"]["motifs"] == 0.0);
  CHECK(j["report"] == "report.html");
  const std::string html = io::read_small_file((out / "report.html").string());
  CHECK(contains(html, "judge: " + o.judge));
  CHECK(j["cover"]["layout"] == "designed");
  fs::remove_all(dir);
}
