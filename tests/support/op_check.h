// op_check.h — the check modes of the op-case list (tests/support/op_case.h), with doctest:
// each runs one case and reports failures naming the case, the output or input and the worst
// element. The perf mode is bench/bench_ops.cpp (timings are never unit tests).
#pragma once
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "tests/support/op_case.h"

namespace syn::test {

// (a) CPU against the case's PyTorch fixture: every output, then every gradient after a
// backward pass seeded with the fixture's upstream gradient.
void check_fixture(const OpCase& c);
// (b) backward against central finite differences (tests/support/gradcheck.h), on the case's
// inputs, with the case's gradcheck options.
void check_backward(const OpCase& c);
// (c) CUDA against CPU on the same inputs: every output, then every gradient after the same
// random upstream gradient on both devices.
void check_cuda(const OpCase& c);

// The inputs a case runs on outside the fixture mode (the builder's, else the fixture's).
Tensors case_inputs(const OpCase& c);

// Every slot named by some case (and by the cases fit for `mode`, when mode != 0).
std::set<std::string> declared_slots(unsigned mode = 0);

// |actual - expected| within `tol` (op_case.h's Tol), element-wise; names `what` and the worst
// element on failure.
void check_tol(const Tensor& actual, const Tensor& expected, const std::string& what, Tol tol);

// A float32 result against a float64 reference computed by the definition (the conv tests'
// naive loops): |ours - ref| <= 1e-4 |ref| + 1e-5 max(1, max|ref|), fp32 sums of up to ~10^5
// unit-scale products carrying relative errors ~1e-6 of the largest magnitudes involved.
void check_vs_reference(const Tensor& ours, const std::vector<double>& ref,
                        const std::string& what);

// A convolution's output and gradients by the definition, in double (the conv tests' naive
// loops), for inputs x, w, b (empty: no bias) and upstream gradient gy.
struct ConvReference {
  std::vector<double> y, dx, dw, db;
};
using ConvReferenceFn =
    std::function<ConvReference(const std::vector<float>& x, const std::vector<float>& w,
                                const std::vector<float>& b, const std::vector<float>& gy)>;
using ConvFn = std::function<Tensor(const Tensor& x, const Tensor& w, const Tensor& b)>;

// Seeded N(0, 1) x [x_shape], w [w_shape] and, with `bias`, b [w_shape[0]]; runs `conv`,
// backpropagates a random gy and checks y, dx, dw (and db) with check_vs_reference.
void check_conv_vs_reference(const ConvFn& conv, const Shape& x_shape, const Shape& w_shape,
                             bool bias, uint64_t seed, const ConvReferenceFn& reference);

}  // namespace syn::test
