// diffusion.cpp — schedule, noising, DDIM, guidance and EMA (see diffusion.h).
//
// The per-image coefficients (√ᾱ_t, √(1−ᾱ_t)) differ along the batch, and the engine's binary
// ops want equal shapes, so q_sample and ddim_step work on host copies of the (small) images
// and upload the result: the data is never a parameter, so nothing needs recording.
#include "models/diffusion.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"

namespace syn::models {

namespace {
constexpr double kPi = 3.14159265358979323846;

void cumprod(NoiseSchedule& s) {
  s.alphas_cumprod.resize(s.betas.size());
  double a = 1.0;
  for (size_t i = 0; i < s.betas.size(); ++i) {
    a *= 1.0 - s.betas[i];
    s.alphas_cumprod[i] = a;
  }
}
}  // namespace

NoiseSchedule NoiseSchedule::cosine(int64_t T, double s) {
  SYN_CHECK(T >= 1, "noise schedule: T must be at least 1, got ", T);
  NoiseSchedule n;
  n.kind = "cosine";
  n.T = T;
  auto f = [&](double u) {
    double c = std::cos((u + s) / (1.0 + s) * kPi / 2.0);
    return c * c;
  };
  for (int64_t t = 0; t < T; ++t)
    n.betas.push_back(
        std::min(1.0 - f((double)(t + 1) / (double)T) / f((double)t / (double)T), 0.999));
  cumprod(n);
  return n;
}

NoiseSchedule NoiseSchedule::linear(int64_t T, double beta_start, double beta_end) {
  SYN_CHECK(T >= 1, "noise schedule: T must be at least 1, got ", T);
  NoiseSchedule n;
  n.kind = "linear";
  n.T = T;
  for (int64_t t = 0; t < T; ++t)
    n.betas.push_back(T == 1 ? beta_start
                             : beta_start + (beta_end - beta_start) * (double)t / (double)(T - 1));
  cumprod(n);
  return n;
}

NoiseSchedule NoiseSchedule::make(const std::string& kind, int64_t T) {
  if (kind == "cosine") return cosine(T);
  if (kind == "linear") return linear(T);
  SYN_FAIL("noise schedule '", kind, "' is not known (cosine or linear)");
}

Tensor q_sample(const NoiseSchedule& s, const Tensor& x0, const std::vector<int64_t>& ts,
                const Tensor& noise) {
  SYN_CHECK(x0.shape() == noise.shape(), "q_sample: x0 ", x0.describe(), " and noise ",
            noise.describe(), " differ in shape");
  const int64_t B = x0.size(0), per = x0.numel() / std::max<int64_t>(1, B);
  SYN_CHECK((int64_t)ts.size() == B, "q_sample: ", ts.size(), " timesteps for a batch of ", B);
  std::vector<float> x = x0.to_vector(), e = noise.to_vector(), out(x.size());
  for (int64_t b = 0; b < B; ++b) {
    SYN_CHECK(ts[(size_t)b] >= 0 && ts[(size_t)b] < s.T, "q_sample: timestep ", ts[(size_t)b],
              " is outside [0, ", s.T, ")");
    const double ab = s.alphas_cumprod[(size_t)ts[(size_t)b]];
    const double a = std::sqrt(ab), c = std::sqrt(1.0 - ab);
    for (int64_t i = b * per; i < (b + 1) * per; ++i)
      out[(size_t)i] = (float)(a * x[(size_t)i] + c * e[(size_t)i]);
  }
  return Tensor::from_vector(out, x0.shape(), x0.device());
}

NoisedBatch noise_batch(const NoiseSchedule& s, const Tensor& x0, Rng& rng) {
  NoisedBatch nb;
  const int64_t B = x0.size(0);
  std::vector<float> tf;
  for (int64_t b = 0; b < B; ++b) {
    nb.timesteps.push_back(rng.randint(s.T));
    tf.push_back((float)nb.timesteps.back());
  }
  nb.noise = Tensor::randn(x0.shape(), rng, 1.0f, x0.device());
  nb.t = Tensor::from_vector(tf, {B}, x0.device());
  nb.x_t = q_sample(s, x0, nb.timesteps, nb.noise);
  return nb;
}

Tensor mse(const Tensor& a, const Tensor& b) {
  Tensor d = ops::sub(a, b);
  return ops::mean(ops::mul(d, d));
}

std::vector<int64_t> ddim_timesteps(int64_t T, int64_t steps) {
  SYN_CHECK(steps >= 1 && steps <= T, "DDIM: steps ", steps, " must be in [1, ", T, "]");
  std::vector<int64_t> out;
  const double ratio = (double)T / (double)steps;
  for (int64_t k = 0; k < steps; ++k)
    out.push_back((int64_t)std::llround((double)T - (double)k * ratio) - 1);
  return out;
}

Tensor ddim_step(const NoiseSchedule& s, const Tensor& x_t, const Tensor& eps, int64_t t,
                 int64_t t_prev, bool clip) {
  SYN_CHECK(x_t.shape() == eps.shape(), "DDIM step: x_t ", x_t.describe(), " and ε̂ ",
            eps.describe(), " differ in shape");
  SYN_CHECK(t >= 0 && t < s.T && t_prev < t, "DDIM step: from timestep ", t, " to ", t_prev,
            " (T = ", s.T, ")");
  const double ab = s.alphas_cumprod[(size_t)t];
  const double ab_prev = t_prev >= 0 ? s.alphas_cumprod[(size_t)t_prev] : 1.0;
  const double sa = std::sqrt(ab), sb = std::sqrt(1.0 - ab);
  const double sa_prev = std::sqrt(ab_prev), sb_prev = std::sqrt(1.0 - ab_prev);
  std::vector<float> x = x_t.to_vector(), e = eps.to_vector(), out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    double x0 = ((double)x[i] - sb * e[i]) / sa;
    double ei = e[i];
    if (clip && (x0 > 1.0 || x0 < -1.0)) {
      x0 = std::clamp(x0, -1.0, 1.0);
      ei = ((double)x[i] - sa * x0) / sb;
    }
    out[i] = (float)(sa_prev * x0 + sb_prev * ei);
  }
  return Tensor::from_vector(out, x_t.shape(), x_t.device());
}

