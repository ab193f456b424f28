// test_image_quality.cpp — the image-quality measurements (apps/eval/image_quality.h) on known
// answers: concepts and prompt matching, top-1 / top-5 scoring, nearest training image (distance
// 0 and the right index for a copy), the noise and retrieval baselines, RGB histograms and their
// distances (0 for identical sets, maximal for red against blue), mean HSV; and the committed
// evaluation prompts (config/imagine_prompts.txt) and classifier weights, when present.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "apps/eval/image_quality.h"
#include "data/datasets/emoji_dataset.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;
namespace fs = std::filesystem;

// A set of n images [n, 3, S, S] of one RGB colour.
static Tensor flat(int64_t n, int64_t S, float r, float g, float b) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i)
    for (float c : {r, g, b}) v.insert(v.end(), (size_t)(S * S), c);
  return Tensor::from_vector(v, {n, 3, S, S});
}

// Concepts as the dataset names them (a subset, in dataset order).
static const std::vector<std::string> kConcepts{"red heart",
                                                "heart on fire",
                                                "woman singer",
                                                "woman dancing",
                                                "man dancing",
                                                "sun",
                                                "sun with face",
                                                "sun behind cloud",
                                                "sun behind small cloud",
                                                "star",
                                                "night with stars",
                                                "fire",
                                                "water wave",
                                                "guitar",
                                                "musical note",
                                                "musical notes",
                                                "red circle",
                                                "cloud with rain",
                                                "snow-capped mountain"};

static int64_t id(const std::string& name) {
  auto it = std::find(kConcepts.begin(), kConcepts.end(), name);
  REQUIRE(it != kConcepts.end());
  return (int64_t)(it - kConcepts.begin());
}

// ---- text ----

TEST_CASE("concepts are split keys: skin-tone variants share one") {
  const std::vector<std::string> captions{"woman dancing", "woman dancing: light skin tone",
                                          "guitar", "woman dancing: dark skin tone", "man dancing"};
  const auto concepts = quality::concept_list(captions);
  CHECK(concepts == std::vector<std::string>{"woman dancing", "guitar", "man dancing"});
  CHECK(quality::concept_ids(captions, concepts) == std::vector<int64_t>{0, 0, 1, 0, 2});
  CHECK(quality::concept_ids({"violin"}, concepts) == std::vector<int64_t>{-1});
}

TEST_CASE("text_words lower-cases, splits, drops stop words and stems") {
  CHECK(quality::text_words("The Stars over a Snow-capped MOUNTAIN!") ==
        std::vector<std::string>{"star", "snow", "cap", "mountain"});
  CHECK(quality::text_words("musical notes, musical note") ==
        std::vector<std::string>{"music", "note"});
  CHECK(quality::text_words("with the of").empty());
}

TEST_CASE("concept_of: exact caption first, then the best word match") {
  // exact, after normalisation (case, punctuation), and a full caption's split key
  CHECK(quality::concept_of("guitar", kConcepts) == id("guitar"));
  CHECK(quality::concept_of("RED HEART!", kConcepts) == id("red heart"));
  CHECK(quality::concept_of("woman dancing: medium skin tone", kConcepts) == id("woman dancing"));
  CHECK(quality::concept_of("man dancing", kConcepts) == id("man dancing"));  // not "woman ..."
  CHECK(quality::concept_of("musical notes", kConcepts) == id("musical notes"));
  // word matches: most words shared, then the larger share of the concept's words
  CHECK(quality::concept_of("a woman dancing under the stars", kConcepts) == id("woman dancing"));
  CHECK(quality::concept_of("a dancing man", kConcepts) == id("man dancing"));
  CHECK(quality::concept_of("the sun", kConcepts) == id("sun"));  // 1/1 beats 1/2 and 1/3
  CHECK(quality::concept_of("the sun behind a cloud", kConcepts) == id("sun behind cloud"));
  CHECK(quality::concept_of("bright fire", kConcepts) == id("fire"));  // not "heart on fire"
  CHECK(quality::concept_of("stars in the night", kConcepts) == id("night with stars"));
  CHECK(quality::concept_of("a singing woman", kConcepts) == id("woman singer"));  // "woman" only
  CHECK(quality::concept_of("snowcapped peaks", kConcepts) == -1);
  CHECK(quality::concept_of("an elephant", kConcepts) == -1);
  CHECK(quality::concept_of("", kConcepts) == -1);
}

