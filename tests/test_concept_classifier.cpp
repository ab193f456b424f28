// test_concept_classifier.cpp — the concept classifier across styles
// (apps/train/concept_classifier_task.h) on a tiny picture corpus made in the test: four colour
// concepts drawn by three "sources" (a filled square, a frame, a disc), split by the corpus's
// held-out rule and the validation split; training validates on schedule, keeps the weights of
// its best validation point, and classifies held-out pictures far above chance. Also: the two
// trainers' configs document every key, and the shipped judge and classifier files load.
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "apps/eval/image_quality.h"
#include "apps/train/clip_judge_task.h"
#include "apps/train/concept_classifier_task.h"
#include "data/pictures/validation_split.h"
#include "engine/check.h"
#include "engine/config.h"

using namespace syn;
using namespace syn::pictures;

namespace {

const int64_t S = 16;
const float kColours[4][3] = {
    {0.9f, 0.1f, 0.1f}, {0.1f, 0.2f, 0.9f}, {0.1f, 0.8f, 0.2f}, {0.9f, 0.85f, 0.1f}};

// Picture of colour `c` in style `style` (0 square, 1 frame, 2 disc), shade varied by `k`.
std::vector<float> picture(int c, int style, int k) {
  std::vector<float> img((size_t)(3 * S * S), 0.5f);
  const float shade = 0.8f + 0.05f * (float)k;
  for (int64_t y = 2; y < S - 2; ++y)
    for (int64_t x = 2; x < S - 2; ++x) {
      const bool edge = y < 4 || y >= S - 4 || x < 4 || x >= S - 4;
      const int64_t dx = x - S / 2, dy = y - S / 2;
      if ((style == 1 && !edge) || (style == 2 && dx * dx + dy * dy > 30)) continue;
      for (int64_t ch = 0; ch < 3; ++ch)
        img[(size_t)(ch * S * S + y * S + x)] = kColours[c][ch] * shade;
    }
  return img;
}

}  // namespace

TEST_CASE("concept classifier: a tiny corpus, validation-chosen weights, held-out pictures") {
  const std::vector<std::string> sources = {"square", "frame", "disc"};
  std::vector<CorpusItem> items;
  std::vector<std::vector<float>> pics;
  for (int c = 0; c < 4; ++c)
    for (int s = 0; s < 3; ++s)
      for (int k = 0; k < 5; ++k) {
        CorpusItem it;
        it.source = sources[(size_t)s];
        it.concept_id = "colour" + std::to_string(c);
        it.id = it.source + ":" + it.concept_id + "_" + std::to_string(k);
        it.split_key = it.source + "|" + it.id;
        items.push_back(it);
        pics.push_back(picture(c, s, k));
      }
  assign_split(items, 15, {}, nullptr);
  const CorpusSplits splits = split_with_validation(items, 20, {});
  REQUIRE(!splits.validation.empty());
  REQUIRE(!splits.heldout.empty());
  auto take = [&](const std::vector<int64_t>& rows, std::vector<int64_t>* labels) {
    std::vector<float> v;
    for (int64_t r : rows) {
      v.insert(v.end(), pics[(size_t)r].begin(), pics[(size_t)r].end());
      labels->push_back(items[(size_t)r].concept_id.back() - '0');
    }
    return Tensor::from_vector(v, {(int64_t)rows.size(), 3, S, S});
  };
  std::vector<int64_t> train_labels, held_labels;
  const Tensor train = take(splits.train, &train_labels);
  app::ConceptEvalSet val;
  val.images = take(splits.validation, &val.labels);
  const Tensor held = take(splits.heldout, &held_labels);

  models::EmojiClassifierConfig cfg;
  cfg.num_classes = 4;
  cfg.widths = {8, 16};
  cfg.image_size = S;
  Rng rng(5);
  models::EmojiClassifier net(cfg, rng);
  app::ClassifierTrainOptions o;
  o.steps = 120;
  o.batch_size = 16;
  o.learning_rate = 1e-2;
  o.warmup_steps = 10;
  o.augment.max_shift = 1;
  o.seed = 6;
  o.log_every_seconds = 1e9;
  std::ostringstream log;
  const app::ConceptTrainReport r =
      app::train_concept_classifier(net, train, train_labels, o, val, 40, true, log);
  REQUIRE(r.curve.size() == 3);  // steps 40, 80 and the end
  CHECK(r.curve.back().step == 120);
  const app::ConceptValidationPoint* best = &r.curve[0];
  for (const app::ConceptValidationPoint& p : r.curve)
    if (p.top1 > best->top1 || (p.top1 == best->top1 && p.top5 > best->top5)) best = &p;
  CHECK(r.best_step == best->step);
  CHECK(log.str().find("validation step 40") != std::string::npos);
  // The model holds the kept weights: validation measured again gives the kept figure.
  net.eval();
  CHECK(quality::classify(net, val.images, val.labels).top1 == doctest::Approx(best->top1));
  const quality::ClassifyResult h = quality::classify(net, held, held_labels);
  MESSAGE("held-out top-1 ", h.top1, " over ", h.counted, "; ", log.str());
  CHECK(h.top1 >= 0.75);  // chance 0.25

  app::ConceptEvalSet empty;
  CHECK_THROWS_WITH_AS(
      app::train_concept_classifier(net, train, train_labels, o, empty, 40, true, log),
      doctest::Contains("the validation images"), Error);
}

TEST_CASE("the trainers' configs document every key; the shipped judge and classifier load") {
  for (const char* f : {"train_concept_classifier.yaml", "train_clip_judge.yaml"}) {
    Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/" + f);
    CHECK_MESSAGE(cfg.undocumented_keys().empty(), f);
  }
  const std::string dir = std::string(SYN_SOURCE_DIR) + "/models/weights/";
  std::map<std::string, std::string> meta;
  auto judge = models::load_clip_judge(dir + "clip_judge.synckpt", &meta);
  CHECK(judge->config().image_size == 32);
  CHECK(meta.count("selected_step") == 1);
  CHECK(meta.at("splits").find("validation") != std::string::npos);
  Tensor unit = judge->encode_texts({"guitar", "red heart"});
  CHECK(unit.shape() == Shape{2, judge->config().embed_dim});
  models::LoadedEmojiClassifier c =
      models::load_emoji_classifier(dir + "concept_classifier.synckpt");
  CHECK(c.concepts.size() == 510);
  CHECK(c.meta.count("heldout") == 0);  // chosen on validation; held-out figures in the README
  CHECK(c.meta.at("validation").find("top1") != std::string::npos);
}
