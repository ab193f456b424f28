// zip_reader.cpp — see zip_reader.h. Field layouts follow the PKWARE APPNOTE (sections 4.3.7
// local header, 4.3.12 central header, 4.3.14-16 ZIP64 end records, 4.5.3 ZIP64 extra field).
#include "engine/io/zip_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "engine/check.h"
#include "engine/checkpoint.h"  // crc32
#include "engine/io/safe_file.h"

namespace syn {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50,
                   kEnd64Sig = 0x06064b50, kEnd64LocatorSig = 0x07064b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22, kEnd64LocatorSize = 20,
                 kEnd64Size = 56;

uint16_t u16(const uint8_t* p) { return (uint16_t)(p[0] | p[1] << 8); }
uint32_t u32(const uint8_t* p) { return (uint32_t)u16(p) | (uint32_t)u16(p + 2) << 16; }
uint64_t u64(const uint8_t* p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }

const char* method_name(uint16_t m) {
  switch (m) {
    case 8:
      return "deflate";
    case 9:
      return "deflate64";
    case 12:
      return "bzip2";
    case 14:
      return "lzma";
    case 93:
      return "zstd";
    default:
      return "unknown";
  }
}

}  // namespace

// Random access to the archive's bytes, from a file or from memory.
struct ZipReader::Source {
  std::FILE* file = nullptr;
  std::vector<uint8_t> bytes;
  uint64_t size = 0;
  ~Source() {
    if (file) std::fclose(file);
  }
  // Reads exactly n bytes at offset (the caller has checked offset + n <= size).
  void read_at(uint64_t offset, size_t n, uint8_t* out, const std::string& what) const {
    if (n == 0) return;
    if (!file) {
      std::memcpy(out, bytes.data() + offset, n);
      return;
    }
    SYN_CHECK(fseeko(file, (off_t)offset, SEEK_SET) == 0 && std::fread(out, 1, n, file) == n,
              "reading ", what, " failed (", std::strerror(errno), ")");
  }
};

ZipReader::ZipReader(std::shared_ptr<Source> src, std::string source)
    : src_(std::move(src)), source_(std::move(source)) {}

ZipReader ZipReader::open(const std::string& path) {
  auto src = std::make_shared<Source>();
  io::check_input_file(path, "zip archive");  // a regular file: never a FIFO or device
  src->file = std::fopen(path.c_str(), "rb");
  SYN_CHECK(src->file != nullptr, "cannot open '", path, "': ", std::strerror(errno));
  SYN_CHECK(fseeko(src->file, 0, SEEK_END) == 0, "cannot seek in '", path, "'");
  off_t end = ftello(src->file);
  SYN_CHECK(end >= 0, "cannot size '", path, "'");
  src->size = (uint64_t)end;
  ZipReader z(src, path);
  z.read_central_directory();
  return z;
}

ZipReader ZipReader::from_bytes(std::vector<uint8_t> bytes, const std::string& source) {
  auto src = std::make_shared<Source>();
  src->size = bytes.size();
  src->bytes = std::move(bytes);
  ZipReader z(src, source);
  z.read_central_directory();
  return z;
}

