// latent_codec.h — pictures <-> the scaled latents a latent diffusion model works on: the
// autoencoder's (models/autoencoder.h) z multiplied by its latent_scale(), so the diffusion
// data has about unit variance (Stable Diffusion's 0.18215, measured for our autoencoder).
// Both run without recording, in batches, on the autoencoder's device.
#pragma once
#include <cstdint>

#include "engine/tensor.h"
#include "models/autoencoder.h"

namespace syn::models {

// Pictures [N, 3, S, S] in [−1, 1] -> z · latent_scale [N, C, L, L].
Tensor encode_to_latents(Autoencoder& ae, const Tensor& pictures, int64_t batch = 32);
// z · latent_scale [N, C, L, L] -> pictures [N, 3, S, S] in about [−1, 1].
Tensor decode_latents(Autoencoder& ae, const Tensor& latents, int64_t batch = 32);

}  // namespace syn::models
