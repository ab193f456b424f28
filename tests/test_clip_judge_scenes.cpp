// test_clip_judge_scenes.cpp — composed scenes in the judge's training (apps/train/
// clip_judge_task.h) on a tiny synthetic corpus made here (coloured discs on the corpus grey):
// a step's scenes are a function of the step alone (so a resumed run composes the same ones),
// the batch's single pictures never show a concept its scenes show, two runs are identical, and
// the vocabulary knows every word a scene caption can use.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "apps/train/clip_judge_task.h"
#include "data/pictures/scene_caption.h"
#include "data/pictures/scene_composer.h"
#include "data/pictures/scene_rules.h"
#include "engine/check.h"

using namespace syn;
using namespace syn::pictures;

namespace {

constexpr int kSize = 32;

// Eight concepts (music ones and others), one disc picture each, of its own colour and radius.
PictureCorpus disc_corpus() {
  struct Pic {
    const char *concept_id, *category;
    float r, g, b, radius;
  };
  const Pic pics[] = {
      {"guitar", "instrument", 200, 40, 40, 10}, {"dancer", "performer", 40, 40, 200, 9},
      {"moon", "sky", 240, 230, 120, 8},         {"drum", "instrument", 240, 140, 30, 11},
      {"violin", "instrument", 120, 60, 20, 9},  {"cat", "animal", 20, 20, 20, 10},
      {"tree", "plant", 30, 160, 40, 12},        {"saxophone", "instrument", 230, 200, 40, 8}};
  PictureCorpus corpus;
  corpus.sizes = {kSize};
  std::vector<float> all;
  for (const Pic& p : pics) {
    CorpusItem it;
    it.id = std::string("test:") + p.concept_id;
    it.source = "test";
    it.file = it.id;
    it.licence = "CC0-1.0";
    it.concept_id = p.concept_id;
    it.category = p.category;
    it.caption = p.concept_id;
    corpus.items.push_back(it);
    const float rgb[3] = {p.r, p.g, p.b};
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x)
          all.push_back(std::hypot(x + 0.5f - 16, y + 0.5f - 16) <= p.radius ? rgb[c] : 128.0f);
  }
  corpus.images.push_back(
      Tensor::from_vector(all, {(int64_t)corpus.items.size(), 3, kSize, kSize}));
  return corpus;
}

SceneOptions small_scenes() {
  SceneOptions o;
  o.size = 16;
  return o;
}

models::ClipJudgeConfig tiny_judge() {
  models::ClipJudgeConfig c;
  c.widths = {8, 16};
  c.image_size = 16;
  c.embed_dim = 8;
  c.text_hidden = 16;
  c.temperature = 0.1;
  return c;
}

// The corpus's pictures at the scenes' 16 px (every other pixel), in [0, 1].
Tensor pictures_16(const PictureCorpus& corpus) {
  std::vector<float> px = corpus.images[0].to_vector(), out;
  const int64_t n = (int64_t)corpus.items.size();
  for (int64_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < kSize; y += 2)
        for (int x = 0; x < kSize; x += 2)
          out.push_back(px[(size_t)(((i * 3 + c) * kSize + y) * kSize + x)] / 255.0f);
  return Tensor::from_vector(out, {n, 3, 16, 16});
}

std::vector<app::JudgeExample> examples_of(const PictureCorpus& corpus) {
  std::vector<app::JudgeExample> out;
  for (size_t i = 0; i < corpus.items.size(); ++i)
    out.push_back({(int64_t)i, corpus.items[i].concept_id, corpus.items[i].caption});
  return out;
}

std::vector<std::string> concepts_of(const PictureCorpus& corpus) {
  std::set<std::string> s;
  for (const CorpusItem& it : corpus.items) s.insert(it.concept_id);
  return {s.begin(), s.end()};
}

app::ClipJudgeTrainOptions scene_options(const SceneIndex& index) {
  app::ClipJudgeTrainOptions o;
  o.steps = 12;
  o.batch_size = 6;
  o.learning_rate = 1e-2;
  o.warmup_steps = 2;
  o.log_every_seconds = 1e9;
  o.concept_text_share = 1.0;  // a single picture's text is its concept id
  o.scenes = &index;
  o.scene_fraction = 0.5;
  o.scene_seed = 7;
  return o;
}

}  // namespace

TEST_CASE("judge scenes: a step's scenes depend on the step alone, with distinct captions") {
  PictureCorpus corpus = disc_corpus();
  SceneIndex index(corpus, small_scenes());
  app::SceneBatch a = app::step_scenes(index, 7, 5, 6, 3);
  app::SceneBatch b = app::step_scenes(index, 7, 5, 6, 3);
  REQUIRE(a.captions.size() == 3);
  CHECK(a.images.shape() == Shape{3, 3, 16, 16});
  CHECK(a.captions == b.captions);
  CHECK(a.images.to_vector() == b.images.to_vector());
  CHECK(std::set<std::string>(a.captions.begin(), a.captions.end()).size() == 3);
  for (float v : a.images.to_vector()) CHECK((v >= 0.0f && v <= 1.0f));
  CHECK(std::is_sorted(a.concepts.begin(), a.concepts.end()));
  CHECK(app::step_scenes(index, 7, 6, 6, 3).captions != a.captions);  // the next step: others
  CHECK(app::step_scenes(index, 8, 5, 6, 3).captions != a.captions);  // another seed: others
  // The step's scenes are scene_seed(seed, step * batch + i): the set's scenes 30, 31, ...
  Scene first = compose_scene(index, scene_seed(7, 5 * 6));
  CHECK(a.captions[0] == first.caption);
}

