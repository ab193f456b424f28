// samplecnn.h — SampleCNN (Lee et al. 2017) exactly as CLMR builds it, with CLMR's parameter
// names, so CLMR's PyTorch checkpoints load by name ("sequential.3.0.weight", ...).
//
//   input [B, 1, 59049] (≈2.7 s at 22,050 Hz)
//   sequential.0 : conv(1→128, k3, s3) + BN + ReLU                         -> [B, 128, 19683]
//   sequential.1..9 : conv(k3, s1, p1) + BN + ReLU + maxpool(3), channels
//                     128,128,256,256,256,256,256,256,512                  -> [B, 512, 1]
//   sequential.10 : conv(512→512, k3, p1) + BN + ReLU                      -> [B, 512, 1]
//   flatten -> 512-d feature; `fc` (Linear 512→out_dim) only when a head is wanted.
// ≈3.46 GFLOP forward per example at the default size. `hidden` can be shortened for tests
// (the input length must then be 3^(blocks+1)).
#pragma once
#include <memory>
#include <vector>

#include "engine/nn/layers.h"

namespace syn::models {

struct SampleCNNConfig {
  std::vector<int64_t> hidden = {128, 128, 256, 256, 256, 256, 256, 256, 512};
  int64_t first_channels = 128;
  int64_t out_dim = 0;      // 0: no fc head (CLMR's encoder, fc replaced by Identity)
  bool supervised = false;  // dropout 0.5 before fc, as CLMR's supervised SampleCNN
  // Samples per example: 3 (first conv stride) × 3 per block.
  int64_t input_samples() const;
};

class SampleCNN : public nn::Layer {
 public:
  SampleCNN(const SampleCNNConfig& cfg, Rng& rng);
  // x [B, 1, L] -> features [B, C_last] (or logits [B, out_dim] with a head)
  Tensor forward(const Tensor& x) override;
  int64_t feature_dim() const { return feature_dim_; }
  const SampleCNNConfig& config() const { return cfg_; }

 private:
  SampleCNNConfig cfg_;
  std::shared_ptr<nn::Sequential> sequential_;
  std::shared_ptr<nn::Dropout> dropout_;
  std::shared_ptr<nn::Linear> fc_;
  int64_t feature_dim_;
};

}  // namespace syn::models
