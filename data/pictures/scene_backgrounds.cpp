// scene_backgrounds.cpp — see scene_backgrounds.h. Positions are fractions of the side (u, v in
// 0..1) turned into pixels by `S`; `k` is the pixel scale of a 64-px design.
#include "data/pictures/scene_backgrounds.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"
#include "engine/rng.h"

namespace syn::pictures {

namespace {

constexpr float kPi = 3.14159265f;

// How many of a scattered thing (stars, flakes) a size gets: `at64` at 64 px, by area.
int scaled_count(int at64, int size) {
  return std::max(1, (int)std::lround(at64 * (double)size * size / (64.0 * 64.0)));
}

// A silhouette rising from the bottom: pixels below the curve top(u) (in v units) are covered.
template <class Top>
void fill_below(SceneImage& im, Top top, Rgb colour, float opacity) {
  const float S = (float)im.size;
  for (int x = 0; x < im.size; ++x) {
    float t = top((x + 0.5f) / S) * S;
    for (int y = std::max(0, (int)std::floor(t) - 1); y < im.size; ++y)
      im.blend(y, x, colour, opacity * coverage(t - (y + 0.5f)));
  }
}

// An upright triangle (a conifer): apex (cx, apex_y), base half-width `half` at base_y (pixels).
void fill_tree(SceneImage& im, float cx, float apex_y, float base_y, float half, Rgb colour) {
  const float h = std::max(base_y - apex_y, 1.0f), slope = half / h;
  const float norm = 1.0f / std::sqrt(1 + slope * slope);  // horizontal to true distance
  for (int y = std::max(0, (int)apex_y - 1); y < std::min(im.size, (int)std::ceil(base_y) + 1); ++y)
    for (int x = std::max(0, (int)(cx - half) - 2); x < std::min(im.size, (int)(cx + half) + 3);
         ++x) {
      float py = y + 0.5f, w = (py - apex_y) * slope;
      float d = std::max((std::fabs(x + 0.5f - cx) - w) * norm, py - base_y);
      im.blend(y, x, colour, coverage(d));
    }
}

}  // namespace

const std::vector<Background>& all_backgrounds() {
  static const std::vector<Background> all = {
      Background::Night,  Background::Sunset, Background::Sea,  Background::Fire,
      Background::Rain,   Background::Fog,    Background::Snow, Background::Neon,
      Background::Forest, Background::Plain};
  return all;
}

const char* background_name(Background b) {
  switch (b) {
    case Background::Night:
      return "night";
    case Background::Sunset:
      return "sunset";
    case Background::Sea:
      return "sea";
    case Background::Fire:
      return "fire";
    case Background::Rain:
      return "rain";
    case Background::Fog:
      return "fog";
    case Background::Snow:
      return "snow";
    case Background::Neon:
      return "neon";
    case Background::Forest:
      return "forest";
    case Background::Plain:
      return "plain";
  }
  return "?";
}

Background parse_background(const std::string& name) {
  std::string names;
  for (Background b : all_backgrounds()) {
    if (name == background_name(b)) return b;
    names += (names.empty() ? "" : ", ") + std::string(background_name(b));
  }
  SYN_FAIL("unknown scene background '", name, "' (expected one of ", names, ")");
}

BackgroundImage draw_night(Rng& rng, int size, bool sky_body) {
  const float S = (float)size, k = S / 64;
  BackgroundImage out{SceneImage(size, {}), "blue"};
  SceneImage& im = out.image;
  fill_vertical_gradient(im, {{0.0f, {6, 8, 28}}, {0.7f, {20, 26, 64}}, {1.0f, {40, 44, 86}}});
  const int stars = scaled_count(30 + (int)rng.randint(40), size);
  for (int i = 0; i < stars; ++i) {
    float x = rng.uniform(0, S), y = rng.uniform(0, S * 0.85f), b = rng.uniform(0.35f, 1.0f);
    fill_disc(im, x, y, rng.uniform(0.3f, 0.6f) * k, {255, 250, 225}, b);
    if (rng.bernoulli(0.12f)) add_glow(im, x, y, 1.6f * k, {200, 210, 255}, 0.35f * b);
  }
  if (!sky_body) return out;
  // The moon: a disc, or a crescent (the disc less an offset one), with a halo.
  const float cx = rng.uniform(0.2f, 0.8f) * S, cy = rng.uniform(0.12f, 0.3f) * S;
  const float r = rng.uniform(0.07f, 0.11f) * S;
  const bool crescent = rng.bernoulli(0.5f);
  const float ox = (rng.bernoulli(0.5f) ? 1 : -1) * r * 0.55f, oy = -r * 0.25f;
  add_glow(im, cx, cy, r * 2.2f, {170, 180, 230}, 0.3f);
  for (int y = std::max(0, (int)(cy - r - 2)); y < std::min(size, (int)(cy + r + 3)); ++y)
    for (int x = std::max(0, (int)(cx - r - 2)); x < std::min(size, (int)(cx + r + 3)); ++x) {
      float d = std::hypot(x + 0.5f - cx, y + 0.5f - cy) - r;
      float a = coverage(d);
      if (crescent) a *= 1 - coverage(std::hypot(x + 0.5f - cx - ox, y + 0.5f - cy - oy) - r);
      im.blend(y, x, {246, 240, 205}, a);
    }
  return out;
}

BackgroundImage draw_sunset(Rng& rng, int size, bool sky_body) {
  const float S = (float)size;
  struct Palette {
    const char* word;
    Rgb top, middle, horizon;
  };
  static const Palette palettes[] = {{"orange", {70, 40, 110}, {235, 110, 70}, {255, 195, 95}},
                                     {"pink", {45, 35, 100}, {205, 85, 145}, {255, 160, 125}},
                                     {"red", {60, 18, 45}, {205, 50, 40}, {255, 145, 55}}};
  const Palette& p = palettes[rng.randint(3)];
  BackgroundImage out{SceneImage(size, {}), p.word};
  SceneImage& im = out.image;
  const float horizon = rng.uniform(0.62f, 0.72f);
  fill_vertical_gradient(
      im, {{0.0f, p.top}, {horizon * 0.6f, p.middle}, {horizon, p.horizon}, {1.0f, p.horizon}});
  const float sx = rng.uniform(0.25f, 0.75f) * S, r = rng.uniform(0.11f, 0.17f) * S;
  add_glow(im, sx, horizon * S, r * 2.5f, {255, 220, 150}, 0.45f);  // without the sun: just set
  if (sky_body) fill_disc(im, sx, horizon * S - r * 0.25f, r, {255, 232, 160}, 1.0f);
  // Hills in front, their tops a sum of two sines.
  const float a1 = rng.uniform(0.02f, 0.05f), f1 = rng.uniform(1.0f, 2.0f), p1 = rng.uniform(0, 6);
  const float a2 = rng.uniform(0.01f, 0.02f), f2 = rng.uniform(3.0f, 5.0f), p2 = rng.uniform(0, 6);
  fill_below(
      im,
      [&](float u) {
        return horizon + a1 * std::sin(2 * kPi * f1 * u + p1) +
               a2 * std::sin(2 * kPi * f2 * u + p2);
      },
      mix(p.top, {20, 10, 25}, 0.6f), 1.0f);
  return out;
}

BackgroundImage draw_sea(Rng& rng, int size) {
  const float S = (float)size, k = S / 64;
  BackgroundImage out{SceneImage(size, {}), "blue"};
  SceneImage& im = out.image;
  const float horizon = rng.uniform(0.42f, 0.55f);
  fill_vertical_gradient(im, {{0.0f, {80, 145, 215}},
                              {horizon, {195, 222, 240}},
                              {horizon + 0.001f, {45, 115, 170}},
                              {1.0f, {12, 52, 105}}});
  // A soft cloud or two: clusters of glows.
  const int clouds = 1 + (int)rng.randint(2);
  for (int c = 0; c < clouds; ++c) {
    float cx = rng.uniform(0.1f, 0.9f) * S, cy = rng.uniform(0.1f, horizon * 0.6f) * S;
    for (int i = 0; i < 4; ++i)
      add_glow(im, cx + rng.uniform(-6, 6) * k, cy + rng.uniform(-1.5f, 1.5f) * k,
               rng.uniform(3, 5) * k, {255, 255, 255}, 0.5f);
  }
  // Wave crests: rows of light bands, closer together near the horizon (perspective).
  ValueNoise wobble(rng.next_u64(), 6);
  const float phase = rng.uniform(0, 1);
  for (int y = (int)(horizon * S) + 1; y < size; ++y) {
    float t = ((y + 0.5f) / S - horizon) / (1 - horizon);  // 0 at the horizon, 1 at the bottom
    for (int x = 0; x < size; ++x) {
      float u = (x + 0.5f) / S;
      float w = std::sin(2 * kPi * (2.2f / (t + 0.12f) + phase + 0.6f * wobble.at(u, t)));
      im.blend(y, x, {210, 235, 250}, 0.5f * smoothstep(0.75f, 1.0f, w) * (0.4f + 0.6f * t));
    }
  }
  return out;
}

BackgroundImage draw_fire(Rng& rng, int size) {
  const float S = (float)size, k = S / 64;
  const bool red = rng.bernoulli(0.5f);
  BackgroundImage out{SceneImage(size, {}), red ? "red" : "orange"};
  SceneImage& im = out.image;
  fill_vertical_gradient(im, {{0.0f, {14, 4, 4}},
                              {0.5f, red ? Rgb{90, 10, 6} : Rgb{80, 24, 6}},
                              {1.0f, red ? Rgb{210, 50, 12} : Rgb{230, 105, 15}}});
  ValueNoise coarse(rng.next_u64(), 5), fine(rng.next_u64(), 13);
  const float base = rng.uniform(0.4f, 0.55f);
  const Rgb hot = {255, 225, 120}, warm = red ? Rgb{245, 90, 20} : Rgb{255, 150, 30},
            edge = red ? Rgb{190, 25, 10} : Rgb{215, 60, 10};
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      float u = (x + 0.5f) / S, v = (y + 0.5f) / S;
      // The flames' top edge, in v: noise in x, bent by noise in (x, y) into tongues.
      float top = 1 - base * (0.55f + 0.6f * coarse.at(u, 0.3f) + 0.45f * fine.at(u, v * 0.7f));
      if (v < top - 0.1f) continue;
      float heat = std::clamp((v - top) / std::max(1 - top, 0.05f), 0.0f, 1.0f);
      Rgb c = heat < 0.5f ? mix(edge, warm, heat * 2) : mix(warm, hot, (heat - 0.5f) * 2);
      im.blend(y, x, c, coverage((top - v) * S / 1.5f) * (0.75f + 0.25f * heat));
    }
  const int embers = scaled_count(10 + (int)rng.randint(15), size);
  for (int i = 0; i < embers; ++i) {
    float x = rng.uniform(0, S), y = rng.uniform(0.05f, 0.6f) * S;
    fill_disc(im, x, y, rng.uniform(0.3f, 0.6f) * k, {255, 190, 80}, rng.uniform(0.5f, 1.0f));
    add_glow(im, x, y, 1.5f * k, {255, 120, 30}, 0.25f);
  }
  return out;
}

