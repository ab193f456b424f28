// scene_cutout.h — corpus pictures as objects for the composed scenes: the object cut out of its
// grey canvas (the corpus stores no alpha, picture_canvas.h composites every picture over the
// grey), then resized and blended onto a scene.
//
// The mask is recomputed robustly from the pixels:
//   1. background = the pixels within `kGreyTolerance` of the grey in every channel that are
//      connected (4-neighbours) to the canvas border, plus any enclosed patch of at least 3
//      pixels of exactly the grey (holes, such as the inside of a ring, were transparent);
//   2. every other pixel is the object. Its edge pixels (those touching the background) were
//      area-averaged with the grey by the canvas: their alpha is the projection of
//      (pixel - grey) onto (inner colour - grey), the inner colour being the mean of the object
//      pixels around it that do not touch the background, and their colour is un-mixed from the
//      grey with that alpha, so no grey halo shows on a dark scene;
//   3. the cutout is cropped to the bounding box of the alpha.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/pictures/scene_raster.h"

namespace syn::pictures {

constexpr int kGreyTolerance = 2;

// Bytes, not floats: an index holds a cutout of every usable corpus picture (about 3,000), and a
// trainer keeps it for the whole run.
struct Cutout {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;    // planar [3, height, width], 0..255
  std::vector<uint8_t> alpha;  // [height, width], 0..255 for 0..1
  float area = 0;              // sum of alpha (0..1), in pixels
  int canvas = 0;              // the side of the picture it came from

  float alpha_at(size_t q) const { return alpha[q] * (1.0f / 255); }
  float rgb_at(int channel, size_t q) const { return rgb[(size_t)channel * width * height + q]; }
};

// `picture`: planar RGB [3, size, size] on the grey `background` (a corpus image).
Cutout cut_out(const float* picture, int size, int background);

// Whether a cutout reads as an object on a scene: it covers 3 %..85 % of its canvas, less than
// 97 % of its own bounding box, and less than 80 % of the box's outline and of the ring one pixel
// inside it (a picture with its own rectangular backdrop, even a framed or rounded one, would
// hide the scene behind a box).
bool usable_cutout(const Cutout& c);

// The cutout at width × height: area average when shrinking, bilinear when enlarging, on
// premultiplied colour (so the grey never bleeds back in).
Cutout resize_cutout(const Cutout& c, int width, int height);
// Blends a cutout (already at its size) over `im` with its top-left corner at (x0, y0); parts
// outside the image are clipped. `placed` ([size*size], optional) receives the alpha put on
// each scene pixel (0 where the object is absent).
void blend_cutout(SceneImage& im, const Cutout& sized, int x0, int y0, std::vector<float>* placed);
// A soft halo of `colour` around a cutout placed at (x0, y0): its alpha blurred by `radius`
// pixels, at most `opacity` (rim light that lifts a dark object off a dark scene).
void add_halo(SceneImage& im, const Cutout& sized, int x0, int y0, Rgb colour, float radius,
              float opacity);
// Alpha-weighted mean luma (0..255) of the cutout, and of the scene under where it would go.
float cutout_luma(const Cutout& sized);
float luma_under(const SceneImage& im, const Cutout& sized, int x0, int y0);

// resize_cutout then blend_cutout.
void paste_cutout(SceneImage& im, const Cutout& c, int x0, int y0, int width, int height,
                  std::vector<float>* placed);

}  // namespace syn::pictures