void ZipReader::read_central_directory() {
  const uint64_t size = src_->size;
  const std::string& name = source_;
  SYN_CHECK(size >= kEndSize, "'", name, "' is not a zip archive: only ", size, " bytes");

  // The end-of-central-directory record sits in the last 22 + (comment ≤ 65535) bytes.
  uint64_t tail_len = std::min<uint64_t>(size, kEndSize + 65535);
  std::vector<uint8_t> tail(tail_len);
  src_->read_at(size - tail_len, tail_len, tail.data(), "the end of '" + name + "'");
  int64_t end_pos = -1;  // within tail
  for (int64_t i = (int64_t)tail_len - (int64_t)kEndSize; i >= 0; --i) {
    const uint8_t* p = tail.data() + i;
    if (u32(p) == kEndSig && (uint64_t)i + kEndSize + u16(p + 20) <= tail_len) {
      end_pos = i;
      break;
    }
  }
  SYN_CHECK(end_pos >= 0, "'", name,
            "' is not a zip archive or is truncated: no end-of-central-directory record");
  const uint8_t* e = tail.data() + end_pos;
  const uint64_t end_offset = size - tail_len + (uint64_t)end_pos;
  uint32_t disk = u16(e + 4), cd_disk = u16(e + 6);
  uint64_t disk_entries = u16(e + 8), total = u16(e + 10), cd_size = u32(e + 12),
           cd_offset = u32(e + 16);
  uint64_t cd_limit = end_offset;  // the central directory must end before this

  // ZIP64: a locator just before the end record points at the ZIP64 end record.
  if (end_offset >= kEnd64LocatorSize) {
    uint8_t loc[kEnd64LocatorSize];
    src_->read_at(end_offset - kEnd64LocatorSize, kEnd64LocatorSize, loc, "'" + name + "'");
    if (u32(loc) == kEnd64LocatorSig) {
      uint64_t off64 = u64(loc + 8);
      SYN_CHECK(u32(loc + 16) <= 1, "'", name, "' spans ", u32(loc + 16),
                " disks; multi-disk zip archives are not supported");
      SYN_CHECK(off64 <= end_offset - kEnd64LocatorSize &&
                    end_offset - kEnd64LocatorSize - off64 >= kEnd64Size,
                "'", name, "': the ZIP64 end record offset ", off64, " is out of range");
      uint8_t r[kEnd64Size];
      src_->read_at(off64, kEnd64Size, r, "'" + name + "'");
      SYN_CHECK(u32(r) == kEnd64Sig, "'", name, "': bad ZIP64 end-record signature at offset ",
                off64);
      disk = u32(r + 16);
      cd_disk = u32(r + 20);
      disk_entries = u64(r + 24);
      total = u64(r + 32);
      cd_size = u64(r + 40);
      cd_offset = u64(r + 48);
      cd_limit = off64;
    } else {
      SYN_CHECK(total != 0xFFFF && cd_size != 0xFFFFFFFFu && cd_offset != 0xFFFFFFFFu, "'", name,
                "' needs ZIP64 end records but has none (truncated or damaged)");
    }
  }
  SYN_CHECK(disk == 0 && cd_disk == 0 && disk_entries == total, "'", name,
            "' is a multi-disk zip archive, which is not supported");
  SYN_CHECK(cd_offset <= cd_limit && cd_size <= cd_limit - cd_offset, "'", name,
            "': the central directory (offset ", cd_offset, ", ", cd_size,
            " bytes) lies outside the file (truncated or damaged)");
  SYN_CHECK(total <= cd_size / kCentralSize, "'", name, "': ", total,
            " entries cannot fit a central directory of ", cd_size, " bytes");

  std::vector<uint8_t> cd(cd_size);
  src_->read_at(cd_offset, cd_size, cd.data(), "the central directory of '" + name + "'");
  entries_.clear();
  entries_.reserve(total);
  size_t pos = 0;
  for (uint64_t i = 0; i < total; ++i) {
    SYN_CHECK(cd_size - pos >= kCentralSize && u32(cd.data() + pos) == kCentralSig, "'", name,
              "': central directory entry ", i, " at offset ", cd_offset + pos,
              " has a bad signature or is cut short");
    const uint8_t* h = cd.data() + pos;
    ZipEntry z;
    z.flags = u16(h + 8);
    z.method = u16(h + 10);
    z.crc32 = u32(h + 16);
    z.compressed_size = u32(h + 20);
    z.size = u32(h + 24);
    size_t name_len = u16(h + 28), extra_len = u16(h + 30), comment_len = u16(h + 32);
    uint32_t start_disk = u16(h + 34);
    z.local_header_offset = u32(h + 42);
    SYN_CHECK(cd_size - pos - kCentralSize >= name_len + extra_len + comment_len, "'", name,
              "': central directory entry ", i, " runs past the directory's end");
    z.name.assign((const char*)h + kCentralSize, name_len);
    // ZIP64 extra field: 8-byte values for each 32-bit field that is saturated, in this order.
    const uint8_t* x = h + kCentralSize + name_len;
    for (size_t k = 0; k + 4 <= extra_len;) {
      uint16_t id = u16(x + k), len = u16(x + k + 2);
      SYN_CHECK(k + 4 + len <= extra_len, "'", name, "': entry '", z.name,
                "' has a malformed extra field");
      if (id == 0x0001) {
        const uint8_t* v = x + k + 4;
        size_t left = len;
        auto take64 = [&](uint64_t& field) {
          SYN_CHECK(left >= 8, "'", name, "': entry '", z.name, "' has a short ZIP64 field");
          field = u64(v);
          v += 8;
          left -= 8;
        };
        if (z.size == 0xFFFFFFFFu) take64(z.size);
        if (z.compressed_size == 0xFFFFFFFFu) take64(z.compressed_size);
        if (z.local_header_offset == 0xFFFFFFFFu) take64(z.local_header_offset);
        if (start_disk == 0xFFFF && left >= 4) start_disk = u32(v);
      }
      k += 4 + (size_t)len;
    }
    SYN_CHECK(start_disk == 0, "'", name, "': entry '", z.name,
              "' starts on another disk (multi-disk archives are not supported)");
    SYN_CHECK(z.local_header_offset < cd_offset, "'", name, "': entry '", z.name,
              "' has its header at offset ", z.local_header_offset,
              ", past the start of the central directory");
    entries_.push_back(std::move(z));
    pos += kCentralSize + name_len + extra_len + comment_len;
  }
}

