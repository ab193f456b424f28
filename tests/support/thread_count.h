// thread_count.h — sets the engine's thread count for a scope (tests that check a kernel gives
// the same answers on one thread as on all of them).
#pragma once
#include "engine/parallel.h"

namespace syn::test {

struct ScopedThreads {
  int before = num_threads();
  explicit ScopedThreads(int n) { set_num_threads(n); }
  ~ScopedThreads() { set_num_threads(before); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;
};

}  // namespace syn::test
