// scene_cutout.cpp — see scene_cutout.h.
#include "data/pictures/scene_cutout.h"

#include <algorithm>
#include <cmath>

#include "data/datasets/emoji_dataset.h"  // area_resize
#include "engine/check.h"

namespace syn::pictures {

namespace {
uint8_t to_byte(float v) { return (uint8_t)std::clamp(std::floor(v + 0.5f), 0.0f, 255.0f); }
}  // namespace

Cutout cut_out(const float* picture, int size, int background) {
  SYN_CHECK(size > 0, "cut_out: picture size ", size);
  const size_t n = (size_t)size * size;
  const float bg = (float)background;
  auto diff = [&](size_t p) {
    float d = 0;
    for (int c = 0; c < 3; ++c) d = std::max(d, std::fabs(picture[c * n + p] - bg));
    return d;
  };
  // 1. The background: near-grey pixels reachable from the border, then exact-grey holes.
  std::vector<uint8_t> is_bg(n, 0);
  std::vector<size_t> stack;
  auto flood = [&](size_t start, float tol, std::vector<uint8_t>& mark, std::vector<size_t>* seen) {
    stack.assign(1, start);
    mark[start] = 1;
    while (!stack.empty()) {
      size_t p = stack.back();
      stack.pop_back();
      if (seen) seen->push_back(p);
      int y = (int)(p / size), x = (int)(p % size);
      const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
      for (int k = 0; k < 4; ++k) {
        int yy = y + dy[k], xx = x + dx[k];
        if (yy < 0 || xx < 0 || yy >= size || xx >= size) continue;
        size_t q = (size_t)yy * size + xx;
        if (!mark[q] && diff(q) <= tol) {
          mark[q] = 1;
          stack.push_back(q);
        }
      }
    }
  };
  for (int i = 0; i < size; ++i)
    for (size_t p :
         {(size_t)i, (size_t)(size - 1) * size + i, (size_t)i * size, (size_t)i * size + size - 1})
      if (!is_bg[p] && diff(p) <= kGreyTolerance) flood(p, kGreyTolerance, is_bg, nullptr);
  std::vector<uint8_t> hole(n, 0);
  for (size_t p = 0; p < n; ++p) {
    if (is_bg[p] || hole[p] || diff(p) > 0.5f) continue;
    std::vector<size_t> patch;
    flood(p, 0.5f, hole, &patch);
    if (patch.size() >= 3)
      for (size_t q : patch) is_bg[q] = 1;
  }
  // 2. Alpha and un-mixed colour.
  auto touches_bg = [&](int y, int x) {
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        int yy = y + dy, xx = x + dx;
        if (yy >= 0 && xx >= 0 && yy < size && xx < size && is_bg[(size_t)yy * size + xx])
          return true;
      }
    return false;
  };
  std::vector<uint8_t> edge(n, 0);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      edge[(size_t)y * size + x] = !is_bg[(size_t)y * size + x] && touches_bg(y, x);
  std::vector<float> alpha(n, 0), rgb(3 * n, bg);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      size_t p = (size_t)y * size + x;
      if (is_bg[p]) continue;
      float a = 1;
      float col[3] = {picture[p], picture[n + p], picture[2 * n + p]};
      if (edge[p]) {
        double inner[3] = {0, 0, 0};
        int count = 0;
        for (int dy = -2; dy <= 2; ++dy)
          for (int dx = -2; dx <= 2; ++dx) {
            int yy = y + dy, xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= size || xx >= size) continue;
            size_t q = (size_t)yy * size + xx;
            if (is_bg[q] || edge[q]) continue;
            for (int c = 0; c < 3; ++c) inner[c] += picture[c * n + q];
            ++count;
          }
        if (count > 0) {
          double dot = 0, norm = 0;
          for (int c = 0; c < 3; ++c) {
            double ic = inner[c] / count - bg;
            dot += (col[c] - bg) * ic;
            norm += ic * ic;
          }
          if (norm > 100) a = (float)std::clamp(dot / norm, 0.0, 1.0);
        }
        if (a < 0.04f) a = 0;
        for (int c = 0; c < 3; ++c)
          col[c] = a > 0 ? std::clamp(bg + (col[c] - bg) / std::max(a, 0.25f), 0.0f, 255.0f) : bg;
      }
      alpha[p] = a;
      for (int c = 0; c < 3; ++c) rgb[c * n + p] = col[c];
    }
  // 3. Crop to the alpha's bounding box.
  int x0 = size, y0 = size, x1 = -1, y1 = -1;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      if (alpha[(size_t)y * size + x] > 0.02f) {
        x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      }
  Cutout out;
  out.canvas = size;
  if (x1 < 0) return out;  // nothing but grey
  out.width = x1 - x0 + 1;
  out.height = y1 - y0 + 1;
  const size_t m = (size_t)out.width * out.height;
  out.rgb.resize(3 * m);
  out.alpha.resize(m);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      size_t p = (size_t)(y + y0) * size + (x + x0), q = (size_t)y * out.width + x;
      out.alpha[q] = to_byte(alpha[p] * 255);
      out.area += out.alpha_at(q);
      for (int c = 0; c < 3; ++c) out.rgb[c * m + q] = to_byte(rgb[c * n + p]);
    }
  return out;
}

