// clip_source.h — where CLMR's training clips come from (apps/pretrain, its task and tests): a
// preprocessed audio folder, MagnaTagATune's training split, or the built-in synthetic corpus.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/config.h"

namespace syn::app {

class ClipSource {
 public:
  virtual ~ClipSource() = default;
  virtual int64_t size() const = 0;
  virtual std::span<const float> clip(int64_t i) const = 0;
  virtual std::string name(int64_t i) const = 0;
};

// Builds the source named by the config's `dataset` key ("audio" reads/creates the cache of
// `dataset_dir`; "magnatagatune" does the same for a MagnaTagATune root and keeps the clips of
// the training split named by `split`/`split_dir`; "synthetic" generates `synthetic_clips` clips
// in memory).
std::shared_ptr<ClipSource> make_clip_source(const Config& cfg, std::ostream& log);
std::shared_ptr<ClipSource> make_memory_source(std::vector<std::vector<float>> clips);

}  // namespace syn::app
