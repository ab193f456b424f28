// clmr.cpp — see clmr.h.
#include "models/clmr.h"

#include "engine/dist/collectives.h"
#include "engine/ops/loss.h"
#include "engine/ops/shape.h"

namespace syn::models {

Clmr::Clmr(const ClmrConfig& cfg, Rng& rng) : cfg_(cfg) {
  encoder_ = register_module("encoder", std::make_shared<SampleCNN>(cfg.encoder, rng));
  projector_ = register_module("projector", std::make_shared<nn::Sequential>());
  int64_t d = encoder_->feature_dim();
  projector_->add(std::make_shared<nn::Linear>(d, d, false, rng));
  projector_->add(std::make_shared<nn::ReLU>());
  projector_->add(std::make_shared<nn::Linear>(d, cfg.projection_dim, false, rng));
}

ClmrOutput Clmr::forward(const Tensor& x_i, const Tensor& x_j) {
  ClmrOutput out;
  out.h_i = encoder_->forward(x_i);
  out.h_j = encoder_->forward(x_j);
  out.z_i = projector_->forward(out.h_i);
  out.z_j = projector_->forward(out.h_j);
  if (gather_ && gather_->world() > 1) {
    // Rows in rank order: [z_i of every rank; z_j of every rank] is the layout of one process
    // holding the whole global batch.
    Tensor all_i = dist::all_gather_with_grad(out.z_i, *gather_);
    Tensor all_j = dist::all_gather_with_grad(out.z_j, *gather_);
    out.loss = ops::nt_xent(ops::concat({all_i, all_j}, 0), cfg_.temperature);
  } else {
    out.loss = ops::nt_xent(ops::concat({out.z_i, out.z_j}, 0), cfg_.temperature);
  }
  return out;
}

}  // namespace syn::models
