// test_emoji_classifier.cpp — the image augmentations (data/images/image_augment.h) and the emoji
// concept classifier (models/emoji_classifier.h, apps/train/emoji_classifier_task.h):
// determinism per seed, shapes and ranges, exact integer translation, zoom, blur, brightness,
// contrast and noise on known patterns; forward shapes, parameter names, save/load round trips
// (fp32 exact, fp16 close) and load errors; and a tiny training on synthetic coloured shapes
// (one picture per class, as with emoji) that must reach high accuracy on fresh views.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/train/emoji_classifier_task.h"
#include "data/images/image_augment.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/config.h"
#include "engine/ops/elementwise.h"
#include "models/emoji_classifier.h"
#include "tests/support/fixtures.h"

using namespace syn;
namespace fs = std::filesystem;

static const float kGrey = 128.0f / 255.0f;

static Tensor random_images(int64_t n, int64_t size, uint64_t seed) {
  Rng rng(seed);
  return Tensor::uniform({n, 3, size, size}, rng, 0.0f, 1.0f);
}

static std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("syn_test_emoji_classifier_" + name)).string();
}

// A planar [3, S, S] image of background grey.
static std::vector<float> grey_image(int64_t S) {
  return std::vector<float>((size_t)(3 * S * S), kGrey);
}

// ---- augmentation ----

TEST_CASE("augment_batch is deterministic per seed and keeps shapes and the [0, 1] range") {
  Tensor x = random_images(6, 32, 3);
  ImageAugmentOptions o;
  Rng a(11), b(11), c(12);
  Tensor va = augment_batch(x, o, a), vb = augment_batch(x, o, b), vc = augment_batch(x, o, c);
  CHECK(va.shape() == x.shape());
  CHECK(va.to_vector() == vb.to_vector());  // same seed: bit-identical
  CHECK(va.to_vector() != vc.to_vector());  // another seed: other views
  CHECK(va.to_vector() != x.to_vector());
  for (float v : va.to_vector()) REQUIRE((v >= 0.0f && v <= 1.0f));
  // The generator advanced: the next batch holds other views.
  CHECK(augment_batch(x, o, a).to_vector() != va.to_vector());
  // A single image [3, H, W] is accepted, and it gets the same view as image 0 of a batch drawn
  // from the same seed (one seed per image, in order).
  std::vector<float> all = x.to_vector();
  Tensor first =
      Tensor::from_vector(std::vector<float>(all.begin(), all.begin() + 3 * 32 * 32), {3, 32, 32});
  Rng d(11);
  Tensor one = augment_batch(first, o, d);
  CHECK(one.shape() == Shape{3, 32, 32});
  std::vector<float> va0 = va.to_vector();
  va0.resize(3 * 32 * 32);
  CHECK(one.to_vector() == va0);
  // Bad shapes are named.
  Rng e(1);
  CHECK_THROWS_WITH_AS(augment_batch(Tensor::zeros({2, 1, 8, 8}), o, e),
                       doctest::Contains("[2, 1, 8, 8]"), Error);
}

