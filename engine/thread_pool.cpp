// thread_pool.cpp — persistent workers with bounded spinning and futex sleep (see thread_pool.h).
//
// One region at a time: the caller publishes a job in one of two slots and bumps a 64-bit ticket
// whose high half is the job's generation and low half the next unclaimed chunk. Every thread
// (workers and caller alike) claims chunk c of generation g by a compare-exchange of (g, c) to
// (g, c + 1) after reading the slot; a success proves the slot still held g's job when it was
// read (the caller rewrites a slot only two generations later, after publishing the next one),
// so a worker that wakes late can never run a chunk of the wrong job. The caller returns once
// the slot's pending count reaches zero, so the body (on the caller's stack) outlives every use.
#include "engine/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace syn {
namespace {

constexpr int kMaxThreads = 4096;
constexpr int64_t kNone = std::numeric_limits<int64_t>::max();

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A positive integer from the environment, 0 when unset. A malformed value is reported once on
// stderr and ignored (num_threads() is called from inside ops, where throwing would be worse).
int env_count(const char* name, int max) {
  const char* v = std::getenv(name);
  if (!v || !*v) return 0;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  // OMP_NUM_THREADS may be a list per nesting level ("4,2"): its first entry applies here.
  if (end == v || n < 1 || (*end != '\0' && *end != ',')) {
    std::fprintf(stderr, "synesthesia: ignoring %s='%s' (expected a positive integer)\n", name, v);
    return 0;
  }
  return (int)std::min<long>(n, max);
}

int default_threads() {
  static const int n = [] {
    if (int t = env_count("SYN_THREADS", kMaxThreads)) return t;
    if (int t = env_count("OMP_NUM_THREADS", kMaxThreads)) return t;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return (int)std::max(1u, std::thread::hardware_concurrency());
  }();
  return n;
}

// How long an idle thread spins before sleeping: long enough to catch the next op's region in a
// tight sequence of ops, short enough that a thread sharing its core with another job gives the
// core back quickly. SYN_SPIN_US overrides it (0 = sleep at once).
std::chrono::nanoseconds spin_time() {
  static const std::chrono::nanoseconds t = [] {
    const char* v = std::getenv("SYN_SPIN_US");
    if (v && *v == '0' && v[1] == '\0') return std::chrono::nanoseconds(0);
    int us = env_count("SYN_SPIN_US", 1000000);
    return std::chrono::nanoseconds(int64_t{1000} * (us > 0 ? us : 50));
  }();
  return t;
}

// Spins until pred() holds or the spin time has passed; returns pred().
template <class Pred>
bool spin_until(Pred pred) {
  const auto limit = spin_time();
  if (limit.count() == 0) return pred();
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      if (pred()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() - start > limit) return pred();
  }
}

std::atomic<int> g_requested{0};
thread_local bool t_in_region = false;  // workers always; a caller while its region runs

struct Slot {
  std::atomic<detail::ChunkFn> fn{nullptr};
  std::atomic<void*> ctx{nullptr};
  std::atomic<int64_t> chunks{0};
  std::atomic<int32_t> pending{0};  // chunks not finished (or skipped) yet
  // The lowest chunk that threw (INT64_MAX: none). Chunks above it are skipped, chunks below it
  // still run, so the exception reported is always the lowest-numbered chunk's, whatever the
  // timing.
  std::atomic<int64_t> failed_chunk{0};
  std::mutex error_mu;
  std::exception_ptr error;
};

