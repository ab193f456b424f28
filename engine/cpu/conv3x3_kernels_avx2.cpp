// conv3x3_kernels_avx2.cpp — the direct 3x3 convolution's AVX2 + FMA level (see
// conv3x3_kernels.h): ymm registers, tiles of 8 positions x 1 vector or 6 x 2 (12 accumulators,
// 2 weight vectors and a broadcast in the 16 registers); the weight gradient 12 x 1 or 6 x 2.
// Compiled with the GEMM's AVX2 flags (-mavx2 -mfma -mno-avx512f: true AVX2 code even in a
// native build) and run only where cpu_has_level(avx2).
#include "engine/cpu/conv3x3_kernels.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace syn::cpu {

namespace {

struct V {
  using reg = __m256;
  static constexpr int vl = 8;
  static reg zero() { return _mm256_setzero_ps(); }
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static void store(float* p, reg x) { _mm256_storeu_ps(p, x); }
};

}  // namespace

#include "engine/cpu/conv3x3_kernels.inc"

namespace {

constexpr Conv3x3Kernels kTable = {
    "avx2",    8,
    2,         {nullptr, window_tile<V, 8, 1>, window_tile<V, 6, 2>},
    {0, 8, 6}, {nullptr, weight_tile<V, 12, 1>, weight_tile<V, 6, 2>},
    {0, 12, 6}};

}  // namespace

const Conv3x3Kernels* conv3x3_kernels_avx2() { return &kTable; }

}  // namespace syn::cpu

#else

const syn::cpu::Conv3x3Kernels* syn::cpu::conv3x3_kernels_avx2() { return nullptr; }

#endif
