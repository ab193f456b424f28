// gemm_kernels.h — the per-instruction-set half of the GEMM (engine/cpu/gemm.cpp): each level's
// register-blocked micro-kernel, its tile shape and cache blocking, and the packing helpers that
// profit from wide registers. Each level lives in its own file compiled with its own flags
// (gemm_kernels_{generic,avx2,avx512}.cpp); gemm.cpp picks one table at run time by
// cpu_kernel_level() (engine/cpu/cpu_level.h).
//
// The level files include nothing but this header and <immintrin.h>: an inline function from a
// shared header (a std:: template, say) compiled with AVX-512 flags could be the copy the linker
// keeps for every caller, and so reach a CPU without AVX-512.
#pragma once
#include <cstdint>

namespace syn::cpu {

// The largest tile any level uses (stack buffers for edge tiles are sized by these).
inline constexpr int64_t kGemmMaxMR = 8;
inline constexpr int64_t kGemmMaxNR = 48;

struct GemmKernels {
  const char* name;    // the level's name, as cpu_level_name
  int64_t mr, nr;      // micro-tile: mr rows (broadcast from packed A) x nr columns (vectors)
  int64_t mc, kc, nc;  // cache blocking: A block mc x kc in L2, B micro-panel kc x nr in L1
  // C[mr x nr] (row stride ldc) = alpha * (A strip . B strip) + beta * C + bias[r]: A strip
  // kc x mr and B strip kc x nr, depth-major. C is not read when beta == 0; bias may be null.
  void (*micro_kernel)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                       float alpha, float beta, const float* bias);
  // d[0, nr) = s[0, nr) (the hot step of the packers).
  void (*copy_strip)(float* d, const float* s);
  // out[c * ld_out + r] = in[r * ld_in + c] for r < rows, c < cols.
  void (*transpose)(const float* in, int64_t ld_in, float* out, int64_t ld_out, int64_t rows,
                    int64_t cols);
};

// Each level's table; null where this build does not carry the level (not an x86-64 build).
const GemmKernels* gemm_kernels_generic();
const GemmKernels* gemm_kernels_avx2();
const GemmKernels* gemm_kernels_avx512();

}  // namespace syn::cpu