TEST_CASE("load_prompts skips comments and blank lines and trims") {
  const std::string p = (fs::temp_directory_path() / "syn_test_image_quality_prompts.txt").string();
  {
    std::ofstream out(p);
    out << "# a comment\n\n  guitar  \nwoman dancing\r\n   \n# another\nfire";
  }
  CHECK(quality::load_prompts(p) == std::vector<std::string>{"guitar", "woman dancing", "fire"});
  {
    std::ofstream out(p);
    out << "# only comments\n\n";
  }
  CHECK_THROWS_WITH_AS(quality::load_prompts(p), doctest::Contains("holds no prompt"), Error);
  fs::remove(p);
  CHECK_THROWS_WITH_AS(quality::load_prompts(p),
                       doctest::Contains(("prompt list '" + p + "': cannot open").c_str()), Error);
}

// ---- classification scoring ----

TEST_CASE("score_logits: top-1, top-5, ranks, uncounted images and ties") {
  // 3 images, 7 classes.
  const std::vector<float> v{
      0.0f, 5.0f, 1.0f, 2.0f, 3.0f, 4.0f, -1.0f,  // true 1: rank 0
      6.0f, 5.0f, 4.0f, 3.0f, 2.0f, 1.0f, 0.0f,   // true 5: rank 5 (outside the top 5)
      1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f,   // all tied, true 3: rank 3 (lower indices win)
      9.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};  // no concept: not counted
  Tensor logits = Tensor::from_vector(v, {4, 7});
  quality::ClassifyResult r = quality::score_logits(logits, {1, 5, 3, -1});
  CHECK(r.counted == 3);
  CHECK(r.rank == std::vector<int64_t>{0, 5, 3, -1});
  CHECK(r.predicted == std::vector<int64_t>{1, 0, 0, 0});
  CHECK(r.top1 == doctest::Approx(1.0 / 3.0));
  CHECK(r.top5 == doctest::Approx(2.0 / 3.0));
  CHECK_THROWS_WITH_AS(quality::score_logits(logits, {1, 2}), doctest::Contains("2 concept ids"),
                       Error);
  CHECK_THROWS_WITH_AS(quality::score_logits(logits, {1, 7, 0, 0}),
                       doctest::Contains("concept id 7"), Error);
}

TEST_CASE("classify runs the model in eval mode on batches and restores its mode") {
  Rng rng(1);
  models::EmojiClassifierConfig cfg;
  cfg.num_classes = 5;
  cfg.widths = {4, 8};
  cfg.image_size = 8;
  models::EmojiClassifier net(cfg, rng);
  Tensor x = Tensor::uniform({7, 3, 8, 8}, rng, 0.0f, 1.0f);
  Tensor whole = quality::classifier_logits(net, x, 100);
  Tensor batched = quality::classifier_logits(net, x, 3);  // 3 + 3 + 1
  CHECK(whole.shape() == Shape{7, 5});
  // Eval mode: no batch statistics, so batching changes nothing beyond GEMM rounding.
  test::check_close(batched, whole, "batched logits", 1e-5f, 1e-5f);
  CHECK(net.is_training());
  quality::ClassifyResult r = quality::classify(net, x, {0, 1, 2, 3, 4, 0, -1});
  CHECK(r.counted == 6);
  CHECK(r.predicted == quality::score_logits(whole, std::vector<int64_t>(7, -1)).predicted);
}

// ---- memorisation ----

