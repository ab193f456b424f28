// gemm_kernels_generic.cpp — the GEMM's baseline level (see gemm_kernels.h), compiled with the
// project's baseline flags only (SSE4.2 on the portable x86-64-v2 build): a 6 x 8 micro-tile on
// GCC/Clang vector extensions, 12 accumulators of 4 floats, which fits the 16 xmm registers.
// The fallback for CPUs without AVX2 and for non-x86 builds.
#include "engine/cpu/gemm_kernels.h"

namespace syn::cpu {

namespace {

constexpr int MR = 6;
constexpr int NR = 8;
typedef float v4 __attribute__((vector_size(16)));
constexpr int NV = NR / 4;

inline v4 load4(const float* p) {
  v4 x;
  __builtin_memcpy(&x, p, sizeof x);
  return x;
}
inline void store4(float* p, v4 x) { __builtin_memcpy(p, &x, sizeof x); }

void micro_kernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* c,
                  int64_t ldc, float alpha, float beta, const float* bias) {
  v4 acc[MR][NV] = {};
  for (int64_t k = 0; k < kc; ++k) {
    v4 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = load4(b + 4 * v);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const float ar = a[r];
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * bv[v];
    }
    a += MR;
    b += NR;
  }
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    const float add = bias ? bias[r] : 0.0f;
    for (int v = 0; v < NV; ++v) {
      v4 x = alpha * acc[r][v] + add;
      if (beta != 0.0f) x += beta * load4(cr + 4 * v);
      store4(cr + 4 * v, x);
    }
  }
}

void copy_strip(float* __restrict d, const float* __restrict s) {
  store4(d, load4(s));
  store4(d + 4, load4(s + 4));
}

// In 8 x 8 blocks, so both sides stay within a few cache lines.
void transpose(const float* in, int64_t ld_in, float* out, int64_t ld_out, int64_t rows,
               int64_t cols) {
  for (int64_t r0 = 0; r0 < rows; r0 += 8) {
    const int64_t r1 = r0 + 8 < rows ? r0 + 8 : rows;
    for (int64_t c0 = 0; c0 < cols; c0 += 8) {
      const int64_t c1 = c0 + 8 < cols ? c0 + 8 : cols;
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t r = r0; r < r1; ++r) out[c * ld_out + r] = in[r * ld_in + c];
    }
  }
}

// Cache blocking for small tiles: the B strip (KC x 8 = 8 KiB) in L1, the A block in L2.
constexpr GemmKernels kTable = {"generic", MR,           NR,         MR * 32,  256,
                                NR * 128,  micro_kernel, copy_strip, transpose};

}  // namespace

const GemmKernels* gemm_kernels_generic() { return &kTable; }

}  // namespace syn::cpu
