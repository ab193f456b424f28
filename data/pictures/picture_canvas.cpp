// picture_canvas.cpp — see picture_canvas.h.
#include "data/pictures/picture_canvas.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"

namespace syn::pictures {

std::vector<uint8_t> fit_to_canvas(const RgbaImage& image, int size, int background) {
  SYN_CHECK(size > 0 && size <= 4096, "fit_to_canvas: size ", size, " is not in 1..4096");
  SYN_CHECK(background >= 0 && background <= 255, "fit_to_canvas: background ", background,
            " is not a grey level 0..255");
  SYN_CHECK(image.width > 0 && image.height > 0 &&
                image.rgba.size() == (size_t)image.width * image.height * 4,
            "fit_to_canvas: image ", image.width, "x", image.height, " holds ", image.rgba.size(),
            " bytes");
  const int side = std::max(image.width, image.height);
  const int ox = (side - image.width) / 2, oy = (side - image.height) / 2;
  // Horizontal pass, one canvas row at a time: rows[c][y][x] for the side rows of the canvas.
  std::vector<double> row(3 * (size_t)side), rows(3 * (size_t)side * size);
  std::vector<double> background_row;
  for (int y = 0; y < side; ++y) {
    const bool inside = y >= oy && y < oy + image.height;
    if (!inside && !background_row.empty()) {
      for (int c = 0; c < 3; ++c)
        std::copy_n(&background_row[(size_t)c * size], size, &rows[((size_t)c * side + y) * size]);
      continue;
    }
    std::fill(row.begin(), row.end(), (double)background);
    if (inside) {
      const uint8_t* src = &image.rgba[(size_t)(y - oy) * image.width * 4];
      for (int x = 0; x < image.width; ++x) {
        const uint8_t* p = src + (size_t)x * 4;
        double a = p[3] / 255.0;
        for (int c = 0; c < 3; ++c)
          row[(size_t)c * side + ox + x] = a * p[c] + (1.0 - a) * background;
      }
    }
    std::vector<double> out = area_resize(row, 3, 1, side, 1, size);
    for (int c = 0; c < 3; ++c)
      std::copy_n(&out[(size_t)c * size], size, &rows[((size_t)c * side + y) * size]);
    if (!inside) background_row = out;
  }
  std::vector<double> v = area_resize(rows, 3, side, size, size, size);
  std::vector<uint8_t> px(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    px[i] = (uint8_t)std::clamp(std::floor(v[i] + 0.5), 0.0, 255.0);  // as render_emoji
  return px;
}

}  // namespace syn::pictures
