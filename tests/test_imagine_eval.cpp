// test_imagine_eval.cpp — eval_imagine's measurements (apps/eval/imagine_eval.h and the files it
// rests on): the area resize, the feature metrics on tiny tensors, the prompt list file (the
// shipped config/judge_prompts.tsv too), and the whole evaluation end to end on a tiny picture
// corpus, a tiny judge and a tiny text-to-image model built here (no shared files), for the
// three picture makers: unet, noise and lookup.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "apps/eval/feature_metrics.h"
#include "apps/eval/imagine_eval.h"
#include "apps/eval/imagine_report.h"
#include "apps/eval/judge_features.h"
#include "apps/eval/prompt_set.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "engine/rng.h"
#include "models/text_to_image.h"

using namespace syn;
using namespace syn::quality;
namespace fs = std::filesystem;

TEST_CASE("resize_area: block means, copies, repeats, and constant pictures stay constant") {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[(size_t)i] = (float)i;
  Tensor x = Tensor::from_vector(v, {1, 1, 4, 4});
  std::vector<float> half = resize_area(x, 2).to_vector();
  CHECK(half == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});  // each 2x2 block's mean
  CHECK(resize_area(x, 4).to_vector() == v);
  std::vector<float> up =
      resize_area(Tensor::from_vector({1, 2, 3, 4}, {1, 1, 2, 2}), 4).to_vector();
  CHECK(up[0] == 1.0f);
  CHECK(up[1] == 1.0f);
  CHECK(up[2] == 2.0f);
  CHECK(up[15] == 4.0f);
  // 3 -> 2: output pixel 0 covers input 0 and half of input 1.
  std::vector<float> three =
      resize_area(Tensor::from_vector({3, 0, 6, 3, 0, 6, 3, 0, 6}, {1, 1, 3, 3}), 2).to_vector();
  CHECK(three[0] == doctest::Approx(2.0));  // (3 + 0.5 · 0) / 1.5
  CHECK(three[1] == doctest::Approx(4.0));  // (0.5 · 0 + 6) / 1.5
  Tensor flat = Tensor::full({2, 3, 5, 5}, 0.3f);
  for (float f : resize_area(flat, 3).to_vector()) CHECK(f == doctest::Approx(0.3));
  CHECK_THROWS_AS(resize_area(Tensor::zeros({3, 4, 4}), 2), Error);
}

TEST_CASE("feature metrics: nearest rows, pairwise spread, row dots") {
  Tensor ref = Tensor::from_vector({1, 0, 0, 1, -1, 0}, {3, 2});
  Tensor q = Tensor::from_vector({0.6f, 0.8f, 1, 0, -0.8f, -0.6f}, {3, 2});
  NearestResult r = nearest_features(q, ref);
  CHECK(r.index == std::vector<int64_t>{1, 0, 2});
  CHECK(r.distance[0] == doctest::Approx(std::sqrt(0.36 + 0.04)));
  CHECK(r.distance[1] == 0.0);
  CHECK(r.min_distance == 0.0);
  CHECK(r.mean_distance == doctest::Approx((std::sqrt(0.4) + std::sqrt(0.04 + 0.36)) / 3));
  // Three points: distances sqrt(2), 2, sqrt(2).
  CHECK(mean_pairwise_distance(ref) == doctest::Approx((2 * std::sqrt(2.0) + 2) / 3));
  CHECK(mean_pairwise_distance(Tensor::full({4, 3}, 0.5f)) == 0.0);
  CHECK_THROWS_AS(mean_pairwise_distance(Tensor::zeros({1, 3})), Error);
  std::vector<double> d = row_dots(ref, q);
  CHECK(d[0] == doctest::Approx(0.6));
  CHECK(d[1] == doctest::Approx(0.0));
  CHECK(d[2] == doctest::Approx(0.8));
  CHECK(mean_of({}) == 0.0);
}

