// test_cpu_dispatch.cpp — the run-time CPU dispatch (engine/cpu/cpu_level.h): every level this
// CPU has computes the GEMM (plain, transposed operands, alpha/beta, row bias, segmented output,
// split depth, serial) and the transpose exactly as the naive loops do, over shapes that are odd
// against every level's micro-tile; SYN_CPU is honoured; unknown or missing levels are refused.
// The op cases at the avx2 and generic levels are CTest entries (tests/CMakeLists.txt).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/check.h"
#include "engine/cpu/cpu_level.h"
#include "engine/cpu/gemm.h"
#include "engine/rng.h"

using namespace syn;
using cpu::CpuLevel;

namespace {

const CpuLevel kLevels[] = {CpuLevel::generic, CpuLevel::avx2, CpuLevel::avx512};

// Restores the level in force when a test case ends.
struct LevelGuard {
  CpuLevel saved = cpu::cpu_kernel_level();
  ~LevelGuard() { cpu::set_cpu_kernel_level(saved); }
};

std::vector<float> random_vector(int64_t n, Rng& rng) {
  std::vector<float> v((size_t)n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

// |got - want| within fp32 accumulation error for depth K (products of magnitude <= 1).
int64_t count_bad(const std::vector<float>& got, const std::vector<float>& want, int64_t K) {
  const double tol = 1e-5 + 1e-6 * (double)K;
  int64_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::fabs((double)got[i] - want[i]) <= tol) continue;
    if (bad++ < 3) FAIL_CHECK("element ", i, ": ", got[i], ", expected ", want[i]);
  }
  return bad;
}

// cpu::gemm against gemm_naive with padded leading dimensions.
void check_gemm(int64_t M, int64_t N, int64_t K, bool ta, bool tb, float alpha, float beta,
                Rng& rng) {
  INFO(M, "x", N, "x", K, " trans_a ", ta, " trans_b ", tb, " alpha ", alpha, " beta ", beta);
  const int64_t lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 2, ldc = N + 3;
  std::vector<float> A = random_vector((ta ? K : M) * lda, rng);
  std::vector<float> B = random_vector((tb ? N : K) * ldb, rng);
  std::vector<float> C = random_vector(M * ldc, rng), R = C;
  cpu::gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  cpu::gemm_naive(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, R.data(), ldc);
  CHECK(count_bad(C, R, K) == 0);
}

// gemm_run with a row bias into a segmented C (the [B, M, L] layout of a conv output seen as
// M x (B*L)), on all threads and serially; with split depth when allowed.
void check_segmented(int64_t M, int64_t Bn, int64_t L, int64_t K, float beta, bool serial,
                     Rng& rng) {
  INFO(M, " rows, ", Bn, " items of ", L, ", depth ", K, ", beta ", beta, serial ? " serial" : "");
  const int64_t N = Bn * L;
  std::vector<float> A = random_vector(M * K, rng), Bm = random_vector(K * N, rng);
  std::vector<float> bias = random_vector(M, rng);
  std::vector<float> C = random_vector(Bn * M * L, rng), R = C;
  cpu::GemmProblem p;
  p.M = M, p.N = N, p.K = K;
  p.pack_a = [&](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    cpu::gemm_pack_strided(A.data(), K, 1, x0, nx, k0, kc, w, dst);
  };
  p.pack_b = [&](int64_t x0, int64_t nx, int64_t k0, int64_t kc, int64_t w, float* dst) {
    cpu::gemm_pack_strided(Bm.data(), 1, N, x0, nx, k0, kc, w, dst);
  };
  p.out.c = C.data();
  p.out.rows.stride = L;
  p.out.cols = {1, L, M * L};
  p.alpha = 0.75f;
  p.beta = beta;
  p.row_bias = bias.data();
  p.allow_split_k = !serial;
  if (serial)
    cpu::gemm_run_serial(p);
  else
    cpu::gemm_run(p);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += (double)A[(size_t)(i * K + k)] * Bm[(size_t)(k * N + j)];
      float& r = R[(size_t)((j / L) * M * L + i * L + j % L)];
      r = (float)(0.75 * s + bias[(size_t)i] + (beta != 0.0f ? beta * r : 0.0));
    }
  CHECK(count_bad(C, R, K) == 0);
}

}  // namespace

