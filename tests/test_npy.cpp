// test_npy.cpp — the .npy reader against files written by NumPy (tests/reference/gen_npy.py:
// every dtype and header variant the reader supports, values recomputed here from the formulas
// in that script), the rejections with clear errors, and the writer read back.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/check.h"
#include "engine/io/npy.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return std::string(SYN_FIXTURE_DIR) + "/npy/" + name;
}

std::vector<double> formula(int n, double (*f)(int)) {
  std::vector<double> v;
  for (int k = 0; k < n; ++k) v.push_back(f(k));
  return v;
}

std::string error_of(const std::string& path) {
  try {
    read_npy(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

fs::path scratch_file(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("syn_test_npy_" + std::to_string(getpid()));
  fs::create_directories(d);
  return d / name;
}

}  // namespace

TEST_CASE("unicode split-file arrays as NumPy writes them") {
  NpyArray a = read_npy(fixture("split_unicode.npy"));
  CHECK(a.kind == NpyArray::Kind::Unicode);
  CHECK(a.shape == std::vector<int64_t>{3});
  CHECK(a.descr.rfind("<U", 0) == 0);
  std::vector<std::string> s = a.strings();
  REQUIRE(s.size() == 3);
  CHECK(s[0] == "0\tf/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54__i_aria-30-59.mp3");
  CHECK(s[1] == "17\tc/a-b-01-x-0-29.mp3");
  CHECK(s[2] == "25862\t8/jacob_heringman-blame_not_my_lute-58-a_toy_for_monica_bishop-0-29.mp3");
  CHECK_THROWS_WITH_AS(a.numbers(), doctest::Contains("is a string array"), Error);

  std::vector<std::string> w = read_npy(fixture("unicode_wide.npy")).strings();
  CHECK(w ==
        std::vector<std::string>{"caf\xc3\xa9", "\xe2\x99\xab notes", "\xf0\x9f\x8e\xb5", "", "a"});
  CHECK(read_npy(fixture("unicode_be.npy")).strings() == std::vector<std::string>{"ab", "xyz"});
  CHECK(read_npy(fixture("unicode_v3.npy")).strings() == std::vector<std::string>{"v3 \xc3\xa9"});
  NpyArray b = read_npy(fixture("bytes.npy"));
  CHECK(b.kind == NpyArray::Kind::Bytes);
  CHECK(b.strings() == std::vector<std::string>{"guitar", "no vocals", ""});
}

TEST_CASE("bool, integer and float arrays in both byte orders") {
  NpyArray b = read_npy(fixture("bool_2x3.npy"));
  CHECK(b.shape == std::vector<int64_t>{2, 3});
  CHECK(b.numbers() == std::vector<double>{1, 0, 1, 0, 1, 0});
  CHECK_THROWS_WITH_AS(b.strings(), doctest::Contains("not a string array"), Error);

  auto ints = formula(6, [](int k) { return k * 7.0 - 20; });
  CHECK(read_npy(fixture("int8.npy")).numbers() == ints);
  CHECK(read_npy(fixture("int16.npy")).numbers() == ints);
  CHECK(read_npy(fixture("int32.npy")).numbers() == ints);
  CHECK(read_npy(fixture("uint8.npy")).numbers() == formula(6, [](int k) { return k * 40.0; }));
  CHECK(read_npy(fixture("uint16_be.npy")).numbers() ==
        formula(6, [](int k) { return k * 1000.0 + 5; }));
  CHECK(read_npy(fixture("int64.npy")).numbers() ==
        formula(6, [](int k) { return k * 3000000000.0 - 7000000000.0; }));

  auto floats = formula(6, [](int k) { return (k - 2.5) / 4; });  // exact in float16
  CHECK(read_npy(fixture("float16.npy")).numbers() == floats);
  NpyArray f = read_npy(fixture("float32_2x3.npy"));
  CHECK(f.shape == std::vector<int64_t>{2, 3});
  CHECK(f.numbers() == floats);
  CHECK(read_npy(fixture("float64_be.npy")).numbers() == floats);
  CHECK(read_npy(fixture("float32_v2.npy")).numbers() == floats);
  std::vector<double> sp = read_npy(fixture("float32_special.npy")).numbers();
  REQUIRE(sp.size() == 4);
  CHECK(sp[0] == INFINITY);
  CHECK(sp[1] == -INFINITY);
  CHECK(std::isnan(sp[2]));
  CHECK((sp[3] == 0.0 && std::signbit(sp[3])));
}

TEST_CASE("shapes: 0-d, empty and 3-d") {
  NpyArray s = read_npy(fixture("scalar.npy"));
  CHECK(s.shape.empty());
  CHECK(s.size() == 1);
  CHECK(s.numbers() == std::vector<double>{42.5});
  NpyArray e = read_npy(fixture("empty.npy"));
  CHECK(e.shape == std::vector<int64_t>{0, 4});
  CHECK(e.numbers().empty());
  NpyArray c = read_npy(fixture("int32_2x3x4.npy"));
  CHECK(c.shape == std::vector<int64_t>{2, 3, 4});
  CHECK(c.numbers() == formula(24, [](int k) { return (double)k; }));  // C order
}

TEST_CASE("unsupported files are rejected naming the file and the reason") {
  CHECK(error_of(fixture("fortran.npy")).find("Fortran-order") != std::string::npos);
  CHECK(error_of(fixture("fortran.npy")).find("fortran.npy") != std::string::npos);
  CHECK(error_of(fixture("object.npy")).find("object arrays") != std::string::npos);
  CHECK(error_of(fixture("structured.npy")).find("structured dtypes") != std::string::npos);
  CHECK(error_of(fixture("complex.npy")).find("unsupported dtype '<c8'") != std::string::npos);
  CHECK(error_of(fixture("no_such_file.npy")).find("cannot open") != std::string::npos);

  // Damaged copies of a good file.
  std::ifstream in(fixture("float32_2x3.npy"), std::ios::binary);
  std::vector<uint8_t> good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<uint8_t> truncated(good.begin(), good.end() - 4);
  CHECK_THROWS_WITH_AS(parse_npy(truncated, "t.npy"), doctest::Contains("truncated file?"), Error);
  std::vector<uint8_t> bad_magic = good;
  bad_magic[1] = 'X';
  CHECK_THROWS_WITH_AS(parse_npy(bad_magic, "m.npy"), doctest::Contains("not a .npy file"), Error);
  std::vector<uint8_t> bad_version = good;
  bad_version[6] = 9;
  CHECK_THROWS_WITH_AS(parse_npy(bad_version, "v.npy"),
                       doctest::Contains("unsupported format version 9"), Error);
  std::vector<uint8_t> long_header = good;
  long_header[8] = 0xFF;
  long_header[9] = 0x7F;
  CHECK_THROWS_WITH_AS(parse_npy(long_header, "h.npy"),
                       doctest::Contains("runs past the end of the file"), Error);
  CHECK_THROWS_WITH_AS(parse_npy({}, "empty.npy"), doctest::Contains("not a .npy file"), Error);
}

TEST_CASE("the writer's files read back (float, int64, unicode)") {
  std::string pf = scratch_file("w_f.npy").string();
  save_npy(pf, std::vector<float>{1.5f, -2.0f, 0.25f, 8.0f, 0.0f, -0.5f}, {3, 2});
  NpyArray f = read_npy(pf);
  CHECK(f.descr == "<f4");
  CHECK(f.shape == std::vector<int64_t>{3, 2});
  CHECK(f.numbers() == std::vector<double>{1.5, -2.0, 0.25, 8.0, 0.0, -0.5});
  // The header is padded so the data starts on a 64-byte boundary, as NumPy does (NumPy's own
  // float32 [2, 3] fixture has the same 128-byte header).
  CHECK(fs::file_size(pf) == 128 + 6 * 4);
  CHECK(fs::file_size(pf) == fs::file_size(fixture("float32_2x3.npy")));

  std::string pi = scratch_file("w_i.npy").string();
  save_npy(pi, std::vector<int64_t>{-3, 5000000000}, {2});
  CHECK(read_npy(pi).numbers() == std::vector<double>{-3, 5000000000.0});

  std::string ps = scratch_file("w_s.npy").string();
  std::vector<std::string> strs = {"3\tc/x.mp3", "caf\xc3\xa9 \xf0\x9f\x8e\xb5", ""};
  save_npy(ps, strs);
  NpyArray s = read_npy(ps);
  CHECK(s.descr == "<U9");
  CHECK(s.strings() == strs);

  CHECK_THROWS_WITH_AS(save_npy(pf, std::vector<float>{1, 2, 3}, {2, 2}),
                       doctest::Contains("shape holds 4 elements, got 3"), Error);
  CHECK_THROWS_WITH_AS(save_npy(ps, std::vector<std::string>{"\xff"}),
                       doctest::Contains("invalid UTF-8"), Error);
  fs::remove_all(fs::path(pf).parent_path());
}
