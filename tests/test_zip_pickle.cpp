// test_zip_pickle.cpp — the two containers of PyTorch checkpoints: the zip reader (entries of a
// torch.save file, hand-made plain and ZIP64 archives, and every unsupported or damaged case) and
// the pickle reader (each supported opcode against known values written by CPython's pickle,
// unsupported opcodes named with their offset, malformed input) — plus fuzzing: every truncation
// and thousands of random byte flips of a real torch pickle and archive end in a clear syn::Error
// or a successful read, never a crash or another exception.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/io/pickle_reader.h"
#include "engine/io/torch_checkpoint.h"
#include "engine/io/zip_reader.h"
#include "engine/rng.h"

using namespace syn;
using pickle::Kind;
using pickle::ValuePtr;
namespace fs = std::filesystem;

static std::string fixture(const std::string& name) {
  return std::string(SYN_FIXTURE_DIR) + "/" + name;
}

static std::vector<uint8_t> read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture ", p, " (tests/reference/gen_torch_checkpoint.py)");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

static std::vector<uint8_t> unhex(const char* hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; hex[i] && hex[i + 1]; i += 2)
    out.push_back((uint8_t)std::stoi(std::string(hex + i, 2), nullptr, 16));
  return out;
}

static std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// The message of the syn::Error that `f` throws ("" if it does not throw one).
template <class F>
static std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

static bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// ---------------------------------------------------------------- hand-made zip archives

struct ZipFile {
  std::string name, data;
  uint16_t method = 0, flags = 0;
};

static void put16(std::vector<uint8_t>& o, uint32_t v) {
  o.push_back((uint8_t)v);
  o.push_back((uint8_t)(v >> 8));
}
static void put32(std::vector<uint8_t>& o, uint32_t v) {
  put16(o, v & 0xFFFF);
  put16(o, v >> 16);
}
static void put64(std::vector<uint8_t>& o, uint64_t v) {
  put32(o, (uint32_t)v);
  put32(o, (uint32_t)(v >> 32));
}
static void put(std::vector<uint8_t>& o, const std::string& s) {
  o.insert(o.end(), s.begin(), s.end());
}

// A zip of stored entries, per APPNOTE; with `zip64` every size and offset goes through the ZIP64
// extra field and the ZIP64 end records (0xFFFF... in the 32-bit fields), as writers do past 4 GiB.
static std::vector<uint8_t> make_zip(const std::vector<ZipFile>& files, bool zip64) {
  std::vector<uint8_t> o, cd;
  for (const ZipFile& f : files) {
    uint32_t crc = crc32(f.data.data(), f.data.size());
    uint64_t offset = o.size();
    put32(o, 0x04034b50);
    put16(o, zip64 ? 45 : 20);
    put16(o, f.flags);
    put16(o, f.method);
    put32(o, 0);  // time, date
    put32(o, crc);
    put32(o, (uint32_t)f.data.size());
    put32(o, (uint32_t)f.data.size());
    put16(o, (uint32_t)f.name.size());
    put16(o, 0);
    put(o, f.name);
    put(o, f.data);

    put32(cd, 0x02014b50);
    put16(cd, 45);
    put16(cd, zip64 ? 45 : 20);
    put16(cd, f.flags);
    put16(cd, f.method);
    put32(cd, 0);
    put32(cd, crc);
    put32(cd, zip64 ? 0xFFFFFFFFu : (uint32_t)f.data.size());
    put32(cd, zip64 ? 0xFFFFFFFFu : (uint32_t)f.data.size());
    put16(cd, (uint32_t)f.name.size());
    put16(cd, zip64 ? 28 : 0);
    put16(cd, 0);  // comment
    put16(cd, 0);  // disk
    put16(cd, 0);  // internal attributes
    put32(cd, 0);  // external attributes
    put32(cd, zip64 ? 0xFFFFFFFFu : (uint32_t)offset);
    put(cd, f.name);
    if (zip64) {
      put16(cd, 0x0001);
      put16(cd, 24);
      put64(cd, f.data.size());
      put64(cd, f.data.size());
      put64(cd, offset);
    }
  }
  uint64_t cd_offset = o.size();
  o.insert(o.end(), cd.begin(), cd.end());
  if (zip64) {
    uint64_t end64 = o.size();
    put32(o, 0x06064b50);
    put64(o, 44);
    put16(o, 45);
    put16(o, 45);
    put32(o, 0);
    put32(o, 0);
    put64(o, files.size());
    put64(o, files.size());
    put64(o, cd.size());
    put64(o, cd_offset);
    put32(o, 0x07064b50);
    put32(o, 0);
    put64(o, end64);
    put32(o, 1);
  }
  put32(o, 0x06054b50);
  put16(o, 0);
  put16(o, 0);
  put16(o, zip64 ? 0xFFFF : (uint32_t)files.size());
  put16(o, zip64 ? 0xFFFF : (uint32_t)files.size());
  put32(o, zip64 ? 0xFFFFFFFFu : (uint32_t)cd.size());
  put32(o, zip64 ? 0xFFFFFFFFu : (uint32_t)cd_offset);
  put16(o, 0);
  return o;
}