BackgroundImage draw_rain(Rng& rng, int size) {
  const float S = (float)size, k = S / 64;
  BackgroundImage out{SceneImage(size, {}), "grey"};
  SceneImage& im = out.image;
  fill_vertical_gradient(im, {{0.0f, {62, 68, 80}},
                              {0.8f, {118, 126, 138}},
                              {0.82f, {70, 76, 88}},
                              {1.0f, {92, 100, 112}}});
  ValueNoise clouds(rng.next_u64(), 4);
  for (int y = 0; y < (int)(0.45f * S); ++y)
    for (int x = 0; x < size; ++x) {
      float u = (x + 0.5f) / S, v = (y + 0.5f) / S;
      im.blend(y, x, {40, 44, 54}, 0.6f * clouds.at(u, v * 2) * (1 - v / 0.45f));
    }
  const float slant = rng.uniform(-0.35f, 0.35f);
  const int streaks = scaled_count(70 + (int)rng.randint(50), size);
  for (int i = 0; i < streaks; ++i) {
    float x = rng.uniform(-0.1f, 1.1f) * S, y = rng.uniform(-0.05f, 1.0f) * S;
    float len = rng.uniform(3.5f, 7.0f) * k;
    draw_segment(im, x, y, x + slant * len, y + len, 0.7f * k, {205, 215, 230},
                 rng.uniform(0.3f, 0.6f));
  }
  return out;
}

