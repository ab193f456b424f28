// clip_shard.cpp — see clip_shard.h.
#include "apps/train/clip_shard.h"

#include <utility>

#include "engine/check.h"

namespace syn::app {

std::vector<ShardClip> shard_clips(Rng pick, int64_t n, int64_t batch, int rank, int world) {
  SYN_CHECK(n > 0 && batch > 0 && world > 0 && rank >= 0 && rank < world,
            "shard_clips: bad arguments (dataset ", n, ", batch ", batch, ", rank ", rank, "/",
            world, ")");
  const int64_t global = batch * world;
  std::vector<int64_t> clips((size_t)global);
  if (n >= global) {
    std::vector<int64_t> order((size_t)n);
    for (int64_t i = 0; i < n; ++i) order[(size_t)i] = i;
    for (int64_t b = 0; b < global; ++b) {
      std::swap(order[(size_t)b], order[(size_t)(b + pick.randint(n - b))]);
      clips[(size_t)b] = order[(size_t)b];
    }
  } else {
    for (int64_t& c : clips) c = pick.randint(n);
  }
  std::vector<ShardClip> mine((size_t)batch);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t g = rank * batch + b;
    mine[(size_t)b] = {g, clips[(size_t)g]};
  }
  return mine;
}

}  // namespace syn::app
