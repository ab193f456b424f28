// gemm_kernels_avx2.cpp — the GEMM's AVX2 + FMA level (see gemm_kernels.h): a 6 x 16 micro-tile
// in the 16 ymm registers (12 accumulators, 2 B vectors, 1 broadcast), for every x86-64 CPU
// since Haswell / Zen 1. Compiled with -mavx2 -mfma -mno-avx512f (engine/CMakeLists.txt: even a
// -march=native build keeps this level free of AVX-512, so SYN_CPU=avx2 measures it truly) and
// run only where cpu_has_level(avx2).
#include "engine/cpu/gemm_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace syn::cpu {

namespace {

constexpr int MR = 6;
constexpr int NR = 16;
// The A strip streams from L2 (the B strip, 16 KiB at KC = 256, stays in L1 across the row
// block): prefetch it this many floats ahead, one 64-byte line per step of 4 depths (24 floats
// of A is 96 bytes: two prefetches per step cover it).
constexpr int kPrefetchA = 6 * 32;

// One depth step: 2 B loads, 6 broadcasts, 12 FMAs.
#define SYN_AVX2_STEP(K)                               \
  do {                                                 \
    const __m256 b0 = _mm256_loadu_ps(b + (K)*NR);     \
    const __m256 b1 = _mm256_loadu_ps(b + (K)*NR + 8); \
    __m256 ar = _mm256_broadcast_ss(a + (K)*MR + 0);   \
    c00 = _mm256_fmadd_ps(ar, b0, c00);                \
    c01 = _mm256_fmadd_ps(ar, b1, c01);                \
    ar = _mm256_broadcast_ss(a + (K)*MR + 1);          \
    c10 = _mm256_fmadd_ps(ar, b0, c10);                \
    c11 = _mm256_fmadd_ps(ar, b1, c11);                \
    ar = _mm256_broadcast_ss(a + (K)*MR + 2);          \
    c20 = _mm256_fmadd_ps(ar, b0, c20);                \
    c21 = _mm256_fmadd_ps(ar, b1, c21);                \
    ar = _mm256_broadcast_ss(a + (K)*MR + 3);          \
    c30 = _mm256_fmadd_ps(ar, b0, c30);                \
    c31 = _mm256_fmadd_ps(ar, b1, c31);                \
    ar = _mm256_broadcast_ss(a + (K)*MR + 4);          \
    c40 = _mm256_fmadd_ps(ar, b0, c40);                \
    c41 = _mm256_fmadd_ps(ar, b1, c41);                \
    ar = _mm256_broadcast_ss(a + (K)*MR + 5);          \
    c50 = _mm256_fmadd_ps(ar, b0, c50);                \
    c51 = _mm256_fmadd_ps(ar, b1, c51);                \
  } while (0)

// Written out register by register (no arrays): GCC keeps all 12 accumulators in ymm registers
// only when nothing invites it to address them.
void micro_kernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* c,
                  int64_t ldc, float alpha, float beta, const float* bias) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  // the C tile is read (or written) after the loop: start bringing it in now
  for (int r = 0; r < MR; ++r) {
    _mm_prefetch((const char*)(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char*)(c + r * ldc + 15), _MM_HINT_T0);
  }
  int64_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch((const char*)(a + kPrefetchA), _MM_HINT_T0);
    _mm_prefetch((const char*)(a + kPrefetchA + 16), _MM_HINT_T0);
    SYN_AVX2_STEP(0);
    SYN_AVX2_STEP(1);
    SYN_AVX2_STEP(2);
    SYN_AVX2_STEP(3);
    a += 4 * MR;
    b += 4 * NR;
  }
  for (; k < kc; ++k) {
    SYN_AVX2_STEP(0);
    a += MR;
    b += NR;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                             {c30, c31}, {c40, c41}, {c50, c51}};
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    const __m256 add = _mm256_set1_ps(bias ? bias[r] : 0.0f);
    for (int v = 0; v < 2; ++v) {
      __m256 x = _mm256_fmadd_ps(va, acc[r][v], add);
      if (beta != 0.0f) x = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8 * v), x);
      _mm256_storeu_ps(cr + 8 * v, x);
    }
  }
}
#undef SYN_AVX2_STEP

void copy_strip(float* __restrict d, const float* __restrict s) {
  _mm256_storeu_ps(d, _mm256_loadu_ps(s));
  _mm256_storeu_ps(d + 8, _mm256_loadu_ps(s + 8));
}

// 8 x 8 register tiles; the ragged rims element by element.
void transpose(const float* in, int64_t ld_in, float* out, int64_t ld_out, int64_t rows,
               int64_t cols) {
  int64_t r0 = 0;
  for (; r0 + 8 <= rows; r0 += 8) {
    int64_t c0 = 0;
    for (; c0 + 8 <= cols; c0 += 8) {
      const float* src = in + r0 * ld_in + c0;
      __m256 r[8], t[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld_in);
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
      }
      for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
      }
      float* dst = out + c0 * ld_out + r0;
      for (int i = 0; i < 4; ++i) {
        _mm256_storeu_ps(dst + i * ld_out, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
        _mm256_storeu_ps(dst + (i + 4) * ld_out, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
      }
    }
    for (int64_t c = c0; c < cols; ++c)
      for (int64_t i = 0; i < 8; ++i) out[c * ld_out + r0 + i] = in[(r0 + i) * ld_in + c];
  }
  // remaining rows, in cache-friendly 8-column bands
  for (int64_t c0 = 0; c0 < cols; c0 += 8) {
    const int64_t c1 = c0 + 8 < cols ? c0 + 8 : cols;
    for (int64_t r = r0; r < rows; ++r)
      for (int64_t c = c0; c < c1; ++c) out[c * ld_out + r] = in[r * ld_in + c];
  }
}

// Cache blocking for 16 ymm registers and a 512 KiB L2 (Zen 1/2; 1 MiB on Zen 4): the B strip
// (KC x 16 = 16 KiB) stays in L1, the A block (MC x KC) in L2.
constexpr GemmKernels kTable = {"avx2",  MR,           NR,         MR * 24,  256,
                                NR * 64, micro_kernel, copy_strip, transpose};

}  // namespace

const GemmKernels* gemm_kernels_avx2() { return &kTable; }

}  // namespace syn::cpu

#else

const syn::cpu::GemmKernels* syn::cpu::gemm_kernels_avx2() { return nullptr; }

#endif
