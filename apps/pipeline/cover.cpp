// cover.cpp — see cover.h for the palette, rhythm, key and layout rules.
#include "apps/pipeline/cover.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"
#include "engine/rng.h"

namespace syn::app {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr float kKeyGrey = 128.0f / 255.0f;
constexpr uint64_t kBackgroundStream = 0x9E3779B97F4A7C15ull;

double clamp01(double x) { return std::min(1.0, std::max(0.0, x)); }

int grid_scale(int64_t g, int64_t side, int size) {
  return (int)std::clamp<int64_t>((int64_t)std::floor(0.8 * size / (double)(side * g)), 1, 4);
}

}  // namespace

void hsv_to_rgb(double h, double s, double v, float rgb[3]) {
  h = std::fmod(h, 360.0);
  if (h < 0) h += 360.0;
  const double c = v * s, hp = h / 60.0, x = c * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  double r = 0, g = 0, b = 0;
  switch ((int)hp) {
    case 0:
      r = c, g = x;
      break;
    case 1:
      r = x, g = c;
      break;
    case 2:
      g = c, b = x;
      break;
    case 3:
      g = x, b = c;
      break;
    case 4:
      r = x, b = c;
      break;
    default:
      r = c, b = x;
      break;
  }
  const double m = v - c;
  rgb[0] = (float)clamp01(r + m);
  rgb[1] = (float)clamp01(g + m);
  rgb[2] = (float)clamp01(b + m);
}

CoverPalette cover_palette(const MusicCharacter& c) {
  SYN_CHECK(std::isfinite(c.valence) && std::isfinite(c.arousal) && std::isfinite(c.tempo_bpm) &&
                std::isfinite(c.loudness_db),
            "cover: the music character holds a non-finite value (", c.summary(), ")");
  const double v = std::clamp(c.valence, -1.0, 1.0), a = std::clamp(c.arousal, -1.0, 1.0);
  CoverPalette p;
  p.hue_deg = std::fmod(230.0 + 160.0 * (v + 1) / 2, 360.0);
  p.saturation = 0.25 + 0.60 * (a + 1) / 2;
  p.contrast = 0.15 + 0.45 * (a + 1) / 2;
  p.value = 0.35 + 0.50 * clamp01((c.loudness_db + 40.0) / 34.0);
  p.stripes = (int)std::clamp<long>(std::lround(c.tempo_bpm / 10.0), 3, 30);
  return p;
}

const char* cover_layout_name(CoverLayoutKind kind) {
  switch (kind) {
    case CoverLayoutKind::Background:
      return "background";
    case CoverLayoutKind::Centre:
      return "centre";
    case CoverLayoutKind::Grid:
      return "grid";
    case CoverLayoutKind::Ring:
      return "ring";
  }
  return "?";
}

void check_cover_size(int size) {
  SYN_CHECK(size >= 64 && size <= 4096, "cover: size must be in 64..4096, got ", size);
}

CoverLayout cover_layout(int64_t count, int64_t side, int size, uint64_t seed) {
  check_cover_size(size);
  SYN_CHECK(count >= 0, "cover: negative motif count ", count);
  CoverLayout L;
  if (count == 0) return L;
  SYN_CHECK(side >= 1 && side * 2 <= size, "cover: motifs of side ", side,
            " do not fit a cover of ", size, " (at most ", size / 2, ")");
  const double half = size / 2.0;
  if (count == 1) {
    L.kind = CoverLayoutKind::Centre;
    L.scale = (int)std::clamp<int64_t>((int64_t)std::floor(0.5 * size / (double)side), 1, 4);
    L.tile = side * L.scale;
    L.placements.push_back({std::lround(half - L.tile / 2.0), std::lround(half - L.tile / 2.0)});
    return L;
  }
  Rng rng(seed);
  const bool want_ring = rng.uniform() >= 0.5f;
  const int64_t g = (int64_t)std::ceil(std::sqrt((double)count) - 1e-9);
  if (want_ring) {
    for (int s = 4; s >= std::min(2, grid_scale(g, side, size)); --s) {
      const double T = (double)(side * s), R = half - T / 2 - size / 16.0;
      if (R <= 0 || 2 * R * std::sin(kPi / (double)count) < std::sqrt(2.0) * T) continue;
      L.kind = CoverLayoutKind::Ring;
      L.scale = s;
      L.tile = side * s;
      const double theta0 = rng.uniform() * 2 * kPi;
      for (int64_t k = 0; k < count; ++k) {
        const double th = theta0 + 2 * kPi * (double)k / (double)count;
        L.placements.push_back({std::lround(half + R * std::cos(th) - T / 2),
                                std::lround(half + R * std::sin(th) - T / 2)});
      }
      return L;
    }
  }
  const int64_t rows = (count + g - 1) / g;
  L.kind = CoverLayoutKind::Grid;
  L.scale = grid_scale(g, side, size);
  L.tile = side * L.scale;
  const double cw = (double)size / (double)g, ch = (double)size / (double)rows;
  SYN_CHECK((double)L.tile <= std::min(cw, ch), "cover: ", count, " motifs of side ", side,
            " do not fit a ", size, "-pixel cover (a ", g, "-column grid has cells of ",
            (int64_t)cw, " pixels)");
  for (int64_t i = 0; i < count; ++i) {
    const int64_t row = i / g, col = i % g;
    const int64_t in_row = std::min(g, count - row * g);
    const double offset = (double)(g - in_row) * cw / 2;  // centres a shorter last row
    const double jx = rng.uniform(-1.0f, 1.0f) * (cw - (double)L.tile) / 4;
    const double jy = rng.uniform(-1.0f, 1.0f) * (ch - (double)L.tile) / 4;
    const double x = offset + cw * (double)col + (cw - (double)L.tile) / 2 + jx;
    const double y = ch * (double)row + (ch - (double)L.tile) / 2 + jy;
    L.placements.push_back({std::clamp<int64_t>(std::lround(x), 0, size - L.tile),
                            std::clamp<int64_t>(std::lround(y), 0, size - L.tile)});
  }
  return L;
}