TEST_CASE("nearest_images: a copy is at distance 0 with the right index; RMS distances") {
  Rng rng(2);
  Tensor ref = Tensor::uniform({10, 3, 8, 8}, rng, 0.0f, 1.0f);
  const std::vector<float> r = ref.to_vector();
  const int64_t D = 3 * 8 * 8;
  std::vector<float> q((size_t)(2 * D));
  for (int64_t k = 0; k < D; ++k) {
    q[(size_t)k] = r[(size_t)(3 * D + k)];  // an exact copy of image 3
    q[(size_t)(D + k)] = r[(size_t)(7 * D + k)] + ((k % 2) ? 0.01f : -0.01f);  // image 7, moved
  }
  Tensor queries = Tensor::from_vector(q, {2, 3, 8, 8});
  quality::NearestResult nn = quality::nearest_images(queries, ref);
  CHECK(nn.index == std::vector<int64_t>{3, 7});
  CHECK(nn.distance[0] == 0.0);
  CHECK(nn.distance[1] == doctest::Approx(0.01).epsilon(1e-3));
  CHECK(nn.min_distance == 0.0);
  CHECK(nn.max_distance == doctest::Approx(0.01).epsilon(1e-3));
  CHECK(nn.mean_distance == doctest::Approx(0.005).epsilon(1e-3));

  // Flat images: 0.5 is nearest to 0.6 (distance 0.1), not 0.3.
  Tensor refs = Tensor::from_vector(
      [] {
        std::vector<float> v(3 * 4 * 4, 0.3f);
        v.insert(v.end(), 3 * 4 * 4, 0.6f);
        return v;
      }(),
      {2, 3, 4, 4});
  quality::NearestResult f = quality::nearest_images(flat(1, 4, 0.5f, 0.5f, 0.5f), refs);
  CHECK(f.index[0] == 1);
  CHECK(f.distance[0] == doctest::Approx(0.1).epsilon(1e-5));
  CHECK_THROWS_WITH_AS(quality::nearest_images(flat(1, 8, 0, 0, 0), refs),
                       doctest::Contains("differ in size"), Error);
}

// ---- baselines ----

TEST_CASE("noise_images is deterministic per seed, uniform in [0, 1)") {
  Tensor a = quality::noise_images(4, 9), b = quality::noise_images(4, 9),
         c = quality::noise_images(4, 10);
  CHECK(a.shape() == Shape{4, 3, 32, 32});
  CHECK(a.to_vector() == b.to_vector());
  CHECK(a.to_vector() != c.to_vector());
  double mean = 0.0;
  for (float v : a.to_vector()) {
    REQUIRE((v >= 0.0f && v < 1.0f));
    mean += v;
  }
  mean /= (double)a.numel();
  CHECK(mean == doctest::Approx(0.5).epsilon(0.02));  // 12,288 values: σ of the mean ≈ 0.0026
  CHECK(quality::noise_images(2, 9, 16).shape() == Shape{2, 3, 16, 16});
}

TEST_CASE("retrieval baseline: the training image whose caption matches the prompt best") {
  const std::vector<std::string> captions{
      "guitar", "woman dancing", "woman dancing: dark skin tone", "red heart", "heart on fire"};
  std::vector<float> v;
  for (int i = 0; i < 5; ++i) v.insert(v.end(), 3 * 4 * 4, 0.1f * (float)(i + 1));
  Tensor ref = Tensor::from_vector(v, {5, 3, 4, 4});
  const std::vector<std::string> prompts{"a red heart", "woman dancing", "xylophone",
                                         "a woman dancing with dark skin tone", "fire"};
  CHECK(quality::retrieve_by_caption(prompts, captions) == std::vector<int64_t>{3, 1, -1, 2, 4});
  Tensor got = quality::retrieval_images(prompts, captions, ref);
  REQUIRE(got.shape() == Shape{5, 3, 4, 4});
  const std::vector<float> g = got.to_vector();
  const float expect[5] = {0.4f, 0.2f, 128.0f / 255.0f, 0.3f, 0.5f};
  for (int p = 0; p < 5; ++p)
    for (int k = 0; k < 48; ++k) REQUIRE(g[(size_t)(p * 48 + k)] == expect[p]);
  CHECK_THROWS_WITH_AS(quality::retrieval_images(prompts, {"guitar"}, ref),
                       doctest::Contains("1 captions"), Error);
}

