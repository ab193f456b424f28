// reduce_max.cpp — max / min along one dim: forward with saved argmax, gradient rule, CPU kernels.
// For inner > 1 (a dim that is not the last) a strip of up to kW outputs is updated row by row,
// so the loads stay contiguous; for inner == 1 each output scans one contiguous row (in 8
// vector lanes when no index is needed: musicnn's inference reduces 96-, 59- and 30-wide rows).
#include "engine/ops/reduce_max.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

// Whether v replaces best in a scan: strictly better, or the first NaN (a NaN is never replaced).
template <bool Min>
inline bool better(float v, float best) {
  return (Min ? v < best : v > best) || (v != v && best == best);
}

// One contiguous row, scanned in order: the first best element and its index.
template <bool Min>
inline float scan_row(const float* r, int64_t n, int64_t* at) {
  float best = r[0];
  int64_t bi = 0;
  for (int64_t j = 1; j < n; ++j)
    if (better<Min>(r[j], best)) best = r[j], bi = j;
  if (at) *at = bi;
  return best;
}

// The value alone of one contiguous row, in 8 lanes: two 4-float GCC vectors (plain compares:
// vector max / min instructions; GCC does not vectorise this loop by itself). Two 16-byte
// vectors rather than one 32-byte one: the portable (SSE) build splits a 32-byte vector's
// select into scalar code, 8x slower on musicnn's pooling. Without NaNs the extreme
// value is unique up to the sign of zero, so the result equals scan_row's unless the row holds a
// NaN or the extreme is +-0: those rows are rescanned in order, so the result is bit-identical
// to scan_row's. NaNs are detected by summing v - v (0, or NaN for a NaN or an infinity).
typedef float V4 __attribute__((vector_size(16)));

template <bool Min>
inline void lane_step(const float* __restrict p, V4& lo, V4& hi, V4& bad) {
  V4 a, b;
  std::memcpy(&a, p, sizeof(V4));
  std::memcpy(&b, p + 4, sizeof(V4));
  lo = (Min ? a < lo : a > lo) ? a : lo;
  hi = (Min ? b < hi : b > hi) ? b : hi;
  bad += (a - a) + (b - b);
}

template <bool Min>
inline float row_value(const float* __restrict r, int64_t n) {
  constexpr int64_t kL = 8;
  if (n < kL) return scan_row<Min>(r, n, nullptr);
  V4 lo, hi;
  std::memcpy(&lo, r, sizeof(V4));
  std::memcpy(&hi, r + 4, sizeof(V4));
  V4 bad = (lo - lo) + (hi - hi);
  int64_t j = kL;
  for (; j + kL <= n; j += kL) lane_step<Min>(r + j, lo, hi, bad);
  // the last kL elements (overlapping ones already seen: harmless for max / min)
  if (j < n) lane_step<Min>(r + n - kL, lo, hi, bad);
  float best = lo[0], flag = bad[0];
  for (int q = 1; q < 4; ++q) {
    best = (Min ? lo[q] < best : lo[q] > best) ? lo[q] : best;
    flag += bad[q];
  }
  for (int q = 0; q < 4; ++q) best = (Min ? hi[q] < best : hi[q] > best) ? hi[q] : best;
  if (flag != 0.0f || best == 0.0f) return scan_row<Min>(r, n, nullptr);
  return best;
}

template <bool Min>
void reduce_extreme_cpu(const float* x, float* out, float* argmax, int64_t outer, int64_t n,
                        int64_t inner) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, (1 << 15) / n), [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) {
        if (!argmax) {
          out[o] = row_value<Min>(x + o * n, n);
          continue;
        }
        int64_t bi = 0;
        out[o] = scan_row<Min>(x + o * n, n, &bi);
        argmax[o] = (float)bi;
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
                       // later wins only when strictly better, or the first NaN
                       const bool take = better<Min>(r[i], best[i]);
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

void reduce_max_cpu(const float* x, float* out, float* argmax, int64_t outer, int64_t n,
                    int64_t inner, bool minimum) {
  if (minimum)
    reduce_extreme_cpu<true>(x, out, argmax, outer, n, inner);
  else
    reduce_extreme_cpu<false>(x, out, argmax, outer, n, inner);
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

namespace {

Tensor reduce_extreme(const Tensor& x, int64_t dim, bool keepdim, bool minimum) {
  const char* name = minimum ? "min" : "max";
  SYN_CHECK(x.defined(), name, ": undefined input");
  const int64_t r = x.dim(), d = dim < 0 ? dim + r : dim;
  SYN_CHECK(d >= 0 && d < r, name, ": dim ", dim, " out of range for ", x.describe());
  const Shape& s = x.shape();
  const int64_t n = s[(size_t)d];
  SYN_CHECK(n >= 1, name, ": dim ", d, " of ", x.describe(), " is empty (no ",
            minimum ? "minimum" : "maximum", ")");
  SYN_CHECK(n <= (int64_t{1} << 24), name, ": dim ", d, " of ", x.describe(),
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
    reduce_max_kernel.on(dev)(x.data(), y.data(), keep ? argmax.data() : nullptr, outer, n, inner,
                              minimum);
  if (!keep) return y;
  Shape in_shape = s;
  record(y, name, {x},
         [argmax, in_shape, outer, n, inner](const Tensor& g, const std::vector<bool>&) {
           Tensor dx = Tensor::empty(in_shape, g.device());
           if (dx.numel() > 0)
             reduce_max_backward_kernel.on(g.device())(g.data(), argmax.data(), dx.data(), outer, n,
                                                       inner);
           return std::vector<Tensor>{dx};
         });
  return y;
}

}  // namespace

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce_extreme(x, dim, keepdim, false);
}

Tensor min(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce_extreme(x, dim, keepdim, true);
}

}  // namespace ops
}  // namespace syn
