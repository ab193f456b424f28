// test_tensorboard.cpp — run logging: TensorBoard event files (read back by an independent
// decoder written here) and the Progress line (formatting and ETA with an injected clock).
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "engine/check.h"
#include "engine/progress.h"
#include "engine/tensorboard.h"

using namespace syn;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// An independent minimal reader: bit-by-bit CRC-32C, TFRecord framing, protobuf fields.

static uint32_t ref_crc32c(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char byte : s) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
  }
  return ~c;
}
static uint32_t ref_mask(uint32_t c) { return ((c >> 15) | (c << 17)) + 0xa282ead8u; }

static uint64_t le(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= (uint64_t)(uint8_t)s[at + i] << (8 * i);
  return v;
}

// Record payloads of a TFRecord file; throws on a bad CRC or a truncated record.
static std::vector<std::string> read_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string f{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<std::string> out;
  size_t p = 0;
  while (p < f.size()) {
    SYN_CHECK(p + 12 <= f.size(), "truncated header at ", p);
    uint64_t n = le(f, p, 8);
    SYN_CHECK(ref_mask(ref_crc32c(f.substr(p, 8))) == le(f, p + 8, 4), "length CRC at ", p);
    SYN_CHECK(p + 12 + n + 4 <= f.size(), "truncated record at ", p);
    std::string data = f.substr(p + 12, n);
    SYN_CHECK(ref_mask(ref_crc32c(data)) == le(f, p + 12 + n, 4), "data CRC at ", p);
    out.push_back(data);
    p += 12 + n + 4;
  }
  return out;
}

struct Field {
  uint32_t number = 0, wire = 0;
  uint64_t u = 0;     // varint / fixed64 / fixed32 bits
  std::string bytes;  // wire type 2
};

static std::vector<Field> fields(const std::string& s) {
  std::vector<Field> out;
  size_t p = 0;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      SYN_CHECK(p < s.size() && shift < 64, "bad varint");
      uint8_t b = (uint8_t)s[p++];
      v |= (uint64_t)(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (p < s.size()) {
    uint64_t key = varint();
    Field f;
    f.number = (uint32_t)(key >> 3);
    f.wire = (uint32_t)(key & 7);
    if (f.wire == 0) {
      f.u = varint();
    } else if (f.wire == 1 || f.wire == 5) {
      int n = f.wire == 1 ? 8 : 4;
      SYN_CHECK(p + n <= s.size(), "truncated fixed field");
      f.u = le(s, p, n);
      p += n;
    } else if (f.wire == 2) {
      uint64_t n = varint();
      SYN_CHECK(p + n <= s.size(), "truncated bytes field");
      f.bytes = s.substr(p, n);
      p += n;
    } else {
      SYN_FAIL("unexpected wire type ", f.wire);
    }
    out.push_back(f);
  }
  return out;
}

struct Event {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  std::vector<std::pair<std::string, float>> values;
};

static Event decode_event(const std::string& data) {
  Event e;
  for (const Field& f : fields(data)) {
    if (f.number == 1 && f.wire == 1) {
      std::memcpy(&e.wall_time, &f.u, 8);
    } else if (f.number == 2 && f.wire == 0) {
      e.step = (int64_t)f.u;
    } else if (f.number == 3 && f.wire == 2) {
      e.file_version = f.bytes;
    } else if (f.number == 5 && f.wire == 2) {
      for (const Field& v : fields(f.bytes)) {
        REQUIRE((v.number == 1 && v.wire == 2));
        std::pair<std::string, float> tv{"", 0.0f};
        for (const Field& x : fields(v.bytes)) {
          if (x.number == 1 && x.wire == 2) tv.first = x.bytes;
          if (x.number == 2 && x.wire == 5) {
            uint32_t bits = (uint32_t)x.u;
            std::memcpy(&tv.second, &bits, 4);
          }
        }
        e.values.push_back(tv);
      }
    } else {
      FAIL("unexpected Event field ", f.number);
    }
  }
  return e;
}

static fs::path temp_dir(const std::string& name) {
  return fs::temp_directory_path() / ("syn_test_tb_" + name + "_" + std::to_string(getpid()));
}

static std::vector<fs::path> event_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& de : fs::directory_iterator(dir)) out.push_back(de.path());
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("crc32c matches the standard check values") {
  CHECK(crc32c("123456789", 9) == 0xE3069283u);
  std::string zeros(32, '\0'), ones(32, '\xFF'), inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = (char)i;
  CHECK(crc32c(zeros.data(), 32) == 0x8A9136AAu);  // RFC 3720 B.4
  CHECK(crc32c(ones.data(), 32) == 0x62A8AB43u);
  CHECK(crc32c(inc.data(), 32) == 0x46DD794Eu);
  CHECK(crc32c("", 0) == 0u);
  // Chaining equals one pass, and the table agrees with the bit-by-bit reference.
  std::string text = "The quick brown fox jumps over the lazy dog";
  CHECK(crc32c(text.data() + 10, text.size() - 10, crc32c(text.data(), 10)) ==
        crc32c(text.data(), text.size()));
  CHECK(crc32c(text.data(), text.size()) == ref_crc32c(text));
  CHECK(masked_crc32c(text.data(), text.size()) == ref_mask(ref_crc32c(text)));
  CHECK(masked_crc32c("123456789", 9) == ref_mask(0xE3069283u));
}

