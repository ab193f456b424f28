// tensorboard.h — writes scalar summaries as TensorBoard event files, with no TensorFlow or
// protobuf dependency.
//
// A run directory gets one file events.out.tfevents.<unix seconds>.<hostname> (a ".N" suffix is
// added if that name is taken). The file is a sequence of TFRecords:
//   uint64 length | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
// (little-endian; mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8), each data an Event protobuf
// encoded by hand:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; }
// The first record carries file_version "brain.Event:2"; every later one a Summary.
// tests/reference/read_tfevents.py decodes these files in pure Python as a cross-check.
#pragma once
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace syn {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). `crc` continues a previous result,
// so crc32c(b, nb, crc32c(a, na)) == crc32c(a ‖ b).
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);
// The masked form TFRecord stores (masking keeps CRCs of CRC-bearing data well distributed).
uint32_t masked_crc32c(const void* data, size_t n);

class SummaryWriter {
 public:
  // Creates `run_dir` (and parents) and the event file, and writes the file_version record.
  // Buffered records reach the disk on flush(), at most `flush_secs` after being added (checked
  // when the next one is added), and on destruction.
  explicit SummaryWriter(const std::string& run_dir, double flush_secs = 30.0);
  ~SummaryWriter();
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;

  // One scalar point; the value is stored as float32 (TensorBoard's simple_value). wall_time is
  // seconds since the Unix epoch; a negative value means now.
  void add_scalar(const std::string& tag, double value, int64_t step, double wall_time = -1.0);
  // Several scalars sharing a step in one Event (e.g. train/loss and train/lr).
  void add_scalars(const std::vector<std::pair<std::string, double>>& values, int64_t step,
                   double wall_time = -1.0);
  void flush();  // throws if the file could not be written

  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);

  std::string path_;
  std::ofstream out_;
  double flush_secs_;
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace syn
