// test_resampy_kernels.cpp — resample_librosa07's inner loop (data/audio/resampy_kernels.h) at
// every CPU level this machine has: each level's kernel equals a plain scalar loop bit for bit
// on random wings of every length (the masked tails included), and resample_librosa07 equals a
// line-by-line transcription of resampy 0.2's resample_f at every level, for down- and
// upsampling, short clips (wings cut by the clip's ends) and subnormal input (signed zeros).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "data/audio/audio_to_musicnn.h"
#include "data/audio/resampy_kernels.h"
#include "engine/cpu/cpu_level.h"
#include "engine/rng.h"

using namespace syn;
using cpu::CpuLevel;

namespace {

// Restores the kernel level the test found.
struct LevelGuard {
  CpuLevel saved = cpu::cpu_kernel_level();
  ~LevelGuard() { cpu::set_cpu_kernel_level(saved); }
};

const resampy::Kernels* kernels_of(CpuLevel l) {
  switch (l) {
    case CpuLevel::generic:
      return resampy::kernels_generic();
    case CpuLevel::avx2:
      return resampy::kernels_avx2();
    case CpuLevel::avx512:
      return resampy::kernels_avx512();
  }
  return nullptr;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// resampy 0.2's interpn.resample_f, transcribed (its float32 y[t] += float64 weight · x),
// with the kaiser_best table built as resampy's filters.sinc_window does.
std::vector<float> resampy_reference(const std::vector<float>& x, int from, int to) {
  constexpr int64_t zeros = 64, table = 512;
  constexpr double beta = 14.769656459379492, rolloff = 0.9475937167399596;
  auto i0 = [](double v) {
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 500; ++k) {
      term *= (0.5 * v / k) * (0.5 * v / k);
      sum += term;
      if (term < 1e-18 * sum) break;
    }
    return sum;
  };
  const int64_t nwin = zeros * table + 1;
  const double ratio = (double)to / (double)from;
  std::vector<double> win((size_t)nwin), delta((size_t)nwin, 0.0);
  for (int64_t j = 0; j < nwin; ++j) {
    const double s = rolloff * ((double)j / (double)table);
    const double sinc = s == 0.0 ? 1.0 : std::sin(M_PI * s) / (M_PI * s);
    const double r = (double)j / (double)(nwin - 1);
    win[(size_t)j] = i0(beta * std::sqrt(1.0 - r * r)) / i0(beta) * (rolloff * sinc);
    if (ratio < 1.0) win[(size_t)j] *= ratio;
  }
  for (int64_t j = 0; j + 1 < nwin; ++j) delta[(size_t)j] = win[(size_t)j + 1] - win[(size_t)j];
  const double scale = std::min(1.0, ratio), increment = 1.0 / ratio;
  const int64_t step = (int64_t)(scale * (double)table), n_orig = (int64_t)x.size();
  std::vector<float> y((size_t)std::ceil((double)n_orig * ratio), 0.0f);
  double reg = 0.0;
  for (int64_t t = 0; t < (int64_t)((double)n_orig * ratio); ++t) {
    const int64_t n = (int64_t)reg;
    double frac = scale * (reg - (double)n), index_frac = frac * (double)table;
    int64_t offset = (int64_t)index_frac;
    double eta = index_frac - (double)offset;
    for (int64_t i = 0; i < std::min(n + 1, (nwin - offset) / step); ++i) {
      const double w = win[(size_t)(offset + i * step)] + eta * delta[(size_t)(offset + i * step)];
      y[(size_t)t] = (float)((double)y[(size_t)t] + w * (double)x[(size_t)(n - i)]);
    }
    frac = scale - frac;
    index_frac = frac * (double)table;
    offset = (int64_t)index_frac;
    eta = index_frac - (double)offset;
    for (int64_t i = 0; i < std::min(n_orig - n - 1, (nwin - offset) / step); ++i) {
      const double w = win[(size_t)(offset + i * step)] + eta * delta[(size_t)(offset + i * step)];
      y[(size_t)t] = (float)((double)y[(size_t)t] + w * (double)x[(size_t)(n + i + 1)]);
    }
    reg += increment;
  }
  return y;
}

}  // namespace

