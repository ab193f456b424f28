// parallel.h — the CPU backend's only threading primitive: split [0, n) into chunks across the
// engine's thread pool (engine/thread_pool.h). Small ranges run inline to avoid waking workers.
#pragma once
#include <algorithm>
#include <cstdint>

#include "engine/thread_pool.h"

namespace syn {

// Calls f(lo, hi) over disjoint sub-ranges covering [0, n). `grain` is the smallest range worth
// giving a thread of its own. The chunk bounds depend only on n, grain and num_threads() (never
// on which thread runs what), so results are the same from run to run.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int threads = num_threads();
  if (threads <= 1 || n <= grain) {
    f(int64_t{0}, n);
    return;
  }
  int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
  run_chunks(chunks, [&](int64_t c) {
    int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
    f(lo, hi);
  });
}

}  // namespace syn
