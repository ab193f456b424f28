// test_diffusion.cpp — models/diffusion.h: the cosine and linear schedules against their closed
// forms, q_sample against its formula, DDIM spacing, DDIM (η = 0) with a perfect ε-predictor
// recovering x0, classifier-free guidance's combination, the EMA's arithmetic and state.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/check.h"
#include "engine/nn/layers.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"
#include "models/diffusion.h"

using namespace syn;
using namespace syn::models;

namespace {
constexpr double kPi = 3.14159265358979323846;
double f_cos(double u) {
  double c = std::cos((u + 0.008) / 1.008 * kPi / 2);
  return c * c;
}
}  // namespace

TEST_CASE("cosine schedule: ᾱ_t = f(t+1)/f(0) until the β cap, β capped at 0.999") {
  NoiseSchedule s = NoiseSchedule::cosine(1000);
  REQUIRE(s.T == 1000);
  REQUIRE(s.betas.size() == 1000);
  // Without the cap the product telescopes: ᾱ_t = Π (f(i+1)/f(i)) = f(t+1)/f(0).
  int capped = 0;
  for (int t = 0; t < 1000; ++t) {
    const double raw = 1.0 - f_cos((t + 1) / 1000.0) / f_cos(t / 1000.0);
    CHECK(s.betas[(size_t)t] == doctest::Approx(std::min(raw, 0.999)).epsilon(1e-12));
    if (raw > 0.999) ++capped;
    if (capped == 0)
      CHECK(s.alphas_cumprod[(size_t)t] ==
            doctest::Approx(f_cos((t + 1) / 1000.0) / f_cos(0.0)).epsilon(1e-9));
  }
  CHECK(capped == 1);  // only the last step: f(1) = 0 would make β_999 = 1
  // Mid-way, half the signal power is left: ᾱ_499 = f(0.5)/f(0) ≈ 0.4938.
  CHECK(s.alphas_cumprod[499] == doctest::Approx(f_cos(0.5) / f_cos(0.0)).epsilon(1e-9));
  CHECK(s.alphas_cumprod[499] == doctest::Approx(0.4938).epsilon(1e-3));
  for (int t = 1; t < 1000; ++t)
    REQUIRE(s.alphas_cumprod[(size_t)t] < s.alphas_cumprod[(size_t)t - 1]);
  CHECK(s.alphas_cumprod[999] > 0.0);
  CHECK(s.alphas_cumprod[999] < 1e-4);
}

TEST_CASE("linear schedule and make()") {
  NoiseSchedule s = NoiseSchedule::linear(1000);
  CHECK(s.betas.front() == doctest::Approx(1e-4));
  CHECK(s.betas.back() == doctest::Approx(0.02));
  CHECK(s.betas[500] == doctest::Approx(1e-4 + (0.02 - 1e-4) * 500.0 / 999.0));
  double a = 1;
  for (int t = 0; t < 10; ++t) a *= 1 - s.betas[(size_t)t];
  CHECK(s.alphas_cumprod[9] == doctest::Approx(a).epsilon(1e-14));
  CHECK(NoiseSchedule::make("cosine", 50).betas == NoiseSchedule::cosine(50).betas);
  CHECK_THROWS_WITH_AS(NoiseSchedule::make("sigmoid", 10), doctest::Contains("sigmoid"), Error);
}

TEST_CASE("q_sample is √ᾱ x0 + √(1−ᾱ) ε per image; noise_batch draws t in range") {
  NoiseSchedule s = NoiseSchedule::cosine(100);
  Rng rng(4);
  Tensor x0 = Tensor::randn({2, 3, 2, 2}, rng), e = Tensor::randn({2, 3, 2, 2}, rng);
  Tensor xt = q_sample(s, x0, {5, 90}, e);
  auto vx = x0.to_vector(), ve = e.to_vector(), vt = xt.to_vector();
  for (size_t i = 0; i < vt.size(); ++i) {
    const double ab = s.alphas_cumprod[i < 12 ? 5 : 90];
    CHECK(vt[i] ==
          doctest::Approx(std::sqrt(ab) * vx[i] + std::sqrt(1 - ab) * ve[i]).epsilon(1e-6));
  }
  Rng r1(9), r2(9);
  NoisedBatch a = noise_batch(s, x0, r1), b = noise_batch(s, x0, r2);
  CHECK(a.timesteps == b.timesteps);  // seeded
  CHECK(a.noise.to_vector() == b.noise.to_vector());
  for (int64_t t : a.timesteps) CHECK((t >= 0 && t < 100));
  CHECK(a.t.to_vector() == std::vector<float>{(float)a.timesteps[0], (float)a.timesteps[1]});
  CHECK(a.x_t.to_vector() == q_sample(s, x0, a.timesteps, a.noise).to_vector());
  CHECK_THROWS_WITH_AS(q_sample(s, x0, {5, 100}, e), doctest::Contains("timestep 100"), Error);
  CHECK(mse(Tensor::from_vector({1, 2}, {2}), Tensor::from_vector({0, 0}, {2})).item() ==
        doctest::Approx(2.5));
}