TEST_CASE("translation by k pixels moves a known pattern by exactly k, filling with grey") {
  const int64_t S = 12;
  std::vector<float> img = grey_image(S);
  // A distinct value at every pixel of a 2×3 block in each channel, plus one lone pixel.
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t y = 4; y < 6; ++y)
      for (int64_t x = 5; x < 8; ++x)
        img[(size_t)(c * S * S + y * S + x)] = 0.1f + 0.001f * (float)(c * 100 + y * 10 + x);
    img[(size_t)(c * S * S + 0 * S + 11)] = 1.0f;  // top-right corner: shifted out when dx > 0
  }
  for (auto [ky, kx] : {std::pair{2, -3}, std::pair{-1, 1}, std::pair{3, 3}, std::pair{0, 0}}) {
    CAPTURE(ky);
    CAPTURE(kx);
    std::vector<float> out(img.size());
    warp_image(img.data(), out.data(), 3, S, S, 1.0f, ky, kx, kGrey);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < S; ++y)
        for (int64_t x = 0; x < S; ++x) {
          const int64_t sy = y - ky, sx = x - kx;
          const float expect = (sy < 0 || sy >= S || sx < 0 || sx >= S)
                                   ? kGrey
                                   : img[(size_t)(c * S * S + sy * S + sx)];
          REQUIRE(out[(size_t)(c * S * S + y * S + x)] == expect);  // exact: no interpolation
        }
    // The full pipeline with a shift-only draw moves it the same way (to rounding).
    ImageAugmentDraw d;
    d.shift_y = ky;
    d.shift_x = kx;
    std::vector<float> full(img.size());
    apply_augmentation(img.data(), full.data(), 3, S, S, d, kGrey);
    for (size_t i = 0; i < full.size(); ++i)
      REQUIRE(full[i] == doctest::Approx(out[i]).epsilon(1e-6));
  }
}

TEST_CASE("zoom about the centre scales a centred square's area by about scale²") {
  const int64_t S = 32;
  std::vector<float> img = grey_image(S);
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 8; y < 24; ++y)
      for (int64_t x = 8; x < 24; ++x) img[(size_t)(c * S * S + y * S + x)] = 1.0f;  // 16×16 white
  auto white_pixels = [&](float scale) {
    std::vector<float> out(img.size());
    warp_image(img.data(), out.data(), 3, S, S, scale, 0, 0, kGrey);
    int64_t n = 0;
    for (int64_t p = 0; p < S * S; ++p) n += out[(size_t)p] > 0.75f;
    // The zoom is centred: the pattern stays symmetric left/right.
    for (int64_t y = 0; y < S; ++y)
      for (int64_t x = 0; x < S; ++x)
        REQUIRE(out[(size_t)(y * S + x)] ==
                doctest::Approx(out[(size_t)(y * S + S - 1 - x)]).epsilon(1e-5));
    return n;
  };
  CHECK(white_pixels(1.0f) == 256);
  const int64_t half = white_pixels(0.5f), big = white_pixels(1.25f);
  CHECK(half >= 36);  // 8×8 = 64 ideally; bilinear edges lose or gain a row
  CHECK(half <= 100);
  CHECK(big >= 324);  // 20×20 = 400 ideally
  CHECK(big <= 484);
}

TEST_CASE("blur, brightness, contrast and noise do what they say") {
  const int64_t S = 10;
  // Blur: an impulse spreads as the outer product of [1 2 1] / 4; the total is kept.
  std::vector<float> imp((size_t)(S * S), 0.0f);
  imp[(size_t)(5 * S + 5)] = 1.0f;
  blur_image(imp.data(), 1, S, S);
  CHECK(imp[(size_t)(5 * S + 5)] == doctest::Approx(0.25));
  CHECK(imp[(size_t)(5 * S + 6)] == doctest::Approx(0.125));
  CHECK(imp[(size_t)(4 * S + 5)] == doctest::Approx(0.125));
  CHECK(imp[(size_t)(6 * S + 6)] == doctest::Approx(0.0625));
  CHECK(imp[(size_t)(5 * S + 7)] == 0.0f);
  double total = 0.0;
  for (float v : imp) total += v;
  CHECK(total == doctest::Approx(1.0));
  std::vector<float> flat((size_t)(S * S), 0.3f);
  blur_image(flat.data(), 1, S, S);
  for (float v : flat) REQUIRE(v == doctest::Approx(0.3f));

  // Brightness adds; contrast scales about the image mean (half 0.4, half 0.6: mean 0.5).
  std::vector<float> img((size_t)(3 * S * S));
  for (size_t i = 0; i < img.size(); ++i) img[i] = (i % 2) ? 0.6f : 0.4f;
  ImageAugmentDraw d;
  d.contrast = 1.5f;
  d.brightness = 0.1f;
  std::vector<float> out(img.size());
  apply_augmentation(img.data(), out.data(), 3, S, S, d, kGrey);
  for (size_t i = 0; i < out.size(); ++i)
    REQUIRE(out[i] == doctest::Approx((i % 2) ? 0.75 : 0.45).epsilon(1e-5));
  // Values are clamped to [0, 1].
  d.brightness = 0.9f;
  apply_augmentation(img.data(), out.data(), 3, S, S, d, kGrey);
  for (float v : out) REQUIRE(v == 1.0f);

  // Noise: zero-mean with the drawn sigma (3 × 32 × 32 samples: within ~3 % of 0.05).
  const int64_t N = 32;
  std::vector<float> grey((size_t)(3 * N * N), 0.5f), noisy(grey.size());
  ImageAugmentDraw nd;
  nd.noise_std = 0.05f;
  nd.noise_seed = 99;
  apply_augmentation(grey.data(), noisy.data(), 3, N, N, nd, kGrey);
  double m = 0.0, v2 = 0.0;
  for (float v : noisy) m += v;
  m /= (double)noisy.size();
  for (float v : noisy) v2 += (v - m) * (v - m);
  CHECK(m == doctest::Approx(0.5).epsilon(0.01));
  CHECK(std::sqrt(v2 / (double)noisy.size()) == doctest::Approx(0.05).epsilon(0.08));
}