bool usable_cutout(const Cutout& c) {
  if (c.width == 0 || c.canvas == 0) return false;
  const float canvas = (float)c.canvas * c.canvas, box = (float)c.width * c.height;
  // The box's outline, and the ring one pixel inside it (the outline itself is often only
  // partly covered: the canvas's area averaging blends a backdrop's edge with the grey).
  float fill = 0;
  for (int inset = 0; inset <= 1; ++inset) {
    int ring = 0, filled = 0;
    const int x0 = inset, y0 = inset, x1 = c.width - 1 - inset, y1 = c.height - 1 - inset;
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x)
        if (y == y0 || x == x0 || y == y1 || x == x1) {
          ++ring;
          filled += c.alpha_at((size_t)y * c.width + x) > 0.5f;
        }
    if (ring > 0) fill = std::max(fill, (float)filled / ring);
  }
  return c.area >= 0.03f * canvas && c.area <= 0.85f * canvas && c.area < 0.97f * box &&
         fill < 0.8f;
}

Cutout resize_cutout(const Cutout& c, int width, int height) {
  SYN_CHECK(c.width > 0 && width > 0 && height > 0, "resize_cutout: empty cutout or size ", width,
            "x", height);
  // Premultiplied planes [r a, g a, b a, a].
  const size_t m = (size_t)c.width * c.height, t = (size_t)width * height;
  std::vector<double> pre(4 * m);
  for (size_t q = 0; q < m; ++q) {
    for (int k = 0; k < 3; ++k) pre[k * m + q] = (double)c.rgb_at(k, q) * c.alpha_at(q);
    pre[3 * m + q] = c.alpha_at(q);
  }
  std::vector<double> out;
  if (width <= c.width && height <= c.height) {
    out = area_resize(pre, 4, c.height, c.width, height, width);
  } else {  // bilinear, sample centres aligned
    out.assign(4 * t, 0.0);
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        float sy = std::clamp((y + 0.5f) * c.height / height - 0.5f, 0.0f, c.height - 1.0f);
        float sx = std::clamp((x + 0.5f) * c.width / width - 0.5f, 0.0f, c.width - 1.0f);
        int iy = std::min((int)sy, c.height - 1), ix = std::min((int)sx, c.width - 1);
        int jy = std::min(iy + 1, c.height - 1), jx = std::min(ix + 1, c.width - 1);
        float fy = sy - iy, fx = sx - ix;
        for (int k = 0; k < 4; ++k) {
          const double* p = &pre[k * m];
          double top = p[(size_t)iy * c.width + ix] * (1 - fx) + p[(size_t)iy * c.width + jx] * fx;
          double bot = p[(size_t)jy * c.width + ix] * (1 - fx) + p[(size_t)jy * c.width + jx] * fx;
          out[k * t + (size_t)y * width + x] = top * (1 - fy) + bot * fy;
        }
      }
  }
  Cutout r;
  r.width = width;
  r.height = height;
  r.canvas = c.canvas;
  r.rgb.assign(3 * t, 0);
  r.alpha.assign(t, 0);
  for (size_t q = 0; q < t; ++q) {
    float a = (float)std::clamp(out[3 * t + q], 0.0, 1.0);
    r.alpha[q] = to_byte(a * 255);
    r.area += r.alpha_at(q);
    for (int k = 0; k < 3; ++k)
      r.rgb[k * t + q] = a > 1e-4f ? to_byte((float)(out[k * t + q] / a)) : 0;
  }
  return r;
}