BackgroundImage draw_fog(Rng& rng, int size) {
  const float S = (float)size, k = S / 64;
  const bool white = rng.bernoulli(0.5f);
  BackgroundImage out{SceneImage(size, {}), white ? "white" : "grey"};
  SceneImage& im = out.image;
  const Rgb top = white ? Rgb{200, 204, 208} : Rgb{130, 136, 142},
            bottom = white ? Rgb{232, 234, 236} : Rgb{172, 176, 180};
  fill_vertical_gradient(im, {{0.0f, top}, {1.0f, bottom}});
  // Faint trees far away, then mist in front of them.
  const int trees = 3 + (int)rng.randint(5);
  for (int i = 0; i < trees; ++i) {
    float cx = rng.uniform(0, S), base = rng.uniform(0.75f, 0.95f) * S;
    float h = rng.uniform(0.3f, 0.5f) * S;
    fill_tree(im, cx, base - h, base, h * 0.3f, mix(top, {60, 66, 70}, rng.uniform(0.2f, 0.4f)));
  }
  ValueNoise mist(rng.next_u64(), 5);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      float u = (x + 0.5f) / S, v = (y + 0.5f) / S;
      im.blend(y, x, bottom, 0.35f + 0.45f * mist.at(u * 0.5f, v * 3));
    }
  gaussian_blur(im, 0.6f * k);
  return out;
}

