// layers.h — the standard layers as Modules, with PyTorch's parameter names and default
// initialisation, so state dicts line up key for key with torch.nn models.
//
//   Conv1d       weight [Cout, Cin, K], bias [Cout]      input [B, Cin, L] -> [B, Cout, Lout]
//   BatchNorm1d  weight/bias/running_mean/running_var [C] (+ num_batches_tracked is not kept);
//                in training, statistics over every rank when dist::set_sync_batchnorm is set
//   Linear       weight [Dout, Din], bias [Dout]          input [N, Din]    -> [N, Dout]
//   ReLU, MaxPool1d, Dropout, Identity: parameter-free
//   Sequential   children named "0", "1", ... like nn.Sequential
#pragma once
#include <memory>
#include <vector>

#include "engine/module.h"
#include "engine/rng.h"

namespace syn::nn {

// A module with a single-input single-output forward.
class Layer : public Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
};

class Conv1d : public Layer {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
         int64_t padding, bool bias, Rng& rng);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  int64_t stride, padding;
};

class BatchNorm1d : public Layer {
 public:
  explicit BatchNorm1d(int64_t channels, float momentum = 0.1f, float eps = 1e-5f);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias, running_mean, running_var;
  float momentum, eps;
};

class Linear : public Layer {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias, Rng& rng);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
};

class ReLU : public Layer {
 public:
  Tensor forward(const Tensor& x) override;
};

class MaxPool1d : public Layer {
 public:
  explicit MaxPool1d(int64_t kernel, int64_t stride = 0);
  Tensor forward(const Tensor& x) override;
  int64_t kernel, stride;
};

class Dropout : public Layer {
 public:
  Dropout(float drop_probability, Rng& generator) : p(drop_probability), rng(&generator) {}
  Tensor forward(const Tensor& x) override;
  float p;
  Rng* rng;
};

class Identity : public Layer {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

class Sequential : public Layer {
 public:
  Sequential() = default;
  template <class L>
  std::shared_ptr<L> add(std::shared_ptr<L> layer) {
    register_module(std::to_string(layers_.size()), layer);
    layers_.push_back(layer);
    return layer;
  }
  Tensor forward(const Tensor& x) override;
  size_t size() const { return layers_.size(); }
  Layer& at(size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Layer>> layers_;
};

}  // namespace syn::nn
