// layernorm.h — layer normalisation over the last dimension (PyTorch F.layer_norm with
// normalized_shape = [D]): y = (x - mean) / sqrt(var + eps) * weight + bias, the variance biased
// (divided by D), statistics per row of D features.
//
// The forward saves the mean and rstd = 1/sqrt(var + eps) of every row ([N] each) for the
// backward, which gives dx (x's statistics depend on x) and the column sums dweight, dbias.
#pragma once
#include <cstdint>

#include "engine/dispatch.h"
#include "engine/tensor.h"

namespace syn {

// x, y: n rows of d floats; weight, bias: [d] or null (no affine part). Writes mean[n], rstd[n].
using LayerNormFwdFn = void(const float* x, const float* weight, const float* bias, float* y,
                            float* mean, float* rstd, int64_t n, int64_t d, float eps);
// dx [n, d] (or null), dweight, dbias [d] (each may be null: not needed). weight may be null
// (no affine part: the gradient of the normalised value is dy itself).
using LayerNormBwdFn = void(const float* x, const float* weight, const float* mean,
                            const float* rstd, const float* dy, float* dx, float* dweight,
                            float* dbias, int64_t n, int64_t d);

extern Kernel<LayerNormFwdFn> layer_norm_forward_kernel;
extern Kernel<LayerNormBwdFn> layer_norm_backward_kernel;

namespace ops {

// x [..., D]; weight, bias [D] or undefined (each independently, like elementwise_affine and
// bias=False); returns a tensor of x's shape.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);

}  // namespace ops
}  // namespace syn
