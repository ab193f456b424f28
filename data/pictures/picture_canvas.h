// picture_canvas.h — every picture of the corpus on the same canvas: alpha-composited over a fixed
// grey, fitted into a square with its aspect ratio kept (centred, the short side padded with the
// background), and area-downsampled to size×size.
//
// The result is exactly data/datasets/emoji_dataset.h's render_emoji (the emoji dataset's
// canvas), computed a row at a time, so a 20,000-pixel clip-art file needs memory for its
// RGBA and one [3, side, size] buffer, never the [3, side, side] canvas of doubles.
#pragma once
#include <cstdint>
#include <vector>

#include "data/datasets/emoji_dataset.h"  // RgbaImage

namespace syn::pictures {

// Planar RGB [3, size, size], integers 0..255 (halves round up).
std::vector<uint8_t> fit_to_canvas(const RgbaImage& image, int size, int background);

}  // namespace syn::pictures
