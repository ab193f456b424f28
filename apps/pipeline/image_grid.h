// image_grid.h — arranging generated images for a person to look at: integer upscaling of the
// native 32-pixel pictures (nearest neighbour: each pixel becomes a k×k block, so the pixel art
// stays crisp; a box filter would only matter for downscaling, which is not needed here) and a
// grid of several images with grey gutters. Images are planar floats in [0, 1].
#pragma once
#include <cstdint>

#include "engine/tensor.h"

namespace syn::app {

// image [3, S, S] -> [3, out, out]; out must be a positive multiple of S (nearest neighbour).
Tensor upscale_nearest(const Tensor& image, int64_t out);
// images [N, 3, S, S] -> one [3, H, W] picture: `columns` per row (rows as needed), each image
// upscaled by `scale`, `gutter` pixels of grey 0.25 between and around them.
Tensor image_grid(const Tensor& images, int64_t columns, int64_t scale = 1, int64_t gutter = 2);

}  // namespace syn::app