TEST_CASE("DDIM timesteps are trailing-spaced from T-1") {
  auto ts = ddim_timesteps(1000, 50);
  REQUIRE(ts.size() == 50);
  CHECK(ts.front() == 999);
  CHECK(ts[1] == 979);
  CHECK(ts.back() == 19);
  auto all = ddim_timesteps(10, 10);
  CHECK(all == std::vector<int64_t>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  CHECK(ddim_timesteps(1000, 3) == std::vector<int64_t>{999, 666, 332});
  CHECK_THROWS_AS(ddim_timesteps(10, 11), Error);
}

TEST_CASE("DDIM with a perfect ε-predictor recovers x0") {
  NoiseSchedule s = NoiseSchedule::cosine(1000);
  Rng rng(11);
  Tensor x0 = Tensor::uniform({2, 3, 4, 4}, rng, -0.95f, 0.95f);
  const std::vector<float> vx0 = x0.to_vector();
  // The ε that makes x_t consistent with the true x0 at timestep t.
  EpsFn perfect = [&](const Tensor& xt, int64_t t) {
    const double ab = s.alphas_cumprod[(size_t)t];
    std::vector<float> v = xt.to_vector(), e(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      e[i] = (float)((v[i] - std::sqrt(ab) * vx0[i]) / std::sqrt(1 - ab));
    return Tensor::from_vector(e, xt.shape());
  };
  for (int64_t steps : {1, 10, 50}) {
    for (bool clip : {false, true}) {
      Tensor xT = Tensor::randn(x0.shape(), rng);
      auto out = ddim_sample(s, perfect, xT, steps, clip).to_vector();
      double worst = 0;
      for (size_t i = 0; i < out.size(); ++i)
        worst = std::max(worst, (double)std::fabs(out[i] - vx0[i]));
      INFO("steps ", steps, " clip ", clip);
      // Several steps: exact up to float rounding. One step jumps from t = T−1 straight to x0,
      // dividing by √ᾱ_999 ≈ 5e-5, which magnifies x_t's fp32 rounding (~1e-7) 20,000-fold.
      CHECK(worst < (steps == 1 ? 5e-3 : 1e-4));
    }
  }
  // One step by hand: x_τ' = √ᾱ' x̂0 + √(1−ᾱ') ε̂.
  Tensor e = Tensor::randn(x0.shape(), rng);
  Tensor xt = q_sample(s, x0, std::vector<int64_t>(2, 600), e);
  auto y = ddim_step(s, xt, e, 600, 400, false).to_vector();
  auto ve = e.to_vector();
  const double ap = s.alphas_cumprod[400];
  for (size_t i = 0; i < y.size(); ++i)
    CHECK(y[i] ==
          doctest::Approx(std::sqrt(ap) * vx0[i] + std::sqrt(1 - ap) * ve[i]).epsilon(1e-4));
}

TEST_CASE("DDIM clipping keeps x̂0 in [-1, 1] and ε̂ consistent with it") {
  NoiseSchedule s = NoiseSchedule::cosine(100);
  Tensor xt = Tensor::from_vector({3.0f}, {1, 1});
  Tensor eps = Tensor::from_vector({0.0f}, {1, 1});  // x̂0 = 3/√ᾱ > 1 before clipping
  // To x0 directly (t_prev = -1): the result is the clipped x̂0.
  CHECK(ddim_step(s, xt, eps, 50, -1, true).item() == doctest::Approx(1.0f));
  CHECK(ddim_step(s, xt, eps, 50, -1, false).item() ==
        doctest::Approx(3.0 / std::sqrt(s.alphas_cumprod[50])).epsilon(1e-5));
}

TEST_CASE("classifier-free guidance combines ε̂_u + s (ε̂_c − ε̂_u)") {
  Tensor c = Tensor::from_vector({1, 2, 3, 4}, {2, 2}),
         u = Tensor::from_vector({0, 1, -1, 2}, {2, 2});
  Tensor both = ops::concat({c, u}, 0);
  CHECK(guided_eps(both, 1.0f).to_vector() == c.to_vector());  // scale 1 = conditional
  CHECK(guided_eps(both, 0.0f).to_vector() == u.to_vector());  // scale 0 = unconditional
  CHECK(guided_eps(both, 3.0f).to_vector() == std::vector<float>{3, 4, 11, 8});
  CHECK_THROWS_AS(guided_eps(Tensor::zeros({3, 2}), 2.0f), Error);
}

TEST_CASE("EMA: warm-up decay min(d, (1+n)/(10+n)), averages parameters, round-trips") {
  Rng rng(1);
  nn::Linear lin(2, 1, true, rng);
  lin.weight.copy_(Tensor::from_vector({1, 1}, {1, 2}));
  lin.bias.copy_(Tensor::from_vector({0}, {1}));
  Ema ema(lin, 0.5);
  lin.weight.copy_(Tensor::from_vector({3, 5}, {1, 2}));
  CHECK(ema.update(lin) == doctest::Approx(0.1));  // n = 0: (1+0)/(10+0)
  // shadow = 0.1·1 + 0.9·3 = 2.8 and 0.1·1 + 0.9·5 = 4.6
  CHECK(ema.shadow()[0].second.to_vector()[0] == doctest::Approx(2.8f));
  CHECK(ema.shadow()[0].second.to_vector()[1] == doctest::Approx(4.6f));
  for (int i = 0; i < 8; ++i) ema.update(lin);
  CHECK(ema.updates() == 9);
  CHECK(ema.update(lin) == doctest::Approx(0.5));  // n = 9: (10/19) > 0.5, capped at decay
  lin.weight.copy_(Tensor::from_vector({7, 7}, {1, 2}));
  ema.update(lin);
  auto w = ema.shadow()[0].second.to_vector();
  nn::Linear other(2, 1, true, rng);
  ema.copy_to(other);
  CHECK(other.weight.to_vector() == w);
  Ema back(lin, 0.5);
  back.load_state_dict(ema.state_dict());
  CHECK(back.updates() == ema.updates());
  CHECK(back.shadow()[0].second.to_vector() == w);
  CHECK_THROWS_WITH_AS(back.load_state_dict({}), doctest::Contains("ema.updates"), Error);
  CHECK_THROWS_AS(Ema(lin, 1.0), Error);
}
