// parallel.h — the CPU backend's only threading primitive: split [0, n) into chunks across the
// OpenMP threads (both cores of the CI machine). Small ranges run inline to avoid fork overhead.
#pragma once
#include <algorithm>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace syn {

inline int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Calls f(lo, hi) over disjoint sub-ranges covering [0, n). `grain` is the smallest range worth
// giving a thread of its own.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int threads = num_threads();
  if (threads <= 1 || n <= grain) {
    f(int64_t{0}, n);
    return;
  }
  int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
#ifdef _OPENMP
#pragma omp parallel for num_threads((int)chunks) schedule(static)
#endif
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
    f(lo, hi);
  }
}

}  // namespace syn