TEST_CASE("each level's resampy kernel equals the scalar chains, bit for bit") {
  using resampy::kGroups;
  using resampy::kLanes;
  Rng rng(7);
  constexpr int64_t kRows = 300;
  std::vector<double> w(kRows), d(kRows), xt(kRows * kLanes);
  for (auto& v : w) v = rng.uniform() - 0.5;
  for (auto& v : d) v = 1e-3 * (rng.uniform() - 0.5);
  for (auto& v : xt) v = rng.uniform() - 0.5;
  for (CpuLevel level : {CpuLevel::generic, CpuLevel::avx2, CpuLevel::avx512}) {
    if (!cpu::cpu_has_level(level)) continue;
    const resampy::Kernels* k = kernels_of(level);
    REQUIRE(k != nullptr);
    CAPTURE(k->name);
    int mismatches = 0;
    for (int trial = 0; trial < 400; ++trial) {
      const int groups = 1 + trial % kGroups;
      resampy::LaneWing g[kGroups];
      float acc[kGroups * kLanes], ref[kGroups * kLanes];
      // Mostly equal counts (the common case), sometimes anything from 0 to 40 (clip edges,
      // absent lanes) or a few apart.
      const int kind = (trial / kGroups) % 3;
      const int64_t base = kind == 0 ? 0 : kind == 1 ? 176 : 20;
      const int64_t spread = kind == 0 ? 41 : kind == 1 ? 1 : 3;
      for (int q = 0; q < groups; ++q) {
        const int64_t start = (int64_t)(rng.uniform() * 90.0);
        const bool left = rng.uniform() < 0.5;
        g[q].w = w.data() + start;
        g[q].d = d.data() + start;
        g[q].x =
            left ? xt.data() + (kRows - 1 - start % 5) * kLanes : xt.data() + start % 5 * kLanes;
        g[q].x_step = left ? -kLanes : kLanes;
        for (int l = 0; l < kLanes; ++l) {
          g[q].count[l] = base + (int64_t)(rng.uniform() * (double)spread);
          g[q].eta[l] = rng.uniform();
          float& r = ref[q * kLanes + l];
          acc[q * kLanes + l] = r = trial % 5 == 0 ? -0.0f : (float)(rng.uniform() - 0.5);
          for (int64_t i = 0; i < g[q].count[l]; ++i)
            r = (float)((double)r +
                        (g[q].w[i] + g[q].eta[l] * g[q].d[i]) * g[q].x[i * g[q].x_step + l]);
        }
      }
      k->add_wing(g, groups, acc);
      mismatches += std::memcmp(acc, ref, sizeof(float) * (size_t)(groups * kLanes)) != 0;
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("resample_librosa07 equals resampy's loop at every CPU level") {
  LevelGuard guard;
  Rng rng(11);
  for (auto [from, to] : {std::pair{44100, 16000}, std::pair{22050, 16000}, std::pair{48000, 16000},
                          std::pair{8000, 16000}, std::pair{11025, 16000}}) {
    CAPTURE(from);
    CAPTURE(to);
    for (int64_t n : {(int64_t)3, (int64_t)150, (int64_t)1000, (int64_t)from + 17}) {
      CAPTURE(n);
      std::vector<float> x((size_t)n);
      for (int64_t i = 0; i < n; ++i) {
        x[(size_t)i] = (float)(0.5 * std::sin(0.05 * (double)i) + 0.2 * (rng.uniform() - 0.5));
        // A stretch of subnormal samples: products underflow to ±0 and sums can land on −0.
        if (i > n / 3 && i < n / 3 + 200) x[(size_t)i] = (rng.uniform() - 0.5) * 1e-44f;
      }
      if ((int64_t)((double)n * to / from) < 1) continue;
      const std::vector<float> ref = resampy_reference(x, from, to);
      for (CpuLevel l : {CpuLevel::generic, CpuLevel::avx2, CpuLevel::avx512}) {
        if (!cpu::cpu_has_level(l)) continue;
        CAPTURE(cpu::cpu_level_name(l));
        cpu::set_cpu_kernel_level(l);
        CHECK(same_bits(resample_librosa07(x, from, to), ref));
      }
    }
  }
}
