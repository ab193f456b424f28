// test_png_image.cpp — data/images/png_image.h: exact round trips (every 8-bit level, odd sizes,
// grey), the rounding and clamping rule, atomic replacement, and errors that name the path.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "data/images/png_image.h"
#include "engine/check.h"
#include "tests/support/error_text.h"

using namespace syn;
using syn::test::contains;
using syn::test::error_of;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("syn_png_test_" + std::to_string((long)getpid()));
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("write_png then read_png gives back every 8-bit level exactly") {
  fs::path dir = temp_dir();
  const int64_t h = 7, w = 37;  // odd sizes: no row padding assumptions
  std::vector<float> v((size_t)(3 * h * w));
  for (size_t i = 0; i < v.size(); ++i) v[i] = (float)((i * 37 + 11) % 256) / 255.0f;
  Tensor img = Tensor::from_vector(v, {3, h, w});
  std::string path = (dir / "levels.png").string();
  write_png(path, img);
  Tensor back = read_png(path);
  REQUIRE(back.shape() == Shape{3, h, w});
  std::vector<float> b = back.to_vector();
  int64_t mismatches = 0;
  for (size_t i = 0; i < v.size(); ++i)
    mismatches += std::lround(b[i] * 255) != std::lround(v[i] * 255);
  CHECK(mismatches == 0);
  // Channel order is R, G, B in the file: a pure red image decodes as red.
  Tensor red = Tensor::zeros({3, 2, 3});
  red.data()[0] = 1.0f;  // R at (0, 0)
  write_png(path, red);
  std::vector<float> r = read_png(path).to_vector();
  CHECK(r[0] == 1.0f);
  CHECK(r[6] == 0.0f);   // G at (0, 0)
  CHECK(r[12] == 0.0f);  // B at (0, 0)
  fs::remove_all(dir);
}

TEST_CASE("values are clamped to [0, 1] and rounded to the nearest level; grey fills R, G, B") {
  fs::path dir = temp_dir();
  std::string path = (dir / "grey.png").string();
  // 0.5 -> 127.5 + 0.5 = 128; 0.1 -> 26.0 (25.5 + 0.5); 0.0019 -> 0.48 -> 0; -3 -> 0; 7 -> 255;
  // 0.998 -> 254.49 -> 254.
  Tensor g = Tensor::from_vector({0.5f, 0.1f, 0.0019f, -3.0f, 7.0f, 0.998f}, {1, 2, 3});
  write_png(path, g);
  Tensor back = read_png(path);
  REQUIRE(back.shape() == Shape{3, 2, 3});
  std::vector<float> b = back.to_vector();
  const int expect[6] = {128, 26, 0, 0, 255, 254};
  for (int ch = 0; ch < 3; ++ch)
    for (int i = 0; i < 6; ++i) {
      INFO("channel ", ch, " pixel ", i);
      CHECK(std::lround(b[(size_t)(ch * 6 + i)] * 255) == expect[i]);
    }
  fs::remove_all(dir);
}

TEST_CASE("write_png replaces a file atomically and leaves no temporary behind") {
  fs::path dir = temp_dir();
  std::string path = (dir / "cover.png").string();
  write_png(path, Tensor::full({3, 4, 4}, 0.0f));
  write_png(path, Tensor::full({3, 5, 6}, 1.0f));
  Tensor back = read_png(path);
  CHECK(back.shape() == Shape{3, 5, 6});
  CHECK(back.to_vector()[0] == 1.0f);
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);
  // A failed write (non-finite value) keeps the earlier file untouched.
  Tensor bad = Tensor::full({3, 2, 2}, 0.5f);
  bad.data()[5] = std::numeric_limits<float>::quiet_NaN();
  std::string err = error_of([&] { write_png(path, bad); });
  CHECK(contains(err, path));
  CHECK(contains(err, "non-finite"));
  CHECK(contains(err, "row 0, column 1"));
  CHECK(read_png(path).shape() == Shape{3, 5, 6});
  fs::remove_all(dir);
}

TEST_CASE("bad shapes, missing directories and unreadable files are errors naming the path") {
  fs::path dir = temp_dir();
  std::string ok = (dir / "x.png").string();
  CHECK(contains(error_of([&] { write_png(ok, Tensor::zeros({4, 3})); }), "[3, H, W]"));
  CHECK(contains(error_of([&] { write_png(ok, Tensor::zeros({2, 3, 3})); }), ok));
  CHECK(contains(error_of([&] { write_png(ok, Tensor::zeros({3, 0, 3})); }), ok));
  CHECK(contains(error_of([&] { write_png(ok, Tensor()); }), "undefined"));
  std::string nodir = (dir / "missing" / "x.png").string();
  std::string e1 = error_of([&] { write_png(nodir, Tensor::zeros({3, 2, 2})); });
  CHECK(contains(e1, nodir));
  CHECK(contains(e1, "does not exist"));
  std::string none = (dir / "none.png").string();
  CHECK(contains(error_of([&] { read_png(none); }), none));
  std::string text = (dir / "text.png").string();
  std::ofstream(text) << "not a png at all";
  std::string e2 = error_of([&] { read_png(text); });
  CHECK(contains(e2, text));
  CHECK(contains(e2, "not a readable PNG"));
  std::ofstream(dir / "empty.png").flush();
  CHECK(contains(error_of([&] { read_png((dir / "empty.png").string()); }), "empty"));
  fs::remove_all(dir);
}
