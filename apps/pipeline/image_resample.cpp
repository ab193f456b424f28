// image_resample.cpp — see image_resample.h.
#include "apps/pipeline/image_resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/check.h"

namespace syn::app {
namespace {

void check_image(const Tensor& image, int64_t out_h, int64_t out_w, const char* what) {
  SYN_CHECK(image.defined() && image.dim() == 3 && image.size(1) >= 1 && image.size(2) >= 1, what,
            ": expected an image [C, H, W], got ",
            image.defined() ? image.describe() : std::string("an undefined tensor"));
  SYN_CHECK(out_h >= 1 && out_w >= 1, what, ": output size must be positive, got ", out_h, "x",
            out_w);
}

// Catmull-Rom weights of the four taps around a sample at fractional offset t in [0, 1).
void cubic_weights(double t, double w[4]) {
  const double a = -0.5;
  auto k = [a](double x) {
    x = std::fabs(x);
    if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0.0;
  };
  w[0] = k(1 + t), w[1] = k(t), w[2] = k(1 - t), w[3] = k(2 - t);
}

// One axis of a separable resampling: for each output index, taps into the input and weights.
struct Taps {
  std::vector<int64_t> index;  // out × n
  std::vector<double> weight;  // out × n
  int64_t n = 0;
};

Taps cubic_taps(int64_t in, int64_t out) {
  Taps t;
  t.n = 4;
  const double scale = (double)in / (double)out;
  for (int64_t o = 0; o < out; ++o) {
    const double src = ((double)o + 0.5) * scale - 0.5, base = std::floor(src);
    double w[4];
    cubic_weights(src - base, w);
    for (int j = 0; j < 4; ++j) {
      t.index.push_back(std::clamp<int64_t>((int64_t)base - 1 + j, 0, in - 1));
      t.weight.push_back(w[j]);
    }
  }
  return t;
}

Taps area_taps(int64_t in, int64_t out) {
  Taps t;
  const double scale = (double)in / (double)out;
  t.n = (int64_t)std::ceil(scale) + 1;
  for (int64_t o = 0; o < out; ++o) {
    const double lo = (double)o * scale, hi = (double)(o + 1) * scale;
    int64_t used = 0;
    for (int64_t i = (int64_t)std::floor(lo); i < (int64_t)std::ceil(hi) && used < t.n; ++i) {
      const double cover = std::min(hi, (double)i + 1) - std::max(lo, (double)i);
      if (cover <= 0) continue;
      t.index.push_back(std::min(i, in - 1));
      t.weight.push_back(cover / scale);
      ++used;
    }
    for (; used < t.n; ++used) t.index.push_back(0), t.weight.push_back(0);
  }
  return t;
}

Taps gaussian_taps(int64_t in, double sigma) {
  Taps t;
  const int64_t r = (int64_t)std::ceil(3 * sigma);
  t.n = 2 * r + 1;
  std::vector<double> k((size_t)t.n);
  double sum = 0;
  for (int64_t j = -r; j <= r; ++j)
    sum += k[(size_t)(j + r)] = std::exp(-0.5 * j * j / (sigma * sigma));
  for (int64_t o = 0; o < in; ++o)
    for (int64_t j = -r; j <= r; ++j) {
      t.index.push_back(std::clamp<int64_t>(o + j, 0, in - 1));
      t.weight.push_back(k[(size_t)(j + r)] / sum);
    }
  return t;
}

// Applies row taps (along W) then column taps (along H) to every channel.
Tensor separable(const Tensor& image, const Taps& rows, int64_t out_w, const Taps& cols,
                 int64_t out_h, bool clamp) {
  const Tensor in = image.is_cuda() ? image.to(Device::CPU) : image;
  const int64_t C = in.size(0), H = in.size(1), W = in.size(2);
  const std::vector<float> src = in.to_vector();
  std::vector<double> mid((size_t)(C * H * out_w));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < out_w; ++x) {
        double s = 0;
        for (int64_t j = 0; j < rows.n; ++j) {
          const size_t k = (size_t)(x * rows.n + j);
          s += rows.weight[k] * src[(size_t)((c * H + y) * W + rows.index[k])];
        }
        mid[(size_t)((c * H + y) * out_w + x)] = s;
      }
  Tensor out = Tensor::empty({C, out_h, out_w});
  float* o = out.data();
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < out_h; ++y)
      for (int64_t x = 0; x < out_w; ++x) {
        double s = 0;
        for (int64_t j = 0; j < cols.n; ++j) {
          const size_t k = (size_t)(y * cols.n + j);
          s += cols.weight[k] * mid[(size_t)((c * H + cols.index[k]) * out_w + x)];
        }
        o[(c * out_h + y) * out_w + x] = clamp ? (float)std::clamp(s, 0.0, 1.0) : (float)s;
      }
  return out;
}

}  // namespace

Tensor resize_bicubic(const Tensor& image, int64_t out_h, int64_t out_w) {
  check_image(image, out_h, out_w, "resize_bicubic");
  return separable(image, cubic_taps(image.size(2), out_w), out_w, cubic_taps(image.size(1), out_h),
                   out_h, true);
}

Tensor resize_area(const Tensor& image, int64_t out_h, int64_t out_w) {
  check_image(image, out_h, out_w, "resize_area");
  SYN_CHECK(out_h <= image.size(1) && out_w <= image.size(2),
            "resize_area shrinks only: ", image.describe(), " to ", out_h, "x", out_w);
  return separable(image, area_taps(image.size(2), out_w), out_w, area_taps(image.size(1), out_h),
                   out_h, false);
}

Tensor resize_smooth(const Tensor& image, int64_t out_h, int64_t out_w) {
  check_image(image, out_h, out_w, "resize_smooth");
  if (out_h <= image.size(1) && out_w <= image.size(2)) return resize_area(image, out_h, out_w);
  return resize_bicubic(image, out_h, out_w);
}

Tensor gaussian_blur(const Tensor& image, double sigma) {
  check_image(image, 1, 1, "gaussian_blur");
  SYN_CHECK(std::isfinite(sigma), "gaussian_blur: sigma must be finite, got ", sigma);
  const int64_t H = image.size(1), W = image.size(2);
  if (sigma <= 0) return separable(image, area_taps(W, W), W, area_taps(H, H), H, false);
  return separable(image, gaussian_taps(W, sigma), W, gaussian_taps(H, sigma), H, false);
}

}  // namespace syn::app
