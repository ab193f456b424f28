// test_linear.cpp — the GEMM kernel against a naive triple loop (odd sizes, transposes,
// alpha/beta, padded leading dimensions), linear's rank-3 shapes and the errors. (linear /
// matmul against finite differences and PyTorch fixtures are op cases:
// tests/support/op_cases_linear.cpp, run by tests/test_ops.cpp.)
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/cpu/gemm.h"
#include "engine/ops/linear.h"
#include "engine/rng.h"

using namespace syn;

namespace {

// One GEMM through the kernel slot vs cpu::gemm_naive. Leading dimensions are padded by 3 and
// the padding is filled with a sentinel that must survive (nothing written outside C).
void check_gemm(int64_t M, int64_t N, int64_t K, bool ta, bool tb, float alpha, float beta,
                uint64_t seed) {
  INFO(M, "x", N, "x", K, " trans_a ", ta, " trans_b ", tb, " alpha ", alpha, " beta ", beta);
  Rng rng(seed);
  const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 3, ldc = N + 3;
  std::vector<float> A((size_t)((ta ? K : M) * lda)), B((size_t)((tb ? N : K) * ldb));
  std::vector<float> C((size_t)(M * ldc));
  for (float& v : A) v = rng.uniform(-1.0f, 1.0f);
  for (float& v : B) v = rng.uniform(-1.0f, 1.0f);
  for (float& v : C) v = rng.uniform(-1.0f, 1.0f);
  const float sentinel = 12345.0f;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = N; j < ldc; ++j) C[(size_t)(i * ldc + j)] = sentinel;
  std::vector<float> R = C;
  gemm_kernel.on(Device::CPU)(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(),
                              ldc);
  cpu::gemm_naive(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, R.data(), ldc);
  // fp32 accumulation of K products of magnitude <= 1: error well under 1e-6 * K
  const double tol = 1e-5 + 1e-6 * (double)K;
  int64_t bad = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      const float got = C[(size_t)(i * ldc + j)], want = R[(size_t)(i * ldc + j)];
      const bool ok = j < N ? std::fabs((double)got - want) <= tol : got == sentinel;
      if (!ok && bad++ < 3) FAIL_CHECK("C(", i, ", ", j, ") = ", got, ", expected ", want);
    }
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("GEMM matches the naive triple loop on odd sizes and every transpose") {
  const int64_t sizes[][3] = {
      {1, 1, 1},      {17, 33, 65},  {2, 3, 4},      {8, 48, 256}, {64, 48, 257},
      {100, 1, 300},  {1, 100, 300}, {129, 47, 513}, {5, 7, 2000}, {300, 5, 40},
      {97, 1000, 31}, {512, 3, 700}, {3, 512, 700},  {0, 5, 5},    {5, 5, 0},
  };
  uint64_t seed = 1;
  for (const auto& s : sizes)
    for (int t = 0; t < 4; ++t) {
      check_gemm(s[0], s[1], s[2], t & 1, t & 2, 1.0f, 0.0f, seed++);
      check_gemm(s[0], s[1], s[2], t & 1, t & 2, 0.5f, -1.5f, seed++);
    }
}

TEST_CASE("cpu::transpose moves every element and nothing else") {
  // sizes around the 16x16 and 8x8 register tiles, with padded leading dimensions
  for (int64_t rows : {1, 7, 8, 15, 16, 17, 40})
    for (int64_t cols : {1, 5, 16, 31, 48}) {
      INFO(rows, "x", cols);
      const int64_t ld_in = cols + 3, ld_out = rows + 5;
      std::vector<float> in((size_t)(rows * ld_in)), out((size_t)(cols * ld_out), -1.0f);
      for (size_t i = 0; i < in.size(); ++i) in[i] = (float)i;
      cpu::transpose(in.data(), ld_in, out.data(), ld_out, rows, cols);
      int64_t bad = 0;
      for (int64_t c = 0; c < cols; ++c)
        for (int64_t r = 0; r < ld_out; ++r) {
          const float want = r < rows ? in[(size_t)(r * ld_in + c)] : -1.0f;
          bad += out[(size_t)(c * ld_out + r)] != want;
        }
      CHECK(bad == 0);
    }
}

TEST_CASE("linear keeps the leading dims of a rank-3 input") {
  Rng rng(9);
  Tensor x = Tensor::randn({2, 3, 4}, rng), w = Tensor::randn({5, 4}, rng);
  Tensor y = ops::linear(x, w, Tensor());
  CHECK(y.shape() == Shape{2, 3, 5});
  // row (1, 2) of the output is x[1, 2, :] . w^T
  std::vector<float> xv = x.to_vector(), wv = w.to_vector(), yv = y.to_vector();
  for (int64_t o = 0; o < 5; ++o) {
    double s = 0;
    for (int64_t d = 0; d < 4; ++d) s += (double)xv[(size_t)(20 + d)] * wv[(size_t)(o * 4 + d)];
    CHECK(yv[(size_t)(25 + o)] == doctest::Approx(s).epsilon(1e-5));
  }
}

TEST_CASE("linear and matmul reject bad shapes with messages naming them") {
  Tensor x = Tensor::zeros({4, 6}), w = Tensor::zeros({3, 5});
  CHECK_THROWS_WITH_AS(
      ops::linear(x, w, Tensor()),
      doctest::Contains("input [4, 6] cpu has last dimension 6 but weight [3, 5] cpu"), Error);
  CHECK_THROWS_WITH_AS(ops::linear(x, Tensor::zeros({3, 6}), Tensor::zeros({4})),
                       doctest::Contains("bias [4] cpu does not match weight [3, 6]"), Error);
  CHECK_THROWS_WITH_AS(ops::matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})),
                       doctest::Contains("cannot multiply [2, 3] cpu by [4, 5] cpu"), Error);
}