BackgroundImage draw_snow(Rng& rng, int size) {
  const float S = (float)size, k = S / 64;
  BackgroundImage out{SceneImage(size, {}), "white"};
  SceneImage& im = out.image;
  fill_vertical_gradient(im, {{0.0f, {140, 160, 190}}, {1.0f, {208, 218, 232}}});
  const float level = rng.uniform(0.68f, 0.8f), a = rng.uniform(0.03f, 0.07f);
  const float f = rng.uniform(0.6f, 1.4f), p = rng.uniform(0, 6);
  fill_below(
      im, [&](float u) { return level + a * std::sin(2 * kPi * f * u + p); }, {238, 242, 250},
      1.0f);
  for (int y = (int)(level * S); y < size; ++y)  // a blue shade toward the bottom of the hill
    for (int x = 0; x < size; ++x)
      im.blend(y, x, {180, 195, 225}, 0.35f * ((y + 0.5f) / S - level) / (1 - level));
  const int flakes = scaled_count(40 + (int)rng.randint(50), size);
  for (int i = 0; i < flakes; ++i)
    fill_disc(im, rng.uniform(0, S), rng.uniform(0, S), rng.uniform(0.4f, 1.1f) * k,
              {255, 255, 255}, rng.uniform(0.6f, 0.95f));
  return out;
}

BackgroundImage draw_neon(Rng& rng, int size) {
  const float S = (float)size, k = S / 64;
  struct Light {
    const char* word;
    Rgb colour;
  };
  static const Light lights[] = {
      {"pink", {255, 50, 190}}, {"blue", {50, 150, 255}}, {"purple", {165, 70, 255}}};
  const Light& main = lights[rng.randint(3)];
  BackgroundImage out{SceneImage(size, {}), main.word};
  SceneImage& im = out.image;
  const float floor_v = rng.uniform(0.74f, 0.82f);
  fill_vertical_gradient(im, {{0.0f, {10, 4, 22}},
                              {floor_v, {34, 12, 52}},
                              {floor_v + 0.001f, {22, 8, 34}},
                              {1.0f, {12, 4, 20}}});
  // Spotlight cones from above: coverage by the angle from the beam's axis.
  const int beams = 2 + (int)rng.randint(3);
  for (int i = 0; i < beams; ++i) {
    Rgb c = i == 0 ? main.colour : lights[rng.randint(3)].colour;
    float sx = rng.uniform(0.1f, 0.9f) * S, sy = -0.05f * S;
    float tx = rng.uniform(0.15f, 0.85f) * S, ty = S;
    float half = rng.uniform(0.1f, 0.17f);  // radians
    float ax = tx - sx, ay = ty - sy, al = std::hypot(ax, ay);
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        float px = x + 0.5f - sx, py = y + 0.5f - sy, along = (px * ax + py * ay) / al;
        if (along <= 0) continue;
        float across = std::fabs(px * ay - py * ax) / al;
        float d = across - along * std::tan(half);  // pixels outside the cone's edge
        im.blend(y, x, c, 0.45f * smoothstep(2.5f * k, -2.5f * k, d) * (1 - 0.5f * along / al));
      }
    add_glow(im, tx, floor_v * S + 0.08f * S, 7 * k, c, 0.35f);  // the pool of light on the floor
  }
  // Neon tubes: a bright thin line inside a wide faint one.
  const int tubes = 1 + (int)rng.randint(2);
  for (int i = 0; i < tubes; ++i) {
    Rgb c = lights[rng.randint(3)].colour;
    float y = rng.uniform(0.08f, 0.3f) * S, x0 = rng.uniform(0.05f, 0.4f) * S,
          x1 = rng.uniform(0.6f, 0.95f) * S, dy = rng.uniform(-3, 3) * k;
    draw_segment(im, x0, y, x1, y + dy, 4 * k, c, 0.3f);
    draw_segment(im, x0, y, x1, y + dy, 1.2f * k, mix(c, {255, 255, 255}, 0.5f), 0.95f);
  }
  return out;
}

