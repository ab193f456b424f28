// op_cases_linear.cpp — linear (gemm, row_fill, column_sum slots) and matmul (gemm).
// Fixtures: tests/reference/gen_conv_linear.py; fp32 vs float64 PyTorch on float32 inputs, sums
// of <= 33 unit-scale products: rtol 1e-4, atol 1e-5. CUDA (cuBLAS) vs CPU: fp32 sums in a
// different order, rtol 1e-4 with a floor of 1e-5 x max|cpu| (as tests/test_cuda_layers.cpp).
#include "engine/ops/linear.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

namespace syn::test {

namespace {

const std::vector<std::string> kLinearSlots = {"gemm", "row_fill", "column_sum"};
const Tol kGemmCuda{1e-4f, 0.0f, 1e-5f};

Tensors linear3(const Tensors& in) { return {ops::linear(in[0], in[1], in[2])}; }
Tensors matmul2(const Tensors& in) { return {ops::matmul(in[0], in[1])}; }

}  // namespace

void add_linear_cases(std::vector<OpCase>& out) {
  const unsigned fd = kModeBackward | kModeCuda;
  auto& a = add_case(out, "linear bias", kLinearSlots, randn_inputs(5, {{4, 6}, {3, 6}, {3}}),
                     linear3, {true, true, true}, fd);
  a.fixture = FixtureSpec{"linear_bias", {"x", "w", "b"}, {"y"}, "gy", {"dx", "dw", "db"}};
  a.cuda_out = kGemmCuda;
  auto& b = add_case(out, "linear no bias", {"gemm"}, randn_inputs(6, {{4, 6}, {3, 6}, {}}),
                     linear3, {true, true, false}, fd);
  b.fixture = FixtureSpec{"linear_nobias", {"x", "w", ""}, {"y"}, "gy", {"dx", "dw"}};
  b.cuda_out = kGemmCuda;
  auto& c = add_case(out, "linear rank 3", kLinearSlots, randn_inputs(7, {{2, 3, 6}, {3, 6}, {3}}),
                     linear3, {true, true, true}, fd);
  c.fixture = FixtureSpec{"linear_rank3", {"x", "w", "b"}, {"y"}, "gy", {"dx", "dw", "db"}};
  c.cuda_out = kGemmCuda;
  for (const char* name : {"matmul_small", "matmul_odd"}) {
    auto& m =
        add_case(out, name, {"gemm"}, randn_inputs(8, {{5, 7}, {7, 4}}), matmul2, {true, true}, fd);
    m.fixture = FixtureSpec{name, {"a", "b"}, {"c"}, "gc", {"da", "db"}};
    m.cuda_out = kGemmCuda;
  }
  // test_cuda_layers.cpp's sizes on the GPU; a SampleCNN-sized layer for timing.
  for (bool bias : {true, false}) {
    auto& r = add_case(
        out, std::string("linear [3, 5, 37] -> 19") + (bias ? "" : " no bias"),
        bias ? kLinearSlots : std::vector<std::string>{"gemm"},
        [bias] {
          Rng rng(bias ? 500 : 501);
          Tensor x = Tensor::randn({3, 5, 37}, rng), w = Tensor::randn({19, 37}, rng, 0.2f);
          return Tensors{x, w, bias ? Tensor::randn({19}, rng) : Tensor()};
        },
        linear3, {true, true, bias}, kModeCuda);
    r.cuda_out = kGemmCuda;
  }
  add_case(out, "matmul [17, 33] x [33, 9]", {"gemm"}, randn_inputs(502, {{17, 33}, {33, 9}}),
           matmul2, {true, true}, kModeCuda)
      .cuda_out = kGemmCuda;
  auto& p = add_case(out, "linear [256, 512] -> 512", kLinearSlots,
                     randn_inputs(503, {{256, 512}, {512, 512}, {512}}, 0.05f), linear3,
                     {true, true, true}, kModeCuda | kModePerf);
  p.cuda_out = kGemmCuda;
  p.work.flops = 2.0 * 256 * 512 * 512;
  auto& q = add_case(out, "matmul [1024, 1024] x [1024, 1024]", {"gemm"},
                     randn_inputs(504, {{1024, 1024}, {1024, 1024}}, 0.05f), matmul2, {true, true},
                     kModePerf);
  q.work.flops = 2.0 * 1024 * 1024 * 1024;
}

}  // namespace syn::test