const ZipEntry* ZipReader::find(const std::string& entry_name) const {
  for (auto& e : entries_)
    if (e.name == entry_name) return &e;
  return nullptr;
}

std::vector<uint8_t> ZipReader::read(const std::string& entry_name) const {
  const ZipEntry* e = find(entry_name);
  SYN_CHECK(e != nullptr, "'", source_, "' has no entry '", entry_name, "'");
  return read(*e);
}

std::vector<uint8_t> ZipReader::read(const ZipEntry& e) const {
  const std::string where = "'" + source_ + "' entry '" + e.name + "'";
  SYN_CHECK(!(e.flags & 1), where, " is encrypted, which is not supported");
  SYN_CHECK(e.method == 0, where, " is compressed (method ", e.method, ", ", method_name(e.method),
            "); only stored entries are supported, as torch.save writes them");
  SYN_CHECK(e.compressed_size == e.size, where, " is stored but its sizes differ (",
            e.compressed_size, " vs ", e.size, ")");
  const uint64_t size = src_->size;
  SYN_CHECK(e.local_header_offset <= size && size - e.local_header_offset >= kLocalSize, where,
            ": local header at offset ", e.local_header_offset, " lies past the end of the file");
  uint8_t h[kLocalSize];
  src_->read_at(e.local_header_offset, kLocalSize, h, where);
  SYN_CHECK(u32(h) == kLocalSig, where, ": bad local header signature at offset ",
            e.local_header_offset);
  SYN_CHECK(u16(h + 8) == e.method, where, ": local and central headers disagree on the method");
  uint64_t data = e.local_header_offset + kLocalSize + u16(h + 26) + u16(h + 28);
  SYN_CHECK(data <= size && size - data >= e.size, where, ": ", e.size, " bytes of data at offset ",
            data, " run past the end of the file (truncated)");
  std::vector<uint8_t> out(e.size);
  src_->read_at(data, e.size, out.data(), where);
  uint32_t crc = crc32(out.data(), out.size());
  SYN_CHECK(crc == e.crc32, where, " is corrupt: CRC-32 ", crc, " but the directory says ",
            e.crc32);
  return out;
}

bool looks_like_zip(const std::string& path) {
  io::check_input_file(path, "zip archive");  // a regular file: never a FIFO or device
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  uint8_t b[4] = {0, 0, 0, 0};
  size_t n = std::fread(b, 1, 4, f);
  std::fclose(f);
  return n == 4 && u32(b) == kLocalSig;
}

}  // namespace syn
