// clmr_views.h — the two augmented views of a CLMR step as host buffers, and the prefetching
// loader that prepares them ahead of the step (--prefetch N, apps/train/prefetcher.h).
//
// Views are made on the host (worker thread when prefetching) and uploaded by the caller's
// thread at the step, so no device work ever happens off the training thread.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "apps/train/prefetcher.h"
#include "engine/ops/augment.h"

namespace syn::app {

// [batch, 1, length] each, row b of both views from the same clip. With --augment_device cuda
// the rows are the crops only and params_i / params_j hold each view's record, which the step
// applies on the device (engine/ops/augment.h); otherwise the params are empty.
struct HostViews {
  int64_t batch = 0, length = 0;
  std::vector<float> x_i, x_j;
  std::vector<AugmentParams> params_i, params_j;
};

// Returns make(step) for each step, prepared `depth` steps ahead on a worker thread (depth 0:
// made on the caller's thread at the call, as before prefetching existed). The worker's
// parallel_for runs on the engine's shared thread pool at the process's thread count (--workers).
class ViewLoader {
 public:
  ViewLoader(std::function<HostViews(int64_t)> make, int depth, int64_t end_step);
  HostViews get(int64_t step);

 private:
  std::function<HostViews(int64_t)> make_;
  std::unique_ptr<Prefetcher<HostViews>> prefetcher_;
};

}  // namespace syn::app