TEST_CASE("draw_augmentation stays inside the configured ranges and rejects bad options") {
  ImageAugmentOptions o;
  Rng rng(4);
  bool any_blur = false, any_sharp = false;
  int shifts_seen = 0;
  std::vector<bool> seen(7, false);
  for (int i = 0; i < 500; ++i) {
    ImageAugmentDraw d = draw_augmentation(o, rng);
    REQUIRE((d.scale >= 0.8f && d.scale <= 1.1f));
    REQUIRE((d.shift_y >= -3 && d.shift_y <= 3 && d.shift_x >= -3 && d.shift_x <= 3));
    REQUIRE((d.contrast >= 0.85f && d.contrast <= 1.15f));
    REQUIRE(std::fabs(d.brightness) <= 0.08f);
    REQUIRE((d.noise_std >= 0.0f && d.noise_std <= 0.04f));
    seen[(size_t)(d.shift_x + 3)] = true;
    (d.blur ? any_blur : any_sharp) = true;
  }
  for (bool s : seen) shifts_seen += s;
  CHECK(shifts_seen == 7);  // every shift -3..3 occurs
  CHECK(any_blur);
  CHECK(any_sharp);
  ImageAugmentOptions bad;
  bad.scale_min = 1.2f;
  CHECK_THROWS_WITH_AS(draw_augmentation(bad, rng), doctest::Contains("scale range"), Error);
}

// ---- the classifier ----

static models::EmojiClassifierConfig small_config() {
  models::EmojiClassifierConfig c;
  c.num_classes = 7;
  c.widths = {8, 16, 32};
  c.image_size = 32;
  return c;
}

TEST_CASE("classifier forward shapes, parameter names and input checks") {
  Rng rng(1);
  models::EmojiClassifier net(small_config(), rng);
  Tensor x = random_images(5, 32, 2);
  CHECK(net.forward(x).shape() == Shape{5, 7});
  CHECK(net.features(x).shape() == Shape{5, 32});
  // conv (no bias) + BN weight/bias per block, then fc: 216+16 + 1152+32 + 4608+64 + 224+7.
  CHECK(net.num_parameters() == 6319);
  NamedTensors sd = net.state_dict();
  for (const char* name : {"blocks.0.0.weight", "blocks.0.1.weight", "blocks.2.1.running_var",
                           "blocks.1.1.num_batches_tracked", "fc.weight", "fc.bias"})
    CHECK_MESSAGE(find_named(sd, name) != nullptr, name);
  CHECK(find_named(sd, "blocks.0.0.bias") == nullptr);
  CHECK_THROWS_WITH_AS(net.forward(random_images(2, 16, 1)), doctest::Contains("[2, 3, 16, 16]"),
                       Error);
  auto bad = small_config();
  bad.image_size = 36;  // not divisible by 2^3
  CHECK_THROWS_WITH_AS(models::EmojiClassifier(bad, rng), doctest::Contains("divisible"), Error);
}

