// clmr_views.cpp — see clmr_views.h.
#include "apps/train/clmr_views.h"

#include "engine/check.h"

namespace syn::app {

ViewLoader::ViewLoader(std::function<HostViews(int64_t)> make, int depth, int64_t end_step)
    : make_(std::move(make)) {
  SYN_CHECK(depth >= 0, "--prefetch must be 0 (no prefetching) or more, got ", depth);
  if (depth == 0) return;
  // The worker's parallel_for shares the engine's one thread pool and its thread count
  // (engine/thread_pool.h), so it needs no set-up of its own.
  prefetcher_ = std::make_unique<Prefetcher<HostViews>>(make_, depth, end_step);
}

HostViews ViewLoader::get(int64_t step) {
  return prefetcher_ ? prefetcher_->get(step) : make_(step);
}

}  // namespace syn::app
