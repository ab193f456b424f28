// image_augment.cpp — see image_augment.h.
#include "data/images/image_augment.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/check.h"
#include "engine/parallel.h"

namespace syn {

ImageAugmentDraw draw_augmentation(const ImageAugmentOptions& o, Rng& rng) {
  SYN_CHECK(o.max_shift >= 0, "ImageAugmentOptions: max_shift ", o.max_shift, " is negative");
  SYN_CHECK(o.scale_min > 0.0f && o.scale_min <= o.scale_max, "ImageAugmentOptions: scale range [",
            o.scale_min, ", ", o.scale_max, "] must be positive and ordered");
  SYN_CHECK(o.brightness >= 0.0f && o.contrast >= 0.0f && o.contrast < 1.0f && o.noise_std >= 0.0f,
            "ImageAugmentOptions: brightness ", o.brightness, ", contrast ", o.contrast,
            " (must be < 1), noise_std ", o.noise_std, " must not be negative");
  SYN_CHECK(o.blur_probability >= 0.0f && o.blur_probability <= 1.0f,
            "ImageAugmentOptions: blur_probability ", o.blur_probability, " is not in [0, 1]");
  // Every parameter is drawn every time (even when its range is empty), so changing one range
  // does not reshuffle the others for the same seed.
  ImageAugmentDraw d;
  d.scale = rng.uniform(o.scale_min, o.scale_max);
  if (o.scale_min == o.scale_max) d.scale = o.scale_min;
  d.shift_y = (int)rng.randint(2 * o.max_shift + 1) - o.max_shift;
  d.shift_x = (int)rng.randint(2 * o.max_shift + 1) - o.max_shift;
  d.blur = rng.uniform() < o.blur_probability;
  d.contrast = 1.0f + o.contrast * (2.0f * rng.uniform() - 1.0f);
  d.brightness = o.brightness * (2.0f * rng.uniform() - 1.0f);
  d.noise_std = o.noise_std * rng.uniform();
  d.noise_seed = rng.next_u64();
  return d;
}

void warp_image(const float* src, float* dst, int64_t channels, int64_t H, int64_t W, float scale,
                int shift_y, int shift_x, float fill) {
  const double cy = 0.5 * (double)(H - 1), cx = 0.5 * (double)(W - 1);
  for (int64_t y = 0; y < H; ++y) {
    // Source coordinates in double: with scale 1 they are exact integers, so the shift is exact.
    const double sy = ((double)(y - shift_y) - cy) / scale + cy;
    const double y0f = std::floor(sy);
    const double fy = sy - y0f;
    const int64_t y0 = (int64_t)y0f;
    for (int64_t x = 0; x < W; ++x) {
      const double sx = ((double)(x - shift_x) - cx) / scale + cx;
      const double x0f = std::floor(sx);
      const double fx = sx - x0f;
      const int64_t x0 = (int64_t)x0f;
      const double w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx),
                   w11 = fy * fx;
      for (int64_t c = 0; c < channels; ++c) {
        const float* plane = src + c * H * W;
        auto at = [&](int64_t yy, int64_t xx) -> double {
          return (yy < 0 || yy >= H || xx < 0 || xx >= W) ? (double)fill
                                                          : (double)plane[yy * W + xx];
        };
        double v = w00 * at(y0, x0);
        // Skip zero-weight neighbours so an exact shift never reads past the plane's edge value.
        if (w01 != 0.0) v += w01 * at(y0, x0 + 1);
        if (w10 != 0.0) v += w10 * at(y0 + 1, x0);
        if (w11 != 0.0) v += w11 * at(y0 + 1, x0 + 1);
        dst[c * H * W + y * W + x] = (float)v;
      }
    }
  }
}

void blur_image(float* image, int64_t channels, int64_t H, int64_t W) {
  std::vector<float> tmp((size_t)(H * W));
  for (int64_t c = 0; c < channels; ++c) {
    float* p = image + c * H * W;
    for (int64_t y = 0; y < H; ++y)  // horizontal pass into tmp
      for (int64_t x = 0; x < W; ++x) {
        const float l = p[y * W + std::max<int64_t>(x - 1, 0)];
        const float r = p[y * W + std::min<int64_t>(x + 1, W - 1)];
        tmp[(size_t)(y * W + x)] = 0.25f * l + 0.5f * p[y * W + x] + 0.25f * r;
      }
    for (int64_t y = 0; y < H; ++y)  // vertical pass back into the image
      for (int64_t x = 0; x < W; ++x) {
        const float u = tmp[(size_t)(std::max<int64_t>(y - 1, 0) * W + x)];
        const float d = tmp[(size_t)(std::min<int64_t>(y + 1, H - 1) * W + x)];
        p[y * W + x] = 0.25f * u + 0.5f * tmp[(size_t)(y * W + x)] + 0.25f * d;
      }
  }
}

void apply_augmentation(const float* src, float* dst, int64_t channels, int64_t H, int64_t W,
                        const ImageAugmentDraw& d, float fill) {
  const int64_t n = channels * H * W;
  warp_image(src, dst, channels, H, W, d.scale, d.shift_y, d.shift_x, fill);
  if (d.blur) blur_image(dst, channels, H, W);
  double mean = 0.0;
  for (int64_t i = 0; i < n; ++i) mean += dst[i];
  mean /= (double)n;
  Rng noise(d.noise_seed);
  for (int64_t i = 0; i < n; ++i) {
    double v = ((double)dst[i] - mean) * d.contrast + mean + d.brightness;
    if (d.noise_std > 0.0f) v += d.noise_std * noise.normal();
    dst[i] = (float)std::clamp(v, 0.0, 1.0);
  }
}

Tensor augment_batch(const Tensor& x, const ImageAugmentOptions& options, Rng& rng) {
  SYN_CHECK(!x.is_cuda(), "augment_batch: images must be on the CPU, got ", x.describe());
  SYN_CHECK((x.dim() == 3 && x.size(0) == 3) || (x.dim() == 4 && x.size(1) == 3),
            "augment_batch: expected [3, H, W] or [N, 3, H, W] RGB images, got ", x.describe());
  const int64_t N = x.dim() == 4 ? x.size(0) : 1;
  const int64_t H = x.size(-2), W = x.size(-1), per = 3 * H * W;
  SYN_CHECK(H > 0 && W > 0, "augment_batch: empty images ", x.describe());
  std::vector<ImageAugmentDraw> draws((size_t)N);
  for (auto& d : draws) {
    // One seed per image, drawn in order, then each image's own Rng: thread-count independent.
    Rng own(rng.next_u64());
    d = draw_augmentation(options, own);
  }
  Tensor out = Tensor::empty(x.shape());
  const float* src = x.data();
  float* dst = out.data();
  parallel_for(N, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i)
      apply_augmentation(src + i * per, dst + i * per, 3, H, W, draws[(size_t)i], options.fill);
  });
  return out;
}

Tensor unit_images(const Tensor& images) {
  SYN_CHECK(!images.is_cuda(), "unit_images: images must be on the CPU, got ", images.describe());
  std::vector<float> v = images.to_vector();
  for (float& f : v) f /= 255.0f;
  return Tensor::from_vector(v, images.shape());
}

}  // namespace syn
