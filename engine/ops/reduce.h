// reduce.h — sum and mean, over every element (a 0-d result) or along one dim.
// The CPU kernels accumulate in double, so long reductions (millions of elements) keep fp32
// accuracy in the result.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Kernel signatures. x viewed as [outer, n, inner]:
//   reduce:    out[o, i]    = scale · Σ_j x[o, j, i]      (out: outer × inner)
//   broadcast: dx[o, j, i]  = scale · g[o, i]             (the gradient of reduce)
// Reducing everything is outer = inner = 1. scale is 1 for sum, 1/n for mean.
using ReduceFn = void(const float* x, float* out, int64_t outer, int64_t n, int64_t inner,
                      float scale);
using BroadcastFn = void(const float* g, float* dx, int64_t outer, int64_t n, int64_t inner,
                         float scale);

extern Kernel<ReduceFn> reduce_sum_kernel;
extern Kernel<BroadcastFn> reduce_broadcast_kernel;

namespace ops {

Tensor sum(const Tensor& x);   // shape {}
Tensor mean(const Tensor& x);  // shape {}
// Along `dim` (negative counts from the end); keepdim leaves a size-1 dim in its place.
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);

}  // namespace ops
}  // namespace syn