// ---- colour ----

TEST_CASE("rgb_histogram sums to 1 and puts known colours in known bins") {
  Rng rng(3);
  std::vector<double> h = quality::rgb_histogram(Tensor::uniform({3, 3, 8, 8}, rng, 0.0f, 1.0f));
  REQUIRE(h.size() == 64);
  CHECK(std::accumulate(h.begin(), h.end(), 0.0) == doctest::Approx(1.0));
  // Pure red: r = 1 falls in the last bin (3), g = b = 0 in bin 0: (3·4 + 0)·4 + 0 = 48.
  std::vector<double> red = quality::rgb_histogram(flat(2, 4, 1, 0, 0));
  CHECK(red[48] == 1.0);
  // Half red, half blue (0, 0, 1 → bin 3): 0.5 each; a single image [3, H, W] works too.
  std::vector<float> v(3 * 2 * 2, 0.0f);
  v[0] = v[1] = 1.0f;    // red channel of pixels 0, 1
  v[10] = v[11] = 1.0f;  // blue channel of pixels 2, 3
  std::vector<double> mix = quality::rgb_histogram(Tensor::from_vector(v, {3, 2, 2}));
  CHECK(mix[48] == 0.5);
  CHECK(mix[3] == 0.5);
  // Two bins per channel: grey 0.5 is in the upper half (floor(0.5·2) = 1): bin 7.
  CHECK(quality::rgb_histogram(flat(1, 2, 0.5f, 0.5f, 0.5f), 2)[7] == 1.0);
  CHECK_THROWS_WITH_AS(quality::rgb_histogram(Tensor::zeros({2, 4, 4})), doctest::Contains("RGB"),
                       Error);
}

TEST_CASE("histogram distances: 0 for identical sets, 1 for red against blue") {
  Rng rng(4);
  Tensor a = Tensor::uniform({4, 3, 8, 8}, rng, 0.0f, 1.0f);
  CHECK(quality::colour_distance(a, a) == 0.0);
  const auto ha = quality::rgb_histogram(a);
  CHECK(quality::histogram_chi2_distance(ha, ha) == 0.0);
  Tensor red = flat(3, 8, 0.9f, 0.1f, 0.1f), blue = flat(5, 8, 0.1f, 0.1f, 0.9f);
  CHECK(quality::colour_distance(red, blue) == 1.0);
  const auto hr = quality::rgb_histogram(red), hb = quality::rgb_histogram(blue);
  CHECK(quality::histogram_l1_distance(hr, hb) == 1.0);
  CHECK(quality::histogram_chi2_distance(hr, hb) == 1.0);
  // Half the mass shared: L1 = 0.5·(0 + 0.5 + 0.5), chi² = 0.5·(0 + 0.25/0.5 + 0.25/0.5).
  std::vector<double> p{0.5, 0.5, 0.0}, q{0.5, 0.0, 0.5};
  CHECK(quality::histogram_l1_distance(p, q) == doctest::Approx(0.5));
  CHECK(quality::histogram_chi2_distance(p, q) == doctest::Approx(0.5));
  // Any distance lies in [0, 1] and is symmetric.
  const double d = quality::colour_distance(a, red);
  CHECK(d > 0.0);
  CHECK(d <= 1.0);
  CHECK(d == doctest::Approx(quality::colour_distance(red, a)));
  CHECK_THROWS_WITH_AS(quality::histogram_l1_distance(p, {1.0}), doctest::Contains("3 and 1 bins"),
                       Error);
}

