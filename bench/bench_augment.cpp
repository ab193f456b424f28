// bench_augment — CLMR's augmentation on the CPU: augmented views per second of CPU time
// (thread CPU time, so a loaded machine does not distort it), per transform and for the whole
// chain at CLMR's probabilities, on full 59,049-sample crops. One thread: the figure is per core.
//   bench_augment [--views 96] [--device cuda]
// The GPU needs ~3,400 views/s at a 56 ms CLMR step (batch 48 x 2 views, issue 19).
// --device cuda also times the augment_batch slot on the GPU (kernels/augment.cu) for the same
// views at CLMR's probabilities: host draws + crops, upload, kernels (wall time, median of 5).
#include <time.h>
#ifdef SYN_WITH_CUDA
#include <cuda_runtime.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "data/audio/augment_batch.h"
#include "engine/device.h"
#include "engine/ops/augment.h"
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

// The chain on the GPU: draws and crops on the host, then one upload and the slot's kernels.
static void time_cuda(int views, const std::vector<std::vector<float>>& clips) {
#ifdef SYN_WITH_CUDA
  const AugmentConfig cfg;
  std::vector<double> ms;
  for (int rep = 0; rep < 6; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::span<const float>> spans;
    std::vector<AugmentDraw> draws;
    std::vector<AugmentParams> params;
    for (int v = 0; v < views; ++v) {
      Rng rng(1000 + (uint64_t)v);
      spans.emplace_back(clips[(size_t)v % clips.size()]);
      draws.push_back(draw_chain((int64_t)spans.back().size(), cfg, rng));
      params.push_back(device_params(draws.back(), cfg));
    }
    const Tensor crops =
        Tensor::from_vector(crop_batch(spans, cfg, draws), {views, cfg.crop_length}, Device::CUDA);
    const Tensor out = augment_batch(crops, params, cfg.sample_rate);
    cudaDeviceSynchronize();
    if (rep > 0)  // the first run pays for the allocator's first blocks
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  const double med = ms[ms.size() / 2];
  std::printf("  %-34s %9.1f views/s (%d views in %.2f ms)\n", "CUDA chain, CLMR's probabilities",
              views / (med * 1e-3), views, med);
#else
  (void)views;
  (void)clips;
  std::printf("  CUDA: not in this build\n");
#endif
}

int main(int argc, char** argv) {
  int views = 96;
  bool cuda = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--views") == 0 && i + 1 < argc) views = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--device") == 0 && i + 1 < argc)
      cuda = !std::strcmp(argv[++i], "cuda");
  }
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
  if (cuda) {
    if (!cuda_available()) {
      std::printf("  CUDA: no usable device\n");
      return 1;
    }
    time_cuda(views, clips);
  }
  return 0;
}
