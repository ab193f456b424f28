// test_augment_batch.cpp — data/audio/augment_batch.h: drawing a chain's parameters first and
// applying them afterwards (one clip or a whole batch) gives apply_chain's output bit for bit,
// and leaves the Rng stream where apply_chain leaves it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <span>

#include "data/audio/augment_batch.h"

using namespace syn;
using namespace syn::augment;

namespace {

std::vector<float> test_signal(int64_t n, uint64_t seed) {
  Rng r(seed);
  std::vector<float> x((size_t)n);
  for (int64_t i = 0; i < n; ++i)
    x[(size_t)i] =
        0.4f * std::sin(0.03f * (float)i * (1.0f + (float)(seed % 5))) + 0.1f * r.normal();
  return x;
}

bool bit_equal(const float* a, const float* b, size_t n) {
  return std::memcmp(a, b, n * sizeof(float)) == 0;
}

// The same clips through apply_chain and through draw_chain + apply_chain_batch.
void check_batch_matches(const AugmentConfig& cfg, const std::vector<int64_t>& lengths,
                         uint64_t seed) {
  std::vector<std::vector<float>> clips;
  std::vector<std::span<const float>> views;
  std::vector<AugmentDraw> draws;
  std::vector<std::vector<float>> expected;
  for (size_t b = 0; b < lengths.size(); ++b) {
    clips.push_back(test_signal(lengths[b], seed + b));
  }
  for (size_t b = 0; b < lengths.size(); ++b) {
    Rng a(seed * 1000 + b), d(seed * 1000 + b);
    expected.push_back(apply_chain(clips[b], cfg, a));
    draws.push_back(draw_chain((int64_t)clips[b].size(), cfg, d));
    CHECK(a.next_u64() == d.next_u64());  // the stream continues identically
    views.emplace_back(clips[b]);
  }
  std::vector<float> out = apply_chain_batch(views, cfg, draws);
  REQUIRE(out.size() == lengths.size() * (size_t)cfg.crop_length);
  for (size_t b = 0; b < lengths.size(); ++b) {
    REQUIRE(expected[b].size() == (size_t)cfg.crop_length);
    CHECK_MESSAGE(
        bit_equal(out.data() + b * (size_t)cfg.crop_length, expected[b].data(), expected[b].size()),
        "clip ", b, " of seed ", seed);
  }
}

}  // namespace

TEST_CASE("draw then apply equals apply_chain at CLMR's probabilities") {
  AugmentConfig cfg;
  cfg.crop_length = 6561;
  for (uint64_t seed = 1; seed <= 6; ++seed)
    check_batch_matches(cfg, {9000, 6561, 20000, 3000, 12000, 7000, 6600, 8000}, seed);
}

TEST_CASE("draw then apply equals apply_chain with every transform on, noise included") {
  AugmentConfig cfg;
  cfg.crop_length = 12000;  // longer than the longest delay (450 ms = 9,922 samples)
  cfg.p_polarity = cfg.p_noise = cfg.p_gain = cfg.p_filters = cfg.p_delay = cfg.p_pitch =
      cfg.p_reverb = 1.0f;
  for (uint64_t seed = 11; seed <= 14; ++seed)
    check_batch_matches(cfg, {15000, 12000, 30000, 5000}, seed);
}

TEST_CASE("draw then apply equals apply_chain when each transform is a coin flip") {
  AugmentConfig cfg;
  cfg.crop_length = 10000;
  cfg.p_polarity = cfg.p_noise = cfg.p_gain = cfg.p_filters = cfg.p_delay = cfg.p_pitch =
      cfg.p_reverb = 0.5f;
  for (uint64_t seed = 21; seed <= 30; ++seed)
    check_batch_matches(cfg, {13500, 10000, 16000, 1000, 14000, 10100}, seed);
}

TEST_CASE("full-length CLMR crops: a batch equals apply_chain per clip") {
  AugmentConfig cfg;  // 59,049 samples, CLMR's probabilities
  check_batch_matches(cfg, {70000, 59049, 100000, 40000}, 99);
}