TEST_CASE("classifier save/load round trip: fp32 exact, fp16 close, concepts and meta kept") {
  Rng rng(2);
  models::EmojiClassifier net(small_config(), rng);
  // Training-mode passes move the batch-norm running statistics away from their defaults.
  for (int i = 0; i < 3; ++i) {
    NoGradGuard g;
    net.forward(random_images(8, 32, 10 + (uint64_t)i));
  }
  net.eval();
  const std::vector<std::string> concepts{"guitar", "woman dancing", "red heart", "sun",
                                          "fire",   "water wave",    "rose"};
  Tensor x = random_images(4, 32, 3);
  Tensor expect;
  {
    NoGradGuard g;
    expect = net.forward(x);
  }
  const std::string p32 = temp_path("fp32.synckpt"), p16 = temp_path("fp16.synckpt");
  models::save_emoji_classifier(p32, net, concepts, {{"steps", "123"}, {"device", "cpu"}});
  models::save_emoji_classifier(p16, net, concepts, {}, true);
  CHECK(fs::file_size(p16) < fs::file_size(p32));

  models::LoadedEmojiClassifier back = models::load_emoji_classifier(p32);
  CHECK(back.concepts == concepts);
  CHECK(back.meta.at("steps") == "123");
  CHECK(back.meta.at("device") == "cpu");
  CHECK(back.meta.at("widths") == "8,16,32");
  CHECK(!back.model->is_training());
  CHECK(back.model->config().widths == std::vector<int64_t>{8, 16, 32});
  NamedTensors a = net.state_dict(), b = back.model->state_dict();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].first == b[i].first);
    CHECK_MESSAGE(a[i].second.to_vector() == b[i].second.to_vector(), a[i].first);
  }
  NoGradGuard g;
  test::check_close(back.model->forward(x), expect, "fp32 round trip", 0.0f, 0.0f);
  models::LoadedEmojiClassifier half = models::load_emoji_classifier(p16);
  CHECK(half.concepts == concepts);
  test::check_close(half.model->forward(x), expect, "fp16 round trip", 2e-2f, 2e-2f);
  fs::remove(p32);
  fs::remove(p16);
}

TEST_CASE("classifier save and load reject inconsistent files") {
  Rng rng(3);
  models::EmojiClassifier net(small_config(), rng);
  const std::string p = temp_path("bad.synckpt");
  CHECK_THROWS_WITH_AS(models::save_emoji_classifier(p, net, {"a", "b"}),
                       doctest::Contains("2 concept names for a model of 7 classes"), Error);
  std::vector<std::string> names{"a", "b", "c", "d", "e", "f", "g\nh"};
  CHECK_THROWS_WITH_AS(models::save_emoji_classifier(p, net, names),
                       doctest::Contains("line break"), Error);
  names.back() = std::string(1, 'g');
  CHECK_THROWS_WITH_AS(models::save_emoji_classifier(p, net, names, {{"concepts", "x"}}),
                       doctest::Contains("reserved"), Error);
  // A concept list that disagrees with the fc layer.
  models::save_emoji_classifier(p, net, names);
  Checkpoint ck = load_checkpoint(p);
  ck.meta["concepts"] = "a\nb\n";
  save_checkpoint(p, ck);
  CHECK_THROWS_WITH_AS(models::load_emoji_classifier(p),
                       doctest::Contains("2 concepts in meta/concepts but fc.weight is [7, 32]"),
                       Error);
  ck.meta["format"] = "something else";
  save_checkpoint(p, ck);
  CHECK_THROWS_WITH_AS(models::load_emoji_classifier(p), doctest::Contains("format"), Error);
  fs::remove(p);
}

