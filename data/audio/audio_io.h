// audio_io.h — decoding audio files into mono float signals (libsndfile 1.2: wav, flac,
// ogg/vorbis, opus, mp3, aiff, ...), and load_audio = decode + band-limited resample.
//
// Bad input never crashes and never passes silently: a missing, empty, truncated, non-audio or
// zero-length file, an unsupported sample rate, non-finite samples, or (load_audio) a clip
// shorter than the caller's minimum each throw syn::Error naming the file and the problem.
// Truncation is detected per container: RIFF/AIFF data chunks longer than the file, Ogg
// streams whose last page is missing or lacks the end-of-stream flag, and FLAC/MP3 streams
// that decode fewer frames than their header declares.
// AudioReader decodes block by block (memory O(block), for songs and mixes of any length) with the
// same checks: the end-of-stream ones (decode error, fewer frames than declared, zero frames) run
// when read() reaches the end. decode_audio is AudioReader read to the end.
// The library is linked with -lsndfile (see the report for the CMake lines).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace syn {

constexpr int kMinAudioRate = 8000;
constexpr int kMaxAudioRate = 192000;

struct DecodedAudio {
  std::vector<float> samples;  // mono: the mean of all channels, nominally in [-1, 1]
  int sample_rate = 0;         // of the file
  int channels = 0;            // in the file, before the downmix
  int64_t frames = 0;          // == samples.size()
};

// A file opened for block-wise decoding into mono (the channel mean).
class AudioReader {
 public:
  explicit AudioReader(const std::string& path);  // every check decode_audio makes up front
  ~AudioReader();
  AudioReader(const AudioReader&) = delete;
  AudioReader& operator=(const AudioReader&) = delete;

  // Replaces `mono` with up to max_frames decoded frames; returns how many (0: the end, after
  // the end-of-stream checks have passed — they throw otherwise).
  int64_t read(std::vector<float>& mono, int64_t max_frames);
  // Moves to frame `frame` (for reading one window of a long file). Errors when the format
  // cannot seek.
  void seek(int64_t frame);

  const std::string& path() const { return path_; }
  int sample_rate() const { return rate_; }
  int channels() const { return channels_; }
  int64_t frames_read() const { return frames_read_; }  // since open (or the last seek)

 private:
  struct File;
  std::string path_, who_;
  std::unique_ptr<File> file_;
  int rate_ = 0, channels_ = 0;
  int64_t declared_ = -1;  // frames the header states; -1 when it does not say
  bool mpeg_ = false, seeked_ = false;
  int64_t frames_read_ = 0;
  std::vector<float> interleaved_;
};

DecodedAudio decode_audio(const std::string& path);

// decode_audio + resample to target_rate; throws "too short" when fewer than min_samples
// samples (at target_rate) remain.
std::vector<float> load_audio(const std::string& path, int target_rate, int64_t min_samples = 0);

}  // namespace syn