void blend_cutout(SceneImage& im, const Cutout& c, int x0, int y0, std::vector<float>* placed) {
  if (placed) placed->assign((size_t)im.size * im.size, 0.0f);
  for (int y = 0; y < c.height; ++y)
    for (int x = 0; x < c.width; ++x) {
      size_t q = (size_t)y * c.width + x;
      float a = c.alpha_at(q);
      im.blend(y0 + y, x0 + x, {c.rgb_at(0, q), c.rgb_at(1, q), c.rgb_at(2, q)}, a);
      if (placed && a > 0 && y0 + y >= 0 && x0 + x >= 0 && y0 + y < im.size && x0 + x < im.size)
        (*placed)[(size_t)(y0 + y) * im.size + (x0 + x)] = a;
    }
}

void add_halo(SceneImage& im, const Cutout& c, int x0, int y0, Rgb colour, float radius,
              float opacity) {
  const int pad = (int)std::ceil(2.5f * radius) + 1;
  SceneImage spread(c.width + 2 * pad, {});  // square scratch, only channel 0 used
  if (c.height + 2 * pad > spread.size) spread = SceneImage(c.height + 2 * pad, {});
  for (int y = 0; y < c.height; ++y)
    for (int x = 0; x < c.width; ++x)
      spread.at(0, y + pad, x + pad) = c.alpha_at((size_t)y * c.width + x);
  gaussian_blur(spread, radius);
  for (int y = 0; y < spread.size; ++y)
    for (int x = 0; x < spread.size; ++x)
      im.blend(y0 - pad + y, x0 - pad + x, colour,
               opacity * std::min(1.0f, 2.0f * spread.at(0, y, x)));
}

float cutout_luma(const Cutout& c) {
  const size_t t = (size_t)c.width * c.height;
  double s = 0, w = 0;
  for (size_t q = 0; q < t; ++q) {
    s += c.alpha_at(q) * (0.299 * c.rgb_at(0, q) + 0.587 * c.rgb_at(1, q) + 0.114 * c.rgb_at(2, q));
    w += c.alpha_at(q);
  }
  return w > 0 ? (float)(s / w) : 0.0f;
}

float luma_under(const SceneImage& im, const Cutout& c, int x0, int y0) {
  double s = 0, w = 0;
  for (int y = 0; y < c.height; ++y)
    for (int x = 0; x < c.width; ++x) {
      int sy = y0 + y, sx = x0 + x;
      if (sy < 0 || sx < 0 || sy >= im.size || sx >= im.size) continue;
      float a = c.alpha_at((size_t)y * c.width + x);
      Rgb p = im.get(sy, sx);
      s += a * (0.299 * p.r + 0.587 * p.g + 0.114 * p.b);
      w += a;
    }
  return w > 0 ? (float)(s / w) : 0.0f;
}

void paste_cutout(SceneImage& im, const Cutout& c, int x0, int y0, int width, int height,
                  std::vector<float>* placed) {
  blend_cutout(im, resize_cutout(c, width, height), x0, y0, placed);
}

}  // namespace syn::pictures
