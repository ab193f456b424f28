// layers_text.cpp — Embedding, LayerNorm, GELU modules (see layers_text.h for names and init).
#include "engine/nn/layers_text.h"

#include <algorithm>

#include "engine/check.h"
#include "engine/ops/embedding.h"
#include "engine/ops/layernorm.h"

namespace syn::nn {

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, Rng& rng,
                     std::optional<int64_t> padding) {
  SYN_CHECK(num_embeddings > 0 && embedding_dim > 0, "Embedding: invalid size [", num_embeddings,
            ", ", embedding_dim, "]");
  if (padding) {
    const int64_t p = *padding < 0 ? *padding + num_embeddings : *padding;
    SYN_CHECK(p >= 0 && p < num_embeddings, "Embedding: padding_idx ", *padding,
              " is not a row of a ", num_embeddings, "-row table");
    padding_idx = p;
  }
  Tensor w = Tensor::randn({num_embeddings, embedding_dim}, rng);
  if (padding_idx) {  // PyTorch zeroes the padding row at construction
    std::vector<float> v = w.to_vector();
    std::fill(v.begin() + *padding_idx * embedding_dim,
              v.begin() + (*padding_idx + 1) * embedding_dim, 0.0f);
    w = Tensor::from_vector(v, w.shape());
  }
  weight = register_parameter("weight", w);
}

Tensor Embedding::forward(const std::vector<int64_t>& ids, const Shape& ids_shape) {
  return ops::embedding(weight, ids, ids_shape, padding_idx);
}

LayerNorm::LayerNorm(int64_t dim, float eps_, bool elementwise_affine, bool has_bias) : eps(eps_) {
  SYN_CHECK(dim > 0, "LayerNorm: invalid size ", dim);
  if (elementwise_affine) {
    weight = register_parameter("weight", Tensor::full({dim}, 1.0f));
    if (has_bias) bias = register_parameter("bias", Tensor::zeros({dim}));
  }
}

Tensor LayerNorm::forward(const Tensor& x) { return ops::layer_norm(x, weight, bias, eps); }

Tensor GELU::forward(const Tensor& x) { return ops::gelu(x, approximate); }

}  // namespace syn::nn
