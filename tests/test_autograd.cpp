// test_autograd.cpp — the autograd machinery itself, with the element-wise ops as subjects.
// (The element-wise ops' own checks, PyTorch fixture and finite differences, are op cases:
// tests/support/op_cases_elementwise.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/rng.h"

using namespace syn;

TEST_CASE("a gradient flowing along two paths is summed") {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3}).set_requires_grad();
  Tensor y = ops::mul(x, x);  // dy/dx = 2x
  Tensor z = ops::add(y, x);  // dz/dx = 2x + 1
  z.backward(Tensor::full({3}, 1.0f));
  CHECK(x.grad().to_vector() == std::vector<float>{3, 5, 7});
}

TEST_CASE("gradients accumulate across backward passes until zeroed") {
  Tensor x = Tensor::from_vector({2}, {1}).set_requires_grad();
  ops::scale(x, 3.0f).backward();
  ops::scale(x, 3.0f).backward();
  CHECK(x.grad().item() == 6.0f);
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("no-grad scope records nothing") {
  Tensor x = Tensor::from_vector({2}, {1}).set_requires_grad();
  {
    NoGradGuard ng;
    Tensor y = ops::scale(x, 3.0f);
    CHECK_FALSE(y.grad_fn());
  }
  CHECK(ops::scale(x, 3.0f).grad_fn());
}

TEST_CASE("clear errors") {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 2});
  CHECK_THROWS_WITH_AS(ops::add(a, b), doctest::Contains("shapes differ"), Error);
  CHECK_THROWS_WITH_AS(ops::add(a, a).backward(), doctest::Contains("scalar"), Error);
  Tensor x = Tensor::from_vector({2}, {1}).set_requires_grad();
  Tensor y = ops::scale(x, 2.0f);
  Tensor z = ops::scale(y, 2.0f);
  z.backward();
  CHECK_THROWS_WITH_AS(ops::scale(y, 1.0f).backward(), doctest::Contains("second time"), Error);
}

TEST_CASE("a deep chain does not overflow the stack") {
  Tensor x = Tensor::from_vector({1}, {1}).set_requires_grad();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = ops::add_scalar(y, 0.0f);
  y.backward();
  CHECK(x.grad().item() == 1.0f);
}

TEST_CASE("the same seed gives the same numbers") {
  Rng a(42), b(42), c(43);
  std::vector<float> va, vb, vc;
  for (int i = 0; i < 16; ++i)
    va.push_back(a.normal()), vb.push_back(b.normal()), vc.push_back(c.normal());
  CHECK(va == vb);
  CHECK(va != vc);
  // state round trip mid-stream (including the cached Box-Muller spare)
  Rng d(5);
  d.normal();
  auto st = d.state();
  float next = d.normal();
  Rng e(0);
  e.set_state(st);
  CHECK(e.normal() == next);
}
