// chunk_features.h — frozen-encoder features of audio chunks, the input of CLMR's linear
// evaluation (apps/linear_evaluation) and of apps/tag's SampleCNN path.
//
// A clip of n samples is cut into floor(n / L) consecutive, non-overlapping chunks of L samples
// (CLMR's ContrastiveDataset.concat_clip: torch.split(audio, L) then drop the last piece; the two
// agree whenever n is not a multiple of L, which is always so for MagnaTagATune at 22,050 Hz). A
// clip shorter than L gives one chunk, zero-padded at the end, so every clip gets a prediction.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "engine/nn/layers.h"
#include "engine/rng.h"

namespace syn::app {

// Start offsets of the chunks of a clip of `n` samples (see above; at least one).
std::vector<int64_t> chunk_starts(int64_t n, int64_t length);

// Features of many chunks; clip_of[r] names the clip row r came from.
struct ChunkFeatures {
  Tensor features;               // [M, D], CPU
  std::vector<int64_t> clip_of;  // [M]: index of the clip (0 .. clips-1)
  int64_t clips = 0;
};

// How chunks are taken from each clip.
enum class ChunkMode {
  All,         // every chunk (evaluation: the clip prediction is the mean over them)
  RandomCrop,  // one random crop of L samples per clip (CLMR's training/validation features)
};

// Encodes chunks of every clip with `encoder` (eval mode, no grad), `batch` chunks at a time on
// `device`. `clip(i)` returns clip i's samples. Progress goes to `log` (nullptr: silent).
ChunkFeatures encode_chunks(nn::Layer& encoder, int64_t clips,
                            const std::function<std::span<const float>(int64_t)>& clip,
                            int64_t length, ChunkMode mode, Rng& rng, Device device, int64_t batch,
                            std::ostream* log, const std::string& what);

// Rows of `per_clip` [clips, T] repeated for each chunk: [M, T].
Tensor expand_to_chunks(const Tensor& per_clip, const std::vector<int64_t>& clip_of);
// Mean over each clip's chunks of `per_chunk` [M, T] -> [clips, T].
Tensor mean_over_chunks(const Tensor& per_chunk, const std::vector<int64_t>& clip_of,
                        int64_t clips);

}  // namespace syn::app
