// pad.h — constant padding of any dims (PyTorch's F.pad in 'constant' mode), forward and backward.
//
//   y[o_0, .., o_{r-1}] = x[o_0 - before_0, .., o_{r-1} - before_{r-1}] where that is inside x,
//                         else `value`;   size_d(y) = size_d(x) + before_d + after_d.
// A negative amount crops (as F.pad does). The gradient is the same gather the other way:
// dx = pad(dy, -before, -after, 0), so one kernel serves both directions.
// musicnn pads its time axis by 3 on both sides before the 'valid' [7, k] convolutions.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

inline constexpr int kMaxPadRank = 8;

struct PadGeometry {
  int rank = 0;
  int64_t in[kMaxPadRank] = {}, out[kMaxPadRank] = {}, before[kMaxPadRank] = {};
};

// y (g.out) from x (g.in); every element of y is written.
using PadFn = void(const float* x, float* y, const PadGeometry& g, float value);

extern Kernel<PadFn> pad_kernel;

namespace ops {

// pads[d] = {before, after} for dim d, one pair per dim of x, in dim order (not PyTorch's
// last-dim-first list). E.g. musicnn's time pad of [B, 1, T, F]: {{0, 0}, {0, 0}, {3, 3}, {0, 0}}.
Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pads,
           float value = 0.0f);
// Pads one dim (negative dim counts from the end).
Tensor pad_dim(const Tensor& x, int64_t dim, int64_t before, int64_t after, float value = 0.0f);

}  // namespace ops
}  // namespace syn
