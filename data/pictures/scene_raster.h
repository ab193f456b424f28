// scene_raster.h — the float RGB image the composed scenes (scene_composer.h) are drawn on, and the
// few anti-aliased drawing primitives the backgrounds use. Shapes are given in pixel units and
// covered by a one-pixel smoothstep across their edge, so every size (not only 64 px) gets soft
// edges without supersampling.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace syn::pictures {

struct Rgb {
  float r = 0, g = 0, b = 0;
};
Rgb mix(Rgb a, Rgb b, float t);  // a + (b - a) t

// Planar RGB [3, size, size], values 0..255 (as the corpus's images).
struct SceneImage {
  int size = 0;
  std::vector<float> px;

  SceneImage() = default;
  SceneImage(int size, Rgb fill);
  float& at(int c, int y, int x) { return px[((size_t)c * size + y) * size + x]; }
  float at(int c, int y, int x) const { return px[((size_t)c * size + y) * size + x]; }
  Rgb get(int y, int x) const { return {at(0, y, x), at(1, y, x), at(2, y, x)}; }
  // Blends `colour` over pixel (y, x) with opacity `a` (0..1); outside pixels are ignored.
  void blend(int y, int x, Rgb colour, float a);
  void clamp();  // to 0..255
};

float smoothstep(float e0, float e1, float x);
// Coverage 0..1 of a pixel by a shape whose signed distance (pixels, negative inside) is `d`.
inline float coverage(float d) { return smoothstep(0.5f, -0.5f, d); }

// Shapes blended over the image, every size in pixels. `softness` widens the edge (1 = one pixel).
void fill_disc(SceneImage& im, float cx, float cy, float radius, Rgb colour, float opacity,
               float softness = 1);
// A soft radial glow: opacity falls as exp(-(d/radius)^2).
void add_glow(SceneImage& im, float cx, float cy, float radius, Rgb colour, float opacity);
// A line segment of width `width`, with round caps.
void draw_segment(SceneImage& im, float x0, float y0, float x1, float y1, float width, Rgb colour,
                  float opacity);
// Vertical gradient through stops (position 0 = top row, 1 = bottom row, ascending).
void fill_vertical_gradient(SceneImage& im, const std::vector<std::pair<float, Rgb>>& stops);

// Smooth value noise in 0..1 on a grid of `cells` cells per image side, seeded.
class ValueNoise {
 public:
  ValueNoise(uint64_t seed, int cells);
  float at(float u, float v) const;  // u, v in image fractions (0..1); wraps around
 private:
  int cells_;
  std::vector<float> grid_;
};

// Separable Gaussian blur of every channel (edges clamped); sigma in pixels, 0 = none.
void gaussian_blur(SceneImage& im, float sigma);
// Mean of max(r, g, b) over the image (the HSV value), 0..255.
float mean_value(const SceneImage& im);

}  // namespace syn::pictures
