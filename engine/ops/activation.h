// activation.h — GELU (PyTorch F.gelu), the transformer's feed-forward non-linearity, and SiLU.
//
//   exact (approximate='none', PyTorch's default):  y = x Φ(x) = 0.5 x (1 + erf(x / √2))
//   tanh  (approximate='tanh', GPT-2's form):       y = 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
// SiLU (PyTorch F.silu, a.k.a. swish), the diffusion U-Net's non-linearity:
//   y = x σ(x) = x / (1 + e^-x),   dy/dx = σ(x) (1 + x (1 - σ(x)))
// The backwards recompute from x (nothing saved but the input).
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

enum class GeluApprox : int { None = 0, Tanh = 1 };

// y[i] = gelu(x[i]) for i < n; `approx` is a GeluApprox.
using GeluFwdFn = void(const float* x, float* y, int64_t n, int approx);
// dx[i] = dy[i] * gelu'(x[i]).
using GeluBwdFn = void(const float* x, const float* dy, float* dx, int64_t n, int approx);

extern Kernel<GeluFwdFn> gelu_forward_kernel;
extern Kernel<GeluBwdFn> gelu_backward_kernel;

// y[i] = silu(x[i]) for i < n.
using SiluFwdFn = void(const float* x, float* y, int64_t n);
// dx[i] = dy[i] * silu'(x[i]).
using SiluBwdFn = void(const float* x, const float* dy, float* dx, int64_t n);

extern Kernel<SiluFwdFn> silu_forward_kernel;
extern Kernel<SiluBwdFn> silu_backward_kernel;

namespace ops {

// Element-wise, any shape.
Tensor gelu(const Tensor& x, GeluApprox approx = GeluApprox::None);
// Element-wise, any shape.
Tensor silu(const Tensor& x);

}  // namespace ops
}  // namespace syn
