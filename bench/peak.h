// peak.h — the measured floating-point peak of this CPU at each kernel level
// (engine/cpu/cpu_level.h), for benchmarks that report a kernel's GFLOP/s as a share of what the
// level's registers can do: independent chains of multiply-adds, enough of them to cover the
// FMA latency on every pipe (xmm mul + add for generic, ymm FMA for avx2, zmm FMA for avx512).
// Timed by thread CPU time, so load from other processes on a shared machine costs nothing but
// wall time. Each chain function carries its own target attribute, so this header needs no
// special flags (and calls a level only where cpu_has_level allows it).
#pragma once
#include <time.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "engine/cpu/cpu_level.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace syn::bench {

inline double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

namespace peak_detail {

// a = a * m + c with m < 1: the chains converge to c / (1 - m), never overflow or go subnormal.
constexpr float kMul = 0.999999f, kAdd = 1e-6f;

// 12 chains of 4-float vectors, multiply and add (no FMA in the baseline), named for the same
// reason as below.
inline float chains_generic(int64_t iters) {
  typedef float v4 __attribute__((vector_size(16)));
  v4 a0 = v4{} + 0.f, a1 = v4{} + 1.f, a2 = v4{} + 2.f, a3 = v4{} + 3.f, a4 = v4{} + 4.f,
     a5 = v4{} + 5.f, a6 = v4{} + 6.f, a7 = v4{} + 7.f, a8 = v4{} + 8.f, a9 = v4{} + 9.f,
     a10 = v4{} + 10.f, a11 = v4{} + 11.f;
  const v4 m = v4{} + kMul, c = v4{} + kAdd;
  for (int64_t t = 0; t < iters; ++t) {
    a0 = a0 * m + c, a1 = a1 * m + c, a2 = a2 * m + c, a3 = a3 * m + c;
    a4 = a4 * m + c, a5 = a5 * m + c, a6 = a6 * m + c, a7 = a7 * m + c;
    a8 = a8 * m + c, a9 = a9 * m + c, a10 = a10 * m + c, a11 = a11 * m + c;
    __asm__ volatile("" : "+x"(a0), "+x"(a5), "+x"(a11));
  }
  const v4 s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
  return s[0];
}

#if defined(__x86_64__)
// 12 ymm FMA chains: 2 pipes x 4-cycle latency needs 8; 12 leave slack.
__attribute__((target("avx2,fma"))) inline float chains_avx2(int64_t iters) {
  __m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2),
         a3 = _mm256_set1_ps(3), a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5),
         a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7), a8 = _mm256_set1_ps(8),
         a9 = _mm256_set1_ps(9), a10 = _mm256_set1_ps(10), a11 = _mm256_set1_ps(11);
  const __m256 m = _mm256_set1_ps(kMul), c = _mm256_set1_ps(kAdd);
  for (int64_t t = 0; t < iters; ++t) {
    a0 = _mm256_fmadd_ps(a0, m, c), a1 = _mm256_fmadd_ps(a1, m, c);
    a2 = _mm256_fmadd_ps(a2, m, c), a3 = _mm256_fmadd_ps(a3, m, c);
    a4 = _mm256_fmadd_ps(a4, m, c), a5 = _mm256_fmadd_ps(a5, m, c);
    a6 = _mm256_fmadd_ps(a6, m, c), a7 = _mm256_fmadd_ps(a7, m, c);
    a8 = _mm256_fmadd_ps(a8, m, c), a9 = _mm256_fmadd_ps(a9, m, c);
    a10 = _mm256_fmadd_ps(a10, m, c), a11 = _mm256_fmadd_ps(a11, m, c);
    __asm__ volatile("" : "+x"(a0), "+x"(a6), "+x"(a11));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  return _mm256_cvtss_f32(s);
}

