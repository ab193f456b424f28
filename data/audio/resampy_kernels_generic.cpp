// resampy_kernels_generic.cpp — resample_librosa07's inner loop at the portable level (see
// resampy_kernels.h): scalar, a group's kLanes chains interleaved (kept in registers) to hide
// the latency of each one's serial add-and-round. Compiled with -ffp-contract=off
// (data/CMakeLists.txt).
#include "data/audio/resampy_kernels.h"

namespace syn::resampy {

namespace {

static_assert(kLanes == 8, "the lockstep loop below is written out for 8 lanes");

void add_group(const LaneWing& g, float* acc) {
  int64_t common = g.count[0];
  for (int l = 1; l < kLanes; ++l) common = g.count[l] < common ? g.count[l] : common;
  float a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6],
        a7 = acc[7];
  for (int64_t i = 0; i < common; ++i) {
    const double* x = g.x + i * g.x_step;
#define SYN_TAP(l, a) a = (float)((double)a + (g.w[i] + g.eta[l] * g.d[i]) * x[l])
    SYN_TAP(0, a0);
    SYN_TAP(1, a1);
    SYN_TAP(2, a2);
    SYN_TAP(3, a3);
    SYN_TAP(4, a4);
    SYN_TAP(5, a5);
    SYN_TAP(6, a6);
    SYN_TAP(7, a7);
#undef SYN_TAP
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5, acc[6] = a6,
  acc[7] = a7;
  for (int l = 0; l < kLanes; ++l)
    for (int64_t i = common; i < g.count[l]; ++i)
      acc[l] = (float)((double)acc[l] + (g.w[i] + g.eta[l] * g.d[i]) * g.x[i * g.x_step + l]);
}

void add_wing(const LaneWing* g, int groups, float* acc) {
  for (int q = 0; q < groups; ++q) add_group(g[q], acc + q * kLanes);
}

const Kernels kGeneric = {"generic", add_wing};

}  // namespace

const Kernels* kernels_generic() { return &kGeneric; }

}  // namespace syn::resampy
