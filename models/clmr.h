// clmr.h — CLMR's contrastive model (Spijkervet & Burgoyne 2021, after SimCLR): a SampleCNN
// encoder, a projector Linear(512→512, no bias) → ReLU → Linear(512→64, no bias), and the NT-Xent
// loss over the 2N projected views. Parameter names follow CLMR's checkpoints: "encoder.…",
// "projector.0.weight", "projector.2.weight".
#pragma once
#include <memory>

#include "engine/dist/communicator.h"
#include "models/samplecnn.h"

namespace syn::models {

struct ClmrConfig {
  SampleCNNConfig encoder;
  int64_t projection_dim = 64;
  float temperature = 0.5f;
};

struct ClmrOutput {
  Tensor h_i, h_j;  // encoder features of the two views [N, 512]
  Tensor z_i, z_j;  // projections [N, 64]
  Tensor loss;      // NT-Xent over [z_i; z_j]
};

class Clmr : public Module {
 public:
  Clmr(const ClmrConfig& cfg, Rng& rng);
  // x_i, x_j: the two augmented views [N, 1, L]. Each view goes through the encoder in its own
  // pass, as CLMR's SimCLR.forward does: batch-norm statistics are per view, and the running
  // statistics are updated twice per step.
  // With gather negatives set, the loss is NT-Xent over every rank's projections, gathered with
  // gradient (SimCLR's global negatives; z_i / z_j of the output stay this rank's rows).
  ClmrOutput forward(const Tensor& x_i, const Tensor& x_j);
  // Data-parallel: NT-Xent over the projections of every rank of `comm` (null: this process's
  // batch only, as CLMR does). `comm` must outlive the model's use of it.
  void set_gather_negatives(dist::Communicator* comm) { gather_ = comm; }
  SampleCNN& encoder() { return *encoder_; }
  const ClmrConfig& config() const { return cfg_; }

 private:
  ClmrConfig cfg_;
  std::shared_ptr<SampleCNN> encoder_;
  std::shared_ptr<nn::Sequential> projector_;
  dist::Communicator* gather_ = nullptr;
};

}  // namespace syn::models
