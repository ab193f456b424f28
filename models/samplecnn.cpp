// samplecnn.cpp — see samplecnn.h.
#include "models/samplecnn.h"

#include "engine/check.h"
#include "engine/ops/shape.h"

namespace syn::models {

int64_t SampleCNNConfig::input_samples() const {
  int64_t n = 3;
  for (size_t i = 0; i < hidden.size(); ++i) n *= 3;
  return n;
}

SampleCNN::SampleCNN(const SampleCNNConfig& cfg, Rng& rng) : cfg_(cfg) {
  SYN_CHECK(!cfg.hidden.empty(), "SampleCNN needs at least one block");
  sequential_ = register_module("sequential", std::make_shared<nn::Sequential>());
  auto first = std::make_shared<nn::Sequential>();
  first->add(std::make_shared<nn::Conv1d>(1, cfg.first_channels, 3, 3, 0, true, rng));
  first->add(std::make_shared<nn::BatchNorm1d>(cfg.first_channels));
  first->add(std::make_shared<nn::ReLU>());
  sequential_->add(first);
  int64_t c_in = cfg.first_channels;
  for (int64_t c_out : cfg.hidden) {
    auto block = std::make_shared<nn::Sequential>();
    block->add(std::make_shared<nn::Conv1d>(c_in, c_out, 3, 1, 1, true, rng));
    block->add(std::make_shared<nn::BatchNorm1d>(c_out));
    block->add(std::make_shared<nn::ReLU>());
    block->add(std::make_shared<nn::MaxPool1d>(3, 3));
    sequential_->add(block);
    c_in = c_out;
  }
  auto last = std::make_shared<nn::Sequential>();
  last->add(std::make_shared<nn::Conv1d>(c_in, c_in, 3, 1, 1, true, rng));
  last->add(std::make_shared<nn::BatchNorm1d>(c_in));
  last->add(std::make_shared<nn::ReLU>());
  sequential_->add(last);
  feature_dim_ = c_in;
  if (cfg.out_dim > 0) {
    if (cfg.supervised)
      dropout_ = register_module("dropout", std::make_shared<nn::Dropout>(0.5f, rng));
    fc_ = register_module("fc", std::make_shared<nn::Linear>(c_in, cfg.out_dim, true, rng));
  }
}

Tensor SampleCNN::forward(const Tensor& x) {
  SYN_CHECK(x.dim() == 3 && x.size(1) == 1 && x.size(2) == cfg_.input_samples(),
            "SampleCNN expects [B, 1, ", cfg_.input_samples(), "], got ", x.describe());
  Tensor h = sequential_->forward(x);  // [B, C, 1]
  h = ops::reshape(h, {x.size(0), h.size(1) * h.size(2)});
  if (dropout_) h = dropout_->forward(h);
  if (fc_) h = fc_->forward(h);
  return h;
}

}  // namespace syn::models
