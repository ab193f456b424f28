// resampy_kernels_avx512.cpp — resample_librosa07's inner loop at the AVX-512 level (see
// resampy_kernels.h): a lane group's 8 chains in one zmm of float64. Per tap and group: the
// shared weight w[i] + eta · d[i] (eta a vector over the lanes), one row of the transposed
// input, one product and one add-and-round (widen, add, narrow). The G groups' steps are
// interleaved, since each step waits ~15 cycles for the one before. Past the shortest wing the
// lanes that have no tap left are masked out. Compiled with -mavx512f -mavx512dq -mavx512bw
// -mavx512vl -ffp-contract=off (data/CMakeLists.txt) and run only where cpu_has_level(avx512).
#include "data/audio/resampy_kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>

namespace syn::resampy {

namespace {

static_assert(kLanes == 8, "one zmm of float64 per lane group");

// Full-mask forms of the conversions: the plain intrinsics pass an "undefined" register to GCC
// 12's builtins, which -Wmaybe-uninitialized reports once inlined.
inline __m512d widen(__m256 a) { return _mm512_mask_cvtps_pd(_mm512_setzero_pd(), 0xFF, a); }
inline __m256 narrow(__m512d a) { return _mm512_mask_cvtpd_ps(_mm256_setzero_ps(), 0xFF, a); }

template <int G>
void add_wing_groups(const LaneWing* g, float* acc_out) {
  int64_t common = g[0].count[0], longest = 0;
  for (int q = 0; q < G; ++q)
    for (int l = 0; l < kLanes; ++l) {
      common = g[q].count[l] < common ? g[q].count[l] : common;
      longest = g[q].count[l] > longest ? g[q].count[l] : longest;
    }
  __m256 acc[G];
  __m512d eta[G];
  for (int q = 0; q < G; ++q) {
    acc[q] = _mm256_loadu_ps(acc_out + q * kLanes);
    eta[q] = _mm512_loadu_pd(g[q].eta);
  }
  for (int64_t i = 0; i < common; ++i) {
#pragma GCC unroll 8
    for (int q = 0; q < G; ++q) {
      // (w + eta · d) · x, rounded after each operation as numba does.
      const __m512d wt = _mm512_add_pd(_mm512_set1_pd(g[q].w[i]),
                                       _mm512_mul_pd(eta[q], _mm512_set1_pd(g[q].d[i])));
      const __m512d p = _mm512_mul_pd(wt, _mm512_loadu_pd(g[q].x + i * g[q].x_step));
      acc[q] = narrow(_mm512_add_pd(widen(acc[q]), p));
    }
  }
  if (common < longest) {
    __m512i counts[G];
    for (int q = 0; q < G; ++q) counts[q] = _mm512_loadu_si512(g[q].count);
    for (int64_t i = common; i < longest; ++i)
      for (int q = 0; q < G; ++q) {
        // Only the lanes that have tap i add it (adding a zero could turn −0 into +0).
        const __mmask8 live = _mm512_cmpgt_epi64_mask(counts[q], _mm512_set1_epi64(i));
        if (!live) continue;
        const __m512d wt = _mm512_add_pd(_mm512_set1_pd(g[q].w[i]),
                                         _mm512_mul_pd(eta[q], _mm512_set1_pd(g[q].d[i])));
        const __m512d p = _mm512_mul_pd(wt, _mm512_maskz_loadu_pd(live, g[q].x + i * g[q].x_step));
        const __m512d a = widen(acc[q]);
        acc[q] = narrow(_mm512_mask_add_pd(a, live, a, p));
      }
  }
  for (int q = 0; q < G; ++q) _mm256_storeu_ps(acc_out + q * kLanes, acc[q]);
}

void add_wing(const LaneWing* g, int groups, float* acc) {
  for_group_count(groups, [&](auto count) { add_wing_groups<decltype(count)::value>(g, acc); });
}

const Kernels kAvx512 = {"avx512", add_wing};

}  // namespace

const Kernels* kernels_avx512() { return &kAvx512; }

}  // namespace syn::resampy

#else

const syn::resampy::Kernels* syn::resampy::kernels_avx512() { return nullptr; }

#endif