class Pool {
 public:
  // Runs the region on the pool; false when another thread holds it (the caller runs inline).
  bool try_run(int threads, int64_t chunks, detail::ChunkFn fn, void* ctx) {
    std::unique_lock<std::mutex> lock(submit_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    if ((int)workers_.size() != threads - 1) resize(threads - 1);

    const uint32_t g = gen_ + 1;
    Slot& s = slots_[g & 1];
    s.fn.store(fn);
    s.ctx.store(ctx);
    s.chunks.store(chunks);
    s.pending.store((int32_t)chunks);
    s.failed_chunk.store(kNone);
    s.error = nullptr;
    ticket_.store(uint64_t{g} << 32);
    gen_ = g;
    if (sleepers_.load() > 0) {
      wake_.fetch_add(1);
      wake_.notify_all();
    }

    t_in_region = true;
    help(g);
    t_in_region = false;
    if (!spin_until([&] { return s.pending.load() == 0; })) {
      for (int32_t p; (p = s.pending.load()) != 0;) s.pending.wait(p);
    }
    if (s.failed_chunk.load() != kNone) {
      std::exception_ptr e = s.error;
      s.error = nullptr;
      std::rethrow_exception(e);
    }
    return true;
  }

 private:
  // Claims and runs chunks of generation g until none is left or a newer generation started.
  void help(uint32_t g) {
    Slot& s = slots_[g & 1];
    for (;;) {
      uint64_t t = ticket_.load();
      if ((uint32_t)(t >> 32) != g) return;
      const int64_t c = (int64_t)(uint32_t)t;
      detail::ChunkFn fn = s.fn.load();
      void* ctx = s.ctx.load();
      if (c >= s.chunks.load()) return;
      if (!ticket_.compare_exchange_weak(t, t + 1)) continue;  // fields validated by the CAS
      run_one(s, fn, ctx, c);
    }
  }

  static void run_one(Slot& s, detail::ChunkFn fn, void* ctx, int64_t c) {
    if (c < s.failed_chunk.load()) {
      try {
        fn(ctx, c);
      } catch (...) {
        std::lock_guard<std::mutex> lock(s.error_mu);
        if (c < s.failed_chunk.load()) s.error = std::current_exception(), s.failed_chunk.store(c);
      }
    }
    if (s.pending.fetch_sub(1) == 1) s.pending.notify_all();
  }

  void worker_main(uint32_t seen) {
    t_in_region = true;
    for (;;) {
      auto fresh = [&] { return stop_.load() || (uint32_t)(ticket_.load() >> 32) != seen; };
      if (!spin_until(fresh)) {
        sleepers_.fetch_add(1);
        const uint32_t w = wake_.load();
        if (!fresh()) wake_.wait(w);
        sleepers_.fetch_sub(1);
        continue;
      }
      if (stop_.load()) return;
      seen = (uint32_t)(ticket_.load() >> 32);
      help(seen);
    }
  }

  // Called with submit_mu_ held, so no region is running.
  void resize(int workers) {
    stop_.store(true);
    wake_.fetch_add(1);
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    stop_.store(false);
    for (int i = 0; i < workers; ++i) workers_.emplace_back([this, g = gen_] { worker_main(g); });
  }

  std::mutex submit_mu_;
  std::vector<std::thread> workers_;
  uint32_t gen_ = 0;  // the last published generation (under submit_mu_)
  std::atomic<uint64_t> ticket_{0};
  std::atomic<uint32_t> wake_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  Slot slots_[2];
};

// Never destroyed: workers sleep in the kernel until the process exits, and a region started
// from a static destructor still finds its pool.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

int num_threads() {
  const int r = g_requested.load(std::memory_order_relaxed);
  return r > 0 ? r : default_threads();
}

void set_num_threads(int n) { g_requested.store(std::clamp(n, 0, kMaxThreads)); }

namespace detail {

void run_chunks_erased(int64_t chunks, ChunkFn fn, void* ctx) {
  const int threads = num_threads();
  const bool pooled =
      threads > 1 && chunks > 1 && !t_in_region && chunks <= std::numeric_limits<int32_t>::max();
  if (pooled && pool().try_run(threads, chunks, fn, ctx)) return;
  for (int64_t c = 0; c < chunks; ++c) fn(ctx, c);  // nested, single-threaded or pool busy
}

}  // namespace detail
}  // namespace syn
