// musicnn_stream.h — an audio file of any length → musicnn's patches, a few at a time, in memory
// that does not grow with the file (issue 20: a 10-minute clip took 3.26 GB when everything was
// held at once).
//
//   decode    AudioReader, 65,536 frames per block (audio_io.h), one block ahead on a thread of
//             its own
//   resample  Librosa07Stream (audio_to_musicnn.h): resample_librosa07's outputs, bit for bit
//   log-mel   MusicnnLogMelStream: musicnn_log_mel over 8 s segments that overlap by two frames;
//             only the frames whose 512-sample window lies inside the segment (or touches the
//             clip's true start or end, where the segment's padding is the clip's) are kept, so
//             each frame equals the whole clip's (frames are computed independently)
//   patches   cut as musicnn_patches does (patch_frames, step; the last partial one dropped)
// So the patches equal musicnn_input_from_file's, bit for bit, at O(8 s + patches asked for).
// Only the Librosa07 resampler streams (the project's Resampler needs the whole clip); the
// log-mel runs on the CPU.
#pragma once
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "data/audio/audio_io.h"
#include "data/audio/audio_to_musicnn.h"
#include "engine/tensor.h"

namespace syn {

// 16 kHz audio in blocks → musicnn's log-mel frames (rows of 96), each equal to the frame of
// musicnn_log_mel over the whole clip.
class MusicnnLogMelStream {
 public:
  // Appends the frames that are now complete to `rows` (96 floats per frame).
  void push(const float* x, int64_t n, std::vector<float>& rows);
  // The rest, using the clip's end as musicnn_log_mel does (reflect padding).
  void finish(std::vector<float>& rows);
  int64_t samples() const { return total_; }

  static constexpr int64_t kSegment = 8 * 16000;  // samples per musicnn_log_mel call

 private:
  void take(int64_t first, int64_t last, const Tensor& log_mel, std::vector<float>& rows);
  std::vector<float> buf_;  // samples from start_ on; start_ is a multiple of the hop
  int64_t start_ = 0, total_ = 0;
};

class MusicnnFileStream {
 public:
  // on_audio (optional) sees every 16 kHz sample once, in order (e.g. a level detector).
  using AudioTap = std::function<void(const float* audio16k, int64_t n)>;
  MusicnnFileStream(const std::string& path, const MusicnnInputOptions& opt = {},
                    AudioTap on_audio = {});

  // The next at most max_patches patches, [p, patch_frames, 96] on the CPU; false at the end.
  // Errors name the file (decode_audio's checks; "too short" when it gives no patch at all).
  bool next(int64_t max_patches, Tensor& patches);

  int source_rate() const { return reader_.sample_rate(); }
  int channels() const { return reader_.channels(); }
  int64_t samples_16k() const { return samples_16k_; }  // so far; the total once next() is false
  int64_t patches_done() const { return patches_done_; }
  const MusicnnPatching& patching() const { return patching_; }

 private:
  void pump();  // decodes one block and carries it through to frames
  AudioReader reader_;
  MusicnnPatching patching_;
  Librosa07Stream resampler_;
  MusicnnLogMelStream log_mel_;
  AudioTap on_audio_;
  std::vector<float> block_, audio16k_, rows_;  // rows_: frames from frame0_ on
  int64_t frame0_ = 0, next_start_ = 0, patches_done_ = 0, samples_16k_ = 0;
  bool eof_ = false;
  // The next block, decoded on its own thread while this one is resampled and log-mel'd (the
  // decoder is serial, the rest splits over the pool). Declared last: destroyed (waited for)
  // before the reader it reads from.
  std::vector<float> ahead_;
  std::future<int64_t> ahead_frames_;
};

}  // namespace syn