// Six synthetic "emoji", one picture each: {red, green, blue} × {filled square, hollow frame}
// on the grey background, 16×16.
static Tensor synthetic_shapes() {
  const int64_t S = 16;
  const float colours[3][3] = {{0.9f, 0.1f, 0.1f}, {0.1f, 0.8f, 0.2f}, {0.1f, 0.2f, 0.9f}};
  std::vector<float> v;
  for (int shape = 0; shape < 2; ++shape)
    for (int col = 0; col < 3; ++col) {
      std::vector<float> img = grey_image(S);
      for (int64_t y = 4; y < 12; ++y)
        for (int64_t x = 4; x < 12; ++x) {
          const bool edge = y < 6 || y >= 10 || x < 6 || x >= 10;
          if (shape == 1 && !edge) continue;  // the frame leaves its middle grey
          for (int64_t c = 0; c < 3; ++c) img[(size_t)(c * S * S + y * S + x)] = colours[col][c];
        }
      v.insert(v.end(), img.begin(), img.end());
    }
  return Tensor::from_vector(v, {6, 3, S, S});
}

TEST_CASE("a tiny classifier learns six synthetic shapes from one picture each") {
  Tensor images = synthetic_shapes();
  const std::vector<int64_t> labels{0, 1, 2, 3, 4, 5};
  models::EmojiClassifierConfig cfg;
  cfg.num_classes = 6;
  cfg.widths = {8, 16};
  cfg.image_size = 16;
  Rng rng(5);
  models::EmojiClassifier net(cfg, rng);
  app::ClassifierTrainOptions o;
  o.steps = 250;
  o.batch_size = 24;
  o.learning_rate = 1e-2;
  o.warmup_steps = 10;
  o.augment.max_shift = 2;
  o.seed = 6;
  o.log_every_seconds = 1e9;  // only the final line
  std::ostringstream log;
  app::ClassifierTrainReport r = app::train_emoji_classifier(net, images, labels, o, log);
  MESSAGE("training: ", log.str(), "final loss ", r.final_loss, ", ", r.seconds, " s");
  CHECK(r.steps == 250);
  CHECK(log.str().find("step 250/250") != std::string::npos);
  CHECK(r.final_loss < 0.5);  // from ln 6 = 1.79

  // Fresh views (another seed) of every class.
  app::AugmentedAccuracy acc = app::evaluate_augmented(net, images, labels, 20, o.augment, 777);
  MESSAGE("augmented top-1 ", acc.top1, ", top-5 ", acc.top5, ", clean ", acc.clean_top1);
  CHECK(acc.views == 120);
  CHECK(acc.top1 >= 0.9);
  CHECK(acc.top5 >= 0.99);  // of 6 classes, only a view ranking its own class last misses
  CHECK(acc.clean_top1 == 1.0);
  REQUIRE(acc.class_top1.size() == 6);
  for (double a : acc.class_top1) CHECK(a >= 0.6);
  // An untrained twin is near chance on the same views: the accuracy is learnt.
  Rng rng2(5);
  models::EmojiClassifier fresh(cfg, rng2);
  CHECK(app::evaluate_augmented(fresh, images, labels, 20, o.augment, 777).top1 < 0.6);

  CHECK_THROWS_WITH_AS(app::train_emoji_classifier(net, images, {0, 1, 2, 3, 4, 6}, o, log),
                       doctest::Contains("label 6 of image 5"), Error);
}

TEST_CASE("train_emoji_classifier.yaml documents every key") {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/train_emoji_classifier.yaml");
  CHECK(cfg.undocumented_keys().empty());
  // The evaluation views must come from another seed than the training views (seed + 1).
  CHECK(cfg.get_int("eval_seed") != cfg.get_int("seed") + 1);
  CHECK(cfg.get_float("scale_min") == doctest::Approx(0.8));
  CHECK(cfg.get_float("scale_max") == doctest::Approx(1.1));
  CHECK(cfg.get_int("max_shift") == 3);
}
