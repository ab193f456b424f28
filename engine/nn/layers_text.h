// layers_text.h — the text decoder's standard layers as Modules, with PyTorch's parameter names
// and default initialisation (state dicts line up key for key with torch.nn):
//
//   Embedding  weight [V, D] ~ N(0, 1), the padding_idx row zeroed     ids [..] -> [.., D]
//   LayerNorm  weight [D] = 1, bias [D] = 0 (elementwise_affine, bias)  x [.., D] -> [.., D]
//   GELU       parameter-free (approximate 'none' or 'tanh')
// Attention has no module here: its projections are Linear layers the model owns, and the op
// (engine/ops/attention.h) takes q, k, v directly.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/nn/layers.h"
#include "engine/ops/activation.h"
#include "engine/rng.h"

namespace syn::nn {

class Embedding : public Module {
 public:
  // padding_idx as in PyTorch (may be negative: counted from the end).
  Embedding(int64_t num_embeddings, int64_t embedding_dim, Rng& rng,
            std::optional<int64_t> padding_idx = std::nullopt);
  // ids: numel(ids_shape) token ids (row-major), see ops::embedding.
  Tensor forward(const std::vector<int64_t>& ids, const Shape& ids_shape);
  Tensor weight;
  std::optional<int64_t> padding_idx;  // normalised to [0, V)
};

class LayerNorm : public Layer {
 public:
  explicit LayerNorm(int64_t dim, float eps = 1e-5f, bool elementwise_affine = true,
                     bool bias = true);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;  // undefined when not affine / no bias
  float eps;
};

class GELU : public Layer {
 public:
  explicit GELU(GeluApprox approx = GeluApprox::None) : approximate(approx) {}
  Tensor forward(const Tensor& x) override;
  GeluApprox approximate;
};

}  // namespace syn::nn
