// musicnn_stream.cpp — see musicnn_stream.h.
#include "data/audio/musicnn_stream.h"

#include <algorithm>
#include <cstring>

#include "data/audio/spectrogram.h"
#include "engine/check.h"

namespace syn {

namespace {
constexpr int64_t kReadFrames = 65536;  // decoded frames per block (1.5 s at 44.1 kHz)
}

void MusicnnLogMelStream::take(int64_t first, int64_t last, const Tensor& log_mel,
                               std::vector<float>& rows) {
  if (last < first) return;
  const float* p = log_mel.data();
  rows.insert(rows.end(), p + first * kMusicnnMels, p + (last + 1) * kMusicnnMels);
}

void MusicnnLogMelStream::push(const float* x, int64_t n, std::vector<float>& rows) {
  buf_.insert(buf_.end(), x, x + n);
  total_ += n;
  if ((int64_t)buf_.size() < kSegment + 2 * kMusicnnFftSize) return;
  // Segment frame k covers samples [k·hop − 256, k·hop + 256) of the buffer: frames 1 ..
  // (len − 512) / hop lie inside it; frame 0 is the clip's own only at the clip's start. At
  // least 512 samples stay behind, so the next segment (and the final one) can pad like the
  // clip does.
  const int64_t len = (int64_t)buf_.size();
  const int64_t last = (len - kMusicnnFftSize) / kMusicnnHop;
  Tensor log_mel = musicnn_log_mel(buf_.data(), len);
  take(start_ == 0 ? 0 : 1, last, log_mel, rows);
  buf_.erase(buf_.begin(), buf_.begin() + last * kMusicnnHop);
  start_ += last * kMusicnnHop;
}

void MusicnnLogMelStream::finish(std::vector<float>& rows) {
  if (buf_.empty()) return;
  const int64_t len = (int64_t)buf_.size();
  Tensor log_mel = musicnn_log_mel(buf_.data(), len);
  take(start_ == 0 ? 0 : 1, log_mel.size(0) - 1, log_mel, rows);
  buf_.clear();
  buf_.shrink_to_fit();
}

MusicnnFileStream::MusicnnFileStream(const std::string& path, const MusicnnInputOptions& opt,
                                     AudioTap on_audio)
    : reader_(path),
      patching_(musicnn_patching(opt.input_length, opt.input_overlap)),
      resampler_(reader_.sample_rate(), kMusicnnSampleRate),
      on_audio_(std::move(on_audio)) {
  SYN_CHECK(
      opt.resampler == MusicnnResampler::Librosa07 || reader_.sample_rate() == kMusicnnSampleRate,
      "musicnn input: '", path,
      "': streaming resamples with librosa 0.7's filter only (MusicnnResampler::Librosa07)");
}

void MusicnnFileStream::pump() {
  audio16k_.clear();
  int64_t got;
  if (ahead_frames_.valid()) {
    got = ahead_frames_.get();  // rethrows the reader's errors (they name the file)
    block_.swap(ahead_);
  } else {
    got = reader_.read(block_, kReadFrames);
  }
  if (got > 0)
    ahead_frames_ =
        std::async(std::launch::async, [this] { return reader_.read(ahead_, kReadFrames); });
  if (got > 0) {
    resampler_.push(block_.data(), got, audio16k_);
  } else {
    resampler_.finish(audio16k_);
    eof_ = true;
  }
  samples_16k_ += (int64_t)audio16k_.size();
  if (on_audio_ && !audio16k_.empty()) on_audio_(audio16k_.data(), (int64_t)audio16k_.size());
  log_mel_.push(audio16k_.data(), (int64_t)audio16k_.size(), rows_);
  if (eof_) log_mel_.finish(rows_);
}

bool MusicnnFileStream::next(int64_t max_patches, Tensor& patches) {
  SYN_CHECK(max_patches > 0, "MusicnnFileStream::next: max_patches must be positive");
  const int64_t pf = patching_.patch_frames, step = patching_.step, m = kMusicnnMels;
  auto frames_have = [&] { return frame0_ + (int64_t)rows_.size() / m; };
  auto ready = [&] {
    int64_t end = frames_have();
    return end < next_start_ + pf ? 0 : (end - next_start_ - pf) / step + 1;
  };
  while (!eof_ && ready() < max_patches) pump();
  const int64_t p = std::min(ready(), max_patches);
  if (p == 0) {
    SYN_CHECK(patches_done_ > 0, "musicnn input: '", reader_.path(), "': too short: ", samples_16k_,
              " samples at 16 kHz (", (double)samples_16k_ / kMusicnnSampleRate, " s) give ",
              musicnn_frame_count(samples_16k_), " frames; one patch needs ", pf, " frames (",
              (pf - 1) * kMusicnnHop, " samples)");
    return false;
  }
  patches = Tensor::zeros({p, pf, m});
  float* dst = patches.data();
  for (int64_t i = 0; i < p; ++i) {
    const float* src = rows_.data() + (next_start_ + i * step - frame0_) * m;
    std::memcpy(dst + i * pf * m, src, sizeof(float) * (size_t)(pf * m));
  }
  next_start_ += p * step;
  patches_done_ += p;
  // Drop the frames no later patch reads.
  const int64_t drop = std::min(next_start_, frames_have()) - frame0_;
  if (drop > 0) {
    rows_.erase(rows_.begin(), rows_.begin() + drop * m);
    frame0_ += drop;
  }
  return true;
}

}  // namespace syn
