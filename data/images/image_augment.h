// image_augment.h — seeded photometric and geometric augmentation of small RGB images (the emoji
// art of data/datasets/emoji_dataset.h), used to train the emoji concept classifier
// (models/emoji_classifier.h) on about one picture per concept.
//
// Images are planar float RGB, [3, H, W] or [N, 3, H, W], with values in [0, 1] (the dataset's
// 0..255 divided by 255: unit_images()). One augmented view of an image is, in this order:
//   1. geometry: scale s ~ U(scale_min, scale_max) about the image centre, then an integer
//      translation (dy, dx), each ~ U{-max_shift .. max_shift}; bilinear sampling, and pixels
//      that come from outside the source take the background grey `fill` (the dataset's
//      canvas colour), so the picture never wraps around or smears its border. No flips: a
//      mirrored emoji is not the same picture (a left-pointing hand, text on a ticket).
//   2. blur, with probability blur_probability: a 3×3 binomial filter ([1 2 1]/4 per axis,
//      edges clamped) — the softness a generator's output often has.
//   3. contrast c ~ U(1 - contrast, 1 + contrast) about the image's own mean (per image, over
//      all channels), then brightness b ~ U(-brightness, brightness) added: x' = (x - m)·c + m + b.
//   4. gaussian noise: σ ~ U(0, noise_std) per view, then N(0, σ²) per value.
//   5. clamp to [0, 1].
// Randomness: augment_batch draws one 64-bit seed per image from the caller's Rng, in image
// order, before any work, and each image then uses its own Rng; so a given Rng state always
// gives the same views, whatever the thread count.
//
//   Rng rng(7);
//   Tensor x = unit_images(ds.images_at(32));                   // [N, 3, 32, 32] in [0, 1]
//   Tensor views = augment_batch(x, ImageAugmentOptions{}, rng);  // same shape, new views
#pragma once
#include <cstdint>

#include "engine/rng.h"
#include "engine/tensor.h"

namespace syn {

struct ImageAugmentOptions {
  int max_shift = 3;       // translation, whole pixels each way (0 = none)
  float scale_min = 0.8f;  // zoom range about the centre (1 = none; < 1 shrinks the picture)
  float scale_max = 1.1f;
  float brightness = 0.08f;  // additive offset range, in [0, 1] units
  float contrast = 0.15f;    // multiplicative range about the image mean
  float noise_std = 0.04f;   // the largest gaussian noise σ, in [0, 1] units
  float blur_probability = 0.2f;
  float fill = 128.0f / 255.0f;  // background grey for uncovered pixels (the dataset's 128)
};

// The parameters drawn for one view (exposed so tests and callers can apply a chosen one).
struct ImageAugmentDraw {
  float scale = 1.0f;
  int shift_y = 0, shift_x = 0;
  bool blur = false;
  float contrast = 1.0f, brightness = 0.0f, noise_std = 0.0f;
  uint64_t noise_seed = 0;
};

// Draws a view's parameters from `rng` according to `options`.
ImageAugmentDraw draw_augmentation(const ImageAugmentOptions& options, Rng& rng);

// Geometry alone on one planar image (channels × H × W floats, src and dst distinct):
// dst(y, x) = src((y - shift_y - cy) / scale + cy, (x - shift_x - cx) / scale + cx), bilinear,
// with c = ((H - 1) / 2, (W - 1) / 2) and `fill` outside the source. With scale 1 this is an
// exact integer shift: the pattern moves down by shift_y and right by shift_x.
void warp_image(const float* src, float* dst, int64_t channels, int64_t H, int64_t W, float scale,
                int shift_y, int shift_x, float fill);

// A 3×3 binomial blur of one planar image, in place (edges clamped).
void blur_image(float* image, int64_t channels, int64_t H, int64_t W);

// Applies a drawn view to one planar image (steps 1-5 above); src and dst distinct.
void apply_augmentation(const float* src, float* dst, int64_t channels, int64_t H, int64_t W,
                        const ImageAugmentDraw& draw, float fill);

// One augmented view of each image of x ([3, H, W] or [N, 3, H, W], CPU, values in [0, 1]):
// a new tensor of the same shape. Errors name the shape.
Tensor augment_batch(const Tensor& x, const ImageAugmentOptions& options, Rng& rng);

// Dataset images (values 0..255) to [0, 1]: a new tensor, x / 255.
Tensor unit_images(const Tensor& images_0_255);

}  // namespace syn
