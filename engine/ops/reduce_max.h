// reduce_max.h — the maximum (torch.max(x, dim, keepdim).values) or minimum (torch.min) along one
// dim, with its gradient. One kernel slot serves both (a `minimum` flag): the scan is the same.
//
// Ties: the gradient goes entirely to the FIRST maximal (minimal) element along the dim (the lowest
// index), the element torch.max(x, dim) reports in .indices — not split evenly among the ties as
// torch.amax's gradient is. A NaN is the maximum of any slice holding one (the first NaN), as in
// PyTorch (for min too). musicnn takes the max (and the mean, ops::mean) over its time axis, and
// its inference path the max or min over frequency (models/musicnn.cpp).
//
// Index buffer: a float tensor the shape of the output holding the index along the dim (exact
// below 2^24, checked; see engine/ops/pool.h for why the index is a float tensor). It is only
// allocated when a gradient will be needed.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// x viewed as [outer, n, inner]: out[o, i] = max_j x[o, j, i] (min_j when `minimum`);
// argmax[o, i] = that j (as float), or argmax null when not needed.
using ReduceMaxFn = void(const float* x, float* out, float* argmax, int64_t outer, int64_t n,
                         int64_t inner, bool minimum);
// dx[o, j, i] = g[o, i] where j == argmax[o, i], else 0 (every element written).
using ReduceMaxBackwardFn = void(const float* g, const float* argmax, float* dx, int64_t outer,
                                 int64_t n, int64_t inner);

extern Kernel<ReduceMaxFn> reduce_max_kernel;
extern Kernel<ReduceMaxBackwardFn> reduce_max_backward_kernel;

namespace ops {

// Along `dim` (negative counts from the end); keepdim leaves a size-1 dim in its place.
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
// torch.min(x, dim, keepdim).values, with the same tie (first minimum) and NaN rules.
Tensor min(const Tensor& x, int64_t dim, bool keepdim = false);

}  // namespace ops
}  // namespace syn
