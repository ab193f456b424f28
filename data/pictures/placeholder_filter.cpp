// placeholder_filter.cpp — see placeholder_filter.h.
#include "data/pictures/placeholder_filter.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace syn::pictures {

namespace {

struct Rgb {
  int r, g, b;
};

// Pixel (x, y) alpha-composited over white: the placeholder is drawn on white paper.
Rgb on_white(const RgbaImage& im, int x, int y) {
  const uint8_t* p = &im.rgba[((size_t)y * (size_t)im.width + (size_t)x) * 4];
  const int a = p[3];
  auto mix = [a](int c) { return (c * a + 255 * (255 - a) + 127) / 255; };
  return {mix(p[0]), mix(p[1]), mix(p[2])};
}

// The placeholder's red (255, 0, 0), or (255, 112, 112) where it is half transparent.
bool is_red(Rgb c) { return c.r >= 200 && c.r - c.g >= 90 && std::abs(c.g - c.b) <= 30; }
bool is_white(Rgb c) { return c.r >= 170 && c.g >= 170 && c.b >= 170; }  // anti-aliased too

struct Box {
  int x0, y0, x1, y1;  // inclusive
  int64_t pixels;
};

// The cross test on one red patch's bounding box.
bool is_cross_square(const RgbaImage& im, const Box& b) {
  const int w = b.x1 - b.x0 + 1, h = b.y1 - b.y0 + 1;
  if (w < 24 || h < 24 || w * 5 < h * 4 || h * 5 < w * 4) return false;  // too small or not square
  const double fill = (double)b.pixels / ((double)w * h);
  if (fill < 0.45 || fill > 0.92) return false;  // solid but for the cross
  const double cx = b.x0 + (w - 1) / 2.0, cy = b.y0 + (h - 1) / 2.0;
  auto at = [&](double fx, double fy) {
    return on_white(im, (int)(cx + fx * w + 0.5), (int)(cy + fy * h + 0.5));
  };
  if (!is_white(at(0, 0))) return false;
  // Three of four points of each kind: a stroke of the drawing underneath may cross one.
  int white_diagonals = 0, red_near = 0, red_far = 0;
  for (int sx : {-1, 1})
    for (int sy : {-1, 1}) white_diagonals += is_white(at(sx * 0.12, sy * 0.12));
  for (double d : {-1.0, 1.0}) {  // the axes, between the arms of the X and beyond them: red
    red_near += is_red(at(0.12 * d, 0)) + is_red(at(0, 0.12 * d));
    red_far += is_red(at(0.3 * d, 0)) + is_red(at(0, 0.3 * d));
  }
  return white_diagonals >= 3 && red_near >= 3 && red_far >= 3;
}

}  // namespace

bool looks_like_missing_image(const RgbaImage& image) {
  const int W = image.width, H = image.height;
  if (W < 24 || H < 24 || image.rgba.size() != (size_t)W * (size_t)H * 4) return false;
  std::vector<uint8_t> red((size_t)W * H, 0);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) red[(size_t)y * W + x] = is_red(on_white(image, x, y));
  // 4-connected red patches, by an explicit stack (no recursion on large files).
  std::vector<int> stack;
  for (int start = 0; start < W * H; ++start) {
    if (red[(size_t)start] != 1) continue;
    Box b{W, H, -1, -1, 0};
    red[(size_t)start] = 2;
    stack.assign(1, start);
    while (!stack.empty()) {
      const int p = stack.back();
      stack.pop_back();
      const int x = p % W, y = p / W;
      b.x0 = std::min(b.x0, x), b.x1 = std::max(b.x1, x);
      b.y0 = std::min(b.y0, y), b.y1 = std::max(b.y1, y);
      b.pixels += 1;
      const int next[4] = {x > 0 ? p - 1 : -1, x + 1 < W ? p + 1 : -1, y > 0 ? p - W : -1,
                           y + 1 < H ? p + W : -1};
      for (int q : next)
        if (q >= 0 && red[(size_t)q] == 1) {
          red[(size_t)q] = 2;
          stack.push_back(q);
        }
    }
    if (is_cross_square(image, b)) return true;
  }
  return false;
}

}  // namespace syn::pictures
