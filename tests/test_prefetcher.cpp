// test_prefetcher.cpp — apps/train/prefetcher.h: the loader's queue returns make(step) in order,
// restarts on an unexpected step, stays within its depth, carries the worker's exceptions to
// the caller with their message, and shuts down cleanly while the worker is blocked or busy.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "apps/train/clmr_views.h"
#include "apps/train/prefetcher.h"

using namespace syn;
using namespace std::chrono_literals;

TEST_CASE("prefetched items arrive in step order and equal make(step)") {
  app::Prefetcher<int64_t> p([](int64_t s) { return s * s + 7; }, 3, 1000);
  for (int64_t s = 5; s < 60; ++s) CHECK(p.get(s) == s * s + 7);
}

TEST_CASE("an unexpected step (resume, rollback) restarts the worker there") {
  std::atomic<int> made{0};
  app::Prefetcher<int64_t> p(
      [&](int64_t s) {
        ++made;
        return s;
      },
      2, 1000);
  CHECK(p.get(0) == 0);
  CHECK(p.get(1) == 1);
  CHECK(p.get(40) == 40);  // jump forward
  CHECK(p.get(41) == 41);
  CHECK(p.get(3) == 3);  // back
  CHECK(p.get(4) == 4);
}

TEST_CASE("the worker stays at most depth items ahead of the caller") {
  std::atomic<int64_t> highest{-1};
  const int depth = 2;
  app::Prefetcher<int64_t> p(
      [&](int64_t s) {
        highest = std::max<int64_t>(highest.load(), s);
        return s;
      },
      depth, 1000);
  for (int64_t s = 0; s < 10; ++s) {
    CHECK(p.get(s) == s);
    std::this_thread::sleep_for(20ms);  // a slow step: the worker fills the queue and waits
    CHECK(p.queued() <= (size_t)depth);
    // Made so far: the steps handed out plus at most `depth` queued.
    CHECK(highest.load() <= s + depth);
  }
  CHECK(p.queued() == (size_t)depth);
}

TEST_CASE("nothing is made at or past the end step") {
  std::atomic<int64_t> highest{-1};
  app::Prefetcher<int64_t> p(
      [&](int64_t s) {
        highest = std::max<int64_t>(highest.load(), s);
        return s;
      },
      4, 5);
  for (int64_t s = 0; s < 5; ++s) CHECK(p.get(s) == s);
  std::this_thread::sleep_for(20ms);
  CHECK(highest.load() == 4);
  CHECK(p.get(5) == 5);  // past the end: made on the caller's thread rather than hanging
}

TEST_CASE("an exception in the worker reaches the caller with its message, at its step") {
  app::Prefetcher<int64_t> p(
      [](int64_t s) -> int64_t {
        if (s == 3) throw std::runtime_error("clip 17 of step 3 is unreadable");
        return s;
      },
      2, 1000);
  CHECK(p.get(0) == 0);
  CHECK(p.get(1) == 1);
  CHECK(p.get(2) == 2);
  CHECK_THROWS_WITH_AS(p.get(3), "clip 17 of step 3 is unreadable", std::runtime_error);
  CHECK_THROWS_WITH_AS(p.get(3), "clip 17 of step 3 is unreadable", std::runtime_error);
  CHECK(p.get(4) == 4);  // a later step restarts the worker
}

TEST_CASE("destruction with a full queue or a busy worker returns promptly") {
  std::atomic<int> made{0};
  {
    app::Prefetcher<std::string> p(
        [&](int64_t s) {
          ++made;
          return std::string(1000, (char)('a' + s % 26));
        },
        3, 1000);
    CHECK(p.get(0)[0] == 'a');
    std::this_thread::sleep_for(20ms);  // the worker is now blocked on a full queue
  }
  CHECK(made.load() <= 4);
  {
    app::Prefetcher<int64_t> p(
        [](int64_t s) {
          std::this_thread::sleep_for(30ms);  // busy when the caller leaves
          return s;
        },
        2, 1000);
    CHECK(p.get(0) == 0);
    auto t0 = std::chrono::steady_clock::now();
    p.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  }
}

TEST_CASE("ViewLoader: depth 0 makes views on the caller's thread; depth 2 gives the same") {
  auto views = [](int64_t s) {
    app::HostViews v;
    v.batch = 2;
    v.length = 3;
    v.x_i.assign(6, (float)s);
    v.x_j.assign(6, (float)-s);
    return v;
  };
  // Only the synchronous loader records its maker: the prefetching one keeps making later steps
  // on its worker while the checks run, so a shared record would race with them.
  std::thread::id maker;
  auto make_sync = [&](int64_t s) {
    maker = std::this_thread::get_id();
    return views(s);
  };
  app::ViewLoader sync(make_sync, 0, 100), ahead(views, 2, 100);
  for (int64_t s = 0; s < 5; ++s) {
    app::HostViews b = ahead.get(s);
    maker = std::thread::id();
    app::HostViews a = sync.get(s);
    CHECK(maker == std::this_thread::get_id());
    CHECK(a.x_i == b.x_i);
    CHECK(a.x_j == b.x_j);
  }
  CHECK_THROWS_WITH(app::ViewLoader(views, -1, 10), doctest::Contains("--prefetch"));
}
