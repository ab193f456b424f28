// conv3x3_kernels_generic.cpp — the direct 3x3 convolution's baseline level (see
// conv3x3_kernels.h), compiled with the project's baseline flags only: GCC/Clang vector
// extensions of 4 floats, multiply then add (no FMA in the baseline), tiles of 8 positions x 1
// vector or 6 x 2 in the 16 xmm registers. The fallback for CPUs without AVX2 and non-x86 builds.
#include "engine/cpu/conv3x3_kernels.h"

namespace syn::cpu {

namespace {

struct V {
  typedef float reg __attribute__((vector_size(16)));
  static constexpr int vl = 4;
  static reg zero() { return reg{}; }
  static reg load(const float* p) {
    reg x;
    __builtin_memcpy(&x, p, sizeof x);
    return x;
  }
  // a splat, not reg{} + x: adding zero is not exact for -0.0, so it would cost an add and a
  // register (an accumulator then spills: SSE's 16 registers hold 12 + 2 + 1 + a temporary)
  static reg bcast(const float* p) {
    const float x = *p;
    return reg{x, x, x, x};
  }
  static reg fma(reg a, reg b, reg c) { return a * b + c; }
  static void store(float* p, reg x) { __builtin_memcpy(p, &x, sizeof x); }
};

}  // namespace

#include "engine/cpu/conv3x3_kernels.inc"

namespace {

constexpr Conv3x3Kernels kTable = {
    "generic", 4,
    2,         {nullptr, window_tile<V, 8, 1>, window_tile<V, 6, 2>},
    {0, 8, 6}, {nullptr, weight_tile<V, 12, 1>, weight_tile<V, 6, 2>},
    {0, 12, 6}};

}  // namespace

const Conv3x3Kernels* conv3x3_kernels_generic() { return &kTable; }

}  // namespace syn::cpu