static std::string as_string(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }

TEST_CASE("zip: the entries of a file torch.save wrote") {
  ZipReader z = ZipReader::open(fixture("torch_misc.pt"));
  REQUIRE(z.find("torch_misc/data.pkl") != nullptr);
  REQUIRE(z.find("torch_misc/version") != nullptr);
  CHECK(z.find("torch_misc/nope") == nullptr);
  CHECK(as_string(z.read("torch_misc/version")) == "3\n");
  std::vector<uint8_t> pkl = z.read("torch_misc/data.pkl");
  REQUIRE(pkl.size() > 2);
  CHECK(pkl[0] == 0x80);  // PROTO 2
  CHECK(pkl[1] == 2);
  CHECK(pkl.back() == '.');  // STOP
  int records = 0;
  for (const ZipEntry& e : z.entries()) {
    CHECK(e.method == 0);
    if (e.name.rfind("torch_misc/data/", 0) == 0) {
      ++records;
      CHECK(z.read(e).size() == e.size);
    }
  }
  // 16 tensors over 14 storages ("sliced"/"strided" and "transposed"/"row" share theirs).
  CHECK(records == 14);
  CHECK(has(error_of([&] { z.read("torch_misc/nope"); }), "has no entry 'torch_misc/nope'"));
}

TEST_CASE("zip: hand-made archives, plain and ZIP64, read the same") {
  std::vector<ZipFile> files = {
      {"a/data.pkl", "hello"}, {"a/data/0", std::string(1000, 'x')}, {"a/empty", ""}};
  for (bool zip64 : {false, true}) {
    CAPTURE(zip64);
    ZipReader z = ZipReader::from_bytes(make_zip(files, zip64), "mem.zip");
    REQUIRE(z.entries().size() == 3);
    for (const ZipFile& f : files) {
      CHECK(z.find(f.name) != nullptr);
      CHECK(as_string(z.read(f.name)) == f.data);
    }
    CHECK(z.entries()[1].size == 1000);
  }
}

TEST_CASE("zip: unsupported and damaged archives are clear errors naming the file") {
  auto open = [](std::vector<uint8_t> b) { return ZipReader::from_bytes(std::move(b), "bad.zip"); };
  ZipFile deflated{"m/data.pkl", "xyz", 8, 0};
  std::string e = error_of([&] { open(make_zip({deflated}, false)).read("m/data.pkl"); });
  CHECK(has(e, "bad.zip"));
  CHECK(has(e, "m/data.pkl"));
  CHECK(has(e, "compressed (method 8, deflate)"));
  ZipFile encrypted{"m/x", "xyz", 0, 1};
  CHECK(has(error_of([&] { open(make_zip({encrypted}, false)).read("m/x"); }), "encrypted"));

  std::vector<uint8_t> good = make_zip({{"m/x", "payload"}}, false);
  const size_t central = 30 + 3 + 7;  // local header, name, payload
  std::vector<uint8_t> b = good;
  b[30 + 3 + 2] ^= 0xFF;  // a byte of the payload
  CHECK(has(error_of([&] { open(b).read("m/x"); }), "is corrupt: CRC-32"));
  b = good;
  b.resize(b.size() - 5);
  CHECK(has(error_of([&] { open(b); }), "no end-of-central-directory record"));
  b = good;
  b[central] = 'Q';  // the central header's signature
  CHECK(has(error_of([&] { open(b); }), "bad signature"));
  b = good;
  b[0] = 'Q';  // the local header's signature
  CHECK(has(error_of([&] { open(b).read("m/x"); }), "bad local header signature"));
  CHECK(has(error_of([&] { open({}); }), "not a zip archive"));
  CHECK(has(error_of([&] { open(bytes_of(std::string(100, 'z'))); }), "no end-of-central"));
  // The end record promises more entries than the directory holds.
  b = good;
  b[b.size() - 22 + 10] = 9;
  b[b.size() - 22 + 8] = 9;
  CHECK(has(error_of([&] { open(b); }), "cannot fit"));
  // A multi-disk archive.
  b = good;
  b[b.size() - 22 + 4] = 1;
  CHECK(has(error_of([&] { open(b); }), "multi-disk"));
  // ZIP64 sizes in the end record without the ZIP64 records.
  b = good;
  std::memset(b.data() + b.size() - 22 + 16, 0xFF, 4);
  CHECK(has(error_of([&] { open(b); }), "ZIP64"));
  // A missing file.
  CHECK(has(error_of([] { ZipReader::open("/nonexistent/x.pt"); }),
            "zip archive '/nonexistent/x.pt': cannot open"));
}

