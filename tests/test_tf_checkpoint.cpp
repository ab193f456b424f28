// test_tf_checkpoint.cpp — the TensorFlow checkpoint reader (engine/io/tf_checkpoint.h):
//  * against checkpoints real TensorFlow wrote (tests/reference/gen_tf_checkpoint.py): every
//    variable's name, dtype, shape and value, a two-shard bundle, a string variable;
//  * every truncation and every single-byte corruption of those files is a syn::Error naming
//    the file (never a crash, never silently wrong values);
//  * CRC-32C known answers and LevelDB's CRC masking;
//  * hand-built tables for what TensorFlow does not write at this size (several data blocks)
//    and for the malformed cases (compressed block, keys out of order, big-endian header,
//    sliced variable, size that disagrees with the shape).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/check.h"
#include "engine/io/tf_checkpoint.h"
#include "engine/tensorboard.h"
#include "tests/support/fixtures.h"

using namespace syn;
namespace fs = std::filesystem;

static const std::string kFixtureDir = std::string(SYN_FIXTURE_DIR) + "/tf_checkpoint/";

static std::vector<uint8_t> read_bytes(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture ", p, " (run tests/reference/gen_tf_checkpoint.py)");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
static void write_bytes(const std::string& p, const std::vector<uint8_t>& b) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), (std::streamsize)b.size());
}

// A scratch folder removed at the end of each test case.
struct TempDir {
  fs::path dir;
  TempDir() {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("syn_tfckpt_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

// The error message of f(), or "" when it does not throw syn::Error.
template <class F>
static std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

static std::map<std::string, std::string> parse_dtypes(const std::string& s) {
  std::map<std::string, std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto colon = item.rfind(':');
    out[item.substr(0, colon)] = item.substr(colon + 1);
  }
  return out;
}

static std::string numpy_name(int32_t dtype) {
  std::string n = tf_dtype_name(dtype);
  return n == "float16" || n == "float32" || n == "float64" || n == "int32" || n == "int64" ||
                 n == "bool"
             ? n
             : "?" + n;
}

TEST_CASE("reads every variable TensorFlow's Saver wrote, in every numeric dtype") {
  auto fx = test::load_fixture("tf_checkpoint_expected");
  auto dtypes = parse_dtypes(fx.meta.at("dtypes"));
  TfCheckpointReader r(kFixtureDir + "tiny");
  CHECK(r.num_shards() == 1);
  // 11 named variables, 40 "layer_NN/bias", and the string "description".
  REQUIRE(r.entries().size() == 52);
  for (size_t i = 1; i < r.entries().size(); ++i)
    CHECK(r.entries()[i - 1].name < r.entries()[i].name);
  size_t checked = 0;
  for (const TfTensorEntry& e : r.entries()) {
    CAPTURE(e.name);
    if (e.name == "description") {
      CHECK(e.dtype == kTfString);
      continue;
    }
    const std::string key = "tiny/" + e.name;
    REQUIRE(dtypes.count(key) == 1);
    CHECK(numpy_name(e.dtype) == dtypes[key]);
    TfTensor t = r.read(e.name);
    CHECK(t.dtype == e.dtype);
    Tensor expected = test::fixture_tensor(fx, key);
    CHECK(t.shape == expected.shape());
    // Exact: the expected values are the stored ones converted to float32 by numpy.
    CHECK(t.data == expected.to_vector());
    ++checked;
  }
  CHECK(checked == 51);
  // Spot values that do not depend on the fixture file being right.
  CHECK(r.read("global_step").data == std::vector<float>{123456.0f});
  CHECK(r.read("half_precision").data == std::vector<float>{0.5f, -2.0f, 65504.0f, 6.1035156e-05f});
  CHECK(r.read("conv2d/kernel").shape == Shape{2, 3, 1, 4});
  CHECK(r.read("empty").shape == Shape{0, 3});
  CHECK(r.read("empty").data.empty());
  CHECK(r.find("no/such/variable") == nullptr);
}

TEST_CASE("reads a bundle merged from two data shards") {
  auto fx = test::load_fixture("tf_checkpoint_expected");
  TfCheckpointReader r(kFixtureDir + "sharded");
  CHECK(r.num_shards() == 2);
  CHECK(r.data_path(1) == kFixtureDir + "sharded.data-00001-of-00002");
  REQUIRE(r.entries().size() == 3);
  std::set<int32_t> shards;
  for (const TfTensorEntry& e : r.entries()) shards.insert(e.shard_id);
  CHECK(shards == std::set<int32_t>{0, 1});
  auto all = read_tf_checkpoint(kFixtureDir + "sharded");
  REQUIRE(all.size() == 3);
  for (auto& [name, t] : all) {
    CAPTURE(name);
    Tensor expected = test::fixture_tensor(fx, "sharded/" + name);
    CHECK(t.shape == expected.shape());
    CHECK(t.data == expected.to_vector());
  }
}

TEST_CASE("unconvertible dtypes, unknown names and missing files are clear errors") {
  TfCheckpointReader r(kFixtureDir + "tiny");
  std::string msg = error_of([&] { r.read("description"); });
  CHECK(msg.find("'description'") != std::string::npos);
  CHECK(msg.find("string") != std::string::npos);
  CHECK(error_of([] { read_tf_checkpoint(kFixtureDir + "tiny"); }).find("string") !=
        std::string::npos);
  msg = error_of([&] { r.read("dense/kernal"); });
  CHECK(msg.find("no variable 'dense/kernal'") != std::string::npos);
  CHECK(msg.find("tiny.index") != std::string::npos);
  msg = error_of([] { TfCheckpointReader bad(kFixtureDir + "absent"); });
  CHECK(msg.find("absent.index") != std::string::npos);

  TempDir tmp;
  write_bytes(tmp / "t.index", read_bytes(kFixtureDir + "tiny.index"));  // data shard missing
  TfCheckpointReader no_data(tmp / "t");
  msg = error_of([&] { no_data.read("beta1_power"); });
  CHECK(msg.find("t.data-00000-of-00001") != std::string::npos);
}

TEST_CASE("every truncation of the index is an error naming the file") {
  const auto bytes = read_bytes(kFixtureDir + "tiny.index");
  TempDir tmp;
  const std::string prefix = tmp / "cut";
  size_t errors = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + (long)n);
    std::string msg = error_of([&] { TfCheckpointReader r(prefix, cut); });
    if (!msg.empty() && msg.find("cut.index") != std::string::npos) ++errors;
  }
  CHECK(errors == bytes.size());
  // The same through the file system, for a few lengths.
  for (size_t n : {(size_t)0, (size_t)47, bytes.size() / 2, bytes.size() - 1}) {
    write_bytes(prefix + ".index", std::vector<uint8_t>(bytes.begin(), bytes.begin() + (long)n));
    CHECK(error_of([&] { TfCheckpointReader r(prefix); }).find("cut.index") != std::string::npos);
  }
}

