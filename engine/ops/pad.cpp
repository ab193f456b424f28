// pad.cpp — constant padding: the op, its gradient rule and the CPU kernel.
// The CPU kernel walks y row by row (a row = the last dim): a row whose leading indices fall
// outside x is all `value`; otherwise it is value | a copy of one row of x | value.
#include "engine/ops/pad.h"

#include <algorithm>
#include <cstring>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

void pad_cpu(const float* x, float* y, const PadGeometry& g, float value) {
  const int r = g.rank;
  const int64_t cols = g.out[r - 1], in_cols = g.in[r - 1], shift = g.before[r - 1];
  int64_t rows = 1;
  for (int d = 0; d < r - 1; ++d) rows *= g.out[d];
  // columns of y that come from x: [c0, c1)
  const int64_t c0 = std::clamp<int64_t>(shift, 0, cols);
  const int64_t c1 = std::clamp<int64_t>(shift + in_cols, c0, cols);
  parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, cols)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t row = lo; row < hi; ++row) {
                   float* yr = y + row * cols;
                   // the x row feeding this y row, if any (leading dims decomposed last-first)
                   int64_t rem = row, src = 0, stride = in_cols;
                   bool inside = true;
                   for (int d = r - 2; d >= 0; --d) {
                     const int64_t o = rem % g.out[d], i = o - g.before[d];
                     rem /= g.out[d];
                     inside = inside && i >= 0 && i < g.in[d];
                     src += i * stride;
                     stride *= g.in[d];
                   }
                   if (!inside || c0 == c1) {
                     std::fill(yr, yr + cols, value);
                     continue;
                   }
                   std::fill(yr, yr + c0, value);
                   std::memcpy(yr + c0, x + src + (c0 - shift), (size_t)(c1 - c0) * sizeof(float));
                   std::fill(yr + c1, yr + cols, value);
                 }
               });
}

}  // namespace

Kernel<PadFn> pad_kernel{"pad", pad_cpu};

namespace ops {

Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pads, float value) {
  SYN_CHECK(x.defined(), "pad: undefined input");
  SYN_CHECK(x.dim() >= 1 && x.dim() <= kMaxPadRank, "pad: rank must be 1 to ", kMaxPadRank,
            ", got ", x.describe());
  SYN_CHECK((int64_t)pads.size() == x.dim(), "pad: ", pads.size(),
            " (before, after) pairs given for ", x.describe(), ": need one per dim");
  PadGeometry g, back;
  g.rank = back.rank = (int)x.dim();
  Shape out_shape = x.shape();
  for (int d = 0; d < g.rank; ++d) {
    const int64_t n = x.size(d), o = n + pads[(size_t)d].first + pads[(size_t)d].second;
    SYN_CHECK(o >= 0, "pad: padding (", pads[(size_t)d].first, ", ", pads[(size_t)d].second,
              ") of dim ", d, " leaves a negative size for ", x.describe());
    out_shape[(size_t)d] = o;
    g.in[d] = back.out[d] = n;
    g.out[d] = back.in[d] = o;
    g.before[d] = pads[(size_t)d].first;
    back.before[d] = -pads[(size_t)d].first;
  }
  const Device dev = x.device();
  Tensor y = Tensor::empty(out_shape, dev);
  if (y.numel() > 0) pad_kernel.on(dev)(x.data(), y.data(), g, value);
  record(y, "pad", {x}, [back](const Tensor& gy, const std::vector<bool>&) {
    Shape in_shape(back.out, back.out + back.rank);
    Tensor dx = Tensor::empty(in_shape, gy.device());
    if (dx.numel() > 0) pad_kernel.on(gy.device())(gy.data(), dx.data(), back, 0.0f);
    return std::vector<Tensor>{dx};
  });
  return y;
}

Tensor pad_dim(const Tensor& x, int64_t dim, int64_t before, int64_t after, float value) {
  SYN_CHECK(x.defined(), "pad_dim: undefined input");
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  SYN_CHECK(d >= 0 && d < x.dim(), "pad_dim: dim ", dim, " out of range for ", x.describe());
  std::vector<std::pair<int64_t, int64_t>> pads((size_t)x.dim(), {0, 0});
  pads[(size_t)d] = {before, after};
  return pad(x, pads, value);
}

}  // namespace ops
}  // namespace syn
