// picture_png.cpp — see picture_png.h. The size is read from the PNG's IHDR chunk (the first
// chunk, by the PNG specification); decoding is data/datasets/emoji_dataset.h's decode_png.
#include "data/pictures/picture_png.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn::pictures {

std::vector<uint8_t> read_bytes(const std::string& path) {
  io::check_input_file(path, "picture");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open '", path, "': ", std::strerror(errno));
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

std::pair<int, int> png_dimensions(const std::vector<uint8_t>& png, const std::string& what) {
  static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  SYN_CHECK(png.size() >= 24 && std::memcmp(png.data(), signature, 8) == 0 &&
                std::memcmp(png.data() + 12, "IHDR", 4) == 0,
            what, ": not a PNG file (no PNG signature and IHDR chunk)");
  auto be32 = [&](size_t at) {
    return (uint32_t)png[at] << 24 | (uint32_t)png[at + 1] << 16 | (uint32_t)png[at + 2] << 8 |
           (uint32_t)png[at + 3];
  };
  uint32_t w = be32(16), h = be32(20);
  SYN_CHECK(w > 0 && h > 0 && w <= (uint32_t)INT32_MAX && h <= (uint32_t)INT32_MAX, what,
            ": PNG size ", w, "x", h, " is invalid");
  return {(int)w, (int)h};
}

RgbaImage read_png_rgba(const std::string& path, int64_t max_pixels) {
  std::vector<uint8_t> bytes = read_bytes(path);
  auto [w, h] = png_dimensions(bytes, "'" + path + "'");
  SYN_CHECK(w > 0 && h > 0 && (int64_t)w * h <= max_pixels, "'", path, "': ", w, "x", h,
            " pixels is over the limit of ", max_pixels, " pixels");
  return decode_png(bytes, "'" + path + "'");
}

}  // namespace syn::pictures
