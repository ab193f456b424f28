// dropout.h — inverted dropout (PyTorch F.dropout): in training each element is zeroed with
// probability p and the survivors are scaled by 1/(1-p), so the expected value is unchanged;
// evaluation (or p = 0) is the identity, p = 1 gives zeros.
//
// The mask comes from a counter-based generator (splitmix64 of seed + index) seeded with one
// draw from the caller's Rng: the same Rng state gives the same mask on any device and thread
// count, and a CUDA kernel can produce the identical mask in parallel.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

class Rng;

// Kernel signature: mask[i] = 0 with probability p, else 1/(1-p) (all zeros when p >= 1).
// Element i is kept when uniform(seed, i) >= p, uniform being the top 24 bits of
// splitmix64(seed + (i + 1) · 0x9E3779B97F4A7C15) times 2^-24.
using DropoutMaskFn = void(float* mask, int64_t n, float p, uint64_t seed);

extern Kernel<DropoutMaskFn> dropout_mask_kernel;

// The generator above for one element (shared by the CPU kernel and the tests).
float dropout_uniform(uint64_t seed, int64_t i);

namespace ops {

// y = x * mask (mask as above); the gradient is dy * the same mask. Draws once from `rng` in
// training when 0 < p < 1, never otherwise. In evaluation or with p = 0 it returns x itself.
Tensor dropout(const Tensor& x, float p, bool training, Rng& rng);

}  // namespace ops
}  // namespace syn
