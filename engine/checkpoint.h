// checkpoint.h — named tensors (plus string metadata) in one simple self-describing file.
//
// Format (little-endian), version 1:
//   "SYNCKPT1"                      8-byte magic
//   u32 count                       number of entries
//   per entry: u32 name_len, name bytes, u8 dtype (0 f32, 1 f16, 2 bytes), u8 ndim,
//              i64 dims[ndim], then the data (numel × element size)
//   u32 crc32 of every byte above   (IEEE polynomial, as zlib)
//   "ENDC"                          4-byte end marker
// Metadata entries are dtype 2 (raw bytes) under names "meta/<key>". Files are written to a
// temporary name, flushed and renamed, so a crash never leaves a half-written checkpoint.
// tests/reference/synt.py writes the same format from Python (our fixtures use it).
#pragma once
#include <map>
#include <string>

#include "engine/module.h"

namespace syn {

struct Checkpoint {
  NamedTensors tensors;                     // CPU tensors
  std::map<std::string, std::string> meta;  // free-form key/value pairs
};

// Writes atomically. With `fp16`, tensors are stored as IEEE half (halves the file size).
void save_checkpoint(const std::string& path, const Checkpoint& ckpt, bool fp16 = false);
// Reads and validates (magic, sizes, CRC). Every error names the file and the problem.
Checkpoint load_checkpoint(const std::string& path);

// Convenience for modules.
void save_module(const std::string& path, const Module& m,
                 const std::map<std::string, std::string>& meta = {});
void load_module(const std::string& path, Module& m);

// Half-precision conversion (round to nearest even), used by fp16 files.
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);

}  // namespace syn
