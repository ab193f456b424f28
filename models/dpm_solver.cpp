// dpm_solver.cpp — DPM-Solver++(2M) and the sampler dispatch (see dpm_solver.h).
#include "models/dpm_solver.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"

namespace syn::models {

Tensor dpm_solver_pp_2m_sample(const NoiseSchedule& s, const X0Fn& x0_fn, const Tensor& x_T,
                               int64_t steps) {
  NoGradGuard no_grad;
  const std::vector<int64_t> ts = ddim_timesteps(s.T, steps);
  std::vector<float> x = x_T.to_vector(), prev_d;
  double prev_h = 0;
  for (size_t k = 0; k < ts.size(); ++k) {
    Tensor xt = Tensor::from_vector(x, x_T.shape(), x_T.device());
    std::vector<float> d = x0_fn(xt, ts[k]).to_vector();
    SYN_CHECK(d.size() == x.size(), "DPM-Solver++: x̂0 has ", d.size(), " values, x_t ", x.size());
    if (k + 1 == ts.size()) {  // to σ = 0: x_0 = D_k
      x = d;
      break;
    }
    const double ab_s = s.alphas_cumprod[(size_t)ts[k]], ab_t = s.alphas_cumprod[(size_t)ts[k + 1]];
    const double a_t = std::sqrt(ab_t), sg_s = std::sqrt(1 - ab_s), sg_t = std::sqrt(1 - ab_t);
    const double lam_s = 0.5 * std::log(ab_s / (1 - ab_s)),
                 lam_t = 0.5 * std::log(ab_t / (1 - ab_t));
    const double h = lam_t - lam_s, ratio = sg_t / sg_s, cd = -a_t * std::expm1(-h);
    if (k == 0) {
      for (size_t i = 0; i < x.size(); ++i) x[i] = (float)(ratio * x[i] + cd * d[i]);
    } else {
      const double r = prev_h / h, c1 = 1.0 + 0.5 / r, c0 = 0.5 / r;
      for (size_t i = 0; i < x.size(); ++i)
        x[i] = (float)(ratio * x[i] + cd * (c1 * d[i] - c0 * prev_d[i]));
    }
    prev_d = std::move(d);
    prev_h = h;
  }
  return Tensor::from_vector(x, x_T.shape(), x_T.device());
}

void check_sampler_name(const std::string& sampler) {
  SYN_CHECK(sampler == "ddim" || sampler == "dpmpp_2m", "sampler '", sampler,
            "' is not known (ddim or dpmpp_2m)");
}

Tensor run_sampler(const NoiseSchedule& s, Prediction p, const std::string& sampler,
                   const OutputFn& net, const Tensor& x_T, int64_t steps, bool clip) {
  check_sampler_name(sampler);
  if (sampler == "ddim") {
    if (p == Prediction::Eps) return ddim_sample(s, net, x_T, steps, clip);
    EpsFn eps = [&](const Tensor& x, int64_t t) { return output_to_eps(s, p, x, net(x, t), t); };
    return ddim_sample(s, eps, x_T, steps, clip);
  }
  X0Fn x0 = [&](const Tensor& x, int64_t t) {
    Tensor d = output_to_x0(s, p, x, net(x, t), t);
    if (!clip) return d;
    std::vector<float> v = d.to_vector();
    for (float& f : v) f = std::clamp(f, -1.0f, 1.0f);
    return Tensor::from_vector(v, d.shape(), d.device());
  };
  return dpm_solver_pp_2m_sample(s, x0, x_T, steps);
}

}  // namespace syn::models
