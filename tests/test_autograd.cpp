// test_autograd.cpp — the autograd machinery itself, with the element-wise ops as subjects.
#include <doctest/doctest.h>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"
#include "tests/support/gradcheck.h"

using namespace syn;

static Tensor param(const Shape& s, Rng& rng) { return Tensor::randn(s, rng).set_requires_grad(); }

TEST_CASE("element-wise ops match finite differences") {
  Rng rng(7);
  Tensor a = param({3, 4}, rng), b = param({3, 4}, rng);
  test::check_gradients([](auto& in) { return ops::add(in[0], in[1]); }, {a, b});
  test::check_gradients([](auto& in) { return ops::sub(in[0], in[1]); }, {a, b});
  test::check_gradients([](auto& in) { return ops::mul(in[0], in[1]); }, {a, b});
  test::check_gradients([](auto& in) { return ops::scale(in[0], -2.5f); }, {a});
  test::check_gradients([](auto& in) { return ops::add_scalar(in[0], 0.75f); }, {a});
  test::check_gradients([](auto& in) { return ops::relu(in[0]); }, {a});
}

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
  for (int i = 0; i < 16; ++i) va.push_back(a.normal()), vb.push_back(b.normal()), vc.push_back(c.normal());
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

TEST_CASE("element-wise ops match PyTorch, forward and backward") {
  // Fixture: tests/reference/gen_elementwise.py (float64 reference). Exact arithmetic on both
  // sides up to one rounding: rtol 1e-6.
  Checkpoint fx = test::load_fixture("elementwise");
  Tensor r = test::fixture_tensor(fx, "r");
  using Fn = Tensor (*)(const Tensor&, const Tensor&);
  std::vector<std::pair<std::string, Fn>> cases = {
      {"add", [](const Tensor& a, const Tensor& b) { return ops::add(a, b); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return ops::sub(a, b); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return ops::mul(a, b); }},
      {"scale", [](const Tensor& a, const Tensor&) { return ops::scale(a, -2.5f); }},
      {"add_scalar", [](const Tensor& a, const Tensor&) { return ops::add_scalar(a, 0.75f); }},
      {"relu", [](const Tensor& a, const Tensor&) { return ops::relu(a); }},
  };
  for (auto& [name, fn] : cases) {
    Tensor a = test::fixture_tensor(fx, "a").clone().set_requires_grad();
    Tensor b = test::fixture_tensor(fx, "b").clone().set_requires_grad();
    Tensor y = fn(a, b);
    test::check_close(y, test::fixture_tensor(fx, name + ".y"), name + " forward", 1e-6f, 1e-7f);
    y.backward(r);
    test::check_close(a.grad(), test::fixture_tensor(fx, name + ".da"), name + " grad a", 1e-6f, 1e-7f);
    Tensor db = b.grad().defined() ? b.grad() : Tensor::zeros(b.shape());
    test::check_close(db, test::fixture_tensor(fx, name + ".db"), name + " grad b", 1e-6f, 1e-7f);
  }
}