TEST_CASE("prompt set: the file format and its errors") {
  auto p = parse_prompt_set("# comment\n\nobject\tguitar\ta guitar\nmood\t-\t sad \n", "p.tsv");
  REQUIRE(p.size() == 2);
  CHECK(p[0].kind == "object");
  CHECK(p[0].concept_id == "guitar");
  CHECK(p[1].concept_id.empty());
  CHECK(p[1].text == "sad");
  CHECK_THROWS_WITH_AS(parse_prompt_set("object\tguitar\n", "p.tsv"),
                       doctest::Contains("'p.tsv' line 1: expected 3 TAB-separated"), Error);
  CHECK_THROWS_WITH_AS(parse_prompt_set("# x\nthing\t-\tsun\n", "p.tsv"),
                       doctest::Contains("line 2: unknown kind 'thing'"), Error);
  CHECK_THROWS_WITH_AS(parse_prompt_set("# only comments\n", "p.tsv"),
                       doctest::Contains("holds no prompt"), Error);
}

TEST_CASE("prompt set: config/judge_prompts.tsv has >= 100 prompts, every kind, known concepts") {
  const std::string root = SYN_SOURCE_DIR;
  auto prompts = load_prompt_set(root + "/config/judge_prompts.tsv");
  CHECK(prompts.size() >= 100);
  std::set<std::string> known;
  std::ifstream concepts(root + "/data/pictures/concepts.tsv");
  for (std::string line; std::getline(concepts, line);)
    if (!line.empty() && line[0] != '#') known.insert(line.substr(0, line.find('\t')));
  std::map<std::string, int> per_kind;
  std::set<std::string> texts;
  for (const auto& p : prompts) {
    ++per_kind[p.kind];
    CHECK_MESSAGE(texts.insert(p.text).second, "duplicate prompt '", p.text, "'");
    if (!p.concept_id.empty())
      CHECK_MESSAGE(known.count(p.concept_id), "unknown concept ", p.concept_id);
    if (p.kind == "object") CHECK_MESSAGE(!p.concept_id.empty(), "object prompt without concept");
  }
  for (const auto& kind : prompt_kinds()) CHECK_MESSAGE(per_kind[kind] >= 10, kind);
}

namespace {

const std::vector<std::array<float, 3>> kColours = {
    {0.9f, 0.1f, 0.1f}, {0.1f, 0.2f, 0.9f}, {0.1f, 0.8f, 0.2f}, {0.9f, 0.9f, 0.1f}};
const std::vector<std::string> kNames = {"red", "blue", "green", "yellow"};

// A picture [3, S, S] on grey 128: a square of the colour, its place and brightness by `k`.
void draw(float* d, int64_t S, const std::array<float, 3>& colour, int k) {
  const int64_t half = S / 2, x0 = (k % 2) * (S / 4), y0 = (k / 2 % 2) * (S / 4);
  const float gain = 1.0f - 0.08f * (float)k;
  for (int c = 0; c < 3; ++c)
    for (int64_t y = 0; y < S; ++y)
      for (int64_t x = 0; x < S; ++x) {
        const bool in = y >= y0 && y < y0 + half && x >= x0 && x < x0 + half;
        d[(c * S + y) * S + x] = 255.0f * (in ? colour[(size_t)c] * gain : 128.0f / 255.0f);
      }
}

// Four colour concepts, five pictures each (the fifth held out), at 8 and 16 px.
pictures::PictureCorpus tiny_corpus() {
  pictures::PictureCorpus c;
  c.sizes = {8, 16};
  for (int64_t S : {8, 16}) {
    Tensor t = Tensor::empty({20, 3, S, S});
    for (int i = 0; i < 20; ++i)
      draw(t.data() + i * 3 * S * S, S, kColours[(size_t)(i / 5)], i % 5);
    c.images.push_back(t);
  }
  for (int i = 0; i < 20; ++i) {
    pictures::CorpusItem it;
    it.id = "test:" + std::to_string(i);
    it.source = "test";
    it.file = std::to_string(i);
    it.licence = "CC0-1.0";
    it.concept_id = kNames[(size_t)(i / 5)];
    it.category = "colour";
    it.caption = kNames[(size_t)(i / 5)] + " square";
    it.held_out = i % 5 == 4;
    c.items.push_back(it);
  }
  return c;
}

}  // namespace

