// resampy_kernels_avx2.cpp — resample_librosa07's inner loop at the AVX2 level (see
// resampy_kernels.h): a lane group's 8 chains in two ymm of float64. Per tap and group: the
// shared weight w[i] + eta · d[i] (eta a vector over the lanes), one row of the transposed
// input, the products and add-and-rounds (widen, add, narrow). The G groups' steps are
// interleaved, since each step waits on the one before. Past the shortest wing the lanes that
// have no tap left are masked out. Compiled with -mavx2 -mfma -mno-avx512f -ffp-contract=off
// (data/CMakeLists.txt) and run only where cpu_has_level(avx2).
#include "data/audio/resampy_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>

namespace syn::resampy {

namespace {

static_assert(kLanes == 8, "two ymm of float64 per lane group");

inline __m128 add_round(__m128 acc, __m256d p) {
  return _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(acc), p));
}

// Where only some lanes have tap i: the others keep their value (a zero added could turn −0
// into +0).
inline __m128 add_round_live(__m128 acc, __m256d p, __m256d live) {
  const __m256d a = _mm256_cvtps_pd(acc);
  return _mm256_cvtpd_ps(_mm256_blendv_pd(a, _mm256_add_pd(a, p), live));
}

template <int G>
void add_wing_groups(const LaneWing* g, float* acc_out) {
  int64_t common = g[0].count[0], longest = 0;
  for (int q = 0; q < G; ++q)
    for (int l = 0; l < kLanes; ++l) {
      common = g[q].count[l] < common ? g[q].count[l] : common;
      longest = g[q].count[l] > longest ? g[q].count[l] : longest;
    }
  __m128 lo[G], hi[G];
  for (int q = 0; q < G; ++q) {
    lo[q] = _mm_loadu_ps(acc_out + q * kLanes);
    hi[q] = _mm_loadu_ps(acc_out + q * kLanes + 4);
  }
  for (int64_t i = 0; i < common; ++i) {
#pragma GCC unroll 8
    for (int q = 0; q < G; ++q) {
      // (w + eta · d) · x, rounded after each operation as numba does.
      const __m256d w = _mm256_broadcast_sd(g[q].w + i), d = _mm256_broadcast_sd(g[q].d + i);
      const double* x = g[q].x + i * g[q].x_step;
      const __m256d wlo = _mm256_add_pd(w, _mm256_mul_pd(_mm256_loadu_pd(g[q].eta), d));
      const __m256d whi = _mm256_add_pd(w, _mm256_mul_pd(_mm256_loadu_pd(g[q].eta + 4), d));
      lo[q] = add_round(lo[q], _mm256_mul_pd(wlo, _mm256_loadu_pd(x)));
      hi[q] = add_round(hi[q], _mm256_mul_pd(whi, _mm256_loadu_pd(x + 4)));
    }
  }
  for (int64_t i = common; i < longest; ++i)
    for (int q = 0; q < G; ++q) {
      const __m256i tap = _mm256_set1_epi64x(i);
      const __m256i mlo = _mm256_cmpgt_epi64(_mm256_loadu_si256((const __m256i*)g[q].count), tap);
      const __m256i mhi =
          _mm256_cmpgt_epi64(_mm256_loadu_si256((const __m256i*)(g[q].count + 4)), tap);
      if (_mm256_testz_si256(_mm256_or_si256(mlo, mhi), _mm256_or_si256(mlo, mhi))) continue;
      const __m256d w = _mm256_broadcast_sd(g[q].w + i), d = _mm256_broadcast_sd(g[q].d + i);
      const double* x = g[q].x + i * g[q].x_step;
      const __m256d wlo = _mm256_add_pd(w, _mm256_mul_pd(_mm256_loadu_pd(g[q].eta), d));
      const __m256d whi = _mm256_add_pd(w, _mm256_mul_pd(_mm256_loadu_pd(g[q].eta + 4), d));
      lo[q] = add_round_live(lo[q], _mm256_mul_pd(wlo, _mm256_maskload_pd(x, mlo)),
                             _mm256_castsi256_pd(mlo));
      hi[q] = add_round_live(hi[q], _mm256_mul_pd(whi, _mm256_maskload_pd(x + 4, mhi)),
                             _mm256_castsi256_pd(mhi));
    }
  for (int q = 0; q < G; ++q) {
    _mm_storeu_ps(acc_out + q * kLanes, lo[q]);
    _mm_storeu_ps(acc_out + q * kLanes + 4, hi[q]);
  }
}

void add_wing(const LaneWing* g, int groups, float* acc) {
  for_group_count(groups, [&](auto count) { add_wing_groups<decltype(count)::value>(g, acc); });
}

const Kernels kAvx2 = {"avx2", add_wing};

}  // namespace

const Kernels* kernels_avx2() { return &kAvx2; }

}  // namespace syn::resampy

#else

const syn::resampy::Kernels* syn::resampy::kernels_avx2() { return nullptr; }

#endif
