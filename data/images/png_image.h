// png_image.h — writing (and, for tests, reading) RGB images as PNG files.
//
// Images are planar float tensors [3, H, W] (or [1, H, W] grey) with values in [0, 1], the
// layout of our image models and of apps/pipeline/cover.h. Each value is clamped to [0, 1] and
// rounded to the nearest of 0..255 (x·255 + 0.5, truncated); a non-finite value is an error
// naming the file and the element, never a silently black pixel.
//
// write_png is atomic and never destroys a special file: the PNG is encoded in memory
// (stb_image_write) and written by engine/io/safe_file.h (a temporary in the same folder,
// renamed only onto a regular file or a new name), so a reader never sees a half-written file
// and a failed write leaves any earlier file intact. Every error names the path.
//
//   write_png("runs/pipeline/cover.png", cover);          // cover: [3, 256, 256] in [0, 1]
//   Tensor back = read_png("runs/pipeline/cover.png");     // [3, 256, 256], k/255 values
#pragma once
#include <string>

#include "engine/tensor.h"

namespace syn {

// image: CPU or CUDA tensor [3, H, W] or [1, H, W], H, W >= 1. Creates no directories: the
// parent must exist (the error says so).
// Returns true when it replaced an existing regular file (so apps can say so).
bool write_png(const std::string& path, const Tensor& image);

// Reads a PNG (grey, grey+alpha, RGB or RGBA; any alpha is dropped, not composited) as a CPU
// tensor [3, H, W] of values k/255. Images over 2^25 pixels, and files whose chunks run past
// their end, are refused before decoding (a damaged length must not allocate gigabytes).
Tensor read_png(const std::string& path);

}  // namespace syn
