// reduce.cpp — sum / mean (all elements or one dim): forward, gradient rule, CPU kernels.
// Sums run in double; a long single row is split into fixed chunks summed in parallel and
// combined in a fixed order, so the result does not depend on the thread count.
#include "engine/ops/reduce.h"

#include <algorithm>
#include <vector>

#include "engine/autograd.h"
#include "engine/parallel.h"

namespace syn {

namespace {

// Eight double lanes: vectorisable, and exact enough that a row's sum loses nothing to fp32.
double sum_contig(const float* p, int64_t n) {
  double acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += p[i + k];
  double t = 0;
  for (; i < n; ++i) t += p[i];
  for (int k = 0; k < 8; ++k) t += acc[k];
  return t;
}

void reduce_sum_cpu(const float* x, float* out, int64_t outer, int64_t n, int64_t inner,
                    float scale) {
  if (inner == 1) {
    constexpr int64_t kChunk = 1 << 16;
    if (outer < num_threads() && n > 2 * kChunk) {  // few long rows: parallel within a row
      const int64_t chunks = (n + kChunk - 1) / kChunk;
      std::vector<double> part((size_t)chunks);
      for (int64_t o = 0; o < outer; ++o) {
        const float* row = x + o * n;
        parallel_for(chunks, 1, [&](int64_t lo, int64_t hi) {
          for (int64_t c = lo; c < hi; ++c)
            part[(size_t)c] = sum_contig(row + c * kChunk, std::min(kChunk, n - c * kChunk));
        });
        double t = 0;
        for (double v : part) t += v;
        out[o] = (float)(t * scale);
      }
      return;
    }
    parallel_for(outer, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, n)),
                 [&](int64_t lo, int64_t hi) {
                   for (int64_t o = lo; o < hi; ++o)
                     out[o] = (float)(sum_contig(x + o * n, n) * scale);
                 });
    return;
  }
  // inner > 1: accumulate a strip of up to kW outputs across the n rows.
  constexpr int64_t kW = 256;
  const int64_t strips = (inner + kW - 1) / kW;
  parallel_for(outer * strips, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, n * kW)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t u = lo; u < hi; ++u) {
                   const int64_t o = u / strips, i0 = (u % strips) * kW;
                   const int64_t w = std::min(kW, inner - i0);
                   double acc[kW] = {};
                   for (int64_t j = 0; j < n; ++j) {
                     const float* r = x + (o * n + j) * inner + i0;
                     for (int64_t i = 0; i < w; ++i) acc[i] += r[i];
                   }
                   for (int64_t i = 0; i < w; ++i)
                     out[o * inner + i0 + i] = (float)(acc[i] * scale);
                 }
               });
}

void reduce_broadcast_cpu(const float* g, float* dx, int64_t outer, int64_t n, int64_t inner,
                          float scale) {
  parallel_for(outer * n, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, inner)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t r = lo; r < hi; ++r) {
                   const float* gr = g + (r / n) * inner;
                   float* dr = dx + r * inner;
                   for (int64_t i = 0; i < inner; ++i) dr[i] = scale * gr[i];
                 }
               });
}

// The shared body of the four ops: reduce x as [outer, n, inner] into out_shape.
Tensor reduce(const char* name, const Tensor& x, Shape out_shape, int64_t outer, int64_t n,
              int64_t inner, bool mean) {
  const float scale = mean ? (float)(1.0 / (double)n) : 1.0f;
  Tensor out = Tensor::empty(out_shape, x.device());
  reduce_sum_kernel.on(x.device())(x.data(), out.data(), outer, n, inner, scale);
  Shape in_shape = x.shape();
  record(out, name, {x},
         [in_shape, outer, n, inner, scale](const Tensor& g, const std::vector<bool>&) {
           Tensor dx = Tensor::empty(in_shape, g.device());
           reduce_broadcast_kernel.on(g.device())(g.data(), dx.data(), outer, n, inner, scale);
           return std::vector<Tensor>{dx};
         });
  return out;
}

Tensor reduce_dim(const char* name, const Tensor& x, int64_t dim, bool keepdim, bool mean) {
  SYN_CHECK(x.defined(), name, ": undefined input");
  const int64_t r = x.dim(), d = dim < 0 ? dim + r : dim;
  SYN_CHECK(d >= 0 && d < r, name, ": dim ", dim, " out of range for ", x.describe());
  const Shape& s = x.shape();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= s[(size_t)i];
  for (int64_t i = d + 1; i < r; ++i) inner *= s[(size_t)i];
  Shape out_shape = s;
  if (keepdim)
    out_shape[(size_t)d] = 1;
  else
    out_shape.erase(out_shape.begin() + d);
  return reduce(name, x, out_shape, outer, s[(size_t)d], inner, mean);
}

}  // namespace

Kernel<ReduceFn> reduce_sum_kernel{"reduce_sum", reduce_sum_cpu};
Kernel<BroadcastFn> reduce_broadcast_kernel{"reduce_broadcast", reduce_broadcast_cpu};

namespace ops {

Tensor sum(const Tensor& x) {
  SYN_CHECK(x.defined(), "sum: undefined input");
  return reduce("sum", x, {}, 1, x.numel(), 1, false);
}

Tensor mean(const Tensor& x) {
  SYN_CHECK(x.defined(), "mean: undefined input");
  return reduce("mean", x, {}, 1, x.numel(), 1, true);
}

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce_dim("sum", x, dim, keepdim, false);
}

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce_dim("mean", x, dim, keepdim, true);
}

}  // namespace ops
}  // namespace syn
