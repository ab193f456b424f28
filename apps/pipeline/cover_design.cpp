// cover_design.cpp — see cover_design.h for every rule.
#include "apps/pipeline/cover_design.h"

#include <algorithm>
#include <cmath>

#include "apps/pipeline/image_resample.h"
#include "engine/check.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"

namespace syn::app {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Rgb {
  float c[3];
};

Rgb hsv(double h, double s, double v) {
  Rgb out;
  hsv_to_rgb(h, std::clamp(s, 0.0, 1.0), std::clamp(v, 0.0, 1.0), out.c);
  return out;
}

struct Tones {
  Rgb light, dark;
};

Tones tones_of(const CoverPalette& p, double brightness_hz) {
  const double b = std::clamp(std::log2(std::max(brightness_hz, 1.0) / 250.0) / 5.0, 0.0, 1.0);
  const double turn = 120.0 * (b - 0.5);
  return {hsv(p.hue_deg - 15 + turn, 0.7 * p.saturation, p.value + 0.25),
          hsv(p.hue_deg + 30 - turn, 1.1 * p.saturation, 0.45 * p.value * (1 - 0.5 * p.contrast))};
}

// A planar [3, S, S] canvas as plain floats.
struct Canvas {
  int64_t S = 0;
  std::vector<float> px;
  float& at(int c, int64_t y, int64_t x) { return px[(size_t)((c * S + y) * S + x)]; }
};

// The background: the graded, blurred scene with its vignette (the table's rows scene, tones,
// grade, vignette).
Canvas background(const Tensor& scene, const Tones& t, int size) {
  Canvas cv{size, std::vector<float>((size_t)3 * size * size)};
  const int64_t S = size, plane = S * S;
  std::vector<float> sc;
  if (scene.defined()) {
    SYN_CHECK(scene.dim() == 3 && scene.size(0) == 3, "cover: the scene must be [3, s, s], got ",
              scene.describe());
    for (float v : scene.to_vector())
      SYN_CHECK(std::isfinite(v), "cover: the scene picture holds a non-finite value");
    sc = gaussian_blur(resize_bicubic(scene, S, S), size / 40.0).to_vector();
  }
  const double half = S / 2.0, diag = S / std::sqrt(2.0);
  for (int64_t y = 0; y < S; ++y)
    for (int64_t x = 0; x < S; ++x) {
      const size_t i = (size_t)(y * S + x);
      const double ramp = 1.0 - ((double)y + 0.5) / (double)S;
      double rgb[3], Y = ramp;
      if (!sc.empty()) {
        for (int c = 0; c < 3; ++c) rgb[c] = std::clamp(sc[c * plane + i], 0.0f, 1.0f);
        Y = 0.35 * (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) + 0.65 * ramp;
      } else {
        for (double& v : rgb) v = ramp;
      }
      const double dx = (double)x + 0.5 - half, dy = (double)y + 0.5 - half;
      const double r2 = (dx * dx + dy * dy) / (diag * diag), vignette = 1 - 0.35 * r2;
      for (int c = 0; c < 3; ++c) {
        const double duo = t.dark.c[c] + (t.light.c[c] - t.dark.c[c]) * Y;
        const double v = (0.25 * rgb[c] + 0.75 * duo) * vignette;
        cv.px[c * plane + i] = (float)std::clamp(v, 0.0, 1.0);
      }
    }
  return cv;
}

void glow(Canvas& cv, const Rgb& light, double cx, double cy) {
  const double sigma = 0.22 * (double)cv.S;
  for (int64_t y = 0; y < cv.S; ++y)
    for (int64_t x = 0; x < cv.S; ++x) {
      const double dx = (double)x + 0.5 - cx, dy = (double)y + 0.5 - cy;
      const float a = (float)(0.55 * std::exp(-0.5 * (dx * dx + dy * dy) / (sigma * sigma)));
      for (int c = 0; c < 3; ++c) cv.at(c, y, x) += a * (light.c[c] - cv.at(c, y, x));
    }
}

// The ripples: `n` soft rings of the light tone around (cx, cy), ring k (1..n) at radius
// k · 0.62 · size / (n + 1), a Gaussian profile of σ = size / 250, peak opacity 0.28.
void ripples(Canvas& cv, const Rgb& light, double cx, double cy, int n) {
  const double S = (double)cv.S, step = 0.62 * S / (n + 1), sigma = S / 250.0;
  for (int64_t y = 0; y < cv.S; ++y)
    for (int64_t x = 0; x < cv.S; ++x) {
      const double dx = (double)x + 0.5 - cx, dy = (double)y + 0.5 - cy;
      const double r = std::sqrt(dx * dx + dy * dy), k = std::round(r / step);
      if (k < 1 || k > n) continue;
      const double off = (r - k * step) / sigma;
      const float a = (float)(0.28 * std::exp(-0.5 * off * off));
      for (int c = 0; c < 3; ++c) cv.at(c, y, x) += a * (light.c[c] - cv.at(c, y, x));
    }
}

// A motif enlarged to `side` with a soft key: [4, side, side] = (r, g, b, α), rgb un-premultiplied.
struct Sprite {
  int64_t side = 0;
  std::vector<float> rgba;  // planar
};

// The fade of a sprite's α towards its border: 0 at the edge, 1 from 8 % of the side inwards,
// smoothstep between.
float edge_fade(int64_t u, int64_t v, int64_t side) {
  const double d = (double)std::min({u, v, side - 1 - u, side - 1 - v}) + 0.5;
  const double t = std::clamp(d / (0.08 * (double)side), 0.0, 1.0);
  return (float)(t * t * (3 - 2 * t));
}

Sprite enlarge_motif(const std::vector<float>& m, int64_t M, int64_t side) {
  const int64_t mp = M * M;
  std::vector<float> pre((size_t)(4 * mp));
  for (int64_t i = 0; i < mp; ++i) {
    float c[3];
    for (int k = 0; k < 3; ++k) c[k] = std::clamp(m[(size_t)(k * mp + i)], 0.0f, 1.0f);
    const float a = motif_alpha(c[0], c[1], c[2]);
    for (int k = 0; k < 3; ++k) pre[(size_t)(k * mp + i)] = a * c[k];
    pre[(size_t)(3 * mp + i)] = a;
  }
  const std::vector<float> big =
      resize_bicubic(Tensor::from_vector(pre, {4, M, M}), side, side).to_vector();
  Sprite s{side, big};
  const int64_t sp = side * side;
  for (int64_t i = 0; i < sp; ++i) {
    float& a = s.rgba[(size_t)(3 * sp + i)];
    for (int k = 0; k < 3; ++k) {
      float& v = s.rgba[(size_t)(k * sp + i)];
      v = a > 1e-4f ? std::clamp(v / a, 0.0f, 1.0f) : 0.0f;
    }
    a = std::clamp(a, 0.0f, 1.0f) * edge_fade(i % side, i / side, side);
  }
  return s;
}

// Blends a plane of opacity `alpha` (side × side at top-left x0, y0) in colour `rgb` (a planar
// sprite) or a flat colour, clipped to the canvas.
void blend(Canvas& cv, const std::vector<float>& alpha, int64_t side, int64_t x0, int64_t y0,
           const float* rgb_planes, const Rgb& flat, float opacity) {
  const int64_t sp = side * side;
  for (int64_t v = 0; v < side; ++v)
    for (int64_t u = 0; u < side; ++u) {
      const int64_t X = x0 + u, Y = y0 + v;
      if (X < 0 || Y < 0 || X >= cv.S || Y >= cv.S) continue;
      const float a = opacity * std::clamp(alpha[(size_t)(v * side + u)], 0.0f, 1.0f);
      if (a <= 0) continue;
      for (int c = 0; c < 3; ++c) {
        const float col = rgb_planes ? rgb_planes[c * sp + v * side + u] : flat.c[c];
        float& p = cv.at(c, Y, X);
        p = a * col + (1 - a) * p;
      }
    }
}

void place(Canvas& cv, const Sprite& s, const DesignedPlacement& at, const Rgb& dark) {
  const int64_t side = s.side, sp = side * side;
  const std::vector<float> alpha(s.rgba.begin() + 3 * sp, s.rgba.end());
  const int64_t x0 = std::lround(at.cx - side / 2.0), y0 = std::lround(at.cy - side / 2.0);
  // The shadow: the blurred α, offset down-right.
  const std::vector<float> soft =
      gaussian_blur(Tensor::from_vector(alpha, {1, side, side}), side / 16.0).to_vector();
  blend(cv, soft, side, x0 + std::lround(side / 24.0), y0 + std::lround(side / 16.0), nullptr, dark,
        0.5f);
  blend(cv, alpha, side, x0, y0, s.rgba.data(), dark, 1.0f);
}

// The stage under the rhythm band: the dark tone at opacity 0.35 between y0 and y1, its edges
// fading over size/60.
void stage(Canvas& cv, const Rgb& dark, double y0, double y1) {
  const double soft = (double)cv.S / 60.0;
  for (int64_t y = 0; y < cv.S; ++y) {
    const double c = (double)y + 0.5;
    const double t = std::clamp(std::min(c - y0, y1 - c) / soft + 0.5, 0.0, 1.0);
    const float a = (float)(0.35 * t * t * (3 - 2 * t));
    if (a <= 0) continue;
    for (int64_t x = 0; x < cv.S; ++x)
      for (int k = 0; k < 3; ++k) cv.at(k, y, x) += a * (dark.c[k] - cv.at(k, y, x));
  }
}

void frame(Canvas& cv, const Rgb& light) {
  const int64_t inset = cv.S / 32, width = std::max<int64_t>(1, cv.S / 256);
  for (int64_t y = 0; y < cv.S; ++y)
    for (int64_t x = 0; x < cv.S; ++x) {
      const int64_t d =
          std::min({x - inset, y - inset, cv.S - 1 - inset - x, cv.S - 1 - inset - y});
      if (d < 0 || d >= width) continue;
      for (int c = 0; c < 3; ++c) cv.at(c, y, x) += 0.6f * (light.c[c] - cv.at(c, y, x));
    }
}

}  // namespace