TEST_CASE("an Event is encoded byte for byte as protobuf would") {
  fs::path dir = temp_dir("bytes");
  {
    SummaryWriter w(dir.string());
    w.add_scalar("a", 1.0, 5, 1.0);
    w.add_scalar("loss", -2.5, -1, 2.0);
  }
  auto recs = read_records(event_files(dir).at(0).string());
  REQUIRE(recs.size() == 3);
  // wall_time 1.0 (field 1, fixed64), step 5 (field 2, varint),
  // summary (field 5) { value (field 1) { tag "a" (field 1), simple_value 1.0f (field 2) } }
  const unsigned char want[] = {0x09, 0,    0,    0,    0,    0,    0,    0xF0,
                                0x3F, 0x10, 0x05, 0x2A, 0x0A, 0x0A, 0x08, 0x0A,
                                0x01, 'a',  0x15, 0,    0,    0x80, 0x3F};
  CHECK(recs[1] == std::string((const char*)want, sizeof want));
  // A negative step takes ten varint bytes (two's complement as uint64), as protobuf does.
  Event e = decode_event(recs[2]);
  CHECK(e.step == -1);
  CHECK(recs[2].size() == 9 + 1 + 10 + 2 + 2 + 2 + 4 + 5);
  fs::remove_all(dir);
}

TEST_CASE("scalars written by SummaryWriter read back with tags, values, steps and times") {
  fs::path dir = temp_dir("scalars");
  fs::path run = dir / "runs" / "clmr_0";  // nested directories are created
  std::string path;
  {
    SummaryWriter w(run.string());
    path = w.path();
    for (int s = 0; s < 50; ++s) w.add_scalar("train/loss", 4.0 / (1 + s), s * 10);
    w.add_scalars({{"valid/auc", 0.875}, {"valid/ap", 1e-7}, {"train/lr", 3e-4}}, 500,
                  1700000000.25);
    w.add_scalar("big", 1e30, int64_t(1) << 40);
    w.flush();
    // Flushed data is readable while the writer is still open (TensorBoard reads live runs).
    CHECK(read_records(path).size() == 53);
  }
  REQUIRE(event_files(run).size() == 1);
  std::string name = fs::path(path).filename().string();
  CHECK(std::regex_match(name, std::regex(R"(events\.out\.tfevents\.\d{10}\.[^/.][^/]*)")));

  auto recs = read_records(path);
  REQUIRE(recs.size() == 53);
  Event first = decode_event(recs[0]);
  CHECK(first.file_version == "brain.Event:2");
  CHECK(first.values.empty());
  double now = (double)std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  CHECK(first.wall_time > now - 600);
  CHECK(first.wall_time <= now + 1);
  for (int s = 0; s < 50; ++s) {
    Event e = decode_event(recs[1 + s]);
    CHECK(e.file_version.empty());
    CHECK(e.step == s * 10);
    REQUIRE(e.values.size() == 1);
    CHECK(e.values[0].first == "train/loss");
    CHECK(e.values[0].second == (float)(4.0 / (1 + s)));
    CHECK(e.wall_time >= first.wall_time);
  }
  Event multi = decode_event(recs[51]);
  CHECK(multi.step == 500);
  CHECK(multi.wall_time == 1700000000.25);
  REQUIRE(multi.values.size() == 3);
  CHECK(multi.values[0] == std::pair<std::string, float>{"valid/auc", 0.875f});
  CHECK(multi.values[1] == std::pair<std::string, float>{"valid/ap", 1e-7f});
  CHECK(multi.values[2] == std::pair<std::string, float>{"train/lr", 3e-4f});
  Event big = decode_event(recs[52]);
  CHECK(big.step == int64_t(1) << 40);
  CHECK(big.values.at(0).second == 1e30f);
  fs::remove_all(dir);
}

