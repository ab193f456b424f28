// layers2d.cpp — Conv2d, BatchNorm2d, MaxPool2d. Initialisation follows PyTorch's defaults:
// conv weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = Cin*kh*kw
// (kaiming_uniform with a = sqrt(5)); batch norm weight 1, bias 0, running mean 0, variance 1.
#include "engine/nn/layers2d.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/batchnorm2d.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/pool2d.h"

namespace syn::nn {

static Tensor fan_in_uniform(const Shape& shape, int64_t fan_in, Rng& rng) {
  float bound = 1.0f / std::sqrt((float)fan_in);
  return Tensor::uniform(shape, rng, -bound, bound);
}

Conv2d::Conv2d(int64_t cin, int64_t cout, int64_t kh, int64_t kw, Padding2d pad, bool has_bias,
               Rng& rng, int64_t sh_, int64_t sw_)
    : sh(sh_), sw(sw_), padding(pad) {
  const int64_t fan_in = cin * kh * kw;
  weight = register_parameter("weight", fan_in_uniform({cout, cin, kh, kw}, fan_in, rng));
  if (has_bias) bias = register_parameter("bias", fan_in_uniform({cout}, fan_in, rng));
}

Tensor Conv2d::forward(const Tensor& x) { return ops::conv2d(x, weight, bias, sh, sw, padding); }

BatchNorm2d::BatchNorm2d(int64_t c, float momentum_, float eps_) : momentum(momentum_), eps(eps_) {
  weight = register_parameter("weight", Tensor::full({c}, 1.0f));
  bias = register_parameter("bias", Tensor::zeros({c}));
  running_mean = register_buffer("running_mean", Tensor::zeros({c}));
  running_var = register_buffer("running_var", Tensor::full({c}, 1.0f));
  num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}));
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  Tensor y =
      ops::batchnorm2d(x, weight, bias, running_mean, running_var, is_training(), momentum, eps);
  if (is_training()) {
    // count += 1 on the buffer's own device, in place (no host round trip)
    affine_kernel.on(num_batches_tracked.device())(num_batches_tracked.data(), 1.0f, 1.0f,
                                                   num_batches_tracked.data(), 1);
  }
  return y;
}

MaxPool2d::MaxPool2d(int64_t kh_, int64_t kw_, int64_t sh_, int64_t sw_, int64_t ph_, int64_t pw_)
    : kh(kh_), kw(kw_), sh(sh_ ? sh_ : kh_), sw(sw_ ? sw_ : kw_), ph(ph_), pw(pw_) {}

Tensor MaxPool2d::forward(const Tensor& x) { return ops::maxpool2d(x, kh, kw, sh, sw, ph, pw); }

}  // namespace syn::nn
