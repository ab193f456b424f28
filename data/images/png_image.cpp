// png_image.cpp — see png_image.h. stb_image / stb_image_write (Debian libstb-dev) are compiled
// here with static linkage, as in data/datasets/emoji_dataset.cpp, so the two copies never clash.
#include "data/images/png_image.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "engine/check.h"
#include "engine/io/safe_file.h"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

namespace syn {

namespace fs = std::filesystem;

namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

// Checks what stb_image trusts before it allocates: stb reallocates its IDAT buffer to a chunk's
// declared length before reading it, so one damaged length field in a 100-byte file asks for a
// gigabyte. Every chunk up to IEND must fit in the file, and the image (IHDR, the first chunk)
// must not exceed kMaxPngPixels, which bounds the decoded planes at 384 MiB of floats.
constexpr uint64_t kMaxPngPixels = uint64_t(1) << 25;  // e.g. 8192 x 4096
void check_png_structure(const std::vector<uint8_t>& b, const std::string& path) {
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  SYN_CHECK(b.size() >= 8 && std::memcmp(b.data(), kSignature, 8) == 0, "read_png ", path,
            ": not a readable PNG (no PNG signature)");
  for (size_t at = 8;;) {
    SYN_CHECK(b.size() - at >= 12, "read_png ", path, ": truncated at byte ", at,
              " (no IEND chunk)");
    const uint64_t length = be32(b.data() + at);
    const std::string type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    SYN_CHECK(length <= b.size() - at - 12, "read_png ", path, ": chunk '", type, "' at byte ", at,
              " declares ", length, " bytes but only ", b.size() - at - 12,
              " remain (truncated or corrupt)");
    if (at == 8 && type == "IHDR" && length >= 8) {
      const uint64_t w = be32(b.data() + at + 8), h = be32(b.data() + at + 12);
      SYN_CHECK(w * h <= kMaxPngPixels, "read_png ", path, ": ", w, "x", h,
                " pixels is more than this reader accepts (", kMaxPngPixels, ")");
    }
    if (type == "IEND") return;
    at += 12 + (size_t)length;
  }
}

}  // namespace

bool write_png(const std::string& path, const Tensor& image) {
  SYN_CHECK(image.defined(), "write_png ", path, ": the image tensor is undefined");
  SYN_CHECK(image.dim() == 3 && (image.size(0) == 3 || image.size(0) == 1) && image.size(1) > 0 &&
                image.size(2) > 0,
            "write_png ", path, ": expected an image [3, H, W] or [1, H, W], got ",
            image.describe());
  const int64_t c = image.size(0), h = image.size(1), w = image.size(2);
  SYN_CHECK(h <= (1 << 24) && w <= (1 << 24) && w * 3 <= (int64_t)1 << 30, "write_png ", path,
            ": image ", image.describe(), " is too large for a PNG");
  const std::vector<float> v = image.to_vector();
  std::vector<uint8_t> px((size_t)(h * w * 3));
  for (int64_t ch = 0; ch < 3; ++ch) {
    const int64_t src = c == 3 ? ch : 0;  // grey is written as equal R, G, B
    for (int64_t i = 0; i < h * w; ++i) {
      float x = v[(size_t)(src * h * w + i)];
      SYN_CHECK(std::isfinite(x), "write_png ", path, ": non-finite value ", x, " at channel ", src,
                ", row ", i / w, ", column ", i % w);
      x = std::min(1.0f, std::max(0.0f, x));
      px[(size_t)(i * 3 + ch)] = (uint8_t)(x * 255.0f + 0.5f);
    }
  }
  int len = 0;
  unsigned char* png = stbi_write_png_to_mem(px.data(), (int)(w * 3), (int)w, (int)h, 3, &len);
  SYN_CHECK(png != nullptr && len > 0, "write_png ", path, ": PNG encoding failed");
  std::vector<char> bytes((const char*)png, (const char*)png + len);
  STBIW_FREE(png);

  return io::write_file_atomic(path, std::string_view(bytes.data(), bytes.size()), "PNG output");
}

Tensor read_png(const std::string& path) {
  io::check_input_file(path, "PNG file");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "read_png ", path, ": cannot open the file (", std::strerror(errno), ")");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  SYN_CHECK(!bytes.empty(), "read_png ", path, ": the file is empty");
  SYN_CHECK(bytes.size() < ((size_t)1 << 31), "read_png ", path, ": the file is too large");
  check_png_structure(bytes, path);
  int w = 0, h = 0, comp = 0;
  stbi_uc* px = stbi_load_from_memory(bytes.data(), (int)bytes.size(), &w, &h, &comp, 3);
  SYN_CHECK(px != nullptr, "read_png ", path, ": not a readable PNG (", stbi_failure_reason(), ")");
  std::vector<float> planes((size_t)3 * (size_t)w * (size_t)h);
  const size_t hw = (size_t)w * (size_t)h;
  for (size_t i = 0; i < hw; ++i)
    for (size_t ch = 0; ch < 3; ++ch) planes[ch * hw + i] = (float)px[i * 3 + ch] / 255.0f;
  stbi_image_free(px);
  return Tensor::from_vector(planes, {3, (int64_t)h, (int64_t)w});
}

}  // namespace syn
