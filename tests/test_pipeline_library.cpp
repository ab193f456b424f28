// test_pipeline_library.cpp — apps/pipeline/pipeline: run_pipeline called as a library on a short
// synthetic clip (data/audio/synthetic_audio) with the shipped weights: every file is written,
// pipeline.json parses and holds the result's prompts, motifs and stage times, the log has one
// timed line per stage, and bad options fail before anything is written. Skipped (with a
// message) when models/weights/ lacks the weights.
#include <doctest/doctest.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "apps/pipeline/json_io.h"
#include "apps/pipeline/pipeline.h"
#include "apps/pipeline/tag_json.h"
#include "data/audio/synthetic_audio.h"
#include "data/text/tag_constraints.h"
#include "engine/check.h"
#include "tests/support/pipeline_fixtures.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

using test::fast_pipeline_options;
using test::pipeline_weights_present;

fs::path synthetic_clip(const fs::path& dir) {
  fs::create_directories(dir);
  Rng rng(3);
  const int rate = 16000;
  const fs::path wav = dir / "guitar.wav";
  write_wav(wav.string(), synthesize_clip(3, 8 * rate, rate, rng), rate);  // 8 s of guitar
  return wav;
}

}  // namespace

TEST_CASE("run_pipeline writes every file and pipeline.json holds what it returns") {
  if (!pipeline_weights_present()) return;
  const fs::path dir = fs::temp_directory_path() / "syn_test_pipeline_library";
  fs::remove_all(dir);
  const fs::path audio = synthetic_clip(dir), out = dir / "out";
  std::ostringstream log;
  app::PipelineResult r = app::run_pipeline(fast_pipeline_options(audio, out), log);

  for (const char* f : {"tags.json", "sentence.txt", "image_1_raw.png", "image_2_refined.png",
                        "image_3_sentence.png", "image_4_motifs.png", "cover.png", "pipeline.json"})
    CHECK_MESSAGE(fs::file_size(out / f) > 0, f);
  CHECK(r.pipeline_json == out / "pipeline.json");
  REQUIRE(r.image_files.size() == 4);
  CHECK(r.image_files[3] == "image_4_motifs.png");
  CHECK(!r.sentence.empty());
  CHECK(!r.caption_tags.empty());
  REQUIRE(r.prompt_sets.size() == 4);
  CHECK(!r.motif_set().motifs.empty());
  CHECK(r.prompts.size() == 3 + r.motif_set().prompts.size());
  REQUIRE(r.stage_times.size() == 5);
  CHECK(r.stage_times[0].stage == "tags");
  CHECK(r.stage_times[4].stage == "cover");

  const app::Json j = app::read_json_file(r.pipeline_json.string());
  CHECK(j["audio"] == audio.string());
  CHECK(j["sentence"] == r.sentence);
  CHECK(j["caption_tags"] == r.caption_tags);
  // The sentence's tags are those `caption --from tags.json` takes, borderline ones included,
  // and a borderline tag is said only as "possibly".
  const app::PipelineOptions options = fast_pipeline_options(audio, out);
  CHECK(r.caption_tags == app::caption_tags_from(app::read_tag_json((out / "tags.json").string()),
                                                 app::caption_tag_rule(options)));
  const ConstraintReport said = check_constraints(r.caption_tags, r.sentence);
  CHECK_MESSAGE(said.faults.empty(), r.sentence, " / ",
                (said.faults.empty() ? std::string() : said.faults.front()));
  for (const PromptSet& set : r.prompt_sets)
    CHECK(j["prompts"][prompt_strategy_name(set.strategy)] == set.prompts);
  REQUIRE(j["motifs"].size() == r.motif_set().motifs.size());
  CHECK(j["motifs"][0]["caption"] == r.motif_set().motifs[0].caption);
  CHECK(j["images"] == r.image_files);
  CHECK(j["music"]["tempo_bpm"].get<double>() ==
        doctest::Approx(r.character.tempo_bpm).epsilon(1e-5));
  CHECK(j["cover"]["stripes"] == r.palette.stripes);
  // What drew the pictures and their sizes: the shipped default is the latent model (64-px
  // pictures; the fixture saves them at 64 and the cover at 128), sampled as its weights advise.
  CHECK(j["pictures"]["model"] == "latent_imagine.synckpt");
  CHECK(j["pictures"]["native_size"] == 64);
  CHECK(j["pictures"]["saved_size"] == 64);
  CHECK(j["pictures"]["sampler"] == "dpmpp_2m");
  CHECK(j["pictures"]["steps"] == 3);                                            // the fixture's
  CHECK(j["pictures"]["guidance_scale"].get<double>() == doctest::Approx(5.0));  // the advice
  CHECK(j["cover"]["size"] == 128);
  CHECK(r.pictures.native_size == 64);
  CHECK(j["seconds"].size() == 5);
  CHECK(app::read_tag_json((out / "tags.json").string()).has_refined);
  CHECK(app::read_tag_json((out / "tags.json").string()).file == audio.string());

  const std::string text = log.str();
  for (const char* stage : {"tags     ", "sentence ", "music    ", "images   ", "cover    "})
    CHECK_MESSAGE(text.find(std::string("\n[pipeline] ") + stage) != std::string::npos, stage);
  CHECK(text.find("[pipeline] done in ") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("the sentence stage's tag rule: caption --from's, with the pipeline's keys") {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/pipeline.yaml");
  cfg.set("borderline_threshold", "0.065");
  cfg.set("max_borderline", "1");
  const app::CaptionTagRule rule =
      app::caption_tag_rule(app::pipeline_options_from(cfg, {"clip.wav"}));
  CHECK(rule.refined_threshold == cfg.get_float("refined_threshold"));
  CHECK(rule.tag_threshold == cfg.get_float("tag_threshold"));
  CHECK(rule.max_tags == cfg.get_int("max_tags"));
  CHECK(rule.borderline_threshold == doctest::Approx(0.065));
  CHECK(rule.max_borderline == 1);
  CHECK(rule.map_phrases);
  app::TagFile f;  // refined profile: its tags are the ones used
  f.has_refined = true;
  for (auto [tag, p] : {std::pair{"piano", 0.5}, {"flute", 0.07}, {"female", 0.066}})
    f.refined.push_back({tag, p, ""});
  f.tags.push_back({"guitar", 0.9, ""});
  CHECK(app::caption_tags_from(f, rule) == std::vector<std::string>{"piano", "possibly flute"});
  cfg.set("max_borderline", "0");  // only the confident tags
  CHECK(app::caption_tags_from(f, app::caption_tag_rule(app::pipeline_options_from(
                                      cfg, {"clip.wav"}))) == std::vector<std::string>{"piano"});
}

TEST_CASE("bad options fail before the first stage and write nothing") {
  const fs::path dir = fs::temp_directory_path() / "syn_test_pipeline_options";
  fs::remove_all(dir);
  const fs::path audio = synthetic_clip(dir), out = dir / "out";
  std::ostringstream log;
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/pipeline.yaml");
  CHECK_THROWS_WITH_AS(app::pipeline_options_from(cfg, {"a.wav", "b.wav"}),
                       doctest::Contains("pipeline takes one audio file, got 2"), Error);
  CHECK_THROWS_WITH_AS(
      app::run_pipeline(app::pipeline_options_from(cfg, {(dir / "no.wav").string()}), log),
      doctest::Contains("no.wav' does not exist"), Error);
  // The checks below run after the file checks: they need the shipped weights in place.
  if (!pipeline_weights_present()) return;
  auto fails = [&](const std::string& key, const std::string& value, const std::string& message) {
    Config c = Config::load(std::string(SYN_SOURCE_DIR) + "/config/pipeline.yaml");
    c.set("output", out.string());
    c.set(key, value);
    std::ostringstream lines;
    CHECK_THROWS_WITH_AS(app::run_pipeline(app::pipeline_options_from(c, {audio.string()}), lines),
                         doctest::Contains(message.c_str()), Error);
    CHECK(lines.str().empty());
    CHECK(!fs::exists(out));
  };
  fails("image_model", (dir / "none.synckpt").string(), "none.synckpt' does not exist");
  fails("caption_model", (dir / "none.synckpt").string(), "caption model '");
  fails("device", "tpu", "--device must be cpu or cuda, got 'tpu'");
  fails("weights_dir", dir.string(), "musicnn weights '");
  fails("top_p", "0.9", "top_p sampling and beam search");
  fails("max_tokens", "0", "max_tokens must be at least 1");
  fails("max_borderline", "-1", "--max_borderline must be >= 0, got -1");
  fails("borderline_threshold", "1.5", "--borderline_threshold must be in [0, 1], got 1.5");
  fails("cover_size", "32", "cover: size must be in 64..4096, got 32");
  fails("image_size", "48", "--image_size 48 must be a positive multiple");
  fails("image_size", "32", "--image_size 32 must be a positive multiple of the model's native 64");
  fails("sampler", "euler", "--sampler 'euler' is not one of auto, ddim, dpmpp_2m");
  fails("guidance_scale", "-1", "--guidance_scale must be in [0, 100]");
  fails("steps", "-2", "--steps must be >= 0");

  fs::remove_all(dir);
}
