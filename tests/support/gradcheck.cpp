// gradcheck.cpp — see gradcheck.h.
#include "tests/support/gradcheck.h"

#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/rng.h"

namespace syn::test {

static double probe(const Tensor& out, const std::vector<float>& r) {
  std::vector<float> v = out.to_vector();
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += (double)v[i] * r[i];
  return s;
}

double check_gradients(const TestFn& fn, std::vector<Tensor> inputs, const GradcheckOptions& opts) {
  Rng rng(opts.seed);
  Tensor out = fn(inputs);
  std::vector<float> r((size_t)out.numel());
  for (float& x : r) x = rng.uniform(-1.0f, 1.0f);

  for (Tensor& t : inputs)
    if (t.defined()) t.zero_grad();
  Tensor seed = Tensor::from_vector(r, out.shape(), out.device());
  out.backward(seed);

  double worst = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.defined() || !x.requires_grad()) continue;
    REQUIRE_MESSAGE(x.grad().defined(), "input ", k, " received no gradient");
    std::vector<float> analytic = x.grad().to_vector();
    std::vector<float> values = x.to_vector();
    std::vector<double> numeric(values.size());
    double scale = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      NoGradGuard ng;
      std::vector<float> v = values;
      v[i] = values[i] + opts.eps;
      Tensor(x).copy_(Tensor::from_vector(v, x.shape(), x.device()));
      double lp = probe(fn(inputs), r);
      v[i] = values[i] - opts.eps;
      Tensor(x).copy_(Tensor::from_vector(v, x.shape(), x.device()));
      double lm = probe(fn(inputs), r);
      numeric[i] = (lp - lm) / (2.0 * opts.eps);
      scale = std::max(scale, std::fabs(numeric[i]));
    }
    Tensor(x).copy_(Tensor::from_vector(values, x.shape(), x.device()));
    int reported = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      double a = analytic[i], n = numeric[i];
      double tol =
          opts.atol * std::max(1.0, scale) + opts.rtol * std::max(std::fabs(a), std::fabs(n));
      double err = std::fabs(a - n);
      worst = std::max(worst, err / tol);
      if (err > tol && reported++ < 5)
        FAIL_CHECK("input ", k, " ", x.describe(), " element ", i, ": autograd ", a,
                   " vs finite difference ", n);
    }
    CHECK_MESSAGE(reported == 0, "input ", k, ": ", reported,
                  " gradient elements out of tolerance");
  }
  return worst;
}

}  // namespace syn::test