Tensor ddim_sample(const NoiseSchedule& s, const EpsFn& eps, const Tensor& x_T, int64_t steps,
                   bool clip) {
  NoGradGuard no_grad;
  const std::vector<int64_t> ts = ddim_timesteps(s.T, steps);
  Tensor x = x_T;
  for (size_t k = 0; k < ts.size(); ++k) {
    const int64_t prev = k + 1 < ts.size() ? ts[k + 1] : -1;
    x = ddim_step(s, x, eps(x, ts[k]), ts[k], prev, clip);
  }
  return x;
}

Tensor guided_eps(const Tensor& eps2, float scale) {
  NoGradGuard no_grad;
  SYN_CHECK(eps2.dim() >= 1 && eps2.size(0) % 2 == 0, "guidance: ε̂ ", eps2.describe(),
            " must hold 2B rows (conditional then unconditional)");
  const int64_t B = eps2.size(0) / 2;
  Tensor c = ops::slice(eps2, 0, 0, B), u = ops::slice(eps2, 0, B, 2 * B);
  return ops::add(u, ops::scale(ops::sub(c, u), scale));
}

Ema::Ema(const Module& model, double decay) : decay_(decay) {
  SYN_CHECK(decay >= 0.0 && decay < 1.0, "EMA: decay ", decay, " must be in [0, 1)");
  num_params_ = model.named_parameters().size();
  for (auto& [name, t] : model.state_dict()) shadow_.emplace_back(name, t.clone());
}

double Ema::update(const Module& model) {
  NoGradGuard no_grad;
  NamedTensors now = model.state_dict();
  SYN_CHECK(now.size() == shadow_.size(), "EMA: the model has ", now.size(),
            " tensors, the average ", shadow_.size());
  const double d = std::min(decay_, (1.0 + (double)updates_) / (10.0 + (double)updates_));
  for (size_t i = 0; i < now.size(); ++i) {
    SYN_CHECK(now[i].first == shadow_[i].first, "EMA: tensor ", i, " is '", now[i].first,
              "' in the model but '", shadow_[i].first, "' in the average");
    if (i < num_params_)
      shadow_[i].second = ops::add(ops::scale(shadow_[i].second, (float)d),
                                   ops::scale(now[i].second, (float)(1.0 - d)));
    else
      shadow_[i].second = now[i].second.clone();  // buffers: copied, not averaged
  }
  ++updates_;
  return d;
}

void Ema::copy_to(Module& model) const { model.load_state_dict(shadow_); }

NamedTensors Ema::state_dict() const {
  NamedTensors out;
  for (auto& [name, t] : shadow_) out.emplace_back("ema." + name, t.to(Device::CPU).clone());
  out.emplace_back("ema.updates", Tensor::from_vector({(float)updates_}, {1}));
  return out;
}

void Ema::load_state_dict(const NamedTensors& state) {
  const Tensor* u = find_named(state, "ema.updates");
  SYN_CHECK(u && u->numel() == 1, "EMA state: 'ema.updates' is missing");
  for (auto& [name, t] : shadow_) {
    const Tensor* src = find_named(state, "ema." + name);
    SYN_CHECK(src, "EMA state: 'ema.", name, "' is missing");
    SYN_CHECK(src->shape() == t.shape(), "EMA state: 'ema.", name, "' is ", src->describe(),
              ", expected ", shape_str(t.shape()));
    t = src->to(t.device()).clone();
  }
  updates_ = (int64_t)u->item();
}

}  // namespace syn::models