TEST_CASE("every single-byte corruption of the index is detected") {
  const auto bytes = read_bytes(kFixtureDir + "tiny.index");
  TempDir tmp;
  const std::string prefix = tmp / "flip";
  fs::copy_file(kFixtureDir + "tiny.data-00000-of-00001", prefix + ".data-00000-of-00001");
  const size_t footer_handles = bytes.size() - 48;  // 40 bytes: 2 handles + zero padding
  size_t undetected_outside_padding = 0, undetected_padding = 0;
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    auto damaged = bytes;
    damaged[pos] ^= 0x10;
    std::string msg = error_of([&] {
      TfCheckpointReader r(prefix, damaged);
      REQUIRE(r.entries().size() == 52);  // the padding is unused: same table
      CHECK(r.read("conv2d/kernel").data.size() == 24);
    });
    if (msg.empty()) {
      // Only the footer's zero padding after the two varint handles is not covered by a CRC.
      if (pos >= footer_handles && pos < footer_handles + 40)
        ++undetected_padding;
      else
        ++undetected_outside_padding;
    } else {
      CHECK(msg.find("flip.index") != std::string::npos);
    }
  }
  CHECK(undetected_outside_padding == 0);
  CHECK(undetected_padding < 40);
}

// Corruption that slips past the CRC (a writer bug, or a crafted file) reaches the parsers: random
// bytes inside the data block with its CRC recomputed must give an error or a consistent
// table, never a crash or a read outside the buffer (run under ASan to see the latter).
TEST_CASE("corrupted entries behind a valid CRC are errors, never crashes") {
  const auto bytes = read_bytes(kFixtureDir + "tiny.index");
  // The footer's first handle is the metaindex block; TF writes the data block at 0 before it.
  size_t pos = bytes.size() - 48;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t b = bytes[pos++];
      v |= (uint64_t)(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  const uint64_t meta_offset = varint();
  REQUIRE(meta_offset > 5);
  const size_t data_size = meta_offset - 5;  // the data block, then its 5-byte trailer
  TempDir tmp;
  const std::string prefix = tmp / "fuzz";
  fs::copy_file(kFixtureDir + "tiny.data-00000-of-00001", prefix + ".data-00000-of-00001");
  uint64_t state = 12345;
  auto next = [&] {  // xorshift64: deterministic, no <random> distribution differences
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  size_t errors = 0, trials = 600;
  for (size_t trial = 0; trial < trials; ++trial) {
    auto damaged = bytes;
    for (uint64_t k = 0, n = 1 + next() % 4; k < n; ++k)
      damaged[next() % data_size] = (uint8_t)next();
    const uint32_t crc = crc32c_mask(crc32c(damaged.data(), data_size + 1));
    for (int i = 0; i < 4; ++i) damaged[data_size + 1 + i] = (uint8_t)(crc >> (8 * i));
    std::string msg = error_of([&] {
      TfCheckpointReader r(prefix, damaged);
      for (const TfTensorEntry& e : r.entries())
        if (tf_dtype_size(e.dtype) != 0) r.read(e.name);
    });
    if (!msg.empty()) {
      ++errors;
      CHECK(msg.find("fuzz.") != std::string::npos);  // names the index or the data shard
    }
  }
  CHECK(errors > trials / 2);  // most random damage is caught (the rest changes names/values)
}

TEST_CASE("truncated or corrupted data shards fail the crc32c or size checks") {
  const auto data = read_bytes(kFixtureDir + "tiny.data-00000-of-00001");
  TempDir tmp;
  const std::string prefix = tmp / "d";
  TfCheckpointReader r(prefix, read_bytes(kFixtureDir + "tiny.index"));
  // Each byte of the data shard belongs to exactly one variable.
  auto owner = [&](size_t pos) -> const TfTensorEntry* {
    for (const TfTensorEntry& e : r.entries())
      if ((int64_t)pos >= e.offset && (int64_t)pos < e.offset + e.size) return &e;
    return nullptr;
  };
  int64_t total = 0;
  for (const TfTensorEntry& e : r.entries()) total += e.size;
  CHECK(total == (int64_t)data.size());

  // A flipped bit is caught by the crc32c of the variable holding it (strings are never read).
  size_t detected = 0, expected = 0;
  for (size_t pos = 0; pos < data.size(); ++pos) {
    const TfTensorEntry* e = owner(pos);
    REQUIRE(e != nullptr);
    if (e->dtype == kTfString) continue;
    ++expected;
    auto damaged = data;
    damaged[pos] ^= 0x01;
    write_bytes(prefix + ".data-00000-of-00001", damaged);
    std::string msg = error_of([&] { r.read(e->name); });
    if (msg.find("crc32c mismatch") != std::string::npos &&
        msg.find("d.data-00000-of-00001") != std::string::npos &&
        msg.find("'" + e->name + "'") != std::string::npos)
      ++detected;
  }
  CHECK(expected > 300);
  CHECK(detected == expected);

  // A cut through a variable is reported as truncation; the variables before it still read.
  size_t truncations = 0, cuts = 0;
  for (size_t n = 0; n < data.size(); n += 5) {
    const TfTensorEntry* e = owner(n);
    if (e->dtype == kTfString || (int64_t)n == e->offset) continue;  // cut between variables
    ++cuts;
    write_bytes(prefix + ".data-00000-of-00001",
                std::vector<uint8_t>(data.begin(), data.begin() + (long)n));
    if (error_of([&] { r.read(e->name); }).find("truncated") != std::string::npos) ++truncations;
    for (const TfTensorEntry& before : r.entries())
      if (before.offset + before.size <= (int64_t)n && before.dtype != kTfString)
        CHECK_NOTHROW(r.read(before.name));
  }
  CHECK(cuts > 50);
  CHECK(truncations == cuts);
}

TEST_CASE("crc32c (engine/tensorboard.h) matches the published check values; masking inverts") {
  const char* digits = "123456789";
  CHECK(crc32c(digits, 9) == 0xE3069283u);
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF);
  CHECK(crc32c(zeros.data(), 32) == 0x8A9136AAu);  // RFC 3720 B.4
  CHECK(crc32c(ones.data(), 32) == 0x62A8AB43u);
  // Incremental use equals one pass.
  CHECK(crc32c(digits + 4, 5, crc32c(digits, 4)) == 0xE3069283u);
  for (uint32_t c : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu}) CHECK(crc32c_unmask(crc32c_mask(c)) == c);
  CHECK(crc32c_mask(0) == 0xa282ead8u);
}