TEST_CASE(
    "judge scenes: the scene mix is the step's scenes; no single picture shows their "
    "concepts; two runs are identical") {
  PictureCorpus corpus = disc_corpus();
  SceneIndex index(corpus, small_scenes());
  Tensor x = pictures_16(corpus);
  std::vector<app::JudgeExample> examples = examples_of(corpus);
  const std::vector<std::string> names = concepts_of(corpus);
  app::ClipJudgeTrainOptions o = scene_options(index);
  Rng rng(3);
  models::ClipJudge judge(
      tiny_judge(),
      models::PromptTokenizer::build(app::judge_vocabulary_texts(examples, names, true)), rng);
  app::ClipJudgeTask task(judge, x, examples, o);
  int64_t scenes_seen = 0;
  for (int64_t step = 0; step < 6; ++step) {
    task.training_step(step);
    app::SceneBatch s = app::step_scenes(index, 7, step, 6, 3);
    const std::vector<std::string>& t = task.last_texts();
    REQUIRE(t.size() == 6);
    const size_t singles = 6 - s.captions.size();
    CHECK(std::vector<std::string>(t.begin() + (long)singles, t.end()) == s.captions);
    for (size_t i = 0; i < singles; ++i)
      CHECK_MESSAGE(!std::binary_search(s.concepts.begin(), s.concepts.end(), t[i]), "step ", step,
                    ": '", t[i], "' is also in a scene");
    scenes_seen += (int64_t)s.captions.size();
  }
  CHECK(scenes_seen == 18);

  // A resumed run starting at step 4 composes step 4's scenes: the tail is the same function.
  app::ClipJudgeTask fresh(judge, x, examples, o);
  fresh.training_step(4);
  const std::vector<std::string>& t4 = fresh.last_texts();
  app::SceneBatch s4 = app::step_scenes(index, 7, 4, 6, 3);
  CHECK(std::vector<std::string>(t4.end() - (long)s4.captions.size(), t4.end()) == s4.captions);

  // Determinism: two runs from the same seeds end with the same loss and the same weights.
  auto run = [&](double fraction) {
    Rng r(5);
    models::ClipJudge j(
        tiny_judge(),
        models::PromptTokenizer::build(app::judge_vocabulary_texts(examples, names, true)), r);
    app::ClipJudgeTrainOptions oo = o;
    oo.scene_fraction = fraction;
    std::ostringstream log;
    double loss = app::train_clip_judge(j, x, examples, oo, log);
    std::vector<float> w;
    for (auto& [name, t] : j.state_dict()) {
      std::vector<float> v = t.to_vector();
      w.insert(w.end(), v.begin(), v.end());
    }
    return std::make_pair(loss, w);
  };
  auto one = run(0.5), two = run(0.5), none = run(0.0);
  CHECK(one.first == two.first);
  CHECK(one.second == two.second);
  CHECK(one.second != none.second);  // the scenes are trained on

  o.scenes = nullptr;
  CHECK_THROWS_WITH_AS(app::ClipJudgeTask(judge, x, examples, o),
                       doctest::Contains("needs a scene index"), Error);
}

TEST_CASE("judge scenes: the vocabulary knows every word a scene caption can use") {
  PictureCorpus corpus = disc_corpus();
  SceneIndex index(corpus, small_scenes());
  std::vector<app::JudgeExample> examples = examples_of(corpus);
  const std::vector<std::string> names = concepts_of(corpus);
  models::PromptTokenizer with =
      models::PromptTokenizer::build(app::judge_vocabulary_texts(examples, names, true));
  models::PromptTokenizer without =
      models::PromptTokenizer::build(app::judge_vocabulary_texts(examples, names, false));
  auto known = [](const models::PromptTokenizer& tok, const std::string& text) {
    for (int64_t id : tok.encode(text, 64))
      if (id == models::PromptTokenizer::kUnk) return false;
    return true;
  };
  CHECK(!known(without, "calm"));  // the captions alone do not know the music's words
  for (Mood m : all_moods()) CHECK_MESSAGE(known(with, mood_name(m)), mood_name(m));
  for (Energy e : all_energies()) CHECK_MESSAGE(known(with, energy_name(e)), energy_name(e));
  for (const GenreRule& g : genre_rules()) CHECK_MESSAGE(known(with, g.genre), g.genre);
  for (const char* c :
       {"red", "orange", "yellow", "green", "blue", "purple", "pink", "black", "white", "grey"})
    CHECK_MESSAGE(known(with, c), c);
  for (const std::string& c : names) CHECK(known(with, plural(c)));
  // Every background, every mood, with and without a genre: each caption's every word is known.
  for (int64_t i = 0; i < 400; ++i) {
    Scene s = compose_scene(index, scene_seed(11, i));
    CHECK_MESSAGE(known(with, s.caption), s.caption);
  }
  for (Background b : all_backgrounds()) {
    SceneOptions so = small_scenes();
    so.recipe.background = b;
    SceneIndex fixed(corpus, so);
    for (int64_t i = 0; i < 12; ++i) {
      Scene s = compose_scene(fixed, scene_seed(13, i));
      CHECK_MESSAGE(known(with, s.caption), s.caption);
    }
  }
}
