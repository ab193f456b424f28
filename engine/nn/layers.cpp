// layers.cpp — standard layers. Initialisation follows PyTorch's defaults: conv and linear
// weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)),
// batch norm weight 1, bias 0, running mean 0, running variance 1.
#include "engine/nn/layers.h"

#include <cmath>

#include "engine/dist/sync_batchnorm.h"
#include "engine/ops/batchnorm.h"
#include "engine/ops/conv1d.h"
#include "engine/ops/dropout.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linear.h"
#include "engine/ops/pool.h"

namespace syn::nn {

static Tensor fan_in_uniform(const Shape& shape, int64_t fan_in, Rng& rng) {
  float bound = 1.0f / std::sqrt((float)fan_in);
  return Tensor::uniform(shape, rng, -bound, bound);
}

Conv1d::Conv1d(int64_t cin, int64_t cout, int64_t k, int64_t stride_, int64_t padding_,
               bool has_bias, Rng& rng)
    : stride(stride_), padding(padding_) {
  weight = register_parameter("weight", fan_in_uniform({cout, cin, k}, cin * k, rng));
  if (has_bias) bias = register_parameter("bias", fan_in_uniform({cout}, cin * k, rng));
}

Tensor Conv1d::forward(const Tensor& x) { return ops::conv1d(x, weight, bias, stride, padding); }

BatchNorm1d::BatchNorm1d(int64_t c, float momentum_, float eps_) : momentum(momentum_), eps(eps_) {
  weight = register_parameter("weight", Tensor::full({c}, 1.0f));
  bias = register_parameter("bias", Tensor::zeros({c}));
  running_mean = register_buffer("running_mean", Tensor::zeros({c}));
  running_var = register_buffer("running_var", Tensor::full({c}, 1.0f));
}

Tensor BatchNorm1d::forward(const Tensor& x) {
  // Data-parallel training with --sync_batchnorm 1 (engine/dist/sync_batchnorm.h).
  if (dist::Communicator* comm = dist::sync_batchnorm_communicator();
      comm && comm->world() > 1 && is_training())
    return dist::sync_batchnorm1d(x, weight, bias, running_mean, running_var, momentum, eps, *comm);
  return ops::batchnorm1d(x, weight, bias, running_mean, running_var, is_training(), momentum, eps);
}

Linear::Linear(int64_t din, int64_t dout, bool has_bias, Rng& rng) {
  weight = register_parameter("weight", fan_in_uniform({dout, din}, din, rng));
  if (has_bias) bias = register_parameter("bias", fan_in_uniform({dout}, din, rng));
}

Tensor Linear::forward(const Tensor& x) { return ops::linear(x, weight, bias); }

Tensor ReLU::forward(const Tensor& x) { return ops::relu(x); }

MaxPool1d::MaxPool1d(int64_t k, int64_t s) : kernel(k), stride(s ? s : k) {}

Tensor MaxPool1d::forward(const Tensor& x) { return ops::maxpool1d(x, kernel, stride); }

Tensor Dropout::forward(const Tensor& x) { return ops::dropout(x, p, is_training(), *rng); }

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& l : layers_) h = l->forward(h);
  return h;
}

}  // namespace syn::nn
