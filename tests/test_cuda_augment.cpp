// test_cuda_augment.cpp — kernels/augment.cu against the augment_batch slot's CPU implementation
// for the same crops and parameter records: each transform alone (with rows that skip it in the
// same batch, so the copy paths run too), then the whole chain at CLMR's probabilities. Exits
// 77 (skipped) without a GPU.
//
// Tolerances, and why (|.| is the largest absolute sample of the CPU output, at most 1):
//   polarity, gain, delay  1e-6 absolute: the CPU's float operations (an FMA contraction can move
//                          the last bit)
//   noise                  1e-5 absolute: the same counter-based normals; logf/cosf/sqrtf and the
//                          std's summation order differ by ulps, scaled by sigma <= 1e-2
//   filter                 1e-5 absolute: the same double recurrence and coefficients
//   reverb                 1e-4 absolute: float recurrences with feedback up to 0.98
//   pitch, chain           RMS of the difference <= 1e-2 of the output's RMS, and at most 1 % of
//                          samples off by more than 1e-3: WSOLA's splice search compares float
//                          correlations summed in another order than the CPU's SIMD dot, so a
//                          near-tie may choose a neighbouring splice point (a local difference)
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <span>
#include <vector>

#include "data/audio/augment_batch.h"
#include "engine/ops/augment.h"
#include "engine/rng.h"

using namespace syn;
using namespace syn::augment;

namespace {

struct Batch {
  std::vector<float> crops;
  std::vector<AugmentParams> params;
  int64_t views = 0, length = 0;
};

// `views` crops of CLMR length from tones plus noise, with records drawn at cfg's probabilities.
Batch make_batch(const AugmentConfig& cfg, int64_t views, uint64_t seed) {
  Batch b;
  b.views = views;
  b.length = cfg.crop_length;
  std::vector<std::vector<float>> clips;
  Rng rng(seed);
  for (int64_t v = 0; v < views; ++v) {
    std::vector<float> x((size_t)(cfg.crop_length + 20000));
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = 0.3f * std::sin(0.01f * (float)i * (float)(1 + v % 7)) + 0.05f * rng.normal();
    clips.push_back(std::move(x));
  }
  std::vector<std::span<const float>> spans;
  std::vector<AugmentDraw> draws;
  for (int64_t v = 0; v < views; ++v) {
    Rng r(seed * 131 + (uint64_t)v);
    spans.emplace_back(clips[(size_t)v]);
    draws.push_back(draw_chain((int64_t)clips[(size_t)v].size(), cfg, r));
    b.params.push_back(device_params(draws.back(), cfg));
  }
  b.crops = crop_batch(spans, cfg, draws);
  return b;
}

struct Outputs {
  std::vector<float> cpu, cuda;
};

Outputs run_both(const Batch& b, float sample_rate) {
  const Tensor x = Tensor::from_vector(b.crops, {b.views, b.length});
  Outputs o;
  o.cpu = augment_batch(x, b.params, sample_rate).to_vector();
  o.cuda = augment_batch(x.to(Device::CUDA), b.params, sample_rate).to_vector();
  return o;
}

double max_abs_diff(const Outputs& o) {
  double m = 0;
  for (size_t i = 0; i < o.cpu.size(); ++i)
    m = std::max(m, (double)std::fabs(o.cpu[i] - o.cuda[i]));
  return m;
}

void check_statistically(const Outputs& o) {
  double diff2 = 0, ref2 = 0;
  int64_t off = 0;
  for (size_t i = 0; i < o.cpu.size(); ++i) {
    const double d = (double)o.cpu[i] - o.cuda[i];
    diff2 += d * d;
    ref2 += (double)o.cpu[i] * o.cpu[i];
    off += std::fabs(d) > 1e-3;
  }
  const double rel = std::sqrt(diff2 / std::max(ref2, 1e-30));
  MESSAGE("relative RMS difference ", rel, ", samples off by > 1e-3: ", off, " of ", o.cpu.size());
  CHECK(rel <= 1e-2);
  CHECK(off <= (int64_t)o.cpu.size() / 100);
}

// Only the transform `on` sets, at probability 0.6 (so some rows skip it).
AugmentConfig only(const std::function<void(AugmentConfig&)>& on) {
  AugmentConfig c;
  c.p_polarity = c.p_noise = c.p_gain = c.p_filters = c.p_delay = c.p_pitch = c.p_reverb = 0.0f;
  on(c);
  return c;
}

}  // namespace

TEST_CASE("polarity, gain and delay match the CPU to the last bit or so") {
  for (auto on : std::vector<std::function<void(AugmentConfig&)>>{
           [](AugmentConfig& c) { c.p_polarity = 0.6f; }, [](AugmentConfig& c) { c.p_gain = 0.6f; },
           [](AugmentConfig& c) { c.p_delay = 0.6f; }}) {
    const Batch b = make_batch(only(on), 16, 3);
    CHECK(max_abs_diff(run_both(b, kClmrSampleRate)) <= 1e-6);
  }
}

TEST_CASE("noise: the same counter-based normals on both devices") {
  const Batch b = make_batch(only([](AugmentConfig& c) { c.p_noise = 0.6f; }), 16, 5);
  CHECK(max_abs_diff(run_both(b, kClmrSampleRate)) <= 1e-5);
}

TEST_CASE("high/low-pass: the sequential double recurrence matches the CPU") {
  const Batch b = make_batch(only([](AugmentConfig& c) { c.p_filters = 0.6f; }), 16, 7);
  CHECK(max_abs_diff(run_both(b, kClmrSampleRate)) <= 1e-5);
}

TEST_CASE("reverb: the comb and allpass recurrences match the CPU") {
  const Batch b = make_batch(only([](AugmentConfig& c) { c.p_reverb = 0.6f; }), 16, 9);
  CHECK(max_abs_diff(run_both(b, kClmrSampleRate)) <= 1e-4);
}

TEST_CASE("pitch shift: WSOLA + resampling within the stated band") {
  const Batch b = make_batch(only([](AugmentConfig& c) { c.p_pitch = 0.6f; }), 16, 11);
  check_statistically(run_both(b, kClmrSampleRate));
}

TEST_CASE("the whole chain at CLMR's probabilities, batch 96, within the stated band") {
  const Batch b = make_batch(AugmentConfig{}, 96, 13);
  check_statistically(run_both(b, kClmrSampleRate));
}

TEST_CASE("a batch without any transform is copied exactly") {
  const Batch b = make_batch(only([](AugmentConfig&) {}), 4, 17);
  const Outputs o = run_both(b, kClmrSampleRate);
  CHECK(o.cuda == b.crops);
  CHECK(o.cpu == b.crops);
}
