// clip_source.cpp — see clip_source.h.
#include "apps/train/clip_source.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "data/audio/synthetic_audio.h"
#include "data/datasets/audio_folder.h"
#include "data/datasets/magnatagatune.h"
#include "engine/check.h"

namespace syn::app {

namespace fs = std::filesystem;

namespace {

// Clips of a preprocessed cache: all of them, or the listed cache indices (a dataset split).
class CacheSource : public ClipSource {
 public:
  explicit CacheSource(AudioFolderCache cache, std::vector<int64_t> pick = {})
      : cache_(std::move(cache)), pick_(std::move(pick)) {}
  int64_t size() const override { return pick_.empty() ? cache_.size() : (int64_t)pick_.size(); }
  std::span<const float> clip(int64_t i) const override { return cache_.clip(index(i)); }
  std::string name(int64_t i) const override { return cache_.path(index(i)); }

 private:
  int64_t index(int64_t i) const { return pick_.empty() ? i : pick_.at((size_t)i); }
  AudioFolderCache cache_;
  std::vector<int64_t> pick_;
};

class MemorySource : public ClipSource {
 public:
  explicit MemorySource(std::vector<std::vector<float>> clips) : clips_(std::move(clips)) {}
  int64_t size() const override { return (int64_t)clips_.size(); }
  std::span<const float> clip(int64_t i) const override { return clips_.at((size_t)i); }
  std::string name(int64_t i) const override { return "synthetic/" + std::to_string(i); }

 private:
  std::vector<std::vector<float>> clips_;
};

}  // namespace

std::shared_ptr<ClipSource> make_memory_source(std::vector<std::vector<float>> clips) {
  return std::make_shared<MemorySource>(std::move(clips));
}

std::shared_ptr<ClipSource> make_clip_source(const Config& cfg, std::ostream& log) {
  const std::string& kind = cfg.get_string("dataset");
  int rate = (int)cfg.get_int("sample_rate");
  int64_t length = cfg.get_int("audio_length");
  if (kind == "synthetic") {
    int64_t n = cfg.get_int("synthetic_clips");
    SYN_CHECK(n >= kNumSyntheticTimbres, "--synthetic_clips must be at least ",
              kNumSyntheticTimbres, ", got ", n);
    int64_t samples = std::max<int64_t>(2 * length, rate * 3);
    log << "dataset: " << n << " synthetic clips of " << samples << " samples (5 timbres)\n";
    auto corpus = make_synthetic_corpus((int)((n + 4) / kNumSyntheticTimbres), samples, rate,
                                        (uint64_t)cfg.get_int("seed"));
    corpus.clips.resize((size_t)n);
    return make_memory_source(std::move(corpus.clips));
  }
  SYN_CHECK(kind == "audio" || kind == "magnatagatune", "--dataset '", kind,
            "' is not supported by pretrain (use 'audio', 'magnatagatune' or 'synthetic')");
  const std::string& dir = cfg.get_string("dataset_dir");
  SYN_CHECK(fs::is_directory(dir), "--dataset_dir '", dir, "' is not a directory");
  // MagnaTagATune: pretrain on the clips of the training split only (valid/test stay unseen).
  std::optional<mtt::Dataset> mtt_data;
  if (kind == "magnatagatune") {
    mtt::DatasetOptions o;
    o.root = dir;
    o.split = cfg.get_string("split");
    o.split_dir = cfg.get_string("split_dir");
    mtt_data.emplace(o);
    log << mtt_data->summary() << "\n";
    for (const std::string& w : mtt_data->warnings()) log << "warning: " << w << "\n";
  }
  std::string cache_dir = cfg.get_string("cache_dir");
  if (cache_dir.empty()) cache_dir = (fs::path(dir) / ".synesthesia_cache").string();
  AudioCacheOptions opts;
  opts.sample_rate = rate;
  opts.min_samples = length;
  PreprocessSummary summary = preprocess_audio_folder(dir, cache_dir, opts);
  SYN_CHECK(summary.cached > 0, "no usable audio in '", dir, "': ", summary.to_string());
  AudioFolderCache cache(cache_dir, rate);
  if (!mtt_data) return std::make_shared<CacheSource>(std::move(cache));
  mtt::CacheSelection sel = mtt::select_cached(cache, mtt_data->subset(mtt::Split::Train));
  for (const std::string& w : sel.warnings) log << "warning: " << w << "\n";
  log << "dataset: " << sel.cache_index.size() << " clips of the MagnaTagATune train split ("
      << sel.missing << " not in the audio cache)\n";
  SYN_CHECK(!sel.cache_index.empty(), "no clip of the MagnaTagATune train split is in the cache '",
            cache_dir, "'");
  return std::make_shared<CacheSource>(std::move(cache), std::move(sel.cache_index));
}

}  // namespace syn::app
