// tensorboard.cpp — CRC-32C, TFRecord framing and a hand-written encoder for scalar Events.
#include "engine/tensorboard.h"

#include <unistd.h>

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "engine/check.h"

namespace syn {

namespace {

// Byte-at-a-time table for the reflected Castagnoli polynomial; event records are small, so a
// sliced or hardware CRC would not be measurable.
std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

// --- protobuf wire format (only what an Event needs) ---
void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += (char)(uint8_t)(v | 0x80);
    v >>= 7;
  }
  out += (char)(uint8_t)v;
}
void put_tag(std::string& out, uint32_t field, uint32_t wire_type) {
  put_varint(out, ((uint64_t)field << 3) | wire_type);
}
void put_fixed(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += (char)(uint8_t)(v >> (8 * i));
}
void put_double(std::string& out, uint32_t field, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  put_tag(out, field, 1);  // wire type 1: 64-bit
  put_fixed(out, bits, 8);
}
void put_float(std::string& out, uint32_t field, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  put_tag(out, field, 5);  // wire type 5: 32-bit
  put_fixed(out, bits, 4);
}
void put_int64(std::string& out, uint32_t field, int64_t v) {
  put_tag(out, field, 0);  // wire type 0: varint; negative int64 takes ten bytes, as protobuf
  put_varint(out, (uint64_t)v);
}
void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_tag(out, field, 2);  // wire type 2: length-delimited
  put_varint(out, bytes.size());
  out += bytes;
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "localhost";
  std::string h(buf);
  for (char& c : h)
    if (c == '/' || c == '\\' || c == ' ') c = '_';  // keep it one path component
  return h;
}

}  // namespace

uint32_t crc32c(const void* data, size_t n, uint32_t crc) {
  static const std::array<uint32_t, 256> table = make_crc32c_table();
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

uint32_t masked_crc32c(const void* data, size_t n) {
  uint32_t c = crc32c(data, n);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

SummaryWriter::SummaryWriter(const std::string& run_dir, double flush_secs)
    : flush_secs_(flush_secs), last_flush_(std::chrono::steady_clock::now()) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  SYN_CHECK(!ec && fs::is_directory(run_dir), "tensorboard: cannot create run directory '", run_dir,
            "'", ec ? ": " + ec.message() : "");
  double t0 = now_seconds();
  std::string base = (fs::path(run_dir) /
                      ("events.out.tfevents." + std::to_string((int64_t)t0) + "." + host_name()))
                         .string();
  // Two writers started in the same second (tests, restarts) must not share a file.
  path_ = base;
  for (int k = 1; fs::exists(path_); ++k) path_ = base + "." + std::to_string(k);
  out_.open(path_, std::ios::binary);
  SYN_CHECK(out_.good(), "tensorboard: cannot create '", path_, "'");

  std::string ev;
  put_double(ev, 1, t0);
  put_bytes(ev, 3, "brain.Event:2");
  write_record(ev);
  flush();  // TensorBoard recognises the run as soon as the header is on disk
}

SummaryWriter::~SummaryWriter() {
  if (out_.is_open()) out_.flush();  // no throwing from a destructor; flush() reports errors
}

void SummaryWriter::write_record(const std::string& data) {
  char len[8];
  uint64_t n = data.size();
  for (int i = 0; i < 8; ++i) len[i] = (char)(uint8_t)(n >> (8 * i));
  char crc[4];
  uint32_t lc = masked_crc32c(len, 8), dc = masked_crc32c(data.data(), data.size());
  for (int i = 0; i < 4; ++i) crc[i] = (char)(uint8_t)(lc >> (8 * i));
  out_.write(len, 8).write(crc, 4).write(data.data(), (std::streamsize)data.size());
  for (int i = 0; i < 4; ++i) crc[i] = (char)(uint8_t)(dc >> (8 * i));
  out_.write(crc, 4);
  SYN_CHECK(out_.good(), "tensorboard: error writing '", path_, "'");
}

void SummaryWriter::add_scalar(const std::string& tag, double value, int64_t step,
                               double wall_time) {
  add_scalars({{tag, value}}, step, wall_time);
}

void SummaryWriter::add_scalars(const std::vector<std::pair<std::string, double>>& values,
                                int64_t step, double wall_time) {
  SYN_CHECK(!values.empty(), "tensorboard: add_scalars needs at least one value");
  std::string summary;
  for (const auto& [tag, value] : values) {
    SYN_CHECK(!tag.empty(), "tensorboard: empty tag at step ", step);
    std::string v;
    put_bytes(v, 1, tag);
    put_float(v, 2, (float)value);
    put_bytes(summary, 1, v);
  }
  std::string ev;
  put_double(ev, 1, wall_time < 0 ? now_seconds() : wall_time);
  put_int64(ev, 2, step);
  put_bytes(ev, 5, summary);
  write_record(ev);
  double since =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_flush_).count();
  if (since >= flush_secs_) flush();
}

void SummaryWriter::flush() {
  out_.flush();
  SYN_CHECK(out_.good(), "tensorboard: error writing '", path_, "'");
  last_flush_ = std::chrono::steady_clock::now();
}

}  // namespace syn
