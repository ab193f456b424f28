// picture_png.h — reading a source's PNG file to RGBA (stb_image), refusing images too large to
// decode safely before any pixel memory is allocated (some clip-art files are 30,000 px wide).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/datasets/emoji_dataset.h"  // RgbaImage

namespace syn::pictures {

// The default cap on width × height: 64 Mpx is 256 MB of RGBA.
constexpr int64_t kMaxPicturePixels = 64ll << 20;

// Width and height of PNG bytes without decoding; fails naming `what` when they are not a PNG.
std::pair<int, int> png_dimensions(const std::vector<uint8_t>& png, const std::string& what);
// Reads and decodes a PNG file; fails naming the path when it cannot be read, is not a PNG, or
// has more than `max_pixels` pixels.
RgbaImage read_png_rgba(const std::string& path, int64_t max_pixels = kMaxPicturePixels);
std::vector<uint8_t> read_bytes(const std::string& path);

}  // namespace syn::pictures
