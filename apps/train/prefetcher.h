// prefetcher.h — a bounded queue fed by one worker thread that prepares the inputs of steps
// s+1 .. s+depth while the caller runs step s (apps/pretrain's augmented views, --prefetch).
//
// make(step) must be a pure function of the step (CLMR's views are: their Rng streams derive
// from (seed, step, stream)), so get(s) returns exactly what make(s) would have returned on the
// caller's thread and runs, resumes and --prefetch 0 stay bit-identical. get() with a step other
// than the next one expected (the first call, a resume, a rollback) discards what was prepared
// and restarts there. At most `depth` finished items wait in the queue: the worker sleeps while
// it is full, so memory is bounded by depth items plus the one the caller holds. An exception in
// make() is carried to the caller's get() of that step (same message) and stops the worker. The
// destructor (also on an exception or an early stop in the caller) wakes and joins the worker;
// an item being made when it runs is finished first (make() is not interruptible).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "engine/check.h"

namespace syn::app {

template <class T>
class Prefetcher {
 public:
  using Make = std::function<T(int64_t step)>;

  // depth >= 1 items ahead; steps at or past end_step are never made (the run ends there).
  // thread_init runs first on the worker thread (e.g. to give it the caller's thread count).
  Prefetcher(Make make, int depth, int64_t end_step, std::function<void()> thread_init = {})
      : make_(std::move(make)),
        depth_(depth),
        end_step_(end_step),
        thread_init_(std::move(thread_init)) {
    SYN_CHECK(depth_ >= 1, "Prefetcher: depth ", depth_, " must be at least 1");
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;
  ~Prefetcher() { stop(); }

  // make(step), prepared ahead when possible; rethrows make's exception for that step.
  T get(int64_t step) {
    if (!worker_.joinable() || step != next_get_) restart(step);
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !queue_.empty() || worker_done_; });
    if (queue_.empty()) {  // the worker stopped at end_step: the caller went past it
      lock.unlock();
      return make_(step);
    }
    Item item = std::move(queue_.front());
    queue_.pop_front();
    space_.notify_one();
    lock.unlock();
    if (item.error) {
      stop();  // the worker has exited; a later get() restarts it
      std::rethrow_exception(item.error);
    }
    ++next_get_;
    return std::move(item.value);
  }

  // Finished items waiting now (for tests of the bound).
  size_t queued() {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
  }

  // Wakes and joins the worker; queued items are dropped.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    space_.notify_all();
    if (worker_.joinable()) worker_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.clear();
    stopping_ = false;
    worker_done_ = false;
  }

 private:
  struct Item {
    T value{};
    std::exception_ptr error;
  };

  void restart(int64_t step) {
    stop();
    next_get_ = step;
    worker_ = std::thread([this, step] { run(step); });
  }

  void run(int64_t first) {
    if (thread_init_) thread_init_();
    for (int64_t s = first; s < end_step_; ++s) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [&] { return stopping_ || (int)queue_.size() < depth_; });
        if (stopping_) break;
      }
      Item item;
      try {
        item.value = make_(s);
      } catch (...) {
        item.error = std::current_exception();
      }
      const bool failed = (bool)item.error;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(item));
      }
      ready_.notify_one();
      if (failed) break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      worker_done_ = true;
    }
    ready_.notify_one();
  }

  Make make_;
  int depth_;
  int64_t end_step_;
  std::function<void()> thread_init_;
  int64_t next_get_ = 0;  // the step the next get() should ask for to find it prepared
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;  // an item was pushed / a slot freed (or stopping)
  std::deque<Item> queue_;
  bool stopping_ = false;
  bool worker_done_ = false;
};

}  // namespace syn::app