// 16 zmm FMA chains (named, not an array: GCC keeps an array of them in memory).
__attribute__((target("avx512f,fma"))) inline float chains_avx512(int64_t iters) {
  __m512 a0 = _mm512_set1_ps(0), a1 = _mm512_set1_ps(1), a2 = _mm512_set1_ps(2),
         a3 = _mm512_set1_ps(3), a4 = _mm512_set1_ps(4), a5 = _mm512_set1_ps(5),
         a6 = _mm512_set1_ps(6), a7 = _mm512_set1_ps(7), a8 = _mm512_set1_ps(8),
         a9 = _mm512_set1_ps(9), a10 = _mm512_set1_ps(10), a11 = _mm512_set1_ps(11),
         a12 = _mm512_set1_ps(12), a13 = _mm512_set1_ps(13), a14 = _mm512_set1_ps(14),
         a15 = _mm512_set1_ps(15);
  const __m512 m = _mm512_set1_ps(kMul), c = _mm512_set1_ps(kAdd);
  for (int64_t t = 0; t < iters; ++t) {
    a0 = _mm512_fmadd_ps(a0, m, c), a1 = _mm512_fmadd_ps(a1, m, c);
    a2 = _mm512_fmadd_ps(a2, m, c), a3 = _mm512_fmadd_ps(a3, m, c);
    a4 = _mm512_fmadd_ps(a4, m, c), a5 = _mm512_fmadd_ps(a5, m, c);
    a6 = _mm512_fmadd_ps(a6, m, c), a7 = _mm512_fmadd_ps(a7, m, c);
    a8 = _mm512_fmadd_ps(a8, m, c), a9 = _mm512_fmadd_ps(a9, m, c);
    a10 = _mm512_fmadd_ps(a10, m, c), a11 = _mm512_fmadd_ps(a11, m, c);
    a12 = _mm512_fmadd_ps(a12, m, c), a13 = _mm512_fmadd_ps(a13, m, c);
    a14 = _mm512_fmadd_ps(a14, m, c), a15 = _mm512_fmadd_ps(a15, m, c);
    __asm__ volatile("" : "+v"(a0), "+v"(a8), "+v"(a15));
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                           _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a12, a13), _mm512_add_ps(a14, a15)));
  return _mm512_cvtss_f32(s);
}
#endif

// Floating-point operations per iteration of the level's chain loop.
inline double flops_per_iter(cpu::CpuLevel level) {
  switch (level) {
    case cpu::CpuLevel::avx512:
      return 16.0 * 16 * 2;  // 16 chains x 16 lanes x (mul + add)
    case cpu::CpuLevel::avx2:
      return 12.0 * 8 * 2;
    case cpu::CpuLevel::generic:
      break;
  }
  return 12.0 * 4 * 2;
}

inline float run_chains(cpu::CpuLevel level, int64_t iters) {
#if defined(__x86_64__)
  if (level == cpu::CpuLevel::avx512) return chains_avx512(iters);
  if (level == cpu::CpuLevel::avx2) return chains_avx2(iters);
#endif
  return chains_generic(iters);
}

// GFLOP/s of the calling thread over about `seconds` of its CPU time.
inline double thread_gflops(cpu::CpuLevel level, double seconds) {
  volatile float sink = 0;
  int64_t iters = 1 << 16;
  for (;;) {
    const double t0 = thread_cpu_seconds();
    sink = sink + run_chains(level, iters);
    const double dt = thread_cpu_seconds() - t0;
    if (dt >= seconds) return flops_per_iter(level) * (double)iters / dt * 1e-9;
    iters *= dt > 0.01 ? (int64_t)(seconds / dt * 1.1) + 1 : 8;
  }
}

}  // namespace peak_detail

struct Peak {
  double one_thread = 0;   // GFLOP/s on one core
  double all_threads = 0;  // the sum over `threads` cores running at once
  int threads = 1;
};

// The measured peak of `level` (which the CPU must have: cpu_has_level) on one thread and on
// `threads` threads at once (each timed by its own CPU time; the best of 3 runs).
inline Peak measure_peak(cpu::CpuLevel level, int threads, double seconds = 0.1) {
  Peak p;
  p.threads = threads;
  for (int r = 0; r < 3; ++r) {
    const double g = peak_detail::thread_gflops(level, seconds);
    p.one_thread = g > p.one_thread ? g : p.one_thread;
  }
  for (int r = 0; r < 3; ++r) {
    std::vector<double> each((size_t)threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { each[(size_t)t] = peak_detail::thread_gflops(level, seconds); });
    for (std::thread& th : pool) th.join();
    double sum = 0;
    for (double g : each) sum += g;
    p.all_threads = sum > p.all_threads ? sum : p.all_threads;
  }
  return p;
}

}  // namespace syn::bench
