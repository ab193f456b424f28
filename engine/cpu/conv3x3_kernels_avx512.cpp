// conv3x3_kernels_avx512.cpp — the direct 3x3 convolution's AVX-512 level (see
// conv3x3_kernels.h): zmm registers, tiles of up to 24 accumulators (8 positions x 3 vectors,
// 6 x 4; 12 x 2 and 16 x 1 for the weight gradient, whose broadcasts come from one pointer).
// Compiled with the GEMM's AVX-512 flags (engine/CMakeLists.txt) and run only where
// cpu_has_level(avx512).
#include "engine/cpu/conv3x3_kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>

namespace syn::cpu {

namespace {

struct V {
  using reg = __m512;
  static constexpr int vl = 16;
  static reg zero() { return _mm512_setzero_ps(); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static reg bcast(const float* p) { return _mm512_set1_ps(*p); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static void store(float* p, reg x) { _mm512_storeu_ps(p, x); }
};

}  // namespace

#include "engine/cpu/conv3x3_kernels.inc"

namespace {

constexpr Conv3x3Kernels kTable = {"avx512",
                                   16,
                                   4,
                                   {nullptr, window_tile<V, 8, 1>, window_tile<V, 8, 2>,
                                    window_tile<V, 8, 3>, window_tile<V, 6, 4>},
                                   {0, 8, 8, 8, 6},
                                   {nullptr, weight_tile<V, 16, 1>, weight_tile<V, 12, 2>,
                                    weight_tile<V, 8, 3>, weight_tile<V, 6, 4>},
                                   {0, 16, 12, 8, 6}};

}  // namespace

const Conv3x3Kernels* conv3x3_kernels_avx512() { return &kTable; }

}  // namespace syn::cpu

#else

const syn::cpu::Conv3x3Kernels* syn::cpu::conv3x3_kernels_avx512() { return nullptr; }

#endif
