// audio_to_musicnn.h — an audio file → musicnn's input: decode (data/audio/audio_io: mono = channel
// mean), resample to 16 kHz, log-mel (data/audio/spectrogram.h), cut into [P, 187, 96] patches.
//
// Resampling. musicnn loaded audio with librosa 0.7's load(sr=16000), i.e. resampy 0.2's
// 'kaiser_best' filter followed by fix_length. That resampler is reproduced here
// (resample_librosa07, the default): a windowed sinc of 64 zero crossings, tabulated at 512
// points per crossing (Kaiser window, beta 14.769656459379492, roll-off 0.9475937167399596),
// scaled by the rate ratio when downsampling; each output sample at the accumulated input time
// t·(from/to) sums the linearly interpolated table over both wings, in resampy's order and with
// its per-step float32 rounding. Output length: resampy's floor(n · to/from), then zero padded
// to librosa's ceil(n · to/from) (both as float64 products, like numpy).
// Checked bit for bit against resampy 0.2.2 itself (tests/test_spectrogram.cpp). The taps run in
// per-CPU-level kernels over lane groups of outputs that share a filter row
// (data/audio/resampy_kernels.h; every level bit-identical, tests/test_resampy_kernels.cpp).
// Cost: ~35 ms of CPU per 30 s of 44.1 kHz audio on one Zen 4 core (AVX-512 or AVX2; ~80 ms at
// the portable level), split over the pool's threads (bench/bench_tag.cpp --profile).
// The project's own resampler (data/audio/resample.h) is the alternative
// (MusicnnResampler::Project): its filter differs from resampy's in the top ~800 Hz below 8 kHz
// (its passband ends at 0.90 of the lower Nyquist, resampy's response rolls off around 0.95 and
// reaches past 1.0), and resampy has a small gain error from truncating its table step to int(scale
// · 512) (DC gain 1.0027 = +0.023 dB at 44.1 kHz, 1.0004 at 22.05 kHz). Measured against resampy on
// the fixture's chirp + noise: a difference of -42 dB (22.05 kHz) and -39 dB (44.1 kHz) of the
// signal energy over the full band, -50 to -64 dB below 7 kHz; on musicnn's log-mel a mean absolute
// difference of 0.002-0.006 (log10 units), up to ~0.26 in the two top bands. Its parameters were
// left alone: moving its band edges towards resampy's would break tests/test_resample.cpp's
// stopband requirement. Files at 16 kHz (the MagnaTagATune clips) are not resampled at all.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/audio/spectrogram.h"
#include "engine/tensor.h"

namespace syn {

struct ResampyTable;  // resampy's filter table (audio_to_musicnn.cpp)

enum class MusicnnResampler { Librosa07, Project };

struct MusicnnInputOptions {
  double input_length = 3.0;   // seconds per patch (musicnn's input_length)
  double input_overlap = 0.0;  // musicnn's input_overlap; 0 = False (patches back to back)
  MusicnnResampler resampler = MusicnnResampler::Librosa07;
  Device device = Device::CPU;  // where the log-mel is computed and the tensors live
};

struct MusicnnInput {
  Tensor patches;  // [P, patch_frames, 96]
  Tensor log_mel;  // [frames, 96], the whole clip (musicnn's audio_rep)
  int source_rate = 0;
  int channels = 0;
  int64_t samples_16k = 0;
};

// librosa 0.7's resampling: resampy 0.2 'kaiser_best' + fix_length (see the header comment).
// Equal rates return a copy. Throws when floor(n · to/from) < 1 (resampy's own error).
std::vector<float> resample_librosa07(const float* x, int64_t n, int from_rate, int to_rate);
std::vector<float> resample_librosa07(const std::vector<float>& x, int from_rate, int to_rate);

// resample_librosa07 fed block by block, for audio of any length: the same outputs, bit for bit,
// with memory O(block + filter) instead of O(clip). push() appends every output whose filter
// wings are complete; finish() (once the input's length is known) the rest and librosa's zero
// padding. Equal rates pass the samples through.
class Librosa07Stream {
 public:
  Librosa07Stream(int from_rate, int to_rate);
  void push(const float* x, int64_t n, std::vector<float>& out);
  void finish(std::vector<float>& out);
  int64_t input_samples() const { return total_; }

 private:
  void emit(int64_t n_orig, int64_t until, std::vector<float>& out);
  int from_, to_;
  double ratio_ = 1.0, reg_ = 0.0;  // reg_: resampy's time register at output next_
  std::shared_ptr<const ResampyTable> table_;
  int64_t wing_ = 0, total_ = 0, next_ = 0, x0_ = 0;  // x0_: input index of buf_[0]
  std::vector<float> buf_;
  std::vector<double> times_;
  bool finished_ = false;
};

// 16 kHz mono audio → log-mel and patches. `what` names the source in errors.
MusicnnInput musicnn_input_from_audio(const std::vector<float>& audio16k,
                                      const MusicnnInputOptions& opt = {},
                                      const std::string& what = "audio");
// Any audio file libsndfile decodes. Errors name the file: unreadable or undecodable files
// (decode_audio's messages), and clips shorter than one patch.
MusicnnInput musicnn_input_from_file(const std::string& path, const MusicnnInputOptions& opt = {});

}  // namespace syn