TEST_CASE("SYN_CPU, when set, is the level in force") {
  const char* env = std::getenv("SYN_CPU");
  if (env == nullptr || *env == '\0') {
    MESSAGE("SYN_CPU unset: level in force ", cpu::cpu_level_name(cpu::cpu_kernel_level()));
    CHECK(cpu::cpu_kernel_level() == cpu::cpu_best_level());
    return;
  }
  CHECK(std::string(cpu::cpu_level_name(cpu::cpu_kernel_level())) == env);
  CHECK(std::string(cpu::gemm_kernels().name) == env);
}

TEST_CASE("levels: generic always, the best one first, names round-trip") {
  CHECK(cpu::cpu_has_level(CpuLevel::generic));
  CHECK(cpu::cpu_has_level(cpu::cpu_best_level()));
  for (CpuLevel l : kLevels) {
    CHECK(cpu::parse_cpu_level(cpu::cpu_level_name(l), "test") == l);
    if (cpu::cpu_has_level(l)) CHECK((int)l <= (int)cpu::cpu_best_level());
  }
  CHECK_THROWS_WITH_AS(cpu::parse_cpu_level("sse9", "SYN_CPU"),
                       doctest::Contains("SYN_CPU=sse9: unknown CPU kernel level"), Error);
  LevelGuard guard;
  for (CpuLevel l : kLevels) {
    if (cpu::cpu_has_level(l)) continue;
    CHECK_THROWS_WITH_AS(cpu::set_cpu_kernel_level(l), doctest::Contains("not available"), Error);
  }
}

TEST_CASE("every available level's GEMM matches the naive loops") {
  LevelGuard guard;
  // odd against 6x8, 6x16 and 8x48 tiles, deeper than one KC slice, and wider than one NC panel
  const int64_t sizes[][3] = {{1, 1, 1},     {7, 17, 5},     {6, 16, 256},  {8, 48, 257},
                              {13, 49, 300}, {97, 101, 33},  {5, 1000, 70}, {130, 7, 600},
                              {50, 2000, 9}, {200, 130, 520}};
  for (CpuLevel l : kLevels) {
    if (!cpu::cpu_has_level(l)) {
      MESSAGE("level ", cpu::cpu_level_name(l), " skipped: this CPU lacks it");
      continue;
    }
    cpu::set_cpu_kernel_level(l);
    INFO("level ", cpu::cpu_level_name(l));
    CHECK(std::string(cpu::gemm_kernels().name) == cpu::cpu_level_name(l));
    Rng rng(7 + (uint64_t)l);
    for (const auto& s : sizes)
      for (int t = 0; t < 4; ++t) {
        check_gemm(s[0], s[1], s[2], t & 1, t & 2, 1.0f, 0.0f, rng);
        check_gemm(s[0], s[1], s[2], t & 1, t & 2, -0.5f, 1.25f, rng);
      }
    // split depth (long K, small M and N) and a segmented output with a row bias
    check_segmented(9, 3, 5, 3000, 0.0f, false, rng);
    check_segmented(37, 3, 50, 70, 0.5f, false, rng);
    check_segmented(37, 3, 50, 70, 0.5f, true, rng);
    check_segmented(64, 2, 300, 200, 0.0f, false, rng);
  }
}

TEST_CASE("every available level's transpose moves every element and nothing else") {
  LevelGuard guard;
  for (CpuLevel l : kLevels) {
    if (!cpu::cpu_has_level(l)) continue;
    cpu::set_cpu_kernel_level(l);
    for (int64_t rows : {1, 7, 8, 9, 16, 17, 40})
      for (int64_t cols : {1, 5, 8, 16, 31, 48}) {
        INFO("level ", cpu::cpu_level_name(l), ", ", rows, "x", cols);
        const int64_t ld_in = cols + 3, ld_out = rows + 5;
        std::vector<float> in((size_t)(rows * ld_in)), out((size_t)(cols * ld_out), -1.0f);
        for (size_t i = 0; i < in.size(); ++i) in[i] = (float)i;
        cpu::transpose(in.data(), ld_in, out.data(), ld_out, rows, cols);
        int64_t bad = 0;
        for (int64_t c = 0; c < cols; ++c)
          for (int64_t r = 0; r < ld_out; ++r)
            bad +=
                out[(size_t)(c * ld_out + r)] != (r < rows ? in[(size_t)(r * ld_in + c)] : -1.0f);
        CHECK(bad == 0);
      }
  }
}
