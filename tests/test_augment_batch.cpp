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
