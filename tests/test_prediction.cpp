// test_prediction.cpp — models/prediction.h: the v <-> ε <-> x0 conversions are exact inverses
// of the noising, min-SNR-γ weights take their closed-form values for each prediction type, and
// the weighted MSE's value and gradient (finite differences).
#include <doctest/doctest.h>

#include <cmath>

#include "engine/check.h"
#include "engine/rng.h"
#include "models/prediction.h"
#include "support/gradcheck.h"

using namespace syn;
using namespace syn::models;

TEST_CASE("v <-> ε <-> x0 conversions invert the noising exactly") {
  NoiseSchedule s = NoiseSchedule::cosine(1000);
  Rng rng(5);
  for (int64_t t : {0, 10, 250, 500, 900, 999}) {
    Tensor x0 = Tensor::randn({2, 3, 4, 4}, rng), e = Tensor::randn({2, 3, 4, 4}, rng);
    const std::vector<int64_t> ts(2, t);
    Tensor xt = q_sample(s, x0, ts, e);
    Tensor v = prediction_target(s, Prediction::V, x0, e, ts);
    CHECK(prediction_target(s, Prediction::Eps, x0, e, ts).to_vector() == e.to_vector());
    const double a = std::sqrt(s.alphas_cumprod[(size_t)t]), sg = std::sqrt(1 - a * a);
    auto vx = x0.to_vector(), ve = e.to_vector(), vv = v.to_vector();
    auto x0_v = output_to_x0(s, Prediction::V, xt, v, t).to_vector();
    auto e_v = output_to_eps(s, Prediction::V, xt, v, t).to_vector();
    auto x0_e = output_to_x0(s, Prediction::Eps, xt, e, t).to_vector();
    CHECK(output_to_eps(s, Prediction::Eps, xt, e, t).to_vector() == ve);
    double worst_x = 0, worst_e = 0, worst_xe = 0;
    for (size_t i = 0; i < vx.size(); ++i) {
      CHECK(vv[i] == doctest::Approx(a * ve[i] - sg * vx[i]).epsilon(1e-6));
      worst_x = std::max(worst_x, (double)std::fabs(x0_v[i] - vx[i]));
      worst_e = std::max(worst_e, (double)std::fabs(e_v[i] - ve[i]));
      worst_xe = std::max(worst_xe, (double)std::fabs(x0_e[i] - vx[i]));
    }
    INFO("t = ", t);
    CHECK(worst_x < 2e-6);  // α² + σ² = 1: float rounding only, at every t
    CHECK(worst_e < 2e-6);
    // ε-prediction's x0 divides by α: rounding grows as 1/α at high noise (α_999 ≈ 6e-3).
    CHECK(worst_xe < 2e-6 / a);
  }
  CHECK(parse_prediction("v") == Prediction::V);
  CHECK(prediction_name(parse_prediction("eps")) == "eps");
  CHECK_THROWS_WITH_AS(parse_prediction("x0"), doctest::Contains("'x0'"), Error);
}

TEST_CASE("min-SNR-γ weights: min(SNR, γ)/SNR for ε, min(SNR, γ)/(SNR+1) for v") {
  NoiseSchedule s = NoiseSchedule::cosine(1000);
  const std::vector<int64_t> ts{0, 50, 300, 500, 999};
  auto we = loss_weights(s, Prediction::Eps, "min_snr", 5.0, ts);
  auto wv = loss_weights(s, Prediction::V, "min_snr", 5.0, ts);
  for (size_t i = 0; i < ts.size(); ++i) {
    const double ab = s.alphas_cumprod[(size_t)ts[i]], r = ab / (1 - ab);
    CHECK(snr(s, ts[i]) == doctest::Approx(r).epsilon(1e-12));
    CHECK(we[i] == doctest::Approx(std::min(r, 5.0) / r).epsilon(1e-6));
    CHECK(wv[i] == doctest::Approx(std::min(r, 5.0) / (r + 1)).epsilon(1e-6));
  }
  // t = 0 is nearly clean (SNR in the thousands): clamped hard; t = 999: SNR < γ, ε weight 1.
  CHECK(snr(s, 0) > 1000);
  CHECK(we[0] < 5e-3);
  CHECK(we[4] == doctest::Approx(1.0));
  CHECK(wv[4] == doctest::Approx(snr(s, 999) / (snr(s, 999) + 1)).epsilon(1e-6));
  CHECK(loss_weights(s, Prediction::V, "none", 5.0, ts) == std::vector<float>(5, 1.0f));
  CHECK_THROWS_WITH_AS(loss_weights(s, Prediction::V, "p2", 5.0, ts), doctest::Contains("p2"),
                       Error);
  CHECK_THROWS_AS(loss_weights(s, Prediction::V, "min_snr", 0.0, ts), Error);
}

TEST_CASE("weighted MSE: value and gradient") {
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {2, 2}),
         b = Tensor::from_vector({0, 0, 1, 1}, {2, 2});
  // row 0: mean(1, 4) = 2.5, weight 2; row 1: mean(4, 9) = 6.5, weight 0.5 -> (5 + 3.25) / 2.
  CHECK(weighted_mse(a, b, {2.0f, 0.5f}).item() == doctest::Approx(4.125));
  CHECK(weighted_mse(a, b, {1.0f, 1.0f}).item() == doctest::Approx(mse(a, b).item()));
  CHECK_THROWS_AS(weighted_mse(a, b, {1.0f}), Error);
  Rng rng(2);
  Tensor x = Tensor::randn({3, 2, 2}, rng).set_requires_grad();
  Tensor y = Tensor::randn({3, 2, 2}, rng);
  test::check_gradients(
      [&](const std::vector<Tensor>& in) {
        return weighted_mse(in[0], y, {0.3f, 1.0f, 2.5f});
      },
      {x});
}
