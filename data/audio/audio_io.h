// audio_io.h — decoding audio files into mono float signals (libsndfile 1.2: wav, flac,
// ogg/vorbis, opus, mp3, aiff, ...), and load_audio = decode + band-limited resample.
//
// Bad input never crashes and never passes silently: a missing, empty, truncated, non-audio or
// zero-length file, an unsupported sample rate, non-finite samples, or (load_audio) a clip
// shorter than the caller's minimum each throw syn::Error naming the file and the problem.
// Truncation is detected per container: RIFF/AIFF data chunks longer than the file, Ogg
// streams whose last page is missing or lacks the end-of-stream flag, and FLAC/MP3 streams
// that decode fewer frames than their header declares.
// The library is linked with -lsndfile (see the report for the CMake lines).
#pragma once
#include <cstdint>
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

DecodedAudio decode_audio(const std::string& path);

// decode_audio + resample to target_rate; throws "too short" when fewer than min_samples
// samples (at target_rate) remain.
std::vector<float> load_audio(const std::string& path, int target_rate, int64_t min_samples = 0);

}  // namespace syn