BackgroundImage draw_forest(Rng& rng, int size) {
  const float S = (float)size;
  BackgroundImage out{SceneImage(size, {}), "green"};
  SceneImage& im = out.image;
  fill_vertical_gradient(im, {{0.0f, {140, 195, 225}}, {0.7f, {205, 228, 215}}});
  static const Rgb layers[] = {{120, 160, 130}, {55, 115, 72}, {22, 64, 38}};
  for (int l = 0; l < 3; ++l) {
    const int trees = 4 + (int)rng.randint(4) - l;
    const float ground = (0.62f + 0.12f * l) * S;
    for (int i = 0; i < trees; ++i) {
      float cx = (i + rng.uniform(0.1f, 0.9f)) * S / trees, h = rng.uniform(0.25f, 0.42f) * S;
      fill_tree(im, cx, ground - h, ground + 0.05f * S, h * rng.uniform(0.22f, 0.32f), layers[l]);
    }
  }
  fill_below(
      im, [](float) { return 0.86f; }, {48, 98, 44}, 1.0f);
  return out;
}

BackgroundImage draw_plain(Rng& rng, int size) {
  const float S = (float)size;
  struct Field {
    const char* word;
    Rgb colour;
  };
  static const Field fields[] = {
      {"red", {200, 52, 50}},    {"orange", {236, 140, 52}}, {"yellow", {236, 210, 72}},
      {"green", {72, 160, 82}},  {"blue", {62, 112, 202}},   {"purple", {132, 72, 182}},
      {"pink", {236, 132, 172}}, {"black", {26, 26, 30}},    {"white", {236, 236, 236}}};
  const Field& f = fields[rng.randint(9)];
  BackgroundImage out{SceneImage(size, f.colour), f.word};
  SceneImage& im = out.image;
  const float cx = rng.uniform(0.3f, 0.7f), cy = rng.uniform(0.3f, 0.7f);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      float d = std::hypot((x + 0.5f) / S - cx, (y + 0.5f) / S - cy);
      float gain = 1.1f - 0.3f * d;  // lighter in the middle, a soft vignette at the corners
      for (int c = 0; c < 3; ++c) im.at(c, y, x) *= gain;
    }
  im.clamp();
  return out;
}

BackgroundImage draw_background(Background b, Rng& rng, int size, bool sky_body) {
  SYN_CHECK(size > 0 && size <= 4096, "scene background: size ", size, " is not in 1..4096");
  BackgroundImage out;
  switch (b) {
    case Background::Night:
      out = draw_night(rng, size, sky_body);
      break;
    case Background::Sunset:
      out = draw_sunset(rng, size, sky_body);
      break;
    case Background::Sea:
      out = draw_sea(rng, size);
      break;
    case Background::Fire:
      out = draw_fire(rng, size);
      break;
    case Background::Rain:
      out = draw_rain(rng, size);
      break;
    case Background::Fog:
      out = draw_fog(rng, size);
      break;
    case Background::Snow:
      out = draw_snow(rng, size);
      break;
    case Background::Neon:
      out = draw_neon(rng, size);
      break;
    case Background::Forest:
      out = draw_forest(rng, size);
      break;
    case Background::Plain:
      out = draw_plain(rng, size);
      break;
  }
  out.image.clamp();
  return out;
}

}  // namespace syn::pictures
