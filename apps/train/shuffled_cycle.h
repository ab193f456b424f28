// shuffled_cycle.h — epochs over n items in a fresh random order each: the sampler of the
// in-memory training tasks (emoji classifier, picture judge). Each pass is a Fisher–Yates
// shuffle drawn from the caller's generator, so a task's batches follow from its seed alone.
#pragma once
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "engine/check.h"
#include "engine/rng.h"

namespace syn::app {

class ShuffledCycle {
 public:
  ShuffledCycle() = default;  // no items: assign a sized one before next()
  explicit ShuffledCycle(size_t n) : order_(n), cursor_(n) {  // cursor at the end: shuffle first
    std::iota(order_.begin(), order_.end(), size_t{0});
  }
  // The next item of the current pass; a new pass (a new shuffle) when this one is used up.
  size_t next(Rng& rng) {
    SYN_CHECK(!order_.empty(), "ShuffledCycle: no items to draw from");
    if (cursor_ == order_.size()) {
      for (size_t i = order_.size(); i > 1; --i)
        std::swap(order_[i - 1], order_[(size_t)rng.randint((int64_t)i)]);
      cursor_ = 0;
    }
    return order_[cursor_++];
  }

 private:
  std::vector<size_t> order_;
  size_t cursor_ = 0;
};

}  // namespace syn::app
