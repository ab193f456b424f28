// test_clip_judge.cpp — the contrastive image-text judge (models/clip_judge.h): the bag of words,
// the symmetric InfoNCE against a hand computation from the two towers' embeddings, learning a
// tiny two-way task (coloured pictures and their colour words, where retrieval must become
// perfect in both directions), and the weight file round trip.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/train/clip_judge_task.h"
#include "engine/check.h"
#include "engine/optim/adam.h"
#include "models/clip_judge.h"

using namespace syn;
using namespace syn::models;
namespace fs = std::filesystem;

namespace {

// Pictures [N, 3, 8, 8]: a colour field with a brighter square in one of four places.
Tensor colour_pictures(const std::vector<std::array<float, 3>>& colours) {
  const int64_t S = 8;
  Tensor x = Tensor::empty({(int64_t)colours.size(), 3, S, S});
  float* d = x.data();
  for (size_t i = 0; i < colours.size(); ++i)
    for (int c = 0; c < 3; ++c)
      for (int64_t y = 0; y < S; ++y)
        for (int64_t xx = 0; xx < S; ++xx)
          d[((i * 3 + c) * S + y) * S + xx] =
              colours[i][c] * ((y < 4 && xx < 4 && i % 2 == 0) ? 1.0f : 0.6f);
  return x;
}

ClipJudgeConfig tiny() {
  ClipJudgeConfig c;
  c.widths = {8, 16};
  c.image_size = 8;
  c.embed_dim = 8;
  c.text_hidden = 16;
  c.temperature = 0.1;
  return c;
}

}  // namespace

TEST_CASE("clip judge: bag of words and the symmetric InfoNCE by hand") {
  Rng rng(3);
  std::vector<std::string> texts = {"red square", "blue circle", "green star", "red circle"};
  ClipJudge judge(tiny(), PromptTokenizer::build(texts), rng);
  Tensor bow = judge.bag_of_words({"red red square", "purple"});
  CHECK(bow.shape() == Shape{2, judge.tokenizer().vocab_size()});
  std::vector<float> b = bow.to_vector();
  const int64_t V = judge.tokenizer().vocab_size();
  CHECK(b[(size_t)judge.tokenizer().id("red")] == doctest::Approx(2.0 / 3));
  CHECK(b[(size_t)judge.tokenizer().id("square")] == doctest::Approx(1.0 / 3));
  for (int64_t v = 0; v < V; ++v) CHECK(b[(size_t)(V + v)] == 0.0f);  // no known word

  judge.eval();  // batch norm on running statistics: the same embeddings in both computations
  Tensor x = colour_pictures({{1, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 0, 1}});
  std::vector<float> img = judge.encode_images(x).to_vector();
  std::vector<float> txt = judge.encode_texts(texts).to_vector();
  const int D = 8, B = 4;
  double s[B][B], loss = 0.0;
  for (int i = 0; i < B; ++i) {
    double n = 0;
    for (int k = 0; k < D; ++k) n += (double)img[i * D + k] * img[i * D + k];
    CHECK(n == doctest::Approx(1.0));
    for (int j = 0; j < B; ++j) {
      s[i][j] = 0;
      for (int k = 0; k < D; ++k) s[i][j] += (double)img[i * D + k] * txt[j * D + k];
      s[i][j] /= 0.1;
    }
  }
  for (int i = 0; i < B; ++i) {
    double row = 0, col = 0;
    for (int j = 0; j < B; ++j) {
      row += std::exp(s[i][j]);
      col += std::exp(s[j][i]);
    }
    loss += (std::log(row) - s[i][i] + std::log(col) - s[i][i]) / (2.0 * B);
  }
  CHECK(judge.contrastive_loss(x, texts).item() == doctest::Approx(loss).epsilon(1e-5));
  CHECK_THROWS_WITH_AS(judge.contrastive_loss(x, {"red"}), doctest::Contains("1 texts"), Error);
}

