// zip_reader.h — reads the entries of a zip archive, the container of PyTorch's checkpoint files.
//
// torch.save (since PyTorch 1.6) writes a zip whose entries are all *stored* (no compression):
// "<name>/data.pkl" (the pickled object), "<name>/data/<key>" (raw tensor storages),
// "<name>/version", and in newer versions "<name>/byteorder". This reader therefore supports
// exactly that: the central directory (with its ZIP64 extensions, which miniz writes for archives
// or entries past 4 GiB), stored entries, and a CRC-32 check of every entry read. Compressed or
// encrypted entries, multi-disk archives, truncation and bad signatures are errors that name the
// archive and the entry; nothing in a malformed file can make it read out of bounds.
//
// Entries are read on demand (one seek and one read each), so a large checkpoint is never held
// in memory twice.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace syn {

struct ZipEntry {
  std::string name;
  uint64_t local_header_offset = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed
  uint32_t crc32 = 0;
  uint16_t method = 0;  // 0 = stored, 8 = deflate, ...
  uint16_t flags = 0;   // general-purpose bit flags (bit 0: encrypted)
};

class ZipReader {
 public:
  // Opens `path` and reads its central directory.
  static ZipReader open(const std::string& path);
  // An archive held in memory; `source` names it in error messages.
  static ZipReader from_bytes(std::vector<uint8_t> bytes, const std::string& source);

  const std::string& source() const { return source_; }
  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;  // nullptr when absent
  // The whole content of an entry (stored entries only; CRC-checked).
  std::vector<uint8_t> read(const ZipEntry& entry) const;
  std::vector<uint8_t> read(const std::string& name) const;

 private:
  struct Source;
  ZipReader(std::shared_ptr<Source> src, std::string source);
  void read_central_directory();

  std::shared_ptr<Source> src_;
  std::string source_;
  std::vector<ZipEntry> entries_;
};

// True when the file starts with a zip local-header signature ("PK\3\4").
bool looks_like_zip(const std::string& path);

}  // namespace syn
