// clip_shard.h — which clips a rank trains on at one step of data-parallel CLMR pretraining.
//
// Every rank makes the same global draw of world * batch clips from the step's generator (the
// shared seed), and rank r takes positions [r * batch, (r + 1) * batch) of it. A clip's
// augmentations are derived from its global position, not from the rank, so `world` ranks at
// --batch_size b see exactly the clips and views of one process at --batch_size world * b, and a
// single process (rank 0 of 1) draws what it drew before distributed training existed.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/rng.h"

namespace syn::app {

struct ShardClip {
  int64_t global_index;  // position in the step's global draw (derives its augmentation streams)
  int64_t clip;          // index into the dataset
};

// The global draw: distinct clips (a partial shuffle) when the dataset has at least
// world * batch clips, otherwise drawn with replacement; `pick` is the step's generator.
// Returns this rank's `batch` entries.
std::vector<ShardClip> shard_clips(Rng pick, int64_t dataset_size, int64_t batch, int rank,
                                   int world);

}  // namespace syn::app
