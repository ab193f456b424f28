// resampy_kernels.h — the inner loop of resample_librosa07 (audio_to_musicnn.cpp), once per
// instruction-set level, picked at run time by cpu_kernel_level() (engine/cpu/cpu_level.h, so
// SYN_CPU=generic|avx2|avx512 forces it). Every level gives the same bits.
//
// resampy 0.2's loop (interpn.resample_f) adds one tap at a time to a float32 output: per tap
// weight = w[i] + eta · d[i] (float64), y = float32(float64(y) + weight · x). So each output is
// a serial chain of roundings that no level may reorder or fuse (the level files are compiled
// with -ffp-contract=off). What makes it vectorise: outputs one period of the rate ratio apart
// (e.g. 160 outputs = 441 inputs at 44.1 → 16 kHz) sit at the same fraction of an input sample,
// so they read the same filter row. A lane group is kLanes such outputs; the caller lays the
// input out transposed (row j holds the kLanes samples lane l reads as x[j + l · shift]), so one
// tap of all kLanes lanes is one broadcast w[i], d[i], one row of x and one vector
// add-and-round. Several groups run side by side to hide that chain's latency.
//
// The level files include nothing but this header and <immintrin.h> (see gemm_kernels.h: an
// inline function from a shared header compiled with AVX-512 flags could reach other callers).
#pragma once
#include <cstdint>
#include <type_traits>

namespace syn::resampy {

constexpr int kLanes = 8;   // outputs per lane group
constexpr int kGroups = 8;  // lane groups per call, at most

// One wing of a lane group: taps i = 0 .. count[l] − 1 of lane l, in order, each adding
// (w[i] + eta[l] · d[i]) · x[i · x_step + l]. Only those elements are read (w, d: up to the
// longest count).
struct LaneWing {
  const double* w;  // the filter row the lanes share (resampy's interp_win from the offset on,
  const double* d;  // every index_step-th value) and its differences
  const double* x;  // tap 0's row of the transposed input, kLanes values
  int64_t x_step;   // doubles from one tap's row to the next: −kLanes (left wing) or +kLanes
  int64_t count[kLanes];
  double eta[kLanes];
};

struct Kernels {
  const char* name;  // the level's name, as cpu_level_name
  // acc[q · kLanes + l] goes on with its chain over wing[q]'s taps of lane l, q < groups
  // (1 .. kGroups).
  void (*add_wing)(const LaneWing* wing, int groups, float* acc);
};

// Calls kernel(std::integral_constant<int, G>{}) for the run-time group count G (1 .. kGroups):
// each level instantiates its inner loop once per count, so every group's chain lives in its own
// registers, and this switch is written once for all levels.
template <class Kernel>
inline void for_group_count(int groups, Kernel&& kernel) {
  static_assert(kGroups == 8, "one case per group count");
  switch (groups) {
    case 1:
      return kernel(std::integral_constant<int, 1>{});
    case 2:
      return kernel(std::integral_constant<int, 2>{});
    case 3:
      return kernel(std::integral_constant<int, 3>{});
    case 4:
      return kernel(std::integral_constant<int, 4>{});
    case 5:
      return kernel(std::integral_constant<int, 5>{});
    case 6:
      return kernel(std::integral_constant<int, 6>{});
    case 7:
      return kernel(std::integral_constant<int, 7>{});
    case 8:
      return kernel(std::integral_constant<int, 8>{});
  }
}

// Each level's table; null where this build does not carry the level (not an x86-64 build).
const Kernels* kernels_generic();
const Kernels* kernels_avx2();
const Kernels* kernels_avx512();

}  // namespace syn::resampy
