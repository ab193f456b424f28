// bench_augment — CLMR's augmentation on the CPU: augmented views per second of CPU time
// (thread CPU time, so a loaded machine does not distort it), per transform and for the whole
// chain at CLMR's probabilities, on full 59,049-sample crops. One thread: the figure is per core.
//   bench_augment [--views 96]
// The GPU needs ~3,400 views/s at a 56 ms CLMR step (batch 48 x 2 views, issue 19).
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "data/audio/augment_batch.h"
#include "engine/rng.h"

using namespace syn;
using namespace syn::augment;

static double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// Views per CPU second of `cfg`'s chain over `n` views (draws + application, one thread).
static double views_per_second(const AugmentConfig& cfg, int n,
                               const std::vector<std::vector<float>>& clips) {
  const double t0 = thread_seconds();
  for (int v = 0; v < n; ++v) {
    Rng rng(1000 + (uint64_t)v);
    const std::vector<float>& c = clips[(size_t)v % clips.size()];
    AugmentDraw d = draw_chain((int64_t)c.size(), cfg, rng);
    std::vector<float> out = apply_draw(std::span<const float>(c), cfg, d);
    if (out.empty()) std::abort();
  }
  return n / (thread_seconds() - t0);
}

int main(int argc, char** argv) {
  int views = 96;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::strcmp(argv[i], "--views") == 0) views = std::atoi(argv[i + 1]);
  std::vector<std::vector<float>> clips;
  Rng rng(3);
  for (int c = 0; c < 8; ++c) {  // 4 s clips of tones plus noise
    std::vector<float> x(88200);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = 0.3f * std::sin(0.05f * (float)i * (float)(c + 1)) + 0.05f * rng.normal();
    clips.push_back(std::move(x));
  }
  AugmentConfig none;
  none.p_polarity = none.p_noise = none.p_gain = none.p_filters = none.p_delay = none.p_pitch =
      none.p_reverb = 0.0f;
  struct Row {
    const char* name;
    std::function<void(AugmentConfig&)> on;
  };
  const std::vector<Row> rows = {
      {"crop only", [](AugmentConfig&) {}},
      {"polarity", [](AugmentConfig& c) { c.p_polarity = 1; }},
      {"noise", [](AugmentConfig& c) { c.p_noise = 1; }},
      {"gain", [](AugmentConfig& c) { c.p_gain = 1; }},
      {"filters", [](AugmentConfig& c) { c.p_filters = 1; }},
      {"delay", [](AugmentConfig& c) { c.p_delay = 1; }},
      {"pitch", [](AugmentConfig& c) { c.p_pitch = 1; }},
      {"reverb", [](AugmentConfig& c) { c.p_reverb = 1; }},
  };
  std::printf("CLMR augmentation, %d views of 59,049 samples, one thread (views per CPU second)\n",
              views);
  for (const Row& r : rows) {
    AugmentConfig c = none;
    r.on(c);
    std::printf("  %-34s %9.1f views/s\n", r.name, views_per_second(c, views, clips));
  }
  std::printf("  %-34s %9.1f views/s\n", "chain at CLMR's probabilities",
              views_per_second(AugmentConfig{}, views, clips));
  return 0;
}