TEST_CASE("zips that are not checkpoints: a release archive around a .pt, and any other zip") {
  std::string tmp =
      (fs::temp_directory_path() / ("syn_notckpt_" + std::to_string(::getpid()) + ".zip")).string();
  auto write = [&](const std::vector<uint8_t>& b) {
    std::ofstream(tmp, std::ios::binary).write((const char*)b.data(), (std::streamsize)b.size());
  };
  write(make_zip({{"clmr_checkpoint_10000.pt", "..."}, {"clmr_checkpoint_10000_optim.pt", ".."}},
                 false));
  std::string e = error_of([&] { load_torch_checkpoint(tmp); });
  CHECK(has(e, "holding the checkpoint 'clmr_checkpoint_10000.pt'"));
  CHECK(has(e, "extract it first"));
  write(make_zip({{"readme.txt", "hi"}}, false));
  CHECK(has(error_of([&] { load_torch_checkpoint(tmp); }), "no <name>/data.pkl"));
  // A checkpoint-shaped zip whose pickle is not a dict.
  write(make_zip({{"a/data.pkl", "\x80\x02K\x05."}}, true));
  CHECK(has(error_of([&] { load_torch_checkpoint(tmp); }), "holds a int 5, not a dict of tensors"));
  fs::remove(tmp);
}

// ---------------------------------------------------------------- pickle

// pickle.dumps({'a': [1, -2, 300, 70000, -70000, 3.5, True, False, None, 'x'], 'b': (1, 2),
//               't3': (1, 2, 3), 't4': (1, 2, 3, 4), 'big': 2**70, 'neg': -2**40, 'p': lst,
//               'q': lst, 'by': b'\x01\x02'}, protocol=2) with lst = [1] (CPython 3.11)
static const char* kProto2 =
    "80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff47400c00000000"
    "000088894e58010000007871036558010000006271044b014b028671055802000000743371064b014b024b0387"
    "7107580200000074347108284b014b024b034b047471095803000000626967710a8a0900000000000000004058"
    "030000006e6567710b8a060000000000ff580100000070710c5d710d4b0161580100000071710e680d58020000"
    "006279710f635f636f646563730a656e636f64650a711058020000000102711158060000006c6174696e317112"
    "867113527114752e";
// pickle.dumps({'k': b'ab', 'o': OrderedDict(a=1), 'u': 'é'}, protocol=4)
static const char* kProto4 =
    "80049543000000000000007d94288c016b9443026162948c016f948c0b636f6c6c656374696f6e73948c0b4f72"
    "6465726564446963749493942952948c0161944b01738c0175948c02c3a994752e";

static ValuePtr unpickle(const std::vector<uint8_t>& b, size_t* consumed = nullptr) {
  return pickle::load(b.data(), b.size(), "test.pkl", consumed);
}

