// image_grid.cpp — see image_grid.h.
#include "apps/pipeline/image_grid.h"

#include <vector>

#include "engine/check.h"

namespace syn::app {

Tensor upscale_nearest(const Tensor& image, int64_t out) {
  SYN_CHECK(image.dim() == 3 && image.size(1) == image.size(2), "upscale: image ", image.describe(),
            " must be [C, S, S]");
  const int64_t C = image.size(0), S = image.size(1);
  SYN_CHECK(out >= S && out % S == 0, "upscale: output size ", out,
            " must be a positive multiple of the native size ", S);
  const int64_t k = out / S;
  std::vector<float> src = image.to_vector(), dst((size_t)(C * out * out));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < out; ++y)
      for (int64_t x = 0; x < out; ++x)
        dst[(size_t)((c * out + y) * out + x)] = src[(size_t)((c * S + y / k) * S + x / k)];
  return Tensor::from_vector(dst, {C, out, out});
}

Tensor image_grid(const Tensor& images, int64_t columns, int64_t scale, int64_t gutter) {
  SYN_CHECK(images.dim() == 4 && images.size(0) >= 1, "image grid: images ", images.describe(),
            " must be [N, C, H, W] with N >= 1");
  SYN_CHECK(columns >= 1 && scale >= 1 && gutter >= 0, "image grid: columns ", columns, ", scale ",
            scale, ", gutter ", gutter, " must be positive (gutter >= 0)");
  const int64_t N = images.size(0), C = images.size(1), h = images.size(2) * scale,
                w = images.size(3) * scale;
  const int64_t cols = std::min(columns, N), rows = (N + cols - 1) / cols;
  const int64_t H = rows * h + (rows + 1) * gutter, W = cols * w + (cols + 1) * gutter;
  std::vector<float> src = images.to_vector(), dst((size_t)(C * H * W), 0.25f);
  const int64_t ih = images.size(2), iw = images.size(3);
  for (int64_t n = 0; n < N; ++n) {
    const int64_t oy = gutter + (n / cols) * (h + gutter), ox = gutter + (n % cols) * (w + gutter);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          dst[(size_t)((c * H + oy + y) * W + ox + x)] =
              src[(size_t)(((n * C + c) * ih + y / scale) * iw + x / scale)];
  }
  return Tensor::from_vector(dst, {C, H, W});
}

}  // namespace syn::app
