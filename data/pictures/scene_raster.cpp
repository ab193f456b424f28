// scene_raster.cpp — see scene_raster.h.
#include "data/pictures/scene_raster.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"
#include "engine/rng.h"

namespace syn::pictures {

Rgb mix(Rgb a, Rgb b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

SceneImage::SceneImage(int size_, Rgb fill) : size(size_) {
  SYN_CHECK(size_ > 0 && size_ <= 4096, "scene image: size ", size_, " is not in 1..4096");
  px.resize(3 * (size_t)size * size);
  const float c[3] = {fill.r, fill.g, fill.b};
  for (int k = 0; k < 3; ++k)
    std::fill_n(px.begin() + (ptrdiff_t)k * size * size, (size_t)size * size, c[k]);
}

void SceneImage::blend(int y, int x, Rgb colour, float a) {
  if (y < 0 || x < 0 || y >= size || x >= size || a <= 0) return;
  a = std::min(a, 1.0f);
  const float c[3] = {colour.r, colour.g, colour.b};
  for (int k = 0; k < 3; ++k) {
    float& v = at(k, y, x);
    v += (c[k] - v) * a;
  }
}

void SceneImage::clamp() {
  for (float& v : px) v = std::clamp(v, 0.0f, 255.0f);
}

float smoothstep(float e0, float e1, float x) {
  float t = std::clamp((x - e0) / (e1 - e0), 0.0f, 1.0f);
  return t * t * (3 - 2 * t);
}

namespace {
// The pixel rows and columns a shape of radius r around (cx, cy) can touch.
struct Box {
  int x0, y0, x1, y1;
};
Box box_of(const SceneImage& im, float cx, float cy, float r) {
  return {std::max(0, (int)std::floor(cx - r)), std::max(0, (int)std::floor(cy - r)),
          std::min(im.size - 1, (int)std::ceil(cx + r)),
          std::min(im.size - 1, (int)std::ceil(cy + r))};
}
}  // namespace

void fill_disc(SceneImage& im, float cx, float cy, float radius, Rgb colour, float opacity,
               float softness) {
  Box b = box_of(im, cx, cy, radius + softness + 1);
  for (int y = b.y0; y <= b.y1; ++y)
    for (int x = b.x0; x <= b.x1; ++x) {
      float d = std::hypot(x + 0.5f - cx, y + 0.5f - cy) - radius;
      im.blend(y, x, colour, opacity * coverage(d / softness));
    }
}

void add_glow(SceneImage& im, float cx, float cy, float radius, Rgb colour, float opacity) {
  Box b = box_of(im, cx, cy, radius * 3);
  for (int y = b.y0; y <= b.y1; ++y)
    for (int x = b.x0; x <= b.x1; ++x) {
      float d = std::hypot(x + 0.5f - cx, y + 0.5f - cy) / radius;
      im.blend(y, x, colour, opacity * std::exp(-d * d));
    }
}

void draw_segment(SceneImage& im, float x0, float y0, float x1, float y1, float width, Rgb colour,
                  float opacity) {
  const float r = width / 2;
  Box b = {std::max(0, (int)std::floor(std::min(x0, x1) - r - 1)),
           std::max(0, (int)std::floor(std::min(y0, y1) - r - 1)),
           std::min(im.size - 1, (int)std::ceil(std::max(x0, x1) + r + 1)),
           std::min(im.size - 1, (int)std::ceil(std::max(y0, y1) + r + 1))};
  const float dx = x1 - x0, dy = y1 - y0, len2 = std::max(dx * dx + dy * dy, 1e-6f);
  for (int y = b.y0; y <= b.y1; ++y)
    for (int x = b.x0; x <= b.x1; ++x) {
      float px = x + 0.5f - x0, py = y + 0.5f - y0;
      float t = std::clamp((px * dx + py * dy) / len2, 0.0f, 1.0f);
      float d = std::hypot(px - t * dx, py - t * dy) - r;
      // A line thinner than a pixel covers it in proportion to its width.
      im.blend(y, x, colour, opacity * std::min(1.0f, width) * coverage(d));
    }
}

void fill_vertical_gradient(SceneImage& im, const std::vector<std::pair<float, Rgb>>& stops) {
  SYN_CHECK(!stops.empty(), "fill_vertical_gradient: no colour stops");
  for (int y = 0; y < im.size; ++y) {
    float v = (y + 0.5f) / im.size;
    Rgb c = stops.front().second;
    for (size_t k = 1; k < stops.size(); ++k)
      if (v >= stops[k - 1].first) {
        float span = std::max(stops[k].first - stops[k - 1].first, 1e-6f);
        c = mix(stops[k - 1].second, stops[k].second,
                smoothstep(0, 1, (v - stops[k - 1].first) / span));
      }
    for (int x = 0; x < im.size; ++x) {
      im.at(0, y, x) = c.r;
      im.at(1, y, x) = c.g;
      im.at(2, y, x) = c.b;
    }
  }
}

ValueNoise::ValueNoise(uint64_t seed, int cells) : cells_(std::max(1, cells)) {
  Rng rng(seed);
  grid_.resize((size_t)cells_ * cells_);
  for (float& g : grid_) g = rng.uniform();
}

float ValueNoise::at(float u, float v) const {
  float x = u * cells_, y = v * cells_;
  float fx = std::floor(x), fy = std::floor(y);
  auto cell = [&](int i, int j) {
    i = ((i % cells_) + cells_) % cells_;
    j = ((j % cells_) + cells_) % cells_;
    return grid_[(size_t)j * cells_ + i];
  };
  int i = (int)fx, j = (int)fy;
  float tx = smoothstep(0, 1, x - fx), ty = smoothstep(0, 1, y - fy);
  float top = cell(i, j) + (cell(i + 1, j) - cell(i, j)) * tx;
  float bottom = cell(i, j + 1) + (cell(i + 1, j + 1) - cell(i, j + 1)) * tx;
  return top + (bottom - top) * ty;
}

void gaussian_blur(SceneImage& im, float sigma) {
  if (sigma <= 0) return;
  const int r = std::max(1, (int)std::ceil(3 * sigma)), n = im.size;
  std::vector<float> k((size_t)(2 * r + 1));
  float sum = 0;
  for (int i = -r; i <= r; ++i)
    sum += k[(size_t)(i + r)] = std::exp(-0.5f * i * i / (sigma * sigma));
  for (float& w : k) w /= sum;
  std::vector<float> tmp((size_t)n * n);
  for (int c = 0; c < 3; ++c) {
    float* p = &im.px[(size_t)c * n * n];
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        float s = 0;
        for (int i = -r; i <= r; ++i)
          s += k[(size_t)(i + r)] * p[y * n + std::clamp(x + i, 0, n - 1)];
        tmp[(size_t)y * n + x] = s;
      }
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        float s = 0;
        for (int i = -r; i <= r; ++i)
          s += k[(size_t)(i + r)] * tmp[(size_t)std::clamp(y + i, 0, n - 1) * n + x];
        p[y * n + x] = s;
      }
  }
}

float mean_value(const SceneImage& im) {
  double s = 0;
  for (int y = 0; y < im.size; ++y)
    for (int x = 0; x < im.size; ++x)
      s += std::max({im.at(0, y, x), im.at(1, y, x), im.at(2, y, x)});
  return (float)(s / ((double)im.size * im.size));
}

}  // namespace syn::pictures
