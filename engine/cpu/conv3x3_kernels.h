// conv3x3_kernels.h — the per-instruction-set half of the direct 3x3 convolution
// (engine/cpu/conv3x3.h): two register-blocked micro-kernels that read a zero-padded
// channels-last signal in place, so no im2col matrix is packed. Each level lives in its own file
// compiled with its own flags (conv3x3_kernels_{generic,avx2,avx512}.cpp, all instantiating
// conv3x3_kernels.inc); conv3x3.cpp picks one table at run time by cpu_kernel_level().
//
// Why not the GEMM with an im2col packer: with 32-128 output channels each packed element feeds
// only 64-256 flops, and packing took ~40 % of a U-Net 3x3 convolution's time. In channels-last
// layout every tap's Cin values for a position are contiguous, so the kernels broadcast straight
// from the signal and stream a packed weight panel (packed once per call, tiny).
#pragma once
#include <cstdint>

namespace syn::cpu {

// The largest tile any level uses (stack buffers are sized by these).
inline constexpr int64_t kConv3x3MaxMR = 16;
inline constexpr int64_t kConv3x3MaxNR = 64;

// tile[r * nr + l] = sum over taps t < 9 and channels c < cin of win[r][toff[t] + c] *
// w[(t * cin + c) * nr + l], for r < MR (the table's window_mr[nv]) and l < nr = nv * vl.
// win: MR pointers to each output position's window corner in the padded channels-last input.
using Conv3x3WindowFn = void (*)(const float* const* win, const int64_t* toff, int64_t cin,
                                 const float* w, float* tile);

// tile[r * nr + l] += sum over rows y < rows and columns x < cols of
// a[y * a_row + x * a_step + r] * b[y * b_row + x * b_step + l], for r < MR (weight_mr[nv]) and
// l < nr = nv * vl: one tile of the weight gradient (a = dy channels-last, b = the padded input
// shifted by one tap), the positions' sum kept in registers.
using Conv3x3WeightFn = void (*)(int64_t rows, int64_t cols, const float* a, int64_t a_row,
                                 int64_t a_step, const float* b, int64_t b_row, int64_t b_step,
                                 float* tile);

struct Conv3x3Kernels {
  const char* name;  // the level's name, as cpu_level_name
  int64_t vl;        // floats per vector
  int64_t max_nv;    // the widest tile, in vectors (entries 1 .. max_nv below are set)
  Conv3x3WindowFn window[5];
  int64_t window_mr[5];
  Conv3x3WeightFn weight[5];
  int64_t weight_mr[5];
};

// Each level's table; null where this build does not carry the level (not an x86-64 build).
const Conv3x3Kernels* conv3x3_kernels_generic();
const Conv3x3Kernels* conv3x3_kernels_avx2();
const Conv3x3Kernels* conv3x3_kernels_avx512();

}  // namespace syn::cpu
