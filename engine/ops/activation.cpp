// activation.cpp — GELU and SiLU: gradient rules and CPU kernels (formulas in activation.h).
// fp32 math (std::erf / std::tanh on floats, accurate to a few ulps): GELU runs on the widest
// activations of the decoder ([B·T, 4D]), where double precision would cost time for nothing.
#include "engine/ops/activation.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;  // 1/√(2π): the normal density's constant
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kTanhCubic = 0.044715f;

inline float gelu_exact(float x) { return 0.5f * x * (1.0f + std::erf(x * kInvSqrt2)); }
// d/dx x Φ(x) = Φ(x) + x φ(x)
inline float gelu_exact_grad(float x) {
  return 0.5f * (1.0f + std::erf(x * kInvSqrt2)) + x * kInvSqrt2Pi * std::exp(-0.5f * x * x);
}
inline float gelu_tanh(float x) {
  const float t = std::tanh(kSqrt2OverPi * (x + kTanhCubic * x * x * x));
  return 0.5f * x * (1.0f + t);
}
// 0.5 (1 + t) + 0.5 x (1 - t²) √(2/π) (1 + 3·0.044715 x²)
inline float gelu_tanh_grad(float x) {
  const float t = std::tanh(kSqrt2OverPi * (x + kTanhCubic * x * x * x));
  return 0.5f * (1.0f + t) +
         0.5f * x * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kTanhCubic * x * x);
}

void gelu_forward_cpu(const float* x, float* y, int64_t n, int approx) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) {
    if (approx == (int)GeluApprox::Tanh)
      for (int64_t i = lo; i < hi; ++i) y[i] = gelu_tanh(x[i]);
    else
      for (int64_t i = lo; i < hi; ++i) y[i] = gelu_exact(x[i]);
  });
}

void gelu_backward_cpu(const float* x, const float* dy, float* dx, int64_t n, int approx) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) {
    if (approx == (int)GeluApprox::Tanh)
      for (int64_t i = lo; i < hi; ++i) dx[i] = dy[i] * gelu_tanh_grad(x[i]);
    else
      for (int64_t i = lo; i < hi; ++i) dx[i] = dy[i] * gelu_exact_grad(x[i]);
  });
}

// σ(x) = 1 / (1 + e^-x): for x -> -inf e^-x overflows to inf and σ to 0 (correct limit); for
// x -> +inf σ -> 1. x σ(x) written as x / (1 + e^-x), PyTorch's form.
inline float silu_value(float x) { return x / (1.0f + std::exp(-x)); }
inline float silu_grad(float x) {
  const float s = 1.0f / (1.0f + std::exp(-x));
  return s * (1.0f + x * (1.0f - s));
}

void silu_forward_cpu(const float* x, float* y, int64_t n) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = silu_value(x[i]);
  });
}

void silu_backward_cpu(const float* x, const float* dy, float* dx, int64_t n) {
  parallel_for(n, 1 << 14, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) dx[i] = dy[i] * silu_grad(x[i]);
  });
}

}  // namespace

Kernel<GeluFwdFn> gelu_forward_kernel{"gelu_forward", gelu_forward_cpu};
Kernel<GeluBwdFn> gelu_backward_kernel{"gelu_backward", gelu_backward_cpu};
Kernel<SiluFwdFn> silu_forward_kernel{"silu_forward", silu_forward_cpu};
Kernel<SiluBwdFn> silu_backward_kernel{"silu_backward", silu_backward_cpu};

namespace ops {

Tensor gelu(const Tensor& x, GeluApprox approx) {
  SYN_CHECK(x.defined(), "gelu: undefined input");
  SYN_CHECK(approx == GeluApprox::None || approx == GeluApprox::Tanh,
            "gelu: unknown approximation ", (int)approx, " for x ", x.describe());
  const int64_t n = x.numel();
  Tensor y = Tensor::empty(x.shape(), x.device());
  if (n > 0) gelu_forward_kernel.on(x.device())(x.data(), y.data(), n, (int)approx);
  Tensor sx = x.detach();
  record(y, "gelu", {x}, [sx, n, approx](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(sx.shape(), g.device());
    if (n > 0) gelu_backward_kernel.on(g.device())(sx.data(), g.data(), dx.data(), n, (int)approx);
    return std::vector<Tensor>{dx};
  });
  return y;
}

Tensor silu(const Tensor& x) {
  SYN_CHECK(x.defined(), "silu: undefined input");
  const int64_t n = x.numel();
  Tensor y = Tensor::empty(x.shape(), x.device());
  if (n > 0) silu_forward_kernel.on(x.device())(x.data(), y.data(), n);
  Tensor sx = x.detach();
  record(y, "silu", {x}, [sx, n](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(sx.shape(), g.device());
    if (n > 0) silu_backward_kernel.on(g.device())(sx.data(), g.data(), dx.data(), n);
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace ops
}  // namespace syn
