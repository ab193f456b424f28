// bench_common.h — what the benchmarks share: SampleCNN's conv layer shapes (derived from the
// model's own configuration, so the architecture is written down once, in models/samplecnn.h)
// the median of repeated timings, and the two clocks they read.
#pragma once
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "models/samplecnn.h"

namespace syn::bench {

struct ConvLayerShape {
  const char* name;
  int64_t Cin, Cout, L, K, stride, pad;
};

// conv0 (1→C, k3, s3) on the raw input, then each block's conv (k3, p1) at the length its
// maxpools leave, then the last conv at length 1.
inline std::vector<ConvLayerShape> samplecnn_conv_layers(const models::SampleCNNConfig& cfg = {}) {
  static const char* names[] = {"block1", "block2", "block3", "block4", "block5",
                                "block6", "block7", "block8", "block9"};
  std::vector<ConvLayerShape> v;
  int64_t len = cfg.input_samples();
  v.push_back({"conv0", 1, cfg.first_channels, len, 3, 3, 0});
  int64_t cin = cfg.first_channels;
  len /= 3;
  for (size_t i = 0; i < cfg.hidden.size() && i < 9; ++i) {
    v.push_back({names[i], cin, cfg.hidden[i], len, 3, 1, 1});
    cin = cfg.hidden[i];
    len /= 3;  // maxpool(3)
  }
  v.push_back({"conv_last", cin, cin, len, 3, 1, 1});
  return v;
}

// The median (the mean of the two middle values for an even count).
inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Wall-clock seconds (steady clock, arbitrary origin: take differences).
inline double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds of the whole process, all threads: on a shared, loaded machine the steadier number.
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

}  // namespace syn::bench