CoverDesign design_cover_layout(const MusicCharacter& character, int64_t count, int size,
                                uint64_t seed) {
  check_cover_size(size);
  SYN_CHECK(count >= 0, "cover: negative motif count ", count);
  CoverDesign d;
  d.palette = cover_palette(character);
  d.beats = (int)std::clamp<long>(std::lround(character.tempo_bpm / 20.0), 3, 9);
  const double a_plus = (std::clamp(character.arousal, -1.0, 1.0) + 1) / 2;
  d.wave_amplitude = 0.05 * size * a_plus;
  const int n = d.beats;
  const double t = std::min(0.85 * size / n, 0.2 * size);
  d.band_side = t;
  if (count == 0) return d;
  Rng rng(seed);
  const double phase = rng.uniform() * 2 * kPi;
  for (int k = 0; k < n; ++k) {
    DesignedPlacement p;
    p.motif = count >= 2 ? 1 + k % (count - 1) : 0;
    p.side = std::max<int64_t>(1, std::lround(k % 2 == 0 ? t : 0.7 * t));
    const double jx = rng.uniform(-1.0f, 1.0f) * size / 100.0;
    const double jy = rng.uniform(-1.0f, 1.0f) * size / 100.0;
    p.cx = (k + 0.5) * size / n + jx;
    p.cy = 0.80 * size + d.wave_amplitude * std::sin(2 * kPi * k / n * 2 + phase) + jy;
    d.placed.push_back(p);
  }
  d.placed.push_back({0, size / 2.0, 0.40 * size, std::lround(0.44 * size)});
  return d;
}

