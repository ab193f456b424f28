// dpm_solver.h — DPM-Solver++(2M), the fast multistep sampler of the probability-flow ODE in its
// data-prediction form (Lu et al. 2022, "DPM-Solver++", Algorithm 2), and run_sampler, which
// runs it or DDIM (diffusion.h) on a network of either prediction type (prediction.h).
//
// With α_t = √ᾱ_t, σ_t = √(1 − ᾱ_t), λ_t = log(α_t / σ_t) and the data prediction D_k = x̂0 at
// the k-th timestep τ_k (the same trailing spacing as DDIM: τ_0 = T − 1 ... τ_{n−1}), one step
// from s = τ_k to t = τ_{k+1} with h = λ_t − λ_s is
//   x_t = (σ_t / σ_s) x_s − α_t (e^{−h} − 1) D,
// where D = D_k on the first step (first order: exactly DDIM) and otherwise
//   D = (1 + 1/(2r)) D_k − 1/(2r) D_{k−1},  r = h_{k−1} / h   (second order, one network call
// a step: the previous step's x̂0 is reused). After the last timestep the ODE ends at σ = 0,
// where the step reduces to x_0 = D_{n−1} (first order: λ = ∞ there, so r would be 0).
// `steps` is the number of network calls. With clip, each x̂0 is clamped to [−1, 1] (pixel
// models; latents are not bounded, so latent models sample without clipping).
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "models/diffusion.h"
#include "models/prediction.h"

namespace syn::models {

// x̂0(x_t [B, ...], t) for one timestep shared by the batch.
using X0Fn = std::function<Tensor(const Tensor& x_t, int64_t t)>;
Tensor dpm_solver_pp_2m_sample(const NoiseSchedule& s, const X0Fn& x0, const Tensor& x_T,
                               int64_t steps);

// The network's raw output (ε̂ or v̂, guidance already applied) for x_t at timestep t.
using OutputFn = std::function<Tensor(const Tensor& x_t, int64_t t)>;
// "ddim" or "dpmpp_2m" (an unknown name is an error naming it).
void check_sampler_name(const std::string& sampler);
// Samples from x_T with `steps` network calls. DDIM on an ε-predictor is exactly ddim_sample.
Tensor run_sampler(const NoiseSchedule& s, Prediction p, const std::string& sampler,
                   const OutputFn& net, const Tensor& x_T, int64_t steps, bool clip);

}  // namespace syn::models
