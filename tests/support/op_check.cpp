// op_check.cpp — see op_check.h.
#include "tests/support/op_check.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

namespace syn::test {

namespace {

float max_abs(const Tensor& t) {
  float m = 0;
  for (float v : t.to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

// PyTorch's synt writer stores a 0-d array as [1]: compare it as the 0-d tensor we produce.
Tensor like_shape(const Tensor& expected, const Tensor& actual) {
  if (actual.dim() == 0 && expected.dim() == 1 && expected.numel() == 1)
    return view_as_shape(expected, {});
  return expected;
}

bool any_grad(const OpCase& c, const Tensors& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (c.grad[i] && inputs[i].defined()) return true;
  return false;
}

// The fixture's tensor under `key` ("" or an absent optional "?key": undefined).
Tensor fixture_key(const Checkpoint& fx, const std::string& key) {
  if (key.empty()) return Tensor();
  if (key[0] != '?') return fixture_tensor(fx, key);
  const Tensor* t = find_named(fx.tensors, key.substr(1));
  return t ? *t : Tensor();
}

std::string key_name(const std::string& key) { return key[0] == '?' ? key.substr(1) : key; }

}  // namespace

void check_tol(const Tensor& actual, const Tensor& expected, const std::string& what, Tol tol) {
  REQUIRE_MESSAGE(actual.defined(), what, ": no tensor");
  REQUIRE_MESSAGE(expected.defined(), what, ": no expected tensor");
  const float atol = tol.atol + (tol.atol_scale > 0 ? tol.atol_scale * max_abs(expected) : 0.0f);
  check_close(actual.to(Device::CPU), expected.to(Device::CPU), what, tol.rtol, atol);
}

Tensors case_inputs(const OpCase& c) {
  if (c.inputs) return c.inputs();
  REQUIRE_MESSAGE(c.fixture.has_value(), c.name, ": neither an input builder nor a fixture");
  Checkpoint fx = load_fixture(c.fixture->file);
  Tensors in;
  for (const std::string& key : c.fixture->inputs) {
    Tensor t = fixture_key(fx, key);
    in.push_back(t.defined() ? t.clone() : t);
  }
  return in;
}

void check_fixture(const OpCase& c) {
  REQUIRE_MESSAGE(c.fixture.has_value(), c.name, " has no fixture");
  const FixtureSpec& f = *c.fixture;
  INFO("op case ", c.name, " fixture ", f.file);
  Checkpoint fx = load_fixture(f.file);
  Tensors raw;
  for (const std::string& key : f.inputs) raw.push_back(fixture_key(fx, key));
  Tensors in = case_leaves(c, raw, Device::CPU);
  Tensors out = f.configure ? f.configure(fx)(in) : c.forward(in);
  REQUIRE_MESSAGE(out.size() >= f.outputs.size(), c.name, ": ", out.size(), " outputs but ",
                  f.outputs.size(), " fixture keys");
  for (size_t k = 0; k < f.outputs.size(); ++k) {
    if (f.outputs[k].empty()) continue;
    const Tol& tol = f.out_each.empty() ? f.out : f.out_each.at(k);
    check_tol(out[k], like_shape(fixture_tensor(fx, f.outputs[k]), out[k]),
              f.file + " " + f.outputs[k], tol);
  }
  bool wants_grad = false;
  for (size_t i = 0; i < f.grads.size(); ++i)
    wants_grad = wants_grad || fixture_key(fx, f.grads[i]).defined();
  if (!wants_grad) return;
  Tensor dy = f.upstream.empty() ? Tensor::full(out[0].shape(), 1.0f)
                                 : like_shape(fixture_tensor(fx, f.upstream), out[0]);
  out[0].backward(dy);
  REQUIRE(f.grads.size() <= in.size());
  for (size_t i = 0; i < f.grads.size(); ++i) {
    Tensor expected = fixture_key(fx, f.grads[i]);
    if (!expected.defined()) continue;
    REQUIRE_MESSAGE(in[i].grad().defined(), c.name, ": input ", i, " received no gradient");
    const Tol& tol = f.grad_each.empty() ? f.grad : f.grad_each.at(i);
    check_tol(in[i].grad(), expected, f.file + " " + key_name(f.grads[i]), tol);
  }
}

void check_backward(const OpCase& c) {
  INFO("op case ", c.name);
  Tensors in = case_leaves(c, case_inputs(c), Device::CPU);
  REQUIRE_MESSAGE(any_grad(c, in), c.name, ": backward mode without an input needing a gradient");
  const OpForward& f = c.forward;
  check_gradients([&f](const Tensors& v) { return f(v).at(0); }, in, c.fd);
}

void check_cuda(const OpCase& c) {
  INFO("op case ", c.name);
  Tensors raw = case_inputs(c);
  Tensors cpu = case_leaves(c, raw, Device::CPU), gpu = case_leaves(c, raw, Device::CUDA);
  Tensors yc = c.forward(cpu), yg = c.forward(gpu);
  REQUIRE(yc.size() == yg.size());
  for (size_t k = 0; k < yc.size(); ++k) {
    REQUIRE_MESSAGE(yg[k].is_cuda(), c.name, ": output ", k, " is not on the GPU");
    check_tol(yg[k], yc[k], c.name + (k == 0 ? " forward" : " output " + std::to_string(k)),
              c.cuda_out);
  }
  if (!any_grad(c, raw)) return;
  Rng rng(c.upstream_seed);
  Tensor dy = Tensor::randn(yc[0].shape(), rng);  // a scalar loss gets a random upstream too
  yc[0].backward(dy);
  yg[0].backward(dy.to(Device::CUDA));
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!c.grad[i] || !raw[i].defined()) continue;
    REQUIRE_MESSAGE(cpu[i].grad().defined(), c.name, ": input ", i, " got no CPU gradient");
    REQUIRE_MESSAGE(gpu[i].grad().defined(), c.name, ": input ", i, " got no CUDA gradient");
    CHECK(gpu[i].grad().is_cuda());
    const Tol& tol = c.cuda_grad.empty() ? c.cuda_out : c.cuda_grad.at(i);
    check_tol(gpu[i].grad(), cpu[i].grad(), c.name + " grad of input " + std::to_string(i), tol);
  }
}

void check_vs_reference(const Tensor& ours, const std::vector<double>& ref,
                        const std::string& what) {
  std::vector<float> o = ours.to_vector();
  REQUIRE_MESSAGE(o.size() == ref.size(), what, ": ", o.size(), " values vs ", ref.size());
  double scale = 0;
  for (double r : ref) scale = std::max(scale, std::fabs(r));
  size_t bad = 0, worst = 0;
  double worst_ratio = 0;
  for (size_t i = 0; i < o.size(); ++i) {
    double tol = 1e-4 * std::fabs(ref[i]) + 1e-5 * std::max(1.0, scale);
    double ratio = std::fabs(o[i] - ref[i]) / tol;
    if (!(ratio <= 1)) ++bad;
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i;
  }
  CHECK_MESSAGE(bad == 0, what, ": ", bad, " of ", o.size(), " elements off; worst at ", worst,
                ": ", o.empty() ? 0.0f : o[worst], " vs ", ref.empty() ? 0.0 : ref[worst]);
}

void check_conv_vs_reference(const ConvFn& conv, const Shape& x_shape, const Shape& w_shape,
                             bool bias, uint64_t seed, const ConvReferenceFn& reference) {
  Rng rng(seed);
  Tensor x = Tensor::randn(x_shape, rng).set_requires_grad();
  Tensor w = Tensor::randn(w_shape, rng).set_requires_grad();
  Tensor b = bias ? Tensor::randn({w_shape.at(0)}, rng).set_requires_grad() : Tensor();
  Tensor y = conv(x, w, b);
  Tensor gy = Tensor::randn(y.shape(), rng);
  y.backward(gy);
  ConvReference r = reference(x.to_vector(), w.to_vector(),
                              bias ? b.to_vector() : std::vector<float>{}, gy.to_vector());
  check_vs_reference(y, r.y, "y");
  check_vs_reference(x.grad(), r.dx, "dx");
  check_vs_reference(w.grad(), r.dw, "dw");
  if (bias) check_vs_reference(b.grad(), r.db, "db");
}

std::set<std::string> declared_slots(unsigned mode) {
  std::set<std::string> out;
  for (const OpCase& c : op_cases())
    if (mode == 0 || (c.modes & mode)) out.insert(c.slots.begin(), c.slots.end());
  return out;
}

}  // namespace syn::test