TEST_CASE("the record says what ran: noise keeps its stream and a device key") {
  AugmentConfig cfg;
  cfg.crop_length = 100;
  cfg.p_noise = 1.0f;
  Rng r(5);
  AugmentDraw d = draw_chain(500, cfg, r);
  CHECK(d.t.noise);
  CHECK(d.t.noise_ratio >= cfg.noise_min_ratio);
  CHECK(d.t.noise_ratio < cfg.noise_max_ratio);
  CHECK(d.t.crop_start >= 0);
  CHECK(d.t.crop_start <= 400);
  Rng r2(5);
  AugmentDraw d2 = draw_chain(500, cfg, r2);
  CHECK(d2.noise_key == d.noise_key);
  Rng r3(6);
  CHECK(draw_chain(500, cfg, r3).noise_key != d.noise_key);
}

TEST_CASE("mismatched clips and draws are refused") {
  AugmentConfig cfg;
  cfg.crop_length = 10;
  std::vector<float> clip(20, 0.0f);
  std::vector<std::span<const float>> views{std::span<const float>(clip)};
  CHECK_THROWS_WITH(apply_chain_batch(views, cfg, {}), doctest::Contains("1 clips but 0 draws"));
  AugmentDraw bad;
  bad.t.crop_start = 50;
  CHECK_THROWS_WITH(apply_draw(clip, cfg, bad), doctest::Contains("crop start 50"));
}

TEST_CASE("the augment_batch slot's CPU path (crops + records) equals apply_chain without noise") {
  AugmentConfig cfg;
  cfg.crop_length = 12000;
  cfg.p_polarity = cfg.p_gain = cfg.p_filters = cfg.p_delay = cfg.p_pitch = cfg.p_reverb = 0.7f;
  cfg.p_noise = 0.0f;
  std::vector<std::vector<float>> clips;
  std::vector<std::span<const float>> views;
  std::vector<AugmentDraw> draws;
  std::vector<AugmentParams> params;
  for (uint64_t b = 0; b < 12; ++b) clips.push_back(test_signal(9000 + 1500 * (int64_t)b, 40 + b));
  for (uint64_t b = 0; b < 12; ++b) {
    Rng r(500 + b);
    draws.push_back(draw_chain((int64_t)clips[b].size(), cfg, r));
    views.emplace_back(clips[b]);
    params.push_back(device_params(draws.back(), cfg));
  }
  const std::vector<float> expected = apply_chain_batch(views, cfg, draws);
  const Tensor crops = Tensor::from_vector(crop_batch(views, cfg, draws), {12, cfg.crop_length});
  const std::vector<float> got = augment_batch(crops, params, cfg.sample_rate).to_vector();
  REQUIRE(got.size() == expected.size());
  CHECK(bit_equal(got.data(), expected.data(), got.size()));
}

TEST_CASE("the slot's counter-based noise has the drawn std ratio and no correlation") {
  // Same law as apply_chain's noise, other values: check the law, and the key's determinism.
  const int64_t n = 50000;
  std::vector<float> x((size_t)n);
  for (int64_t i = 0; i < n; ++i) x[(size_t)i] = 0.5f * std::sin(0.01f * (float)i);
  AugmentParams p;
  p.noise = 1;
  p.noise_ratio = 0.01f;
  p.noise_key = 12345;
  const Tensor in = Tensor::from_vector(x, {1, n});
  const std::vector<float> y = augment_batch(in, {p}, 22050.0f).to_vector();
  double mean = 0, var = 0, lag1 = 0, sx = 0;
  for (int64_t i = 0; i < n; ++i) mean += (y[(size_t)i] - x[(size_t)i]) / (double)n;
  for (int64_t i = 0; i < n; ++i) {
    const double d = y[(size_t)i] - x[(size_t)i] - mean;
    var += d * d / (double)(n - 1);
    sx += (double)x[(size_t)i] * x[(size_t)i];
    if (i > 0) lag1 += d * (y[(size_t)i - 1] - x[(size_t)i - 1] - mean);
  }
  const double signal_std = std::sqrt(sx / (double)n), noise_std = std::sqrt(var);
  CHECK(noise_std / signal_std == doctest::Approx(0.01).epsilon(0.03));
  CHECK(std::fabs(mean) < 5 * noise_std / std::sqrt((double)n));
  CHECK(std::fabs(lag1 / var / (double)(n - 1)) < 0.03);
  CHECK(augment_batch(in, {p}, 22050.0f).to_vector() == y);
  p.noise_key = 12346;
  CHECK(augment_batch(in, {p}, 22050.0f).to_vector() != y);
}
