// tf_checkpoint.cpp — the TensorFlow V2 checkpoint reader described in tf_checkpoint.h.
// Layout references: LevelDB's doc/table_format.md (which TensorFlow's table follows byte for
// byte), tensorflow/core/protobuf/tensor_bundle.proto, and the protobuf wire-format spec.
#include "engine/io/tf_checkpoint.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

#include "engine/check.h"
#include "engine/checkpoint.h"  // half_to_float
#include "engine/io/safe_file.h"
#include "engine/tensorboard.h"  // crc32c

namespace syn {

static constexpr uint32_t kMaskDelta = 0xa282ead8u;
uint32_t crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
uint32_t crc32c_unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

std::string tf_dtype_name(int32_t dtype) {
  switch (dtype) {
    case kTfFloat:
      return "float32";
    case kTfDouble:
      return "float64";
    case kTfInt32:
      return "int32";
    case kTfUInt8:
      return "uint8";
    case kTfInt16:
      return "int16";
    case kTfInt8:
      return "int8";
    case kTfString:
      return "string";
    case 8:
      return "complex64";
    case kTfInt64:
      return "int64";
    case kTfBool:
      return "bool";
    case kTfBFloat16:
      return "bfloat16";
    case 18:
      return "complex128";
    case kTfHalf:
      return "float16";
    case 20:
      return "resource";
    case 21:
      return "variant";
    default:
      return "DataType(" + std::to_string(dtype) + ")";
  }
}

size_t tf_dtype_size(int32_t dtype) {
  switch (dtype) {
    case kTfFloat:
    case kTfInt32:
      return 4;
    case kTfDouble:
    case kTfInt64:
      return 8;
    case kTfUInt8:
    case kTfInt8:
    case kTfBool:
      return 1;
    case kTfInt16:
    case kTfBFloat16:
    case kTfHalf:
      return 2;
    default:
      return 0;
  }
}

namespace {

// A bounded cursor over bytes; every read checks the bounds and fails naming `file` and `what`.
struct Cursor {
  const uint8_t* p;
  const uint8_t* end;
  const std::string& file;

