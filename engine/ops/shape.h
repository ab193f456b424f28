// shape.h — differentiable shape ops: reshape / flatten (views), transpose (materialises),
// concat / stack, and slice (a view when the slice is contiguous, otherwise a copy).
//
// Views share storage with their input; their gradient rule is a view of the gradient, so no data
// moves in either direction. Every op accepts negative dims (counted from the end).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// Kernel signatures.
// Copies `rows` rows of `cols` floats from src (row pitch src_pitch floats) to dst (dst_pitch):
// the one primitive behind concat, stack, slice copies and their gradients (cudaMemcpy2D-like).
using Copy2dFn = void(const float* src, int64_t src_pitch, float* dst, int64_t dst_pitch,
                      int64_t rows, int64_t cols);
// x viewed as [outer, a, mid, b, inner] → y [outer, b, mid, a, inner] (dims a and b swapped).
using TransposeFn = void(const float* x, float* y, int64_t outer, int64_t a, int64_t mid, int64_t b,
                         int64_t inner);

extern Kernel<Copy2dFn> copy2d_kernel;
extern Kernel<TransposeFn> transpose_kernel;

namespace ops {

// A view with a new shape (same number of elements); one entry may be -1 (inferred).
Tensor reshape(const Tensor& x, const Shape& shape);
// A view merging dims start_dim .. last into one: [B, C, L] with start_dim 1 → [B, C·L].
Tensor flatten(const Tensor& x, int64_t start_dim = 1);
// Swaps two dims; the result is a new contiguous tensor (any rank).
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
// Joins tensors along an existing dim; all other dims must match.
Tensor concat(const std::vector<Tensor>& tensors, int64_t dim);
// Joins tensors of identical shape along a new dim inserted at `dim`.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Elements start .. end-1 of dim (negative start/end count from the end; 0 <= start <= end <=
// size after that, else an error). A view (no copy) when dim is 0 or every leading dim is 1;
// otherwise a copy. The gradient scatters into zeros.
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end);

}  // namespace ops
}  // namespace syn
