// batchnorm2d.cpp — batchnorm2d as batchnorm1d over the [B, C, H·W] view (see batchnorm2d.h).
// Both reshapes are differentiable views: no data is copied in either direction.
#include "engine/ops/batchnorm2d.h"

#include <utility>

#include "engine/check.h"
#include "engine/ops/batchnorm.h"
#include "engine/ops/shape.h"

namespace syn::ops {

Tensor batchnorm2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const Tensor& running_mean, const Tensor& running_var, bool training,
                   float momentum, float eps) {
  SYN_CHECK(x.defined(), "batchnorm2d: undefined input");
  SYN_CHECK(x.dim() == 4, "batchnorm2d: expected x [B, C, H, W], got ", x.describe());
  SYN_CHECK(eps >= 0.0f, "batchnorm2d: eps ", eps, " must be >= 0 (x ", x.describe(), ")");
  const Shape s = x.shape();
  // Checked here too so that errors name this op and the 4-D shape, not the internal view.
  for (const auto& [t, what] :
       {std::pair{&weight, "weight"}, std::pair{&bias, "bias"},
        std::pair{&running_mean, "running_mean"}, std::pair{&running_var, "running_var"}})
    SYN_CHECK(!t->defined() || (t->dim() == 1 && t->size(0) == s[1]), "batchnorm2d: ", what,
              " must be [", s[1], "] for x ", x.describe(), ", got ", t->describe());
  Tensor flat = reshape(x, {s[0], s[1], s[2] * s[3]});
  Tensor y = batchnorm1d(flat, weight, bias, running_mean, running_var, training, momentum, eps);
  return reshape(y, s);
}

}  // namespace syn::ops
