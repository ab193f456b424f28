// audio_io.cpp — libsndfile decoding with explicit checks for every kind of bad input; see
// audio_io.h for what is detected and why.
#include "data/audio/audio_io.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>

#include "data/audio/resample.h"
#include "engine/check.h"

namespace syn {

namespace fs = std::filesystem;

namespace {

// Reads up to `count` bytes at `offset`; returns fewer at the end of the file.
std::vector<unsigned char> read_bytes(const std::string& path, uint64_t offset, size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> buf(count);
  if (!in) return {};
  in.seekg((std::streamoff)offset);
  in.read(reinterpret_cast<char*>(buf.data()), (std::streamsize)count);
  buf.resize((size_t)std::max<std::streamsize>(0, in.gcount()));
  return buf;
}

uint32_t le32(const unsigned char* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
uint32_t be32(const unsigned char* p) {
  return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

// RIFF/RIFX (WAV) and FORM (AIFF): libsndfile silently shortens a data chunk that runs past
// the end of the file, so compare the declared size with what is there ourselves.
std::optional<std::string> chunk_truncation(const std::string& path, uint64_t file_size, bool riff,
                                            bool big_endian) {
  const char* data_id = riff ? "data" : "SSND";
  uint64_t off = 12;
  for (int guard = 0; guard < 10000 && off + 8 <= file_size; ++guard) {
    auto h = read_bytes(path, off, 8);
    if (h.size() < 8) break;
    uint64_t size = big_endian ? be32(h.data() + 4) : le32(h.data() + 4);
    if (std::memcmp(h.data(), data_id, 4) == 0) {
      // 0 and 0xFFFFFFFF are the "length unknown" placeholders of streamed files.
      if (size == 0 || size == 0xFFFFFFFFu) return std::nullopt;
      uint64_t avail = file_size - (off + 8);
      if (size > avail)
        return str_cat("truncated: the ", data_id, " chunk declares ", size, " bytes but only ",
                       avail, " are present");
      return std::nullopt;
    }
    off += 8 + size + (size & 1);  // chunks are padded to even sizes
  }
  return std::nullopt;  // no data chunk found: libsndfile has its own say on such files
}

// Ogg's CRC-32: polynomial 0x04C11DB7, MSB first, initial value 0, no final xor.
uint32_t ogg_crc(const unsigned char* p, size_t n) {
  static const auto table = [] {
    std::vector<uint32_t> t(256);
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t r = i << 24;
      for (int k = 0; k < 8; ++k) r = (r & 0x80000000u) ? (r << 1) ^ 0x04C11DB7u : r << 1;
      t[i] = r;
    }
    return t;
  }();
  uint32_t crc = 0;
  for (size_t i = 0; i < n; ++i) {
    // Bytes 22..25 of a page hold the CRC itself and count as zero.
    unsigned char b = (i >= 22 && i < 26) ? 0 : p[i];
    crc = (crc << 8) ^ table[((crc >> 24) ^ b) & 0xFF];
  }
  return crc;
}

// Ogg has no length field: a complete stream ends with a page flagged end-of-stream (0x04).
// Find the last complete, CRC-valid page in the file's tail and require that flag.
std::optional<std::string> ogg_truncation(const std::string& path, uint64_t file_size) {
  const uint64_t window = 2 * 65536;  // two maximal pages (27 + 255 + 255 * 255 bytes each)
  uint64_t start = file_size > window ? file_size - window : 0;
  auto tail = read_bytes(path, start, (size_t)(file_size - start));
  size_t n = tail.size();
  for (size_t pos = n >= 27 ? n - 27 + 1 : 0; pos-- > 0;) {
    const unsigned char* p = tail.data() + pos;
    if (std::memcmp(p, "OggS", 4) != 0 || p[4] != 0) continue;
    size_t segs = p[26];
    if (pos + 27 + segs > n) continue;
    size_t body = 0;
    for (size_t s = 0; s < segs; ++s) body += p[27 + s];
    size_t total = 27 + segs + body;
    if (pos + total > n || ogg_crc(p, total) != le32(p + 22)) continue;
    if (p[5] & 0x04) return std::nullopt;
    return std::string("truncated: the Ogg stream ends without its end-of-stream page");
  }
  return std::string("truncated: no complete Ogg page at the end of the file");
}

// sf_open reports failures through a process-wide error slot, and some codecs' global setup
// is not thread-safe: serialise opening (decoding itself runs in parallel).
std::mutex& open_mutex() {
  static std::mutex mu;
  return mu;
}

struct SndFileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};

}  // namespace

struct AudioReader::File {
  std::unique_ptr<SNDFILE, SndFileCloser> handle;
};

AudioReader::AudioReader(const std::string& path)
    : path_(path), who_("decode_audio: '" + path + "': "), file_(std::make_unique<File>()) {
  const std::string& who = who_;
  std::error_code ec;
  auto status = fs::status(path, ec);
  SYN_CHECK(fs::exists(status), who, "file not found");
  SYN_CHECK(fs::is_regular_file(status), who, "not a regular file");
  uint64_t file_size = fs::file_size(path, ec);
  SYN_CHECK(!ec, who, "cannot read the file size (", ec.message(), ")");
  SYN_CHECK(file_size > 0, who, "empty file (0 bytes)");

  auto magic = read_bytes(path, 0, 12);
  SYN_CHECK(!magic.empty(), who, "cannot open the file for reading");
  std::optional<std::string> truncated;
  if (magic.size() >= 12 && std::memcmp(magic.data(), "RIFF", 4) == 0)
    truncated = chunk_truncation(path, file_size, true, false);
  else if (magic.size() >= 12 && std::memcmp(magic.data(), "RIFX", 4) == 0)
    truncated = chunk_truncation(path, file_size, true, true);
  else if (magic.size() >= 12 && std::memcmp(magic.data(), "FORM", 4) == 0)
    truncated = chunk_truncation(path, file_size, false, true);
  else if (magic.size() >= 4 && std::memcmp(magic.data(), "OggS", 4) == 0)
    truncated = ogg_truncation(path, file_size);
  SYN_CHECK(!truncated, who, *truncated);

  SF_INFO info;
  std::memset(&info, 0, sizeof(info));
  std::string open_error;
  {
    std::lock_guard<std::mutex> lock(open_mutex());
    file_->handle.reset(sf_open(path.c_str(), SFM_READ, &info));
    if (!file_->handle) open_error = sf_strerror(nullptr);
  }
  // For an unrecognised MPEG-looking file libsndfile says "File does not exist or is not a
  // regular file", which is wrong here (both were checked above).
  if (open_error.find("does not exist") != std::string::npos) open_error = "unrecognised data";
  SYN_CHECK(file_->handle != nullptr, who,
            "not an audio file, or its header is damaged or truncated (libsndfile: ", open_error,
            ")");
  SYN_CHECK(info.channels >= 1, who, "the file declares ", info.channels, " channels");
  SYN_CHECK(info.samplerate >= kMinAudioRate && info.samplerate <= kMaxAudioRate, who,
            "unsupported sample rate ", info.samplerate, " Hz (supported: ", kMinAudioRate, "..",
            kMaxAudioRate, " Hz)");
  rate_ = info.samplerate;
  channels_ = info.channels;
  // frames is SF_COUNT_MAX (or garbage) when the container does not say.
  if (info.frames > 0 && info.frames < ((sf_count_t)1 << 40)) declared_ = (int64_t)info.frames;
  mpeg_ = (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG;
}

AudioReader::~AudioReader() = default;

int64_t AudioReader::read(std::vector<float>& mono, int64_t max_frames) {
  SYN_CHECK(max_frames > 0, who_, "read: max_frames must be positive");
  const int c = channels_;
  interleaved_.resize((size_t)(max_frames * c));
  sf_count_t got = sf_readf_float(file_->handle.get(), interleaved_.data(), max_frames);
  if (got < 0) got = 0;
  mono.resize((size_t)got);
  if (c == 1) {
    std::copy(interleaved_.begin(), interleaved_.begin() + got, mono.begin());
  } else {
    for (sf_count_t i = 0; i < got; ++i) {
      float sum = 0.0f;
      for (int ch = 0; ch < c; ++ch) sum += interleaved_[(size_t)(i * c + ch)];
      mono[(size_t)i] = sum / (float)c;
    }
  }
  for (sf_count_t i = 0; i < got; ++i)
    SYN_CHECK(std::isfinite(mono[(size_t)i]), who_,
              "contains non-finite samples (NaN/Inf) at frame ", frames_read_ + i);
  frames_read_ += got;
  if (got > 0) return got;

  // The end: the checks that need the whole stream.
  int err = sf_error(file_->handle.get());
  SYN_CHECK(err == SF_ERR_NO_ERROR, who_, "decode error after ", frames_read_,
            " frames (libsndfile: ", sf_error_number(err), ")");
  if (declared_ > 0 && !seeked_) {
    // MP3 lengths come from a Xing/LAME header or a bitrate estimate: allow two MPEG frames
    // or 1% of slack there; every other container states its length exactly.
    int64_t slack = mpeg_ ? std::max<int64_t>(2304, declared_ / 100) : 0;
    SYN_CHECK(frames_read_ + slack >= declared_, who_, "truncated: the header declares ", declared_,
              " frames but only ", frames_read_, " could be decoded");
  }
  SYN_CHECK(frames_read_ > 0 || seeked_, who_, "contains zero audio frames");
  return 0;
}

void AudioReader::seek(int64_t frame) {
  SYN_CHECK(frame >= 0, who_, "seek to a negative frame ", frame);
  sf_count_t at = sf_seek(file_->handle.get(), (sf_count_t)frame, SEEK_SET);
  SYN_CHECK(at == (sf_count_t)frame, who_, "cannot seek to frame ", frame,
            " (libsndfile: ", sf_strerror(file_->handle.get()), ")");
  seeked_ = true;
  frames_read_ = 0;
}

DecodedAudio decode_audio(const std::string& path) {
  AudioReader reader(path);
  DecodedAudio out;
  out.sample_rate = reader.sample_rate();
  out.channels = reader.channels();
  std::vector<float> block;
  while (reader.read(block, 16384) > 0)
    out.samples.insert(out.samples.end(), block.begin(), block.end());
  out.frames = (int64_t)out.samples.size();
  return out;
}

std::vector<float> load_audio(const std::string& path, int target_rate, int64_t min_samples) {
  SYN_CHECK(target_rate >= kMinAudioRate && target_rate <= kMaxAudioRate, "load_audio: '", path,
            "': unsupported target rate ", target_rate, " Hz");
  DecodedAudio a = decode_audio(path);
  std::vector<float> y = resample(a.samples, a.sample_rate, target_rate);
  SYN_CHECK((int64_t)y.size() >= min_samples, "load_audio: '", path, "': too short: ", y.size(),
            " samples at ", target_rate, " Hz (", (double)y.size() / target_rate,
            " s) but at least ", min_samples, " are required");
  return y;
}

}  // namespace syn
