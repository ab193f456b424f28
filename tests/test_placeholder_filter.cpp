// test_placeholder_filter.cpp — OpenClipart's "Linked Image Not Found" placeholder
// (data/pictures/placeholder_filter.h) on pictures drawn in the test: the placeholder in its two
// forms (solid red square with a white X on white paper; the half-transparent one over a drawing)
// is recognised at several sizes, and red pictures that are not it are kept: a Swiss-flag cross,
// the hollow red frame around the words alone, a plain red square, a red heart-like disc, an
// empty picture.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

#include "data/pictures/placeholder_filter.h"

using syn::RgbaImage;
using syn::pictures::looks_like_missing_image;

namespace {

RgbaImage canvas(int w, int h, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
  RgbaImage im;
  im.width = w;
  im.height = h;
  im.rgba.resize((size_t)w * h * 4);
  for (size_t i = 0; i < im.rgba.size(); i += 4) {
    im.rgba[i] = r;
    im.rgba[i + 1] = g;
    im.rgba[i + 2] = b;
    im.rgba[i + 3] = a;
  }
  return im;
}

void put(RgbaImage& im, int x, int y, uint8_t r, uint8_t g, uint8_t b, uint8_t a = 255) {
  uint8_t* p = &im.rgba[((size_t)y * im.width + x) * 4];
  p[0] = r, p[1] = g, p[2] = b, p[3] = a;
}

enum class Mark { kX, kPlus, kNone };

// A side×side square of (r, g, b, a) at (x0, y0) with a white mark: the placeholder's X has arms
// reaching a quarter of the side from the centre, about a tenth of the side thick.
void square(RgbaImage& im, int x0, int y0, int side, Mark mark, uint8_t r, uint8_t g, uint8_t b,
            uint8_t a) {
  const double c = (side - 1) / 2.0, half = side * 0.25, stroke = side * 0.07;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const double dx = x - c, dy = y - c;
      bool white = false;
      if (mark == Mark::kX)
        white = std::abs(dx) <= half && std::abs(dy) <= half &&
                (std::abs(dx - dy) <= stroke || std::abs(dx + dy) <= stroke);
      if (mark == Mark::kPlus)
        white = (std::abs(dx) <= stroke && std::abs(dy) <= half) ||
                (std::abs(dy) <= stroke && std::abs(dx) <= half);
      if (white)
        put(im, x0 + x, y0 + y, 255, 255, 255);
      else
        put(im, x0 + x, y0 + y, r, g, b, a);
    }
}

}  // namespace

TEST_CASE("placeholder filter: the red square with a white X, solid or half transparent") {
  for (int side : {24, 40, 100}) {
    RgbaImage im = canvas(side * 3, side * 4, 255, 255, 255, 255);
    square(im, side, side / 2, side, Mark::kX, 255, 0, 0, 255);
    // the hollow frame of the solid placeholder around it
    for (int x = 2; x < im.width - 2; ++x)
      put(im, x, 1, 255, 0, 0), put(im, x, im.height - 2, 255, 0, 0);
    CHECK_MESSAGE(looks_like_missing_image(im), side);
  }
  // Half transparent over a transparent picture with a black stroke beside it.
  RgbaImage im = canvas(120, 150, 0, 0, 0, 0);
  for (int y = 0; y < 150; ++y) put(im, 5 + y / 3, y, 0, 0, 0);
  square(im, 40, 20, 50, Mark::kX, 255, 0, 0, 140);
  CHECK(looks_like_missing_image(im));
}

TEST_CASE("placeholder filter: red pictures that are not the placeholder are kept") {
  RgbaImage swiss = canvas(60, 60, 0, 0, 0, 0);
  square(swiss, 5, 5, 50, Mark::kPlus, 220, 0, 0, 255);
  CHECK_FALSE(looks_like_missing_image(swiss));

  RgbaImage plain = canvas(60, 60, 0, 0, 0, 0);
  square(plain, 5, 5, 50, Mark::kNone, 255, 0, 0, 255);
  CHECK_FALSE(looks_like_missing_image(plain));

  RgbaImage frame = canvas(80, 80, 255, 255, 255, 255);
  for (int i = 4; i < 76; ++i)
    for (int t = 0; t < 3; ++t)
      put(frame, i, 4 + t, 255, 0, 0), put(frame, i, 73 + t, 255, 0, 0),
          put(frame, 4 + t, i, 255, 0, 0), put(frame, 73 + t, i, 255, 0, 0);
  CHECK_FALSE(looks_like_missing_image(frame));

  RgbaImage disc = canvas(64, 64, 0, 0, 0, 0);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x)
      if ((x - 32) * (x - 32) + (y - 32) * (y - 32) < 28 * 28) put(disc, x, y, 230, 20, 40);
  CHECK_FALSE(looks_like_missing_image(disc));

  CHECK_FALSE(looks_like_missing_image(canvas(3, 3, 255, 0, 0, 255)));
  CHECK_FALSE(looks_like_missing_image(RgbaImage{}));
}
