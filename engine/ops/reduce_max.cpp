// reduce_max.cpp — max along one dim: forward with saved argmax, gradient rule, CPU kernels.
// For inner > 1 (a dim that is not the last) a strip of up to kW outputs is updated row by row,
// so the loads stay contiguous; for inner == 1 each output scans one contiguous row.
#include "engine/ops/reduce_max.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

void reduce_max_cpu(const float* x, float* out, float* argmax, int64_t outer, int64_t n,
                    int64_t inner) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, (1 << 15) / n), [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) {
        const float* r = x + o * n;
        float best = r[0];
        int64_t bi = 0;
        for (int64_t j = 1; j < n; ++j)
          if (r[j] > best || (std::isnan(r[j]) && !std::isnan(best))) best = r[j], bi = j;
        out[o] = best;
        if (argmax) argmax[o] = (float)bi;
      }
    });
    return;
  }
  constexpr int64_t kW = 256;
  const int64_t strips = (inner + kW - 1) / kW;
  parallel_for(outer * strips, std::max<int64_t>(1, (1 << 15) / (n * kW)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t u = lo; u < hi; ++u) {
                   const int64_t o = u / strips, i0 = (u % strips) * kW;
                   const int64_t w = std::min(kW, inner - i0);
                   float best[kW], idx[kW];
                   const float* r0 = x + o * n * inner + i0;
                   for (int64_t i = 0; i < w; ++i) best[i] = r0[i], idx[i] = 0.0f;
                   for (int64_t j = 1; j < n; ++j) {
                     const float* r = r0 + j * inner;
                     const float fj = (float)j;
                     for (int64_t i = 0; i < w; ++i) {
                       // later wins only when strictly greater, or the first NaN
                       const bool take = r[i] > best[i] || (r[i] != r[i] && best[i] == best[i]);
                       best[i] = take ? r[i] : best[i];
                       idx[i] = take ? fj : idx[i];
                     }
                   }
                   float* dst = out + o * inner + i0;
                   for (int64_t i = 0; i < w; ++i) dst[i] = best[i];
                   if (argmax)
                     for (int64_t i = 0; i < w; ++i) argmax[o * inner + i0 + i] = idx[i];
                 }
               });
}

void reduce_max_backward_cpu(const float* g, const float* argmax, float* dx, int64_t outer,
                             int64_t n, int64_t inner) {
  parallel_for(outer * n, std::max<int64_t>(1, (1 << 15) / inner), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t o = r / n;
      const float fj = (float)(r % n);
      const float* gr = g + o * inner;
      const float* ar = argmax + o * inner;
      float* dr = dx + r * inner;
      for (int64_t i = 0; i < inner; ++i) dr[i] = ar[i] == fj ? gr[i] : 0.0f;
    }
  });
}

}  // namespace

Kernel<ReduceMaxFn> reduce_max_kernel{"reduce_max", reduce_max_cpu};
Kernel<ReduceMaxBackwardFn> reduce_max_backward_kernel{"reduce_max_backward",
                                                       reduce_max_backward_cpu};

namespace ops {

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  SYN_CHECK(x.defined(), "max: undefined input");
  const int64_t r = x.dim(), d = dim < 0 ? dim + r : dim;
  SYN_CHECK(d >= 0 && d < r, "max: dim ", dim, " out of range for ", x.describe());
  const Shape& s = x.shape();
  const int64_t n = s[(size_t)d];
  SYN_CHECK(n >= 1, "max: dim ", d, " of ", x.describe(), " is empty (no maximum)");
  SYN_CHECK(n <= (int64_t{1} << 24), "max: dim ", d, " of ", x.describe(),
            " exceeds 2^24, the largest index the float argmax buffer holds exactly");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= s[(size_t)i];
  for (int64_t i = d + 1; i < r; ++i) inner *= s[(size_t)i];
  Shape out_shape = s;
  if (keepdim)
    out_shape[(size_t)d] = 1;
  else
    out_shape.erase(out_shape.begin() + d);

  const Device dev = x.device();
  Tensor y = Tensor::empty(out_shape, dev);
  const bool keep = should_record({x});
  Tensor argmax = keep ? Tensor::empty(out_shape, dev) : Tensor();
  if (y.numel() > 0)
    reduce_max_kernel.on(dev)(x.data(), y.data(), keep ? argmax.data() : nullptr, outer, n, inner);
  if (!keep) return y;
  Shape in_shape = s;
  record(y, "max", {x},
         [argmax, in_shape, outer, n, inner](const Tensor& g, const std::vector<bool>&) {
           Tensor dx = Tensor::empty(in_shape, g.device());
           if (dx.numel() > 0)
             reduce_max_backward_kernel.on(g.device())(g.data(), argmax.data(), dx.data(), outer, n,
                                                       inner);
           return std::vector<Tensor>{dx};
         });
  return y;
}

}  // namespace ops
}  // namespace syn