TEST_CASE("the reader catches damage, and writers never share a file") {
  fs::path dir = temp_dir("damage");
  std::string p1, p2;
  {
    SummaryWriter a(dir.string()), b(dir.string());  // same second, same host
    p1 = a.path();
    p2 = b.path();
    a.add_scalar("x", 1.0, 1);
    b.add_scalar("y", 2.0, 1);
  }
  CHECK(p1 != p2);
  CHECK(event_files(dir).size() == 2);
  CHECK(decode_event(read_records(p2).at(1)).values.at(0).first == "y");
  // Flip one bit of the last record's value: the data CRC must catch it.
  std::string bytes;
  {
    std::ifstream in(p1, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes[bytes.size() - 6] ^= 0x01;
  std::ofstream(p1, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), (std::streamsize)bytes.size());
  CHECK_THROWS_AS(read_records(p1), Error);
  CHECK_THROWS_AS(SummaryWriter(dir.string()).add_scalar("", 1.0, 0), Error);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Progress, driven by a fake clock.

struct FakeClock {
  double t = 100.0;
  Progress::Clock fn() {
    return [this] { return t; };
  }
};

static std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST_CASE("progress line: format, rate and ETA arithmetic") {
  FakeClock clk;
  std::ostringstream os;
  ProgressOptions opt;
  opt.every_seconds = 10.0;
  Progress p(1000, os, opt, clk.fn());
  for (int s = 1; s <= 120; ++s) {
    clk.t += 0.5;  // 0.5 s per step of 32 samples: 64 samples/s, 880 steps left = 440 s
    bool printed = p.update(s, 32, {{"loss", 4.12344}, {"lr", 3.0e-4}});
    CHECK(printed == (s % 20 == 0));  // every 10 s of fake time
  }
  auto lines = lines_of(os.str());
  REQUIRE(lines.size() == 6);
  CHECK(lines.back() == "step 120/1000 | loss 4.1234 | lr 3.0e-04 | 64.0 samples/s | ETA 00:07:20");
  CHECK(lines[0] == "step 20/1000 | loss 4.1234 | lr 3.0e-04 | 64.0 samples/s | ETA 00:08:10");
  CHECK(p.rate() == doctest::Approx(64.0));
  CHECK(p.eta_seconds() == doctest::Approx(440.0));
  CHECK(p.elapsed() == doctest::Approx(60.0));
}

TEST_CASE("progress rate is smoothed per step, also across gaps") {
  FakeClock clk;
  std::ostringstream os;
  ProgressOptions opt;
  opt.every_seconds = 0;
  opt.smoothing = 0.1;
  Progress p(10000, os, opt, clk.fn());
  clk.t += 10.0;  // a slow first step (start-up)
  p.update(1, 8);
  CHECK(p.rate() == doctest::Approx(0.8));
  double expect = 10.0;
  for (int s = 2; s <= 30; ++s) {
    clk.t += 0.25;
    p.update(s, 8);
    expect += 0.1 * (0.25 - expect);
  }
  CHECK(p.rate() == doctest::Approx(8.0 / expect).epsilon(1e-12));
  CHECK(p.eta_seconds() == doctest::Approx(expect * (10000 - 30)).epsilon(1e-12));
  // Jumping 10 steps in 2.5 s is ten 0.25 s steps: weight 1 - 0.9^10, not 0.1.
  clk.t += 2.5;
  p.update(40, 8);
  expect += (1.0 - std::pow(0.9, 10)) * (0.25 - expect);
  CHECK(p.rate() == doctest::Approx(8.0 / expect).epsilon(1e-12));
  CHECK(os.str().empty());  // every_seconds 0 and every_steps 0: only the last step prints
  CHECK_THROWS_AS(p.update(40, 8), Error);  // steps must increase
}

TEST_CASE("progress prints every K steps, always at the end, and on finish()") {
  FakeClock clk;
  std::ostringstream os;
  ProgressOptions opt;
  opt.every_seconds = 0;
  opt.every_steps = 25;
  opt.prefix = "train";
  Progress p(110, os, opt, clk.fn());
  for (int s = 1; s <= 110; ++s) {
    clk.t += 0.035;
    p.update(s, 0, {{"loss", 0.5, "%.2f"}});
  }
  auto lines = lines_of(os.str());
  REQUIRE(lines.size() == 5);  // 25, 50, 75, 100 and the last step
  CHECK(lines[0].rfind("train | step 25/110 | loss 0.50 | 28.57 it/s | ETA 00:00:03", 0) == 0);
  // The final line reports the elapsed time: 110 × 0.035 = 3.85 s → 00:00:04.
  CHECK(lines[4] == "train | step 110/110 | loss 0.50 | 28.57 it/s | done in 00:00:04");
  p.finish();  // already printed
  CHECK(lines_of(os.str()).size() == 5);

  // A loop that stops early prints its last state once on finish().
  std::ostringstream os2;
  opt.every_steps = 0;
  opt.every_seconds = 1e9;
  opt.prefix = "";
  Progress q(100, os2, opt, clk.fn());
  for (int s = 1; s <= 42; ++s) clk.t += 1.0, q.update(s, 16);
  CHECK(os2.str().empty());
  q.finish();
  q.finish();
  CHECK(os2.str() == "step 42/100 | 16.0 samples/s | ETA 00:00:58\n");

  // Unknown total: no "/total", elapsed instead of ETA.
  std::ostringstream os3;
  opt.every_steps = 5;
  opt.unit = "clips";
  Progress r(0, os3, opt, clk.fn());
  for (int s = 1; s <= 5; ++s) clk.t += 2.0, r.update(s, 4);
  CHECK(os3.str() == "step 5 | 2.0 clips/s | elapsed 00:00:10\n");
}

TEST_CASE("progress value and duration formatting") {
  CHECK(Progress::format_duration(0) == "00:00:00");
  CHECK(Progress::format_duration(59.4) == "00:00:59");
  CHECK(Progress::format_duration(59.6) == "00:01:00");
  CHECK(Progress::format_duration(12 * 60 + 31) == "00:12:31");
  CHECK(Progress::format_duration(100 * 3600 + 61) == "100:01:01");
  CHECK(Progress::format_duration(-1) == "--:--:--");
  CHECK(Progress::format_value(4.12344) == "4.1234");
  CHECK(Progress::format_value(3e-4) == "3.0e-04");
  CHECK(Progress::format_value(0.0) == "0.0000");
  CHECK(Progress::format_value(-0.5) == "-0.5000");
  CHECK(Progress::format_value(2.5e7) == "2.5e+07");
  CHECK(Progress::format_value(3e-4, "%.2e") == "3.00e-04");
  std::ostringstream os;
  ProgressOptions bad;
  bad.smoothing = 0.0;
  CHECK_THROWS_AS(Progress(10, os, bad), Error);
}