TEST_CASE("eval_imagine end to end: tiny corpus, judge and U-Net; unet, noise and lookup") {
  std::string dir = (fs::temp_directory_path() / "syn_test_imagine_eval.XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  const std::string corpus_path = dir + "/corpus.ckpt", judge_path = dir + "/judge.synckpt",
                    unet_path = dir + "/unet.synckpt";
  pictures::save_picture_corpus(corpus_path, tiny_corpus());
  std::vector<std::string> words = {"red", "blue", "green", "yellow", "square", "sad"};
  {
    Rng rng(5);
    models::ClipJudgeConfig jc;
    jc.widths = {8, 16};
    jc.image_size = 8;
    jc.embed_dim = 8;
    jc.text_hidden = 16;
    models::ClipJudge judge(jc, models::PromptTokenizer::build(words), rng);
    models::save_clip_judge(judge_path, judge);
    models::TextToImageConfig tc;
    tc.unet.image_size = 16;
    tc.unet.base_channels = 8;
    tc.unet.channel_mult = {1, 2};
    tc.unet.attention_levels = {1};
    tc.unet.heads = 2;
    tc.unet.context_dim = 8;
    tc.unet.norm_groups = 4;
    tc.text.dim = 8;
    tc.text.heads = 2;
    tc.text.layers = 1;
    tc.timesteps = 50;
    auto tok = models::PromptTokenizer::build(words);
    tc.text.vocab_size = tok.vocab_size();
    models::TextToImageNet net(tc, rng);
    models::TextToImage::save(unet_path, net, tok, {{"data", "test"}}, false);
  }
  auto judge = models::load_clip_judge(judge_path);
  const pictures::PictureCorpus corpus = pictures::load_picture_corpus(corpus_path);
  const std::vector<EvalPrompt> prompts = parse_prompt_set(
      "object\tred\tred\nobject\tblue\tblue square\nscene\tgreen\tgreen field\n"
      "mood\t-\tsad\nsentence\tyellow\tthe song is yellow and sad\n",
      "test prompts");
  const ImagineEvalReference ref = make_reference(*judge, corpus);
  CHECK(ref.train_features.shape() == Shape{16, 8});
  CHECK(ref.held_features.shape() == Shape{4, 8});
  CHECK(ref.concepts == std::vector<std::string>{"blue", "green", "red", "yellow"});
  CHECK(ref.held_judge.counted == 4);
  CHECK(ref.held_copy_threshold > 0.0);
  check_prompts(prompts, ref, "test prompts");
  CHECK_THROWS_WITH_AS(
      check_prompts(parse_prompt_set("scene\tpurple\tpurple\n", "x"), ref, "p.tsv"),
      doctest::Contains("'p.tsv': the prompt 'purple' names concept 'purple', "
                        "which the picture corpus does not have"),
      Error);

  ImagineEvalOptions o;
  o.samples_per_prompt = 3;
  const int64_t N = (int64_t)prompts.size() * o.samples_per_prompt;
  // lookup: training pictures of the prompt's own concept, copies by definition.
  Tensor looked = lookup_pictures(prompts, *judge, ref, o.samples_per_prompt);
  CHECK(looked.shape() == Shape{N, 3, 8, 8});
  ModelFigures lookup = measure_pictures("lookup", looked, prompts, *judge, ref, nullptr, o);
  CHECK(lookup.nearest_pixels.max_distance == 0.0);
  CHECK(lookup.nearest_features.max_distance < 1e-5);
  CHECK(lookup.near_copies == 1.0);
  for (int64_t i = 0; i < N; ++i) {
    const auto& p = prompts[(size_t)(i / o.samples_per_prompt)];
    if (!p.concept_id.empty())
      CHECK(ref.train_concepts[(size_t)lookup.nearest_pixels.index[(size_t)i]] == p.concept_id);
  }
  CHECK(lookup.judge.counted == 12);  // the mood prompt names no concept
  CHECK(lookup.fit_prompts == 4);
  CHECK(lookup.diversity > 0.0);  // three different training pictures per prompt
  CHECK(lookup.per_prompt.size() == prompts.size());
  CHECK(std::isnan(lookup.kind_top1.at("mood")));
  CHECK(std::isnan(lookup.per_prompt[3].real_fit));  // "sad" names no concept

  // A concept classifier of three of the four colours (and one the corpus lacks), at 16 px.
  {
    Rng rng(9);
    models::EmojiClassifier clf(models::EmojiClassifierConfig{4, {8, 16}, 16}, rng);
    models::save_emoji_classifier(dir + "/clf.synckpt", clf, {"red", "blue", "green", "purple"});
  }
  auto clf = models::load_emoji_classifier(dir + "/clf.synckpt");
  const ImagineEvalReference with_clf = make_reference(*judge, corpus, &clf);
  CHECK(with_clf.held_classifier.counted == 3);  // the held-out red, blue and green pictures
  ModelFigures classified = measure_pictures("lookup", looked, prompts, *judge, ref, &clf, o);
  CHECK(classified.classifier.counted == 9);  // red, blue, green prompts x 3 (not yellow, sad)
  CHECK(classified.judge.top1 == lookup.judge.top1);

  ModelFigures noise =
      measure_pictures("noise", noise_images(N, 3, 8), prompts, *judge, ref, nullptr, o);
  CHECK(noise.near_copies == 0.0);
  CHECK(noise.nearest_pixels.min_distance > 0.1);
  // The floor and ceiling depend on the count and seed only, not on the pictures.
  CHECK(noise.fd_floor == doctest::Approx(lookup.fd_floor));
  CHECK(noise.fd_ceiling == doctest::Approx(lookup.fd_ceiling));
  CHECK(lookup.fd < noise.fd);
  CHECK(noise.fd == doctest::Approx(noise.fd_ceiling).epsilon(0.5));

  // unet: 16-px samples, resized to the judge's 8 px.
  models::TextToImage t2i = models::TextToImage::load(unet_path);
  std::vector<std::string> texts;
  for (const auto& p : prompts) texts.push_back(p.text);
  models::ImagineOptions io;
  io.steps = 3;
  io.guidance_scale = 2.0f;
  io.seed = 1;
  io.batch = 3;
  Tensor samples = t2i.generate(texts, io);
  CHECK(samples.shape() == Shape{N, 3, 16, 16});
  ModelFigures unet = measure_pictures("unet", samples, prompts, *judge, ref, nullptr, o);
  CHECK(unet.pictures == N);
  CHECK(std::isfinite(unet.fd));
  CHECK(unet.fit >= -1.0);
  CHECK(unet.fit <= 1.0);
  CHECK(unet.nearest_pixels.mean_distance > 0.0);

  // Outputs: the JSON of every figure and the contact sheets.
  app::Json j = imagine_json({{"seed", 0}}, {unet, noise, lookup}, ref, prompts);
  REQUIRE(j["models"].size() == 3);
  CHECK(j["models"][2]["near_copies"].get<double>() == 1.0);
  CHECK(j["models"][0]["prompts"].size() == prompts.size());
  CHECK(j["reference"]["held_out_pictures"].get<int64_t>() == 4);
  std::ostringstream table;
  print_imagine_table(table, {unet, noise, lookup}, ref, false);
  CHECK(table.str().find("real held-out pictures") != std::string::npos);
  CHECK(table.str().find("noise (FD ceiling)") != std::string::npos);
  std::ostringstream lines, kinds;
  print_prompt_lines(lines, unet, prompts, 3);
  const std::string text = lines.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == (long)prompts.size() + 1);
  print_kind_table(kinds, {unet, lookup});
  CHECK(kinds.str().find("sentence") != std::string::npos);
  auto sheets = write_contact_sheets(dir + "/sheets", "unet", samples, prompts, 3);
  CHECK(sheets.size() == 4);  // object, scene, mood, sentence (no music prompt)
  for (const auto& s : sheets) CHECK(fs::file_size(s) > 100);
  fs::remove_all(dir);
}