float motif_alpha(float r, float g, float b) {
  const float d =
      std::max({std::fabs(r - kKeyGrey), std::fabs(g - kKeyGrey), std::fabs(b - kKeyGrey)});
  return std::min(1.0f, std::max(0.0f, (d - 0.04f) / 0.08f));
}

Tensor cover_background(const MusicCharacter& character, int size, uint64_t seed) {
  check_cover_size(size);
  const CoverPalette p = cover_palette(character);
  Rng rng(seed ^ kBackgroundStream);
  const double tilt = rng.uniform(-1.0f, 1.0f);
  const int64_t S = size, plane = S * S;
  Tensor out = Tensor::empty({3, S, S});
  float* o = out.data();
  for (int64_t y = 0; y < S; ++y)
    for (int64_t x = 0; x < S; ++x) {
      const double u = ((double)x + 0.5 + tilt * ((double)y + 0.5)) / (double)S;
      const double pat = 0.5 - 0.5 * std::cos(2 * kPi * p.stripes * u);
      const double grain = rng.uniform(-0.02f, 0.02f);
      float rgb[3];
      hsv_to_rgb(p.hue_deg + 20.0 * pat, p.saturation,
                 clamp01(p.value * (1 - p.contrast * pat) + grain), rgb);
      for (int c = 0; c < 3; ++c) o[c * plane + y * S + x] = rgb[c];
    }
  return out;
}

Tensor compose_cover(const Tensor& motifs, const MusicCharacter& character,
                     const CoverOptions& options, CoverLayout* layout_out) {
  int64_t n = 0, side = 1;
  std::vector<float> m;
  if (motifs.defined() && motifs.numel() > 0) {
    SYN_CHECK(motifs.dim() == 4 && motifs.size(1) == 3 && motifs.size(2) == motifs.size(3),
              "cover: motif images must be [N, 3, M, M], got ", motifs.describe());
    n = motifs.size(0);
    side = motifs.size(2);
    m = motifs.to_vector();
    for (size_t i = 0; i < m.size(); ++i)
      SYN_CHECK(std::isfinite(m[i]), "cover: motif images ", motifs.describe(),
                " hold a non-finite value at flat index ", i);
  }
  CoverLayout L = cover_layout(n, side, options.size, options.seed);
  Tensor out = cover_background(character, options.size, options.seed);
  float* o = out.data();
  const int64_t S = options.size, plane = S * S, mp = side * side;
  for (int64_t i = 0; i < n; ++i) {
    const float* img = m.data() + i * 3 * mp;
    const MotifPlacement& at = L.placements[(size_t)i];
    for (int64_t v = 0; v < side; ++v)
      for (int64_t u = 0; u < side; ++u) {
        float c[3];
        for (int k = 0; k < 3; ++k)
          c[k] = std::min(1.0f, std::max(0.0f, img[k * mp + v * side + u]));
        const float a = motif_alpha(c[0], c[1], c[2]);
        if (a <= 0) continue;
        for (int64_t dy = 0; dy < L.scale; ++dy)
          for (int64_t dx = 0; dx < L.scale; ++dx) {
            const int64_t X = at.x + u * L.scale + dx, Y = at.y + v * L.scale + dy;
            for (int k = 0; k < 3; ++k) {
              float& px = o[k * plane + Y * S + X];
              px = a * c[k] + (1 - a) * px;
            }
          }
      }
  }
  if (layout_out) *layout_out = L;
  return out;
}

}  // namespace syn::app