// ---------------------------------------------------------------------------------------------
// A minimal table writer for hand-built checkpoints (LevelDB layout, one restart per block).

namespace {
struct Bytes {
  std::vector<uint8_t> b;
  void varint(uint64_t v) {
    while (v >= 0x80) b.push_back((uint8_t)(v | 0x80)), v >>= 7;
    b.push_back((uint8_t)v);
  }
  void fixed32(uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back((uint8_t)(v >> (8 * i)));
  }
  void raw(const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
  void raw(const std::vector<uint8_t>& s) { b.insert(b.end(), s.begin(), s.end()); }
  std::string str() const { return std::string(b.begin(), b.end()); }
};

// Protobuf fields.
void pb_varint(Bytes& m, uint32_t field, uint64_t v) {
  m.varint(field << 3 | 0);
  m.varint(v);
}
void pb_bytes(Bytes& m, uint32_t field, const std::string& s) {
  m.varint(field << 3 | 2);
  m.varint(s.size());
  m.raw(s);
}
void pb_fixed32(Bytes& m, uint32_t field, uint32_t v) {
  m.varint(field << 3 | 5);
  m.fixed32(v);
}

std::string header_proto(int64_t shards, int64_t endianness = 0) {
  Bytes m, version;
  pb_varint(version, 1, 1);  // producer
  pb_varint(m, 1, (uint64_t)shards);
  if (endianness) pb_varint(m, 2, (uint64_t)endianness);
  pb_bytes(m, 3, version.str());
  return m.str();
}

std::string entry_proto(int32_t dtype, const Shape& shape, int64_t offset, int64_t size,
                        uint32_t crc, bool sliced = false) {
  Bytes m, sh;
  for (int64_t d : shape) {
    Bytes dim;
    pb_varint(dim, 1, (uint64_t)d);
    pb_bytes(sh, 2, dim.str());
  }
  pb_varint(m, 1, (uint64_t)dtype);
  pb_bytes(m, 2, sh.str());
  if (offset) pb_varint(m, 4, (uint64_t)offset);
  pb_varint(m, 5, (uint64_t)size);
  pb_fixed32(m, 6, crc32c_mask(crc));
  if (sliced) pb_bytes(m, 7, "");
  return m.str();
}

using KV = std::vector<std::pair<std::string, std::string>>;

struct Table {
  Bytes file;
  uint8_t block_type = 0;  // 1 = "snappy", to test the refusal
  // Appends a block (entries with full keys, one restart) and its trailer; returns the handle.
  std::pair<uint64_t, uint64_t> block(const KV& entries) {
    Bytes blk;
    for (auto& [k, v] : entries) {
      blk.varint(0);
      blk.varint(k.size());
      blk.varint(v.size());
      blk.raw(k);
      blk.raw(v);
    }
    blk.fixed32(0);
    blk.fixed32(1);
    uint64_t offset = file.b.size();
    file.raw(blk.b);
    blk.b.push_back(block_type);
    file.b.push_back(block_type);
    file.fixed32(crc32c_mask(crc32c(blk.b.data(), blk.b.size())));
    return {offset, blk.b.size() - 1};
  }
  // Data blocks (each a list of entries), then the metaindex, index and footer.
  std::vector<uint8_t> build(const std::vector<KV>& blocks) {
    KV index;
    for (const KV& kv : blocks) {
      auto h = block(kv);
      Bytes handle;
      handle.varint(h.first);
      handle.varint(h.second);
      index.emplace_back(kv.back().first, handle.str());
    }
    auto meta = block({});
    auto idx = block(index);
    Bytes footer;
    footer.varint(meta.first);
    footer.varint(meta.second);
    footer.varint(idx.first);
    footer.varint(idx.second);
    footer.b.resize(40, 0);
    footer.fixed32(0x8b80fb57u);
    footer.fixed32(0xdb477524u);
    file.raw(footer.b);
    return file.b;
  }
};

std::vector<uint8_t> floats_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}
}  // namespace

