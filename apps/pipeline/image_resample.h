// image_resample.h — smooth resampling of planar images [3, H, W] (floats in [0, 1], CPU) for the
// designed cover (cover_design.h) and the judge (picture_judge.h): pictures are drawn at the
// model's native 32 or 64 pixels and shown at hundreds, where nearest-neighbour blocks would look
// like pixel art rather than a picture.
//
//   resize_bicubic   Catmull-Rom (a = −0.5) bicubic interpolation at pixel centres: output pixel
//                    (x, y) samples the input at ((x + ½) · W / out_w − ½, (y + ½) · H / out_h −
//                    ½), edge pixels repeated beyond the border; results clamped to [0, 1] (the
//                    kernel overshoots a little at sharp edges). Used for enlarging.
//   resize_area      box filter for shrinking: each output pixel is the area-weighted mean of the
//                    input pixels its footprint covers (exact for any ratio; an integer factor k
//                    averages k × k blocks, so a nearest-upscaled picture comes back exactly).
//   resize_smooth    resize_area when both sides shrink or stay, else resize_bicubic.
//   gaussian_blur    separable Gaussian of standard deviation sigma pixels (kernel radius
//                    ⌈3σ⌉, normalised, edges repeated); sigma <= 0 returns a copy.
// Every function checks its input is [C, H, W] with H, W >= 1 and the sizes are positive.
#pragma once
#include <cstdint>

#include "engine/tensor.h"

namespace syn::app {

Tensor resize_bicubic(const Tensor& image, int64_t out_h, int64_t out_w);
Tensor resize_area(const Tensor& image, int64_t out_h, int64_t out_w);
Tensor resize_smooth(const Tensor& image, int64_t out_h, int64_t out_w);
Tensor gaussian_blur(const Tensor& image, double sigma);

}  // namespace syn::app