TEST_CASE("clip judge: learns to match pictures and words, and survives its file") {
  Rng rng(5);
  std::vector<std::array<float, 3>> colours = {{1, 0, 0}, {0, 0, 1}, {0, 1, 0},
                                               {1, 1, 0}, {1, 0, 1}, {0, 1, 1}};
  std::vector<std::string> texts = {"red", "blue", "green", "yellow", "magenta", "cyan"};
  ClipJudge judge(tiny(), PromptTokenizer::build(texts), rng);
  Tensor x = colour_pictures(colours);
  AdamOptions o;
  o.lr = 1e-2;
  Adam adam(judge.named_parameters(), o);
  float first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    judge.train();
    Tensor loss = judge.contrastive_loss(x, texts);
    if (step == 0) first = loss.item();
    last = loss.item();
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  CHECK(last < 0.2f * first);
  judge.eval();
  auto best = [](const std::vector<float>& sim, int rows, int cols, bool by_row) {
    std::vector<int> arg;
    for (int a = 0; a < (by_row ? rows : cols); ++a) {
      int bi = 0;
      for (int b2 = 0; b2 < (by_row ? cols : rows); ++b2) {
        float v = by_row ? sim[a * cols + b2] : sim[b2 * cols + a];
        float w = by_row ? sim[a * cols + bi] : sim[bi * cols + a];
        if (v > w) bi = b2;
      }
      arg.push_back(bi);
    }
    return arg;
  };
  std::vector<float> sim =
      ClipJudge::similarity(judge.encode_images(x), judge.encode_texts(texts)).to_vector();
  for (int i = 0; i < 6; ++i) {
    CHECK(best(sim, 6, 6, true)[i] == i);   // image -> text
    CHECK(best(sim, 6, 6, false)[i] == i);  // text -> image
  }

  // The held-out measures of apps/train/clip_judge_task.h on the learned task: all perfect.
  app::JudgeQuality q = app::evaluate_clip_judge(judge, x, texts, texts, {"red", "cyan", "grey"},
                                                 {"red", "cyan", "grey"});
  CHECK(q.concept_top1 == 1.0);
  CHECK(q.concept_top5 == 1.0);
  CHECK(q.prompts == 2);  // no picture is grey
  CHECK(q.recall1 == 1.0);

  std::string dir = (fs::temp_directory_path() / "syn_clip_judge_XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  const std::string path = dir + "/judge.synckpt";
  save_clip_judge(path, judge, {{"steps", "150"}});
  std::map<std::string, std::string> meta;
  auto back = load_clip_judge(path, &meta);
  CHECK(meta["steps"] == "150");
  CHECK(back->config().embed_dim == 8);
  CHECK(ClipJudge::similarity(back->encode_images(x), back->encode_texts(texts)).to_vector() ==
        sim);
  fs::remove_all(dir);
}

TEST_CASE("clip judge task: distinct concepts per batch, the loss falls under the Trainer") {
  Rng rng(9);
  std::vector<std::array<float, 3>> colours = {{1, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 1, 0}};
  std::vector<std::string> names = {"red", "blue", "green", "yellow"};
  Tensor x = colour_pictures(colours);
  std::vector<app::JudgeExample> examples;
  for (int i = 0; i < 4; ++i)
    examples.push_back({i, names[(size_t)i], names[(size_t)i] + " field"});
  std::vector<std::string> texts = names;
  for (auto& e : examples) texts.push_back(e.caption);
  ClipJudge judge(tiny(), PromptTokenizer::build(texts), rng);
  app::ClipJudgeTrainOptions o;
  o.steps = 120;
  o.batch_size = 4;
  o.learning_rate = 1e-2;
  o.warmup_steps = 5;
  o.augment.max_shift = 0;
  o.augment.scale_min = o.augment.scale_max = 1.0f;
  o.log_every_seconds = 1e9;
  std::ostringstream log;
  double loss = app::train_clip_judge(judge, x, examples, o, log);
  CHECK(loss < 0.5 * std::log(4.0));
  o.batch_size = 5;  // more than the four concepts
  CHECK_THROWS_WITH_AS(app::train_clip_judge(judge, x, examples, o, log),
                       doctest::Contains("more than the 4 concepts"), Error);
}

TEST_CASE("clip judge task: validation curve, and the best validation weights are kept") {
  Rng rng(9);
  std::vector<std::array<float, 3>> colours = {{1, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 1, 0}};
  std::vector<std::string> names = {"red", "blue", "green", "yellow"};
  Tensor x = colour_pictures(colours);
  std::vector<app::JudgeExample> examples;
  for (int i = 0; i < 4; ++i) examples.push_back({i, names[(size_t)i], names[(size_t)i]});
  ClipJudge judge(tiny(), PromptTokenizer::build(names), rng);
  app::JudgeEvalSet val{x, names, names, {"red", "green"}, {"red", "green"}};
  app::ClipJudgeTrainOptions o;
  o.steps = 90;
  o.batch_size = 4;
  o.learning_rate = 1e-2;
  o.warmup_steps = 5;
  o.augment.max_shift = 0;
  o.augment.scale_min = o.augment.scale_max = 1.0f;
  o.log_every_seconds = 1e9;
  o.validation = &val;
  o.val_every = 30;
  std::ostringstream log;
  app::JudgeTrainReport report;
  app::train_clip_judge(judge, x, examples, o, log, &report);
  REQUIRE(report.curve.size() == 3);  // steps 30, 60 and the end (90)
  CHECK(report.curve[0].step == 30);
  CHECK(report.curve[2].step == 90);
  double best = -1;
  int64_t best_step = -1;
  for (const app::JudgeValidationPoint& p : report.curve) {
    CHECK(p.score == doctest::Approx((p.top1 + p.top5 + p.recall1 + p.recall5) / 4));
    if (p.score > best) best = p.score, best_step = p.step;
  }
  CHECK(report.best_step == best_step);
  CHECK(log.str().find("validation step 30") != std::string::npos);
  // The model holds the kept weights: measuring again gives the kept point's figures.
  app::JudgeQuality q = app::evaluate_clip_judge(judge, val);
  CHECK((q.concept_top1 + q.concept_top5 + q.recall1 + q.recall5) / 4 == doctest::Approx(best));
  CHECK(best > 0.75);  // top-5 and recall@5 are 1 among four: top-1 and recall@1 must count
}