TEST_CASE("hand-built tables: several data blocks, and each malformed case named") {
  TempDir tmp;
  const std::string prefix = tmp / "hand";
  const std::vector<float> a{1.5f, -2.0f}, b{42.0f};
  auto data = floats_bytes(a);
  auto bb = floats_bytes(b);
  data.insert(data.end(), bb.begin(), bb.end());
  write_bytes(prefix + ".data-00000-of-00001", data);
  const uint32_t crc_a = crc32c(data.data(), 8), crc_b = crc32c(data.data() + 8, 4);
  const std::string ea = entry_proto(kTfFloat, {2}, 0, 8, crc_a);
  const std::string eb = entry_proto(kTfFloat, {}, 8, 4, crc_b);

  auto build = [&](const std::vector<KV>& blocks, uint8_t type = 0) {
    Table t;
    t.block_type = type;
    write_bytes(prefix + ".index", t.build(blocks));
  };

  build({{{"", header_proto(1)}, {"a", ea}}, {{"b", eb}}});  // two data blocks
  auto all = read_tf_checkpoint(prefix);
  REQUIRE(all.size() == 2);
  CHECK(all["a"].data == a);
  CHECK(all["a"].shape == Shape{2});
  CHECK(all["b"].data == b);
  CHECK(all["b"].shape == Shape{});

  auto fails_with = [&](const std::string& needle) {
    std::string msg = error_of([&] { read_tf_checkpoint(prefix); });
    INFO("error: ", msg);
    CHECK(msg.find("hand.index") != std::string::npos);
    CHECK(msg.find(needle) != std::string::npos);
  };
  build({{{"", header_proto(1)}, {"a", ea}}, {{"b", eb}}}, 1);
  fails_with("compressed");
  build({{{"", header_proto(1)}, {"b", eb}}, {{"a", ea}}});
  fails_with("out of order");
  build({{{"a", ea}, {"b", eb}}});
  fails_with("no bundle header");
  build({{{"", header_proto(1, 1)}, {"a", ea}}});
  fails_with("big-endian");
  build({{{"", header_proto(2)}, {"a", entry_proto(kTfFloat, {2}, 0, 8, crc_a)}}});
  CHECK(error_of([&] { read_tf_checkpoint(prefix); }).find("hand.data-00000-of-00002") !=
        std::string::npos);  // the header's shard count names the data files
  build({{{"", header_proto(1)}, {"a", entry_proto(kTfFloat, {3}, 0, 8, crc_a)}}});
  fails_with("records 8 bytes");
  build({{{"", header_proto(1)}, {"a", entry_proto(kTfFloat, {2}, 0, 8, crc_a, true)}}});
  fails_with("partitioned");
  build({{{"", header_proto(1)}, {"a", entry_proto(kTfFloat, {2}, 0, 8, crc_a ^ 1)}}});
  std::string msg = error_of([&] { read_tf_checkpoint(prefix); });
  CHECK(msg.find("crc32c mismatch") != std::string::npos);
  CHECK(msg.find("hand.data-00000-of-00001") != std::string::npos);
  build({{{"", header_proto(1)}, {"a", "\x0b\x01"}}});  // field 1 with wire type 3 (a group)
  fails_with("wire type 3");
  build({{{"", header_proto(1)}, {"a", "\x08"}}});  // a tag, then no value
  fails_with("truncated varint");
}
