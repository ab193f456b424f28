// latent_codec.cpp — see latent_codec.h.
#include "models/latent_codec.h"

#include <algorithm>
#include <vector>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/shape.h"

namespace syn::models {

namespace {
// f applied to row blocks of x, results concatenated along the batch.
template <class F>
Tensor in_batches(const Tensor& x, int64_t batch, F f) {
  NoGradGuard no_grad;
  SYN_CHECK(x.dim() == 4 && x.size(0) >= 1, "latent codec: expected [N, C, H, W], got ",
            x.describe());
  SYN_CHECK(batch >= 1, "latent codec: batch must be positive");
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += batch)
    parts.push_back(f(ops::slice(x, 0, i, std::min(x.size(0), i + batch))));
  return parts.size() == 1 ? parts[0] : ops::concat(parts, 0);
}
}  // namespace

Tensor encode_to_latents(Autoencoder& ae, const Tensor& pictures, int64_t batch) {
  const float s = (float)ae.latent_scale();
  return in_batches(pictures, batch, [&](const Tensor& x) { return ops::scale(ae.encode(x), s); });
}

Tensor decode_latents(Autoencoder& ae, const Tensor& latents, int64_t batch) {
  const float s = 1.0f / (float)ae.latent_scale();
  return in_batches(latents, batch, [&](const Tensor& z) { return ae.decode(ops::scale(z, s)); });
}

}  // namespace syn::models
