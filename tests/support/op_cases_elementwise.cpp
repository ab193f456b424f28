// op_cases_elementwise.cpp — add, sub, mul, scale / add_scalar (the affine slot) and ReLU.
// Fixture: tests/reference/gen_elementwise.py (float64): one rounding on both sides, rtol 1e-6.
#include "engine/ops/elementwise.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

void add_elementwise_cases(std::vector<OpCase>& out) {
  struct Op {
    const char* name;
    std::vector<std::string> slots;
    bool binary;
    Tensor (*fn)(const Tensor&, const Tensor&);
  };
  const Op ops_list[] = {
      {"add", {"add"}, true, [](const Tensor& a, const Tensor& b) { return ops::add(a, b); }},
      {"sub", {"sub"}, true, [](const Tensor& a, const Tensor& b) { return ops::sub(a, b); }},
      {"mul", {"mul"}, true, [](const Tensor& a, const Tensor& b) { return ops::mul(a, b); }},
      {"scale",
       {"affine"},
       false,
       [](const Tensor& a, const Tensor&) { return ops::scale(a, -2.5f); }},
      {"add_scalar",
       {"affine"},
       false,
       [](const Tensor& a, const Tensor&) { return ops::add_scalar(a, 0.75f); }},
      {"relu",
       {"relu", "relu_backward"},
       false,
       [](const Tensor& a, const Tensor&) { return ops::relu(a); }},
  };
  for (const Op& op : ops_list) {
    auto fn = op.fn;
    const bool binary = op.binary;
    OpForward f = [fn, binary](const Tensors& in) {
      return Tensors{fn(in[0], binary ? in[1] : Tensor())};
    };
    // Small: the fixture and finite differences. Large: CUDA and timing.
    for (int64_t n : {int64_t{12}, int64_t{1} << 22}) {
      const bool small = n == 12;
      OpCase& c = add_case(
          out, std::string(op.name) + (small ? " [3, 4]" : " [4M]"), op.slots,
          [n, binary, small] {
            Rng rng(7);
            Shape s = small ? Shape{3, 4} : Shape{n};
            Tensors in{Tensor::randn(s, rng)};
            if (binary) in.push_back(Tensor::randn(s, rng));
            return in;
          },
          f, binary ? std::vector<bool>{true, true} : std::vector<bool>{true},
          small ? kModeBackward | kModeCuda : kModeCuda | kModePerf);
      c.work.bytes = 4.0 * (double)n * (binary ? 3 : 2);
      if (small) {
        const std::string k = op.name;
        FixtureSpec fx{"elementwise", {"a"}, {k + ".y"}, "r", {k + ".da"}};
        if (binary) fx.inputs.push_back("b"), fx.grads.push_back(k + ".db");
        fx.out = fx.grad = Tol{1e-6f, 1e-7f};
        c.fixture = fx;
      }
    }
  }
}

}  // namespace syn::test
