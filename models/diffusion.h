// diffusion.h — the DDPM/DDIM machinery around an ε-predicting network: the noise schedule,
// the training noising, the DDIM sampler, classifier-free guidance and the EMA of the weights.
//
// Schedule (Nichol & Dhariwal 2021, "Improved DDPM", eq. 17; diffusers' "squaredcos_cap_v2"):
//   f(u) = cos²((u + s) / (1 + s) · π/2),  s = 0.008
//   β_t  = min(1 − f((t+1)/T) / f(t/T), 0.999),  t = 0 .. T−1   (T = 1000 by default)
//   ᾱ_t  = Π_{i<=t} (1 − β_i)       (computed in double)
// The cap 0.999 keeps ᾱ from reaching exactly 0 at t = T−1. A linear schedule
// (β from 1e-4 to 0.02, DDPM's) is available for comparison.
//
// Training (DDPM's "simple" loss): t ~ U{0 .. T−1} per image, ε ~ N(0, I),
//   x_t = √ᾱ_t · x0 + √(1 − ᾱ_t) · ε,   loss = mean((ε̂(x_t, t) − ε)²).
//
// DDIM (Song et al. 2021) with η = 0, on `steps` timesteps spaced "trailing" (Lin et al. 2024,
// "Common Diffusion Noise Schedules and Sample Steps are Flawed"): τ_k = round(T − k·T/steps) − 1
// for k = 0 .. steps−1, so sampling starts at t = T−1 (where the model was trained on almost
// pure noise) whatever the step count. One step from τ to τ' (ᾱ' = 1 after the last step):
//   x̂0 = (x_t − √(1−ᾱ) ε̂) / √ᾱ,  clipped to [−1, 1] when clip is on (the data range), and then
//   ε̂ recomputed from the clipped x̂0 so the two stay consistent,
//   x_τ' = √ᾱ' x̂0 + √(1−ᾱ') ε̂.
// With a perfect predictor (ε̂ = the true ε) the result is x0 exactly (up to float rounding).
//
// Classifier-free guidance (Ho & Salimans 2022): training replaces the prompt by the empty one
// with probability p; sampling runs conditional and unconditional inputs as one batch of 2B
// (rows 0..B−1 conditional, B..2B−1 unconditional) and combines ε̂ = ε̂_u + s·(ε̂_c − ε̂_u).
//
// EMA: shadow ← d·shadow + (1 − d)·θ after each optimizer step, with the warm-up
// d = min(decay, (1 + n) / (10 + n)), n = updates so far (TensorFlow's ExponentialMovingAverage
// num_updates rule), so early shadows are not dominated by the random initialisation.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/module.h"
#include "engine/rng.h"
#include "engine/tensor.h"

namespace syn::models {

struct NoiseSchedule {
  std::string kind;  // "cosine" or "linear"
  int64_t T = 0;
  std::vector<double> betas, alphas_cumprod;  // [T]

  static NoiseSchedule cosine(int64_t T = 1000, double s = 0.008);
  static NoiseSchedule linear(int64_t T = 1000, double beta_start = 1e-4, double beta_end = 0.02);
  static NoiseSchedule make(const std::string& kind, int64_t T);  // by name, error if unknown
};

// The noised batch of one training step.
struct NoisedBatch {
  Tensor x_t;                      // [B, ...]
  Tensor noise;                    // ε, [B, ...]
  Tensor t;                        // [B] timesteps as floats (what the U-Net takes)
  std::vector<int64_t> timesteps;  // [B]
};

// x_t for given timesteps and noise (same shape as x0, first dim B); on x0's device.
Tensor q_sample(const NoiseSchedule& s, const Tensor& x0, const std::vector<int64_t>& timesteps,
                const Tensor& noise);
// Draws t ~ U{0..T−1} and ε ~ N(0, I) from `rng`, then q_sample.
NoisedBatch noise_batch(const NoiseSchedule& s, const Tensor& x0, Rng& rng);

// mean((a − b)²), differentiable.
Tensor mse(const Tensor& a, const Tensor& b);

// The DDIM timesteps, descending: τ_0 = T−1, ..., τ_{steps−1}. 1 <= steps <= T.
std::vector<int64_t> ddim_timesteps(int64_t T, int64_t steps);
// One η = 0 DDIM step from timestep t to t_prev (t_prev < 0: to x0, ᾱ' = 1). Not recorded.
Tensor ddim_step(const NoiseSchedule& s, const Tensor& x_t, const Tensor& eps, int64_t t,
                 int64_t t_prev, bool clip);

// The network as the sampler sees it: ε̂(x_t [B, ...], t) for one timestep shared by the batch.
using EpsFn = std::function<Tensor(const Tensor& x_t, int64_t t)>;
// Runs DDIM from x_T (pure noise given by the caller) down to x̂0.
Tensor ddim_sample(const NoiseSchedule& s, const EpsFn& eps, const Tensor& x_T, int64_t steps,
                   bool clip = true);

// ε̂ = ε̂_u + scale·(ε̂_c − ε̂_u) from eps2 [2B, ...] (conditional rows first). Not recorded.
Tensor guided_eps(const Tensor& eps2, float scale);

// Exponential moving average of a module's parameters (its buffers are copied as they are).
class Ema {
 public:
  Ema(const Module& model, double decay);
  // shadow ← d·shadow + (1 − d)·θ with the warm-up rule above; returns the d used.
  double update(const Module& model);
  // Writes the shadow into `model` (same architecture).
  void copy_to(Module& model) const;
  double decay() const { return decay_; }
  int64_t updates() const { return updates_; }
  const NamedTensors& shadow() const { return shadow_; }
  // "ema.<name>" tensors plus "ema.updates" ([1], float; exact to 2^24), for checkpoints.
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state);  // strict; entries without "ema." ignored

 private:
  double decay_;
  int64_t updates_ = 0;
  NamedTensors shadow_;  // on the model's device, state_dict order (parameters then buffers)
  size_t num_params_ = 0;
};

}  // namespace syn::models
