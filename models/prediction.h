// prediction.h — what the diffusion network predicts (ε or v) and how its output converts to
// the clean-data and noise estimates the samplers use, plus the min-SNR-γ loss weighting.
//
// With α = √ᾱ_t and σ = √(1 − ᾱ_t) (α² + σ² = 1) and x_t = α x0 + σ ε:
//   ε-prediction (DDPM; today's shipped weights): the network outputs ε.
//   v-prediction (Salimans & Ho 2022, "Progressive Distillation"): v = α ε − σ x0. Then
//     x0 = α x_t − σ v,   ε = σ x_t + α v
//   (the two conversions are exact because α² + σ² = 1). v keeps the target's scale near 1 at
//   every t, where ε-prediction's x0 = (x_t − σ ε)/α explodes at high noise.
// Guidance combines raw outputs (ε or v): both conversions are affine in the output with the
// same x_t, so guiding v equals guiding ε.
//
// Min-SNR-γ (Hang et al. 2023, "Efficient Diffusion Training via Min-SNR Weighting Strategy"):
// with SNR(t) = α²/σ², the per-image loss weight is
//   ε-prediction: min(SNR, γ) / SNR        v-prediction: min(SNR, γ) / (SNR + 1)
// which is the x0-space loss weight min(SNR, γ) expressed for each target; γ = 5 is the paper's.
// It stops the many nearly-clean timesteps (huge SNR) from dominating the gradient.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/diffusion.h"

namespace syn::models {

enum class Prediction { Eps, V };

// "eps" / "v" (config values and weight metadata); an unknown name is an error naming it.
Prediction parse_prediction(const std::string& name);
std::string prediction_name(Prediction p);

// The training target for x0, ε at per-image timesteps: ε itself, or v = α ε − σ x0.
Tensor prediction_target(const NoiseSchedule& s, Prediction p, const Tensor& x0,
                         const Tensor& noise, const std::vector<int64_t>& timesteps);

// From a network output at one timestep t shared by the batch (not recorded):
Tensor output_to_x0(const NoiseSchedule& s, Prediction p, const Tensor& x_t, const Tensor& out,
                    int64_t t);
Tensor output_to_eps(const NoiseSchedule& s, Prediction p, const Tensor& x_t, const Tensor& out,
                     int64_t t);

// SNR(t) = ᾱ_t / (1 − ᾱ_t).
double snr(const NoiseSchedule& s, int64_t t);

// Per-image loss weights: "none" (all 1) or "min_snr" with `gamma` (> 0), by prediction type.
std::vector<float> loss_weights(const NoiseSchedule& s, Prediction p, const std::string& weighting,
                                double gamma, const std::vector<int64_t>& timesteps);

// mean_b( w_b · mean_i (a_bi − b_bi)² ), differentiable in a; a and b are [B, ...].
Tensor weighted_mse(const Tensor& a, const Tensor& b, const std::vector<float>& row_weights);

}  // namespace syn::models
