// timestep_embedding.cpp — sinusoidal timestep embedding: checks and the CPU kernel
// (see timestep_embedding.h for the formula and the conventions).
#include "engine/ops/timestep_embedding.h"

#include <cmath>
#include <vector>

#include "engine/autograd.h"

namespace syn {

namespace {

void timestep_embedding_cpu(const float* t, float* out, int64_t B, int64_t D,
                            const TimestepEmbeddingOptions& o) {
  const int64_t half = D / 2;
  const double denom = (double)half - (double)o.downscale_freq_shift;
  const double log_period = std::log((double)o.max_period);
  for (int64_t b = 0; b < B; ++b) {
    float* row = out + b * D;
    for (int64_t i = 0; i < half; ++i) {
      const double arg = (double)o.scale * (double)t[b] * std::exp(-log_period * (double)i / denom);
      const float s = (float)std::sin(arg), c = (float)std::cos(arg);
      row[i] = o.flip_sin_to_cos ? c : s;
      row[half + i] = o.flip_sin_to_cos ? s : c;
    }
    if (D % 2 == 1) row[D - 1] = 0.0f;
  }
}

}  // namespace

Kernel<TimestepEmbeddingFn> timestep_embedding_kernel{"timestep_embedding", timestep_embedding_cpu};

namespace ops {

Tensor timestep_embedding(const Tensor& timesteps, int64_t dim,
                          const TimestepEmbeddingOptions& options) {
  SYN_CHECK(timesteps.defined(), "timestep_embedding: undefined timesteps");
  SYN_CHECK(timesteps.dim() == 1, "timestep_embedding: expected timesteps [B], got ",
            timesteps.describe());
  SYN_CHECK(dim >= 1, "timestep_embedding: dim must be >= 1, got ", dim);
  SYN_CHECK(dim < 2 || (double)(dim / 2) != (double)options.downscale_freq_shift,
            "timestep_embedding: dim ", dim, " with downscale_freq_shift ",
            options.downscale_freq_shift, " divides the frequency exponent by zero");
  SYN_CHECK(options.max_period > 0.0f && std::isfinite(options.max_period),
            "timestep_embedding: max_period must be > 0, got ", options.max_period);
  const int64_t B = timesteps.size(0);
  Tensor out = Tensor::empty({B, dim}, timesteps.device());
  if (B > 0)
    timestep_embedding_kernel.on(timesteps.device())(timesteps.data(), out.data(), B, dim, options);
  return out;  // not recorded: timesteps carry no gradient
}

Tensor timestep_embedding(const std::vector<int64_t>& timesteps, int64_t dim, Device device,
                          const TimestepEmbeddingOptions& options) {
  std::vector<float> t;
  t.reserve(timesteps.size());
  for (int64_t v : timesteps) {
    SYN_CHECK(v >= -(int64_t{1} << 24) && v <= (int64_t{1} << 24), "timestep_embedding: timestep ",
              v, " is not exactly representable as a float (|t| <= 2^24)");
    t.push_back((float)v);
  }
  return timestep_embedding(Tensor::from_vector(t, {(int64_t)t.size()}, device), dim, options);
}

}  // namespace ops
}  // namespace syn