TEST_CASE("pickle: protocol 2 values as CPython wrote them") {
  std::vector<uint8_t> b = unhex(kProto2);
  size_t consumed = 0;
  ValuePtr v = unpickle(b, &consumed);
  CHECK(consumed == b.size());
  REQUIRE(v->is(Kind::Dict));
  REQUIRE(v->entries.size() == 9);
  CHECK(v->entries[0].first->text == "a");  // insertion order kept
  CHECK(v->entries[8].first->text == "by");
  ValuePtr a = v->get("a");
  REQUIRE(a->is(Kind::List));
  REQUIRE(a->items.size() == 10);
  CHECK(a->items[0]->i == 1);
  CHECK(a->items[1]->i == -2);
  CHECK(a->items[2]->i == 300);
  CHECK(a->items[3]->i == 70000);
  CHECK(a->items[4]->i == -70000);
  CHECK(a->items[5]->is(Kind::Float));
  CHECK(a->items[5]->f == 3.5);
  CHECK((a->items[6]->is(Kind::Bool) && a->items[6]->b));
  CHECK((a->items[7]->is(Kind::Bool) && !a->items[7]->b));
  CHECK(a->items[8]->is(Kind::None));
  CHECK(a->items[9]->text == "x");
  CHECK(v->get("b")->is(Kind::Tuple));
  CHECK(v->get("b")->items.size() == 2);
  CHECK(v->get("t3")->items.size() == 3);
  CHECK(v->get("t3")->items[2]->i == 3);
  CHECK(v->get("t4")->items.size() == 4);
  CHECK(v->get("t4")->items[3]->i == 4);
  ValuePtr big = v->get("big");  // 2**70: 9 little-endian bytes
  REQUIRE(big->is(Kind::BigInt));
  CHECK(big->text == std::string("\0\0\0\0\0\0\0\0\x40", 9));
  CHECK(v->get("neg")->i == -(int64_t(1) << 40));
  CHECK(v->get("p") == v->get("q"));  // BINGET returns the same object
  CHECK(v->get("p")->items[0]->i == 1);
  ValuePtr by = v->get("by");  // protocol 2 pickles bytes as _codecs.encode(str, 'latin1')
  CHECK(by->is_call_of("_codecs", "encode"));
  CHECK(by->args->items[1]->text == "latin1");
  CHECK(v->get("nope") == nullptr);
}

TEST_CASE("pickle: protocol 4 framing, MEMOIZE, STACK_GLOBAL, bytes, OrderedDict") {
  ValuePtr v = unpickle(unhex(kProto4));
  REQUIRE(v->is(Kind::Dict));
  CHECK(v->get("k")->is(Kind::Bytes));
  CHECK(v->get("k")->text == "ab");
  ValuePtr o = v->get("o");
  REQUIRE(o->is(Kind::Dict));  // OrderedDict() becomes a Dict
  CHECK(o->get("a")->i == 1);
  CHECK(v->get("u")->text == "\xc3\xa9");  // UTF-8 kept as is
}

TEST_CASE("pickle: unsupported opcodes and malformed input are errors with the offset") {
  // pickle.dumps([1], protocol=0) == b'(lp0\nI1\na.': MARK, then LIST at offset 1.
  std::string e = error_of([] { unpickle(bytes_of("(lp0\nI1\na.")); });
  CHECK(has(e, "test.pkl"));
  CHECK(has(e, "LIST (0x6c) at offset 1"));
  CHECK(has(error_of([] { unpickle(bytes_of("\x80\x02.")); }), "stack underflow"));
  CHECK(has(error_of([] { unpickle(bytes_of("\x80\x02h\x07.")); }), "memo key 7 was never stored"));
  CHECK(has(error_of([] { unpickle(bytes_of("\x80\x02}(K\x01u.")); }), "odd number"));
  CHECK(has(error_of([] {
              unpickle(
                  bytes_of("\x80\x02}K\x01"
                           "a."));
            }),
            "cannot append to a dict"));
  CHECK(has(error_of([] { unpickle(bytes_of("\x80\x02]K\x01K\x02s.")); }), "cannot set items"));
  CHECK(has(error_of([] {
              unpickle(
                  bytes_of("\x80\x02X\xff\xff\xff\x7f"
                           "abc."));
            }),
            "runs past the end"));
  CHECK(has(error_of([] { unpickle(bytes_of("\x80\x02K")); }), "truncated"));
  CHECK(has(error_of([] { unpickle(bytes_of("\x80\x02N")); }), "without a STOP"));
  CHECK(has(error_of([] {
              unpickle(
                  bytes_of("\x80\x02"
                           "cmod\nname"));
            }),
            "truncated"));
  CHECK(has(error_of([] { unpickle(bytes_of("\x80\x09N.")); }), "protocol 9"));
  CHECK(has(error_of([] {
              unpickle(
                  bytes_of("\x80\x02"
                           "1."));
            }),
            "no MARK"));
  CHECK(has(error_of([] { unpickle(bytes_of("\x80\x02K\x01K\x02R.")); }), "not a tuple"));
  CHECK(has(error_of([] {
              unpickle(
                  bytes_of("\x80\x02"
                           "\xf0."));
            }),
            "unknown (0xf0) at offset 2"));
  // A list that contains itself (BINGET of the list, then APPEND into it).
  CHECK(has(error_of([] {
              unpickle(
                  bytes_of(std::string("\x80\x02]q\x00"
                                       "h\x00"
                                       "a.",
                                       9)));
            }),
            "contains itself"));
  // 200,000 nested 1-tuples: built and destroyed without recursion.
  std::string deep = "\x80\x02N" + std::string(200000, '\x85') + ".";
  ValuePtr v = unpickle(bytes_of(deep));
  CHECK(v->is(Kind::Tuple));
  v.reset();
}

