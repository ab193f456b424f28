// scene_grading.cpp — see scene_grading.h.
#include "data/pictures/scene_grading.h"

#include <algorithm>
#include <cmath>

namespace syn::pictures {

namespace {

struct Shift {
  float value = 1, saturation = 1, contrast = 1;
  Rgb gain{1, 1, 1};       // per-channel multipliers (casts)
  float toward_white = 0;  // pastel
  float vignette = 0;      // darkening at the corners, 0..1
};

void apply(SceneImage& im, const Shift& s) {
  const int n = im.size;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      float c[3] = {im.at(0, y, x), im.at(1, y, x), im.at(2, y, x)};
      const float g[3] = {s.gain.r, s.gain.g, s.gain.b};
      for (int k = 0; k < 3; ++k) c[k] *= g[k] * s.value;
      float luma = 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2];
      float du = (x + 0.5f) / n - 0.5f, dv = (y + 0.5f) / n - 0.5f;
      float vig = 1 - s.vignette * std::min(1.0f, 2.0f * (du * du + dv * dv));
      for (int k = 0; k < 3; ++k) {
        float v = luma + (c[k] - luma) * s.saturation;
        v = 128 + (v - 128) * s.contrast;
        v += (255 - v) * s.toward_white;
        im.at(k, y, x) = std::clamp(v * vig, 0.0f, 255.0f);
      }
    }
}

}  // namespace

void grade_scene(SceneImage& im, Mood mood, Energy energy) {
  Shift s;
  switch (mood) {
    case Mood::Calm:
      s.gain = {1, 1, 1.06f}, s.saturation = 0.85f, s.contrast = 0.92f;
      break;
    case Mood::Dark:
      s.value = 0.55f, s.gain = {0.94f, 0.97f, 1.08f}, s.vignette = 0.5f;
      break;
    case Mood::Happy:
      s.value = 1.08f, s.saturation = 1.25f, s.gain = {1.06f, 1, 0.94f};
      break;
    case Mood::Sad:
      s.saturation = 0.45f, s.value = 0.85f, s.gain = {0.95f, 0.98f, 1.06f};
      break;
    case Mood::Dreamy:
      gaussian_blur(im, 0.6f * im.size / 64.0f);
      s.toward_white = 0.25f, s.saturation = 0.7f;
      break;
    case Mood::Aggressive:
      s.gain = {1.15f, 0.9f, 0.9f}, s.contrast = 1.35f, s.saturation = 1.2f;
      break;
    case Mood::Romantic:
      s.gain = {1.1f, 0.94f, 1.04f}, s.vignette = 0.3f;
      break;
  }
  switch (energy) {
    case Energy::Slow:
      s.contrast *= 0.94f;
      break;
    case Energy::Fast:
      s.contrast *= 1.08f;
      break;
    case Energy::Energetic:
      s.contrast *= 1.15f, s.saturation *= 1.15f;
      break;
  }
  apply(im, s);
  if (mood == Mood::Dreamy) {  // the glow: a wide blur of the picture lightened over it
    SceneImage glow = im;
    gaussian_blur(glow, 2.0f * im.size / 64.0f);
    for (size_t i = 0; i < im.px.size(); ++i)
      im.px[i] = std::max(im.px[i], 0.6f * im.px[i] + 0.4f * glow.px[i]);
  }
}

}  // namespace syn::pictures
