// dropout.cpp — dropout: mask generation kernel, forward and gradient rule. Applying the mask
// (forward and backward) is an element-wise product, done by the element-wise mul kernel.
#include "engine/ops/dropout.h"

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/parallel.h"
#include "engine/rng.h"

namespace syn {

float dropout_uniform(uint64_t seed, int64_t i) {
  uint64_t z = seed + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (float)(z >> 40) * (1.0f / 16777216.0f);
}

namespace {

void dropout_mask_cpu(float* mask, int64_t n, float p, uint64_t seed) {
  const float keep_value = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
  parallel_for(n, 1 << 15, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) mask[i] = dropout_uniform(seed, i) >= p ? keep_value : 0.0f;
  });
}

}  // namespace

Kernel<DropoutMaskFn> dropout_mask_kernel{"dropout_mask", dropout_mask_cpu};

namespace ops {

Tensor dropout(const Tensor& x, float p, bool training, Rng& rng) {
  SYN_CHECK(x.defined(), "dropout: undefined input");
  SYN_CHECK(p >= 0.0f && p <= 1.0f, "dropout: probability ", p, " is outside [0, 1] (x ",
            x.describe(), ")");
  if (!training || p == 0.0f) return x;
  Device dev = x.device();
  const uint64_t seed = p < 1.0f ? rng.next_u64() : 0;
  Tensor mask = Tensor::empty(x.shape(), dev);
  dropout_mask_kernel.on(dev)(mask.data(), mask.numel(), p, seed);
  Tensor y = Tensor::empty(x.shape(), dev);
  mul_kernel.on(dev)(x.data(), mask.data(), y.data(), x.numel());
  record(y, "dropout", {x}, [mask](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = Tensor::empty(g.shape(), g.device());
    mul_kernel.on(g.device())(g.data(), mask.data(), dx.data(), g.numel());
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace ops
}  // namespace syn