// ---------------------------------------------------------------- fuzzing

// Runs `f`; a syn::Error is an accepted outcome, any other exception fails the test.
template <class F>
static bool survives(F&& f) {
  try {
    f();
    return true;
  } catch (const Error&) {
    return true;
  } catch (const std::exception& e) {
    FAIL_CHECK("a non-syn exception escaped: ", e.what());
    return false;
  }
}

TEST_CASE("fuzz: every truncation of a torch pickle is an error; byte flips never crash") {
  ZipReader z = ZipReader::open(fixture("torch_clmr_encoder_lightning.pt"));
  std::vector<uint8_t> pkl = z.read("archive/data.pkl");
  REQUIRE(pkl.size() > 1000);
  CHECK(unpickle(pkl)->is(Kind::Dict));
  // Cuts every 5 bytes, and at each of the last 64 (where a parse gets furthest).
  int cuts = 0, truncation_errors = 0;
  for (size_t n = 0; n < pkl.size(); n += (n + 64 < pkl.size() ? 5 : 1)) {
    ++cuts;
    try {
      pickle::load(pkl.data(), n, "cut.pkl");
    } catch (const Error&) {
      ++truncation_errors;
    }
  }
  CHECK(truncation_errors == cuts);  // a prefix never ends with its STOP
  Rng rng(7);
  int failed = 0, ok = 0;
  for (int it = 0; it < 1500; ++it) {
    std::vector<uint8_t> b = pkl;
    int flips = 1 + (int)rng.randint(3);
    for (int k = 0; k < flips; ++k)
      b[(size_t)rng.randint((int64_t)b.size())] ^= (uint8_t)(1 + rng.randint(255));
    bool threw = false;
    CHECK(survives([&] {
      try {
        pickle::load(b.data(), b.size(), "flipped.pkl");
      } catch (const Error&) {
        threw = true;
        throw;
      }
    }));
    (threw ? failed : ok)++;
  }
  MESSAGE("pickle byte flips: ", failed, " rejected, ", ok, " still parsed");
  CHECK(failed > 300);  // the reader does notice damage
}

TEST_CASE("fuzz: truncated and byte-flipped checkpoint files fail cleanly") {
  std::vector<uint8_t> file = read_all(fixture("torch_misc.pt"));
  std::string tmp =
      (fs::temp_directory_path() / ("syn_fuzz_" + std::to_string(::getpid()) + ".pt")).string();
  auto write = [&](const std::vector<uint8_t>& b, size_t n) {
    std::ofstream(tmp, std::ios::binary).write((const char*)b.data(), (std::streamsize)n);
  };
  for (size_t n = 0; n < file.size(); n += 13) {
    write(file, n);
    CHECK_THROWS_AS(load_torch_checkpoint(tmp), Error);
  }
  Rng rng(11);
  int rejected = 0;
  for (int it = 0; it < 300; ++it) {
    std::vector<uint8_t> b = file;
    int flips = 1 + (int)rng.randint(4);
    for (int k = 0; k < flips; ++k)
      b[(size_t)rng.randint((int64_t)b.size())] ^= (uint8_t)(1 + rng.randint(255));
    write(b, b.size());
    CHECK(survives([&] {
      try {
        load_torch_checkpoint(tmp);
      } catch (const Error&) {
        ++rejected;
        throw;
      }
    }));
  }
  MESSAGE("archive byte flips: ", rejected, " of 300 rejected");
  CHECK(rejected > 150);  // most flips hit the CRC-checked payloads or the headers
  // The legacy format: every truncation is an error too.
  std::vector<uint8_t> legacy = read_all(fixture("torch_misc_legacy.pt"));
  for (size_t n = 0; n < legacy.size(); n += 7) {
    write(legacy, n);
    CHECK_THROWS_AS(load_torch_checkpoint(tmp), Error);
  }
  fs::remove(tmp);
}
