// chunk_features.cpp — see chunk_features.h.
#include "apps/pipeline/chunk_features.h"

#include <algorithm>
#include <cstring>
#include <ostream>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/progress.h"

namespace syn::app {

std::vector<int64_t> chunk_starts(int64_t n, int64_t length) {
  SYN_CHECK(length > 0, "chunk length must be positive, got ", length);
  std::vector<int64_t> starts;
  for (int64_t s = 0; s + length <= n; s += length) starts.push_back(s);
  if (starts.empty()) starts.push_back(0);  // short clip: one zero-padded chunk
  return starts;
}

ChunkFeatures encode_chunks(nn::Layer& encoder, int64_t clips,
                            const std::function<std::span<const float>(int64_t)>& clip,
                            int64_t length, ChunkMode mode, Rng& rng, Device device, int64_t batch,
                            std::ostream* log, const std::string& what) {
  SYN_CHECK(batch > 0, "feature batch size must be positive, got ", batch);
  NoGradGuard no_grad;
  bool was_training = encoder.is_training();
  encoder.eval();

  // The chunk list first (cheap), so progress knows the total and random crops are drawn in
  // clip order whatever the batch size.
  struct Chunk {
    int64_t clip, start;
  };
  std::vector<Chunk> chunks;
  for (int64_t c = 0; c < clips; ++c) {
    int64_t n = (int64_t)clip(c).size();
    SYN_CHECK(n > 0, what, ": clip ", c, " has no samples");
    if (mode == ChunkMode::All) {
      for (int64_t s : chunk_starts(n, length)) chunks.push_back({c, s});
    } else {
      int64_t span = std::max<int64_t>(0, n - length);
      chunks.push_back({c, span > 0 ? rng.randint(span + 1) : 0});
    }
  }

  ChunkFeatures out;
  out.clips = clips;
  std::vector<float> feats;
  int64_t dim = 0;
  std::ostream silent(nullptr);
  Progress progress((int64_t)chunks.size(), log ? *log : silent,
                    {.every_seconds = 10, .unit = "chunks", .prefix = what});
  std::vector<float> x;
  for (size_t b0 = 0; b0 < chunks.size(); b0 += (size_t)batch) {
    size_t b1 = std::min(chunks.size(), b0 + (size_t)batch);
    x.assign((b1 - b0) * (size_t)length, 0.0f);
    for (size_t i = b0; i < b1; ++i) {
      std::span<const float> samples = clip(chunks[i].clip);
      int64_t take = std::min<int64_t>(length, (int64_t)samples.size() - chunks[i].start);
      std::memcpy(&x[(i - b0) * (size_t)length], samples.data() + chunks[i].start,
                  (size_t)take * sizeof(float));
      out.clip_of.push_back(chunks[i].clip);
    }
    Tensor f = encoder.forward(Tensor::from_vector(x, {(int64_t)(b1 - b0), 1, length}, device));
    SYN_CHECK(f.dim() == 2, what, ": the encoder returned a rank-", f.dim(),
              " tensor; features must be [B, D]");
    dim = f.size(1);
    std::vector<float> v = f.to_vector();
    feats.insert(feats.end(), v.begin(), v.end());
    progress.update((int64_t)b1, (int64_t)(b1 - b0));
  }
  if (log) {
    progress.finish();
    *log << what << ": " << chunks.size() << " chunks of " << length << " samples from " << clips
         << " clips\n";
  }
  encoder.train(was_training);
  out.features = Tensor::from_vector(feats, {(int64_t)chunks.size(), dim});
  return out;
}

Tensor expand_to_chunks(const Tensor& per_clip, const std::vector<int64_t>& clip_of) {
  SYN_CHECK(per_clip.dim() == 2, "expand_to_chunks: expected [clips, T], got rank ",
            per_clip.dim());
  int64_t t = per_clip.size(1);
  std::vector<float> src = per_clip.to_vector(), dst;
  dst.reserve(clip_of.size() * (size_t)t);
  for (int64_t c : clip_of) {
    SYN_CHECK(c >= 0 && c < per_clip.size(0), "expand_to_chunks: clip index ", c,
              " out of range [0, ", per_clip.size(0), ")");
    dst.insert(dst.end(), src.begin() + c * t, src.begin() + (c + 1) * t);
  }
  return Tensor::from_vector(dst, {(int64_t)clip_of.size(), t});
}

Tensor mean_over_chunks(const Tensor& per_chunk, const std::vector<int64_t>& clip_of,
                        int64_t clips) {
  SYN_CHECK(per_chunk.dim() == 2 && per_chunk.size(0) == (int64_t)clip_of.size(),
            "mean_over_chunks: expected [", clip_of.size(), ", T] values");
  int64_t t = per_chunk.size(1);
  std::vector<float> v = per_chunk.to_vector();
  std::vector<double> sum((size_t)(clips * t), 0.0);
  std::vector<int64_t> count((size_t)clips, 0);
  for (size_t r = 0; r < clip_of.size(); ++r) {
    ++count[(size_t)clip_of[r]];
    for (int64_t j = 0; j < t; ++j)
      sum[(size_t)(clip_of[r] * t + j)] += v[r * (size_t)t + (size_t)j];
  }
  std::vector<float> out((size_t)(clips * t));
  for (int64_t c = 0; c < clips; ++c) {
    SYN_CHECK(count[(size_t)c] > 0, "mean_over_chunks: clip ", c, " has no chunk");
    for (int64_t j = 0; j < t; ++j)
      out[(size_t)(c * t + j)] = (float)(sum[(size_t)(c * t + j)] / (double)count[(size_t)c]);
  }
  return Tensor::from_vector(out, {clips, t});
}

}  // namespace syn::app
