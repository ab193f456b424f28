// op_cases.cpp — the whole op-case list (op_case.h), assembled from the per-family files, and
// the helpers the declarations share.
#include <cmath>
#include <numeric>
#include <utility>

#include "engine/check.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = [] {
    std::vector<OpCase> v;
    add_elementwise_cases(v);
    add_linear_cases(v);
    add_conv_cases(v);
    add_pool_cases(v);
    add_norm_cases(v);
    add_loss_cases(v);
    add_reduce_cases(v);
    add_shape_cases(v);
    add_text_cases(v);
    add_diffusion_cases(v);
    add_optim_cases(v);
    add_audio_cases(v);
    return v;
  }();
  return cases;
}

OpCase& add_case(std::vector<OpCase>& out, std::string name, std::vector<std::string> slots,
                 OpInputs inputs, OpForward forward, std::vector<bool> grad, unsigned modes) {
  OpCase c;
  c.name = std::move(name);
  c.slots = std::move(slots);
  c.inputs = std::move(inputs);
  c.forward = std::move(forward);
  c.grad = std::move(grad);
  c.modes = modes;
  out.push_back(std::move(c));
  return out.back();
}

Tensors case_leaves(const OpCase& c, const Tensors& inputs, Device device) {
  SYN_CHECK(c.grad.size() == inputs.size(), "op case '", c.name, "': ", inputs.size(),
            " inputs but ", c.grad.size(), " gradient flags");
  Tensors out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) {
      out.emplace_back();
      continue;
    }
    Tensor t = device == Device::CPU ? inputs[i].clone() : inputs[i].to(device).detach();
    if (c.grad[i]) t.set_requires_grad();
    out.push_back(t);
  }
  return out;
}

OpInputs randn_inputs(uint64_t seed, std::vector<Shape> shapes, float stddev) {
  return [seed, shapes, stddev] {
    Rng rng(seed);
    Tensors in;
    for (const Shape& s : shapes)
      in.push_back(s.empty() ? Tensor() : Tensor::randn(s, rng, stddev));
    return in;
  };
}

Tensor separated_values(const Shape& s, Rng& rng) {
  std::vector<float> v((size_t)shape_numel(s));
  std::iota(v.begin(), v.end(), 0.0f);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[(size_t)rng.randint((int64_t)i)]);
  for (float& x : v) x = 0.1f * x - 1.0f;
  return Tensor::from_vector(v, s);
}

Tensor rounded_values(const Shape& s, Rng& rng, float per_unit) {
  std::vector<float> v = Tensor::randn(s, rng).to_vector();
  for (float& e : v) e = std::round(e * per_unit);
  return Tensor::from_vector(v, s);
}

static const std::string& meta(const Checkpoint& fx, const std::string& key) {
  auto it = fx.meta.find(key);
  SYN_CHECK(it != fx.meta.end(), "op case fixture has no metadata '", key, "'");
  return it->second;
}
int64_t meta_int(const Checkpoint& fx, const std::string& key) { return std::stoll(meta(fx, key)); }
double meta_float(const Checkpoint& fx, const std::string& key) { return std::stod(meta(fx, key)); }

std::vector<int64_t> as_indices(const Tensor& t) {
  std::vector<int64_t> out;
  for (float v : t.to_vector()) out.push_back((int64_t)std::lround(v));
  return out;
}

Tensor indices_tensor(const std::vector<int64_t>& ids) {
  std::vector<float> v(ids.begin(), ids.end());
  return Tensor::from_vector(v, {(int64_t)ids.size()});
}

}  // namespace syn::test
