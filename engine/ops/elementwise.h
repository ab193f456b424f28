// elementwise.h — element-wise arithmetic on tensors of identical shape, and ReLU.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Kernel signatures (CPU in engine/ops/elementwise.cpp, CUDA in kernels/elementwise.cu).
using BinaryKernelFn = void(const float* a, const float* b, float* out, int64_t n);
// out = alpha * a + beta (scale and shift in one pass)
using AffineKernelFn = void(const float* a, float alpha, float beta, float* out, int64_t n);
// relu backward: dx = dy where x > 0
using ReluBackwardFn = void(const float* x, const float* dy, float* dx, int64_t n);

extern Kernel<BinaryKernelFn> add_kernel;
extern Kernel<BinaryKernelFn> sub_kernel;
extern Kernel<BinaryKernelFn> mul_kernel;
extern Kernel<AffineKernelFn> affine_kernel;
extern Kernel<AffineKernelFn> relu_kernel;  // uses neither alpha nor beta
extern Kernel<ReluBackwardFn> relu_backward_kernel;

namespace ops {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& a, float alpha);      // alpha * a
Tensor add_scalar(const Tensor& a, float beta);  // a + beta
Tensor relu(const Tensor& x);

}  // namespace ops

// Shared precondition of binary ops: same shape, same device; names the op and both shapes.
void check_same(const char* op, const Tensor& a, const Tensor& b);

}  // namespace syn
