// precision.h — the arithmetic the CUDA kernels may use for convolutions and matrix products
// (apps/pretrain --precision fp32|tf32|bf16). Storage, master weights, reductions, norms and
// optimiser state stay fp32 in every mode; only the multiply inputs of the GEMM-shaped kernels
// change, with fp32 accumulation (PyTorch's autocast / allow_tf32 in spirit):
//   fp32  every product in fp32 (the reference; the default).
//   tf32  conv1d on TF32 tensor cores (kernels/conv1d_tc.cu, else conv1d v3) and cuBLAS GEMMs in
//         CUBLAS_TF32_TENSOR_OP_MATH: operands rounded to 10-bit mantissas.
//   bf16  conv1d on bf16 tensor cores (kernels/conv1d_tc.cu) and cuBLAS GEMMs with
//         CUBLAS_COMPUTE_32F_FAST_16BF: operands rounded to bf16 (8-bit mantissas) as they are
//         loaded, fp32 accumulation.
// The CPU kernels compute in fp32 whatever this says; the apps refuse tf32/bf16 on the CPU.
#pragma once
#include <string>

namespace syn {

enum class MathPrecision { Fp32 = 0, Tf32 = 1, Bf16 = 2 };

// Process-wide, read by the CUDA kernels at each launch; set once by an app before training.
void set_math_precision(MathPrecision p);
MathPrecision math_precision();

// "fp32" | "tf32" | "bf16"; anything else is an error naming the flag and the choices.
MathPrecision parse_math_precision(const std::string& name);
const char* math_precision_name(MathPrecision p);

}  // namespace syn
