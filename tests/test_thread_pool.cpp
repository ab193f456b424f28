// test_thread_pool.cpp — the engine's thread pool (engine/thread_pool.h) behind parallel_for:
// chunk bounds and coverage, real concurrency, nesting, exceptions, thread-count changes, many
// tiny regions (with workers put to sleep between them), and regions started from several
// threads at once.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/parallel.h"
#include "tests/support/thread_count.h"

using namespace syn;

namespace {

using Range = std::pair<int64_t, int64_t>;

// The bounds parallel_for has always used: min(threads, ceil(n / grain)) equal-ish chunks.
std::vector<Range> expected_chunks(int64_t n, int64_t grain, int threads) {
  if (n <= 0) return {};
  if (threads <= 1 || n <= grain) return {{0, n}};
  int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
  std::vector<Range> out;
  for (int64_t c = 0; c < chunks; ++c) out.push_back({n * c / chunks, n * (c + 1) / chunks});
  return out;
}

}  // namespace

TEST_CASE("parallel_for: chunk bounds are the documented ones and cover every index once") {
  for (int threads : {1, 2, 3, 4, 7}) {
    test::ScopedThreads scoped(threads);
    for (int64_t n : {0, 1, 2, 3, 5, 100, 1000, 12345}) {
      for (int64_t grain : {1, 3, 64, 1000}) {
        std::mutex mu;
        std::vector<Range> seen;
        std::vector<std::atomic<int>> hits(n);
        parallel_for(n, grain, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) hits[i].fetch_add(1);
          std::lock_guard<std::mutex> lock(mu);
          seen.push_back({lo, hi});
        });
        std::sort(seen.begin(), seen.end());
        CAPTURE(threads);
        CAPTURE(n);
        CAPTURE(grain);
        CHECK(seen == expected_chunks(n, grain, threads));
        for (int64_t i = 0; i < n; ++i) REQUIRE(hits[i].load() == 1);
      }
    }
  }
}

TEST_CASE("run_chunks: more chunks than threads, each exactly once") {
  test::ScopedThreads scoped(3);
  for (int64_t chunks : {1, 2, 3, 4, 17, 1000}) {
    std::vector<std::atomic<int>> hits(chunks);
    run_chunks(chunks, [&](int64_t c) { hits[c].fetch_add(1); });
    for (int64_t c = 0; c < chunks; ++c) REQUIRE(hits[c].load() == 1);
  }
  run_chunks(0, [&](int64_t) { FAIL("no chunk expected"); });
}

TEST_CASE("the workers really run chunks at the same time as the caller") {
  // Chunk 0 waits for chunk 1 to start: a pool that ran everything on one thread would time out.
  test::ScopedThreads scoped(2);
  std::atomic<bool> second_started{false};
  std::atomic<bool> waited_out{false};
  std::set<std::thread::id> ids;
  std::mutex mu;
  run_chunks(2, [&](int64_t c) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
    }
    if (c == 1) {
      second_started = true;
      return;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!second_started.load()) {
      if (std::chrono::steady_clock::now() > deadline) {
        waited_out = true;
        return;
      }
      std::this_thread::yield();
    }
  });
  CHECK_FALSE(waited_out.load());
  CHECK(ids.size() == 2);
}

TEST_CASE("nested parallel_for runs inline on the thread of the outer chunk") {
  test::ScopedThreads scoped(4);
  const int64_t outer = 8, inner = 1000;
  std::vector<std::atomic<int>> hits(outer * inner);
  std::atomic<int> foreign{0};
  parallel_for(outer, 1, [&](int64_t lo, int64_t hi) {
    const auto me = std::this_thread::get_id();
    for (int64_t o = lo; o < hi; ++o)
      parallel_for(inner, 1, [&](int64_t a, int64_t b) {
        if (std::this_thread::get_id() != me) foreign.fetch_add(1);
        for (int64_t i = a; i < b; ++i) hits[o * inner + i].fetch_add(1);
      });
  });
  CHECK(foreign.load() == 0);
  for (auto& h : hits) REQUIRE(h.load() == 1);
}

TEST_CASE("an exception in a chunk reaches the caller, and the pool keeps working") {
  for (int threads : {1, 2, 4}) {
    test::ScopedThreads scoped(threads);
    CAPTURE(threads);
    CHECK_THROWS_WITH_AS(run_chunks(4,
                                    [&](int64_t c) {
                                      if (c == 2) throw std::runtime_error("chunk 2 failed");
                                    }),
                         "chunk 2 failed", std::runtime_error);
    // Several throw: the lowest-numbered chunk's exception is the one reported.
    CHECK_THROWS_WITH_AS(
        run_chunks(3, [&](int64_t c) { throw std::runtime_error("chunk " + std::to_string(c)); }),
        "chunk 0", std::runtime_error);
    std::atomic<int64_t> sum{0};
    parallel_for(1000, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) sum.fetch_add(i);
    });
    CHECK(sum.load() == 999 * 1000 / 2);
  }
}

TEST_CASE("thread count: setter, default, and changes between regions") {
  test::ScopedThreads scoped(1);
  CHECK(num_threads() == 1);
  set_num_threads(0);  // back to SYN_THREADS / OMP_NUM_THREADS / the CPU count
  const int fallback = num_threads();
  CHECK(fallback >= 1);
  set_num_threads(-3);
  CHECK(num_threads() == fallback);
  for (int threads : {2, 5, 1, 3, 2, 8, 1}) {
    set_num_threads(threads);
    CHECK(num_threads() == threads);
    std::set<std::thread::id> ids;
    std::mutex mu;
    std::vector<std::atomic<int>> hits(64);
    parallel_for(64, 1, [&](int64_t lo, int64_t hi) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ids.insert(std::this_thread::get_id());
      }
      for (int64_t i = lo; i < hi; ++i) hits[i].fetch_add(1);
    });
    CHECK((int)ids.size() <= threads);
    for (auto& h : hits) REQUIRE(h.load() == 1);
  }
}

TEST_CASE("many tiny regions, with the workers asleep before some of them") {
  test::ScopedThreads scoped(2);
  int64_t total = 0;
  std::vector<int64_t> slot(2);
  for (int i = 0; i < 100000; ++i) {
    parallel_for(2, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t j = lo; j < hi; ++j) slot[j] = i + j;
    });
    total += slot[0] + slot[1];
    // Now and then idle long enough (past the spin) for the workers to go to sleep, so the
    // wake-up path is exercised as well as the spinning one.
    if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  const int64_t n = 100000;
  CHECK(total == n * (n - 1) + n);
}

TEST_CASE("regions from several threads at once all complete (a busy pool runs them inline)") {
  test::ScopedThreads scoped(2);
  std::atomic<int> bad{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] {
      for (int r = 0; r < 2000; ++r) {
        std::vector<int> v(37, 0);
        parallel_for(37, 1, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) v[i] += 1;
        });
        if (std::count(v.begin(), v.end(), 1) != 37) bad.fetch_add(1);
      }
    });
  for (auto& c : callers) c.join();
  CHECK(bad.load() == 0);
}