Tensor design_cover(const Tensor& scene, const Tensor& motifs, const MusicCharacter& character,
                    int size, uint64_t seed, CoverDesign* design_out) {
  check_cover_size(size);
  int64_t n = 0, M = 1;
  std::vector<float> m;
  if (motifs.defined() && motifs.numel() > 0) {
    SYN_CHECK(motifs.dim() == 4 && motifs.size(1) == 3 && motifs.size(2) == motifs.size(3),
              "cover: motif images must be [N, 3, M, M], got ", motifs.describe());
    n = motifs.size(0);
    M = motifs.size(2);
    m = motifs.to_vector();
    for (size_t i = 0; i < m.size(); ++i)
      SYN_CHECK(std::isfinite(m[i]), "cover: motif images ", motifs.describe(),
                " hold a non-finite value at flat index ", i);
  }
  const CoverDesign d = design_cover_layout(character, n, size, seed);
  const Tones tones = tones_of(d.palette, character.brightness_hz);
  Canvas cv = background(scene, tones, size);
  glow(cv, tones.light, size / 2.0, 0.40 * size);
  ripples(cv, tones.light, size / 2.0, 0.40 * size, d.beats);
  const double reach = d.band_side / 2.0 + d.wave_amplitude + size / 40.0;
  stage(cv, tones.dark, 0.80 * size - reach, 0.80 * size + reach);
  for (const DesignedPlacement& p : d.placed) {
    const std::vector<float> one(m.begin() + p.motif * 3 * M * M,
                                 m.begin() + (p.motif + 1) * 3 * M * M);
    place(cv, enlarge_motif(one, M, p.side), p, tones.dark);
  }
  frame(cv, tones.light);
  if (design_out) *design_out = d;
  return Tensor::from_vector(cv.px, {3, (int64_t)size, (int64_t)size});
}

}  // namespace syn::app
