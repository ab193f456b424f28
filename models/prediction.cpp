// prediction.cpp — ε/v conversions and min-SNR-γ weights (see prediction.h).
//
// Like q_sample, the per-image coefficients work on host copies: the data is never a parameter.
#include "models/prediction.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

namespace syn::models {

namespace {

// α and σ at timestep t (t < 0: the clean end, α = 1, σ = 0).
void alpha_sigma(const NoiseSchedule& s, int64_t t, double& a, double& sg) {
  SYN_CHECK(t < s.T, "diffusion: timestep ", t, " is outside [0, ", s.T, ")");
  const double ab = t >= 0 ? s.alphas_cumprod[(size_t)t] : 1.0;
  a = std::sqrt(ab);
  sg = std::sqrt(1.0 - ab);
}

// out_i = ca · u_i + cb · w_i for one shared pair of coefficients.
Tensor affine2(const Tensor& u, const Tensor& w, double ca, double cb) {
  SYN_CHECK(u.shape() == w.shape(), "diffusion: ", u.describe(), " and ", w.describe(),
            " differ in shape");
  std::vector<float> vu = u.to_vector(), vw = w.to_vector(), out(vu.size());
  for (size_t i = 0; i < vu.size(); ++i) out[i] = (float)(ca * vu[i] + cb * vw[i]);
  return Tensor::from_vector(out, u.shape(), u.device());
}

}  // namespace

Prediction parse_prediction(const std::string& name) {
  if (name == "eps") return Prediction::Eps;
  if (name == "v") return Prediction::V;
  SYN_FAIL("prediction type '", name, "' is not known (eps or v)");
}

std::string prediction_name(Prediction p) { return p == Prediction::Eps ? "eps" : "v"; }

Tensor prediction_target(const NoiseSchedule& s, Prediction p, const Tensor& x0,
                         const Tensor& noise, const std::vector<int64_t>& ts) {
  if (p == Prediction::Eps) return noise;
  SYN_CHECK(x0.shape() == noise.shape(), "v target: x0 ", x0.describe(), " and noise ",
            noise.describe(), " differ in shape");
  const int64_t B = x0.size(0), per = x0.numel() / std::max<int64_t>(1, B);
  SYN_CHECK((int64_t)ts.size() == B, "v target: ", ts.size(), " timesteps for a batch of ", B);
  std::vector<float> x = x0.to_vector(), e = noise.to_vector(), out(x.size());
  for (int64_t b = 0; b < B; ++b) {
    SYN_CHECK(ts[(size_t)b] >= 0, "v target: timestep ", ts[(size_t)b], " is negative");
    double a = 0, sg = 0;
    alpha_sigma(s, ts[(size_t)b], a, sg);
    for (int64_t i = b * per; i < (b + 1) * per; ++i)
      out[(size_t)i] = (float)(a * e[(size_t)i] - sg * x[(size_t)i]);
  }
  return Tensor::from_vector(out, x0.shape(), x0.device());
}

Tensor output_to_x0(const NoiseSchedule& s, Prediction p, const Tensor& x_t, const Tensor& out,
                    int64_t t) {
  double a = 0, sg = 0;
  alpha_sigma(s, t, a, sg);
  if (p == Prediction::V) return affine2(x_t, out, a, -sg);
  return affine2(x_t, out, 1.0 / a, -sg / a);
}

Tensor output_to_eps(const NoiseSchedule& s, Prediction p, const Tensor& x_t, const Tensor& out,
                     int64_t t) {
  if (p == Prediction::Eps) return out;
  double a = 0, sg = 0;
  alpha_sigma(s, t, a, sg);
  return affine2(x_t, out, sg, a);
}

double snr(const NoiseSchedule& s, int64_t t) {
  SYN_CHECK(t >= 0 && t < s.T, "SNR: timestep ", t, " is outside [0, ", s.T, ")");
  const double ab = s.alphas_cumprod[(size_t)t];
  return ab / (1.0 - ab);
}

std::vector<float> loss_weights(const NoiseSchedule& s, Prediction p, const std::string& weighting,
                                double gamma, const std::vector<int64_t>& ts) {
  SYN_CHECK(weighting == "none" || weighting == "min_snr", "loss weighting '", weighting,
            "' is not known (none or min_snr)");
  std::vector<float> w(ts.size(), 1.0f);
  if (weighting == "none") return w;
  SYN_CHECK(gamma > 0, "min-SNR weighting: gamma must be positive, got ", gamma);
  for (size_t i = 0; i < ts.size(); ++i) {
    const double r = snr(s, ts[i]), m = std::min(r, gamma);
    w[i] = (float)(p == Prediction::Eps ? m / r : m / (r + 1.0));
  }
  return w;
}

Tensor weighted_mse(const Tensor& a, const Tensor& b, const std::vector<float>& rw) {
  SYN_CHECK(a.shape() == b.shape() && a.dim() >= 1, "weighted MSE: ", a.describe(), " and ",
            b.describe(), " differ in shape");
  const int64_t B = a.size(0), per = a.numel() / std::max<int64_t>(1, B);
  SYN_CHECK((int64_t)rw.size() == B, "weighted MSE: ", rw.size(), " weights for ", B, " rows");
  std::vector<float> full((size_t)a.numel());
  for (int64_t r = 0; r < B; ++r)
    std::fill(full.begin() + r * per, full.begin() + (r + 1) * per, rw[(size_t)r]);
  Tensor w = Tensor::from_vector(full, a.shape(), a.device());
  Tensor d = ops::sub(a, b);
  // mean over all elements of w·d² = mean_b(w_b · mean_i d²): every row has `per` elements.
  return ops::mean(ops::mul(w, ops::mul(d, d)));
}

}  // namespace syn::models
