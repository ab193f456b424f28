// gradcheck.h — backward checked against central finite differences.
//
// For a function f(inputs) -> output, the scalar probe L = sum(output * R) (R fixed random) is
// differentiated two ways: by our autograd, and numerically, (L(x+eps) - L(x-eps)) / 2eps for
// every element of every input that requires a gradient. The probe is summed in double so the
// only fp32 error is the op's own. Use small shapes: cost is 2 evaluations per element.
#pragma once
#include <functional>
#include <vector>

#include "engine/tensor.h"

namespace syn::test {

struct GradcheckOptions {
  float eps = 1e-3f;   // perturbation
  float rtol = 2e-2f;  // relative tolerance on each gradient element
  float atol = 2e-3f;  // absolute tolerance (scaled by the largest gradient magnitude)
  uint64_t seed = 1234;
};

using TestFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs the check with doctest CHECKs; returns the largest normalised error seen.
double check_gradients(const TestFn& fn, std::vector<Tensor> inputs,
                       const GradcheckOptions& opts = {});

}  // namespace syn::test
