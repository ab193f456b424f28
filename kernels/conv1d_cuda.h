// conv1d_cuda.h — CUDA kernels for engine/ops/conv1d.h (same signatures as the CPU slots), plus
// entry points that pick one kernel version explicitly (the benchmark and the tests time and check
// every version; production calls the slot functions, which choose automatically).
#pragma once
#include <cstddef>
#include <cstdint>

#include "engine/ops/conv1d.h"

namespace syn::cuda_kernels {

// The kernel versions of kernels/conv1d.cu (see the table at the top of that file).
enum class ConvVersion : int {
  Auto = 0,    // what the slots run: Small where the reduction is tiny, else Tiled (or Tf32 if on)
  Naive = 1,   // v1: direct loops, one thread (forward, backward data) or one block (weight,
               // bias) per output element: the baseline
  Tiled = 2,   // v2: implicit GEMM, shared-memory tiles 128x128x8, 8x8 register blocking, fp32
  Tf32 = 3,    // v3: v2's tiles on TF32 tensor cores (wmma m16n16k8); ~1e-3 relative error
  Small = 4,   // specialised for Cin*K <= 16 (the first layer, Cin = 1): forward and weight
               // gradient as register dot products; for backward-data it is the direct kernel
  TcBf16 = 5,  // v5: implicit GEMM on mma.sync bf16 (fp32 accumulation), cp.async double
               // buffering (kernels/conv1d_tc.cu); forward and stride-1 backward-data; the weight
               // gradient runs v3 (TF32). Auto's choice under --precision bf16
  TcTf32 = 6,  // v5 with TF32 mma.sync m16n8k8: Auto's choice under --precision tf32
};
const char* conv_version_name(ConvVersion v);
// Whether `v` can run this shape (Small needs Cin*K <= 16 for forward / backward-weight).
bool conv_version_supported(ConvVersion v, const Conv1dShape& s);

// Slot kernels (Auto).
void conv1d_forward(const Conv1dShape& s, const float* x, const float* w, const float* bias,
                    float* y);
void conv1d_backward_data(const Conv1dShape& s, const float* dy, const float* w, float* dx);
void conv1d_backward_weight(const Conv1dShape& s, const float* x, const float* dy, float* dw,
                            float* dbias);

// One explicit version (SYN_CHECK fails when the version does not support the shape).
void conv1d_forward_v(ConvVersion v, const Conv1dShape& s, const float* x, const float* w,
                      const float* bias, float* y);
void conv1d_backward_data_v(ConvVersion v, const Conv1dShape& s, const float* dy, const float* w,
                            float* dx);
void conv1d_backward_weight_v(ConvVersion v, const Conv1dShape& s, const float* x, const float* dy,
                              float* dw, float* dbias);

// Auto also follows engine/precision.h: --precision tf32 -> TcTf32, bf16 -> TcBf16 (forward and
// stride-1 backward data; v3 for the rest). The switch below predates it and picks v3.
// Lets Auto use the TF32 tensor-core version (v3) for its GEMM-shaped cases. Off by default:
// the fp32 path is the reference; TF32 rounds the operands to 10-bit mantissas.
void conv1d_set_tf32(bool on);
bool conv1d_tf32();

// Internals shared by kernels/conv1d.cu (entry points, v1, Small, bias gradient) and
// kernels/conv1d_tiled.cu (the implicit GEMMs, v2 and v3).
namespace conv1d_detail {
struct ConvDims {  // the sizes as ints: dims_of checks that every 32-bit index fits
  int B, Cin, Cout, L, K, stride, pad, Lout;
};
ConvDims dims_of(const Conv1dShape& s, const char* op);
// tf32 = false: v2 (fp32 FMA); true: v3 (TF32 tensor cores). weight_tiled writes dw only.
void forward_tiled(bool tf32, const Conv1dShape& s, const float* x, const float* w,
                   const float* bias, float* y);
void data_tiled(bool tf32, const Conv1dShape& s, const float* dy, const float* w, float* dx);
void weight_tiled(bool tf32, const Conv1dShape& s, const float* x, const float* dy, float* dw);
// v5 (kernels/conv1d_tc.cu): bf16 = true: bf16 mma.sync, false: TF32 mma.sync. data_tc: stride 1.
void forward_tc(bool bf16, const Conv1dShape& s, const float* x, const float* w, const float* bias,
                float* y);
void data_tc(bool bf16, const Conv1dShape& s, const float* dy, const float* w, float* dx);
}  // namespace conv1d_detail

}  // namespace syn::cuda_kernels
