// audio_folder.h — a folder of audio files as a training set: a recursive scan, a one-off
// preprocess that decodes and resamples every clip into an on-disk cache of raw float32 files,
// and a memory-mapped reader that serves random crops (CLMR pretraining reads 59,049-sample
// crops at 22,050 Hz).
//
// Cache layout (one directory, one writer at a time):
//   index.tsv         "# synesthesia audio cache v1<TAB>sample_rate=R", then one line per clip:
//                     path (relative to the root, '/'-separated) <TAB> samples <TAB> clip file
//                     <TAB> source bytes <TAB> source mtime — in scan order
//   <16 hex>.f32      the clip's mono samples at R Hz, native-endian float32, no header; the
//                     name is a 64-bit FNV-1a hash of the relative path
// Clip files and the index are written to a temporary name and renamed, so an interrupted run
// never leaves a half-written file under a final name; the index is also checkpointed while a
// long run progresses, so a re-run resumes. A re-run skips clips whose source size and mtime are
// unchanged, and deletes clip files whose source has gone.
//
//   PreprocessSummary s = preprocess_audio_folder("music/", "cache/");
//   AudioFolderCache cache("cache/");
//   std::vector<float> x = cache.random_crop(i, 59049, rng);
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace syn {

class Rng;

constexpr int kClmrSampleRate = 22050;
constexpr int64_t kClmrInputSamples = 59049;  // 3^10: SampleCNN's input, ~2.68 s at 22,050 Hz

// True for .wav .flac .ogg .opus .mp3 in any letter case.
bool is_audio_path(const std::string& path);

// Every audio file under root (recursively; directory symlinks are not followed), as paths
// relative to root with '/' separators, sorted bytewise. Throws if root is not a directory.
std::vector<std::string> scan_audio_folder(const std::string& root);

struct AudioCacheOptions {
  int sample_rate = kClmrSampleRate;
  int64_t min_samples = kClmrInputSamples;  // shorter clips (after resampling) are skipped
  int threads = 0;                          // decoding threads; 0 = num_threads()
  bool verbose = true;  // warnings and progress on stderr, the summary on stdout
};

struct PreprocessSummary {
  int64_t scanned = 0;                // audio files found by the scan
  int64_t cached = 0;                 // clips in the cache after the run (decoded now + reused)
  int64_t reused = 0;                 // of `cached`: up to date, not decoded again
  int64_t skipped_short = 0;          // decoded but shorter than min_samples
  int64_t skipped_bad = 0;            // failed to decode (or unusable name)
  std::vector<std::string> warnings;  // one line per skipped file, in scan order
  std::string to_string() const;
};

PreprocessSummary preprocess_audio_folder(const std::string& root, const std::string& cache_dir,
                                          const AudioCacheOptions& options = {});

// Read-only view of a preprocessed cache; each clip file is memory-mapped. Thread-safe for
// concurrent reads (each thread passes its own Rng).
class AudioFolderCache {
 public:
  // expected_rate > 0 checks the cache's sample rate. Throws, naming the file, when the index
  // or a clip file is missing or does not match the index (re-run the preprocess).
  explicit AudioFolderCache(const std::string& cache_dir, int expected_rate = 0);
  ~AudioFolderCache();
  AudioFolderCache(const AudioFolderCache&) = delete;
  AudioFolderCache& operator=(const AudioFolderCache&) = delete;
  AudioFolderCache(AudioFolderCache&& other) noexcept;
  AudioFolderCache& operator=(AudioFolderCache&& other) noexcept;

  int64_t size() const { return (int64_t)clips_.size(); }
  int sample_rate() const { return rate_; }
  const std::string& path(int64_t i) const;  // relative to the scanned root
  int64_t num_samples(int64_t i) const;
  std::span<const float> clip(int64_t i) const;

  // Exactly `length` consecutive samples starting at a uniform position in
  // [0, num_samples(i) - length]. Throws if the clip is shorter than `length`.
  std::vector<float> random_crop(int64_t i, int64_t length, Rng& rng) const;
  // One random crop per listed clip, as a CPU tensor [B, 1, L] (B = clips.size(), L = length).
  Tensor random_crop_batch(const std::vector<int64_t>& clips, int64_t length, Rng& rng) const;

 private:
  struct Clip {
    std::string path;
    int64_t samples = 0;
    const float* data = nullptr;  // mmap'ed
    size_t bytes = 0;
  };
  void release();
  std::string dir_;
  int rate_ = 0;
  std::vector<Clip> clips_;
};

}  // namespace syn