TEST_CASE("mean_hsv on known colours") {
  quality::HsvStats red = quality::mean_hsv(flat(2, 4, 1, 0, 0));
  CHECK(red.hue == doctest::Approx(0.0));
  CHECK(red.hue_strength == doctest::Approx(1.0));
  CHECK(red.saturation == doctest::Approx(1.0));
  CHECK(red.value == doctest::Approx(1.0));
  CHECK(quality::mean_hsv(flat(1, 4, 0, 0, 1)).hue == doctest::Approx(240.0));
  CHECK(quality::mean_hsv(flat(1, 4, 0, 0.5f, 0)).hue == doctest::Approx(120.0));
  quality::HsvStats dark_blue = quality::mean_hsv(flat(1, 4, 0.0f, 0.0f, 0.5f));
  CHECK(dark_blue.value == doctest::Approx(0.5));
  CHECK(dark_blue.saturation == doctest::Approx(1.0));
  // Grey has no hue: saturation 0 and no dominant hue.
  quality::HsvStats grey = quality::mean_hsv(flat(1, 4, 0.5f, 0.5f, 0.5f));
  CHECK(grey.saturation == 0.0);
  CHECK(grey.hue_strength == 0.0);
  // Red and green in equal parts: the circular mean is yellow (60°), the vector half as long
  // as one colour's (cos 60°).
  Tensor rg = Tensor::from_vector(
      [] {
        std::vector<float> v;
        for (float c : {1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f}) v.push_back(c);  // R, G, B of 2 pixels
        return v;
      }(),
      {3, 1, 2});
  quality::HsvStats mix = quality::mean_hsv(rg);
  CHECK(mix.hue == doctest::Approx(60.0));
  CHECK(mix.hue_strength == doctest::Approx(0.5));
  // Red and blue pictures differ in mean hue by 120° around the circle (0° against 240°).
  CHECK(std::fabs(quality::mean_hsv(flat(1, 4, 0.9f, 0.1f, 0.1f)).hue -
                  quality::mean_hsv(flat(1, 4, 0.1f, 0.1f, 0.9f)).hue) == doctest::Approx(240.0));
}

// ---- the committed prompts and weights ----

static std::string source(const std::string& rel) {
  return std::string(SYN_SOURCE_DIR) + "/" + rel;
}

TEST_CASE("config/imagine_prompts.txt names train-split concepts of the committed classifier") {
  const std::vector<std::string> prompts =
      quality::load_prompts(source("config/imagine_prompts.txt"));
  CHECK(prompts.size() >= 20);
  CHECK(prompts.size() <= 30);
  for (const std::string& p : prompts) {
    CAPTURE(p);
    CHECK_FALSE(is_held_out(p, 10));  // the dataset's default 10 % held-out split
  }
  const std::string weights = source("models/weights/emoji_classifier.synckpt");
  if (!fs::exists(weights)) {
    MESSAGE("skipped the weight checks: ", weights, " is absent");
    return;
  }
  models::LoadedEmojiClassifier clf = models::load_emoji_classifier(weights);
  CHECK(clf.concepts.size() == 198);
  CHECK(clf.meta.count("accuracy"));
  CHECK(clf.meta.count("command"));
  std::vector<int64_t> ids;
  for (const std::string& p : prompts) {
    CAPTURE(p);
    const int64_t c = quality::concept_of(p, clf.concepts);
    REQUIRE(c >= 0);
    CHECK(clf.concepts[(size_t)c] == split_key(p));  // each prompt names its concept exactly
    ids.push_back(c);
  }
  // Every prompt names a different concept.
  std::vector<int64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  // Noise is not recognised as the prompts' concepts (chance top-1 would be 1/198).
  quality::ClassifyResult noise =
      quality::classify(*clf.model, quality::noise_images((int64_t)ids.size(), 1), ids);
  CHECK(noise.top1 <= 0.2);
}
