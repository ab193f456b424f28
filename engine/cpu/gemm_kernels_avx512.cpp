// gemm_kernels_avx512.cpp — the GEMM's AVX-512 level (see gemm_kernels.h): an 8 x 48 micro-tile
// of 24 zmm accumulators (3 B vectors, 1 broadcast: 28 of the 32 registers). Compiled with
// -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma (engine/CMakeLists.txt) and run only where
// cpu_has_level(avx512).
#include "engine/cpu/gemm_kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>

namespace syn::cpu {

namespace {

constexpr int MR = 8;
constexpr int NR = 48;
constexpr int NV = NR / 16;

void micro_kernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* c,
                  int64_t ldc, float alpha, float beta, const float* bias) {
  __m512 acc[MR][NV];
  // the C tile is read (or written) after the loop: start bringing it in now
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      acc[r][v] = _mm512_setzero_ps();
      _mm_prefetch((const char*)(c + r * ldc + 16 * v), _MM_HINT_T0);
    }
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      __m512 ar = _mm512_set1_ps(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]);
    }
    a += MR;
    b += NR;
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    __m512 add = _mm512_set1_ps(bias ? bias[r] : 0.0f);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 x = _mm512_fmadd_ps(va, acc[r][v], add);
      if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr + 16 * v), x);
      _mm512_storeu_ps(cr + 16 * v, x);
    }
  }
}

void copy_strip(float* __restrict d, const float* __restrict s) {
#pragma GCC unroll 4
  for (int q = 0; q < NR; q += 16) _mm512_storeu_ps(d + q, _mm512_loadu_ps(s + q));
}

// Full-mask forms of the shuffles: the plain intrinsics pass an "undefined" register to GCC 12's
// builtins, which -Wmaybe-uninitialized reports once inlined.
inline __m512 unpacklo_ps(__m512 a, __m512 b) { return _mm512_mask_unpacklo_ps(a, 0xFFFF, a, b); }
inline __m512 unpackhi_ps(__m512 a, __m512 b) { return _mm512_mask_unpackhi_ps(a, 0xFFFF, a, b); }
inline __m512 unpacklo_pd(__m512 a, __m512 b) {
  __m512d x = _mm512_castps_pd(a);
  return _mm512_castpd_ps(_mm512_mask_unpacklo_pd(x, 0xFF, x, _mm512_castps_pd(b)));
}
inline __m512 unpackhi_pd(__m512 a, __m512 b) {
  __m512d x = _mm512_castps_pd(a);
  return _mm512_castpd_ps(_mm512_mask_unpackhi_pd(x, 0xFF, x, _mm512_castps_pd(b)));
}
template <int imm>
inline __m512 shuffle_lanes(__m512 a, __m512 b) {
  return _mm512_mask_shuffle_f32x4(a, 0xFFFF, a, b, imm);
}

// 16 x 16 register tiles; the ragged rims element by element.
void transpose(const float* in, int64_t ld_in, float* out, int64_t ld_out, int64_t rows,
               int64_t cols) {
  int64_t r0 = 0;
  for (; r0 + 16 <= rows; r0 += 16) {
    int64_t c0 = 0;
    for (; c0 + 16 <= cols; c0 += 16) {
      const float* src = in + r0 * ld_in + c0;
      __m512 r[16], t[16];
      for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * ld_in);
      for (int i = 0; i < 16; i += 2) {
        t[i] = unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = unpackhi_ps(r[i], r[i + 1]);
      }
      for (int i = 0; i < 16; i += 4) {
        r[i] = unpacklo_pd(t[i], t[i + 2]);
        r[i + 1] = unpackhi_pd(t[i], t[i + 2]);
        r[i + 2] = unpacklo_pd(t[i + 1], t[i + 3]);
        r[i + 3] = unpackhi_pd(t[i + 1], t[i + 3]);
      }
      for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; ++i) {
          t[h + i] = shuffle_lanes<0x88>(r[h + i], r[h + i + 4]);
          t[h + i + 4] = shuffle_lanes<0xdd>(r[h + i], r[h + i + 4]);
        }
      for (int i = 0; i < 8; ++i) {
        r[i] = shuffle_lanes<0x88>(t[i], t[i + 8]);
        r[i + 8] = shuffle_lanes<0xdd>(t[i], t[i + 8]);
      }
      float* dst = out + c0 * ld_out + r0;
      for (int i = 0; i < 16; ++i) _mm512_storeu_ps(dst + i * ld_out, r[i]);
    }
    for (int64_t c = c0; c < cols; ++c)
      for (int64_t i = 0; i < 16; ++i) out[c * ld_out + r0 + i] = in[(r0 + i) * ld_in + c];
  }
  // remaining rows, in cache-friendly 8-column bands
  for (int64_t c0 = 0; c0 < cols; c0 += 8) {
    const int64_t c1 = c0 + 8 < cols ? c0 + 8 : cols;
    for (int64_t r = r0; r < rows; ++r)
      for (int64_t c = c0; c < c1; ++c) out[c * ld_out + r] = in[r * ld_in + c];
  }
}

// Cache blocking, tuned on Zen 4 (32 KiB L1d, 1 MiB L2 per core): the MC x KC block of A
// (512 KiB) sits in L2; KC = 256 measured best among 96..384.
constexpr GemmKernels kTable = {"avx512", MR,           NR,         MR * 64,  256,
                                NR * 20,  micro_kernel, copy_strip, transpose};

}  // namespace

const GemmKernels* gemm_kernels_avx512() { return &kTable; }

}  // namespace syn::cpu

#else

const syn::cpu::GemmKernels* syn::cpu::gemm_kernels_avx512() { return nullptr; }

#endif