  size_t left() const { return (size_t)(end - p); }
  uint64_t varint(const std::string& what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      SYN_CHECK(p < end, "TF checkpoint '", file, "': truncated varint in ", what);
      uint8_t b = *p++;
      // The 10th byte may only carry the top bit of a 64-bit value.
      SYN_CHECK(shift < 63 || b <= 1, "TF checkpoint '", file, "': varint overflows 64 bits in ",
                what);
      v |= (uint64_t)(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    SYN_FAIL("TF checkpoint '", file, "': varint longer than 10 bytes in ", what);
  }
  uint32_t varint32(const std::string& what) {
    uint64_t v = varint(what);
    SYN_CHECK(v <= 0xFFFFFFFFu, "TF checkpoint '", file, "': value ", v,
              " does not fit 32 bits in ", what);
    return (uint32_t)v;
  }
  uint32_t fixed32(const std::string& what) {
    SYN_CHECK(left() >= 4, "TF checkpoint '", file, "': truncated fixed32 in ", what);
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    p += 4;
    return v;
  }
  const uint8_t* bytes(uint64_t n, const std::string& what) {
    SYN_CHECK(n <= left(), "TF checkpoint '", file, "': ", what, " needs ", n, " bytes but only ",
              left(), " remain");
    const uint8_t* q = p;
    p += n;
    return q;
  }
};

uint32_t load_fixed32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// ---------------------------------------------------------------------------------------------
// Protobuf wire format: a sequence of (tag = field << 3 | wire type, payload). We read the few
// fields we need, check their wire types, and skip the rest (forward compatibility).

enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct Field {
  uint32_t number = 0, wire = 0;
  uint64_t value = 0;             // varint / fixed payloads
  const uint8_t* data = nullptr;  // length-delimited payload
  uint64_t size = 0;
};

// Calls fn(field) for every field of the message in [begin, end).
template <class Fn>
void for_each_field(const uint8_t* begin, const uint8_t* end, const std::string& file,
                    const std::string& what, Fn fn) {
  Cursor c{begin, end, file};
  while (c.left() > 0) {
    Field f;
    uint64_t tag = c.varint(what + " field tag");
    f.number = (uint32_t)(tag >> 3);
    f.wire = (uint32_t)(tag & 7);
    SYN_CHECK(f.number != 0 && (tag >> 3) <= 0x1FFFFFFF, "TF checkpoint '", file, "': ", what,
              " has an invalid field number ", (tag >> 3));
    switch (f.wire) {
      case kVarint:
        f.value = c.varint(what);
        break;
      case kFixed64: {
        const uint8_t* q = c.bytes(8, what + " fixed64 field");
        f.value = (uint64_t)load_fixed32(q) | (uint64_t)load_fixed32(q + 4) << 32;
        break;
      }
      case kLengthDelimited:
        f.size = c.varint(what + " field length");
        f.data = c.bytes(f.size, what + " field " + std::to_string(f.number));
        break;
      case kFixed32:
        f.value = c.fixed32(what);
        break;
      default:
        SYN_FAIL("TF checkpoint '", file, "': ", what, " field ", f.number,
                 " has unsupported wire type ", f.wire, " (groups or garbage)");
    }
    fn(f);
  }
}

void expect_wire(const Field& f, uint32_t wire, const std::string& file, const std::string& what) {
  SYN_CHECK(f.wire == wire, "TF checkpoint '", file, "': ", what, " field ", f.number,
            " has wire type ", f.wire, ", expected ", wire);
}

// TensorShapeProto { repeated Dim dim = 2 { int64 size = 1; string name = 2; }
//                    bool unknown_rank = 3; }
Shape parse_shape(const Field& msg, const std::string& file, const std::string& what) {
  Shape shape;
  for_each_field(msg.data, msg.data + msg.size, file, what + " shape", [&](const Field& f) {
    if (f.number == 2) {
      expect_wire(f, kLengthDelimited, file, what + " shape");
      int64_t size = 0;
      for_each_field(f.data, f.data + f.size, file, what + " shape dim", [&](const Field& d) {
        if (d.number == 1) {
          expect_wire(d, kVarint, file, what + " shape dim");
          size = (int64_t)d.value;
        }
      });
      SYN_CHECK(size >= 0 && size < (int64_t(1) << 40), "TF checkpoint '", file, "': ", what,
                " has invalid dimension ", size);
      shape.push_back(size);
    } else if (f.number == 3) {
      expect_wire(f, kVarint, file, what + " shape");
      SYN_CHECK(f.value == 0, "TF checkpoint '", file, "': ", what, " has an unknown rank");
    }
  });
  SYN_CHECK(shape.size() <= 32, "TF checkpoint '", file, "': ", what, " has rank ", shape.size());
  return shape;
}

// BundleEntryProto { DataType dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3;
//   int64 offset = 4; int64 size = 5; fixed32 crc32c = 6; repeated TensorSliceProto slices = 7; }
TfTensorEntry parse_entry(const std::string& key, const std::string& value,
                          const std::string& file) {
  const std::string what = "entry '" + key + "'";
  TfTensorEntry e;
  e.name = key;
  bool has_crc = false;
  const auto* b = reinterpret_cast<const uint8_t*>(value.data());
  for_each_field(b, b + value.size(), file, what, [&](const Field& f) {
    switch (f.number) {
      case 1:
        expect_wire(f, kVarint, file, what);
        e.dtype = (int32_t)f.value;
        break;
      case 2:
        expect_wire(f, kLengthDelimited, file, what);
        e.shape = parse_shape(f, file, what);
        break;
      case 3:
        expect_wire(f, kVarint, file, what);
        e.shard_id = (int32_t)f.value;
        break;
      case 4:
        expect_wire(f, kVarint, file, what);
        e.offset = (int64_t)f.value;
        break;
      case 5:
        expect_wire(f, kVarint, file, what);
        e.size = (int64_t)f.value;
        break;
      case 6:
        expect_wire(f, kFixed32, file, what);
        e.crc32c = crc32c_unmask((uint32_t)f.value);
        has_crc = true;
        break;
      case 7:
        SYN_FAIL("TF checkpoint '", file, "': ", what,
                 " is a partitioned (sliced) variable, which this reader does not support");
      default:
        break;
    }
  });
  SYN_CHECK(e.offset >= 0 && e.size >= 0, "TF checkpoint '", file, "': ", what,
            " has a negative offset or size");
  SYN_CHECK(has_crc, "TF checkpoint '", file, "': ", what, " has no crc32c");
  return e;
}

// ---------------------------------------------------------------------------------------------
// The table: footer → index block → data blocks → (key, value) entries.

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kFooterSize = 48;  // 2 handles padded to 40 bytes + 8-byte magic
constexpr size_t kBlockTrailerSize = 5;

struct BlockHandle {
  uint64_t offset = 0, size = 0;
};

BlockHandle decode_handle(Cursor& c, const std::string& what) {
  BlockHandle h;
  h.offset = c.varint(what + " offset");
  h.size = c.varint(what + " size");
  return h;
}

// Returns the verified contents of the block at `h`.
std::string read_block(const std::vector<uint8_t>& file_bytes, const BlockHandle& h,
                       const std::string& file, const std::string& what) {
  const uint64_t n = file_bytes.size();
  SYN_CHECK(h.offset <= n && h.size <= n - h.offset && kBlockTrailerSize <= n - h.offset - h.size,
            "TF checkpoint '", file, "': ", what, " at offset ", h.offset, " size ", h.size,
            " lies outside the ", n, "-byte file (truncated?)");
  const uint8_t* block = file_bytes.data() + h.offset;
  const uint8_t type = block[h.size];
  const uint32_t stored = crc32c_unmask(load_fixed32(block + h.size + 1));
  const uint32_t actual = crc32c(block, h.size + 1);  // contents and the type byte
  SYN_CHECK(stored == actual, "TF checkpoint '", file, "': ", what, " at offset ", h.offset,
            " is corrupt (crc32c mismatch)");
  SYN_CHECK(type == 0, "TF checkpoint '", file, "': ", what, " is compressed (type ", (int)type,
            ", 1 = snappy); only uncompressed tables are supported");
  return std::string(reinterpret_cast<const char*>(block), h.size);
}

// Decodes a block's prefix-compressed entries:
//   entry: varint32 shared, varint32 non_shared, varint32 value_len, key delta, value
//   then fixed32 restarts[num_restarts], fixed32 num_restarts.
std::vector<std::pair<std::string, std::string>> parse_block(const std::string& block,
                                                             const std::string& file,
                                                             const std::string& what) {
  SYN_CHECK(block.size() >= 4, "TF checkpoint '", file, "': ", what,
            " is too small to hold its restart count");
  const auto* b = reinterpret_cast<const uint8_t*>(block.data());
  const uint64_t num_restarts = load_fixed32(b + block.size() - 4);
  SYN_CHECK(num_restarts >= 1 && num_restarts <= (block.size() - 4) / 4, "TF checkpoint '", file,
            "': ", what, " has an invalid restart count ", num_restarts);
  const size_t data_end = block.size() - 4 - 4 * num_restarts;
  std::vector<uint32_t> restarts(num_restarts);
  for (size_t i = 0; i < num_restarts; ++i) {
    restarts[i] = load_fixed32(b + data_end + 4 * i);
    SYN_CHECK(restarts[i] <= data_end && (i == 0 || restarts[i] > restarts[i - 1]),
              "TF checkpoint '", file, "': ", what, " has an invalid restart offset ", restarts[i]);
  }
  SYN_CHECK(restarts[0] == 0, "TF checkpoint '", file, "': ", what,
            " does not restart at its first entry");

  std::vector<std::pair<std::string, std::string>> out;
  Cursor c{b, b + data_end, file};
  std::string key;
  size_t next_restart = 0;
  while (c.left() > 0) {
    const size_t at = (size_t)(c.p - b);
    const std::string ewhat = what + " entry at byte " + std::to_string(at);
    const uint32_t shared = c.varint32(ewhat);
    const uint32_t non_shared = c.varint32(ewhat);
    const uint32_t value_len = c.varint32(ewhat);
    SYN_CHECK(shared <= key.size(), "TF checkpoint '", file, "': ", ewhat, " shares ", shared,
              " bytes with a ", key.size(), "-byte previous key");
    if (next_restart < restarts.size() && restarts[next_restart] == at) {
      SYN_CHECK(shared == 0, "TF checkpoint '", file, "': ", ewhat,
                " is a restart point but shares a key prefix");
      ++next_restart;
    }
    const uint8_t* delta = c.bytes(non_shared, ewhat + " key");
    const uint8_t* value = c.bytes(value_len, ewhat + " value");
    key.resize(shared);
    key.append(reinterpret_cast<const char*>(delta), non_shared);
    out.emplace_back(key, std::string(reinterpret_cast<const char*>(value), value_len));
  }
  SYN_CHECK(next_restart == restarts.size(), "TF checkpoint '", file, "': ", what,
            " has restart offsets that do not start entries");
  return out;
}

std::vector<uint8_t> read_whole_file(const std::string& path, const std::string& role) {
  io::check_input_file(path,
                       "TensorFlow checkpoint file");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open TF checkpoint ", role, " '", path, "': ", std::strerror(errno));
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TfCheckpointReader::TfCheckpointReader(const std::string& prefix)
    : prefix_(prefix), index_path_(prefix + ".index") {
  parse_index(read_whole_file(index_path_, "index"));
}

TfCheckpointReader::TfCheckpointReader(const std::string& prefix,
                                       const std::vector<uint8_t>& index_bytes)
    : prefix_(prefix), index_path_(prefix + ".index") {
  parse_index(index_bytes);
}

void TfCheckpointReader::parse_index(const std::vector<uint8_t>& bytes) {
  const std::string& file = index_path_;
  SYN_CHECK(bytes.size() >= kFooterSize, "TF checkpoint '", file, "' is ", bytes.size(),
            " bytes, shorter than a table footer (", kFooterSize, "): truncated or not an index");
  const uint8_t* footer = bytes.data() + bytes.size() - kFooterSize;
  const uint64_t magic = (uint64_t)load_fixed32(footer + 40) | (uint64_t)load_fixed32(footer + 44)
                                                                   << 32;
  SYN_CHECK(magic == kTableMagic, "TF checkpoint '", file,
            "' has no table magic at its end: truncated, corrupt or not a TF checkpoint index");
  Cursor fc{footer, footer + 40, file};
  const BlockHandle meta = decode_handle(fc, "footer metaindex handle");
  const BlockHandle index = decode_handle(fc, "footer index handle");
  // The metaindex (filters) is empty in TF's bundles; reading it still checks its CRC.
  read_block(bytes, meta, file, "metaindex block");
  const auto index_entries =
      parse_block(read_block(bytes, index, file, "index block"), file, "index block");

  bool have_header = false;
  std::string last_key;
  bool first = true;
  for (const auto& [separator, handle_bytes] : index_entries) {
    Cursor hc{reinterpret_cast<const uint8_t*>(handle_bytes.data()),
              reinterpret_cast<const uint8_t*>(handle_bytes.data()) + handle_bytes.size(), file};
    const BlockHandle h = decode_handle(hc, "index entry '" + separator + "' block handle");
    const std::string what = "data block at offset " + std::to_string(h.offset);
    for (auto& [key, value] : parse_block(read_block(bytes, h, file, "data block"), file, what)) {
      SYN_CHECK(first || key > last_key, "TF checkpoint '", file, "': key '", key,
                "' is out of order (after '", last_key, "')");
      SYN_CHECK(key <= separator, "TF checkpoint '", file, "': key '", key,
                "' lies beyond its index separator '", separator, "'");
      first = false;
      last_key = key;
      if (key.empty()) {
        // BundleHeaderProto { int32 num_shards = 1; Endianness endianness = 2 (LITTLE = 0);
        //                     VersionDef version = 3 { int32 producer = 1; min_consumer = 2; } }
        const auto* v = reinterpret_cast<const uint8_t*>(value.data());
        int64_t endianness = 0, min_consumer = 0;
        for_each_field(v, v + value.size(), file, "header", [&](const Field& f) {
          if (f.number == 1) {
            expect_wire(f, kVarint, file, "header");
            num_shards_ = (int32_t)f.value;
          } else if (f.number == 2) {
            expect_wire(f, kVarint, file, "header");
            endianness = (int64_t)f.value;
          } else if (f.number == 3) {
            expect_wire(f, kLengthDelimited, file, "header");
            for_each_field(f.data, f.data + f.size, file, "header version", [&](const Field& g) {
              if (g.number == 2) min_consumer = (int64_t)g.value;
            });
          }
        });
        SYN_CHECK(endianness == 0, "TF checkpoint '", file,
                  "' was written big-endian, which this reader does not support");
        // Format version 1 is the only one TensorFlow has written (kTensorBundleVersion).
        SYN_CHECK(min_consumer <= 1, "TF checkpoint '", file, "' needs a reader of version ",
                  min_consumer, " (this one reads version 1)");
        SYN_CHECK(num_shards_ >= 1 && num_shards_ <= 99999, "TF checkpoint '", file, "' claims ",
                  num_shards_, " data shards");
        have_header = true;
      } else {
        entries_.push_back(parse_entry(key, value, file));
      }
    }
  }
  SYN_CHECK(have_header, "TF checkpoint '", file, "' has no bundle header (empty key)");
  for (const TfTensorEntry& e : entries_) {
    SYN_CHECK(e.shard_id >= 0 && e.shard_id < num_shards_, "TF checkpoint '", file, "': entry '",
              e.name, "' is in shard ", e.shard_id, " of ", num_shards_);
    const size_t elem = tf_dtype_size(e.dtype);
    if (elem == 0) continue;  // unconvertible: reported only if someone reads it
    // The product can overflow only past 2^63 bytes; dims are < 2^40 each, so check stepwise.
    int64_t numel = 1;
    for (int64_t d : e.shape) {
      SYN_CHECK(d == 0 || numel <= std::numeric_limits<int64_t>::max() / 16 / d, "TF checkpoint '",
                file, "': entry '", e.name, "' has an absurd shape ", shape_str(e.shape));
      numel *= d;
    }
    SYN_CHECK(numel * (int64_t)elem == e.size, "TF checkpoint '", file, "': entry '", e.name,
              "' is ", tf_dtype_name(e.dtype), " ", shape_str(e.shape), " (", numel * elem,
              " bytes) but records ", e.size, " bytes");
  }
}

std::string TfCheckpointReader::data_path(int32_t shard) const {
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, num_shards_);
  return prefix_ + suffix;
}

const TfTensorEntry* TfCheckpointReader::find(const std::string& name) const {
  auto it =
      std::lower_bound(entries_.begin(), entries_.end(), name,
                       [](const TfTensorEntry& e, const std::string& n) { return e.name < n; });
  return it != entries_.end() && it->name == name ? &*it : nullptr;
}

TfTensor TfCheckpointReader::read(const std::string& name) const {
  const TfTensorEntry* e = find(name);
  SYN_CHECK(e != nullptr, "TF checkpoint '", index_path_, "' has no variable '", name, "'");
  const size_t elem = tf_dtype_size(e->dtype);
  SYN_CHECK(elem != 0, "TF checkpoint '", index_path_, "': variable '", name, "' has dtype ",
            tf_dtype_name(e->dtype), ", which cannot be converted to float32");

  const std::string path = data_path(e->shard_id);
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open TF checkpoint data '", path, "': ", std::strerror(errno));
  in.seekg(0, std::ios::end);
  const int64_t file_size = (int64_t)in.tellg();
  SYN_CHECK(e->offset <= file_size && e->size <= file_size - e->offset, "TF checkpoint data '",
            path, "' is ", file_size, " bytes but variable '", name, "' lies at bytes [", e->offset,
            ", ", e->offset + e->size, "): truncated?");
  std::vector<uint8_t> raw((size_t)e->size);
  in.seekg(e->offset);
  in.read(reinterpret_cast<char*>(raw.data()), (std::streamsize)raw.size());
  SYN_CHECK(in.good() || raw.empty(), "reading variable '", name, "' from '", path, "' failed");
  SYN_CHECK(crc32c(raw.data(), raw.size()) == e->crc32c, "TF checkpoint data '", path,
            "': variable '", name, "' is corrupt (crc32c mismatch)");

  TfTensor t;
  t.dtype = e->dtype;
  t.shape = e->shape;
  const size_t n = raw.size() / elem;
  t.data.resize(n);
  const uint8_t* p = raw.data();
  // The bundle header said little-endian, and so is every machine we build for.
  auto load = [&](auto tag, size_t i) {
    decltype(tag) v;
    std::memcpy(&v, p + i * sizeof v, sizeof v);
    return v;
  };
  for (size_t i = 0; i < n; ++i) {
    switch (e->dtype) {
      case kTfFloat:
        t.data[i] = load(float{}, i);
        break;
      case kTfDouble:
        t.data[i] = (float)load(double{}, i);
        break;
      case kTfInt32:
        t.data[i] = (float)load(int32_t{}, i);
        break;
      case kTfInt64:
        t.data[i] = (float)load(int64_t{}, i);
        break;
      case kTfInt16:
        t.data[i] = (float)load(int16_t{}, i);
        break;
      case kTfInt8:
        t.data[i] = (float)load(int8_t{}, i);
        break;
      case kTfUInt8:
        t.data[i] = (float)load(uint8_t{}, i);
        break;
      case kTfBool:
        t.data[i] = load(uint8_t{}, i) ? 1.0f : 0.0f;
        break;
      case kTfHalf:
        t.data[i] = half_to_float(load(uint16_t{}, i));
        break;
      case kTfBFloat16: {
        uint32_t bits = (uint32_t)load(uint16_t{}, i) << 16;
        std::memcpy(&t.data[i], &bits, 4);
        break;
      }
      default:
        SYN_FAIL("unreachable dtype ", e->dtype);
    }
  }
  return t;
}

std::map<std::string, TfTensor> read_tf_checkpoint(const std::string& prefix) {
  TfCheckpointReader reader(prefix);
  std::map<std::string, TfTensor> out;
  for (const TfTensorEntry& e : reader.entries()) out.emplace(e.name, reader.read(e.name));
  return out;
}

}  // namespace syn
