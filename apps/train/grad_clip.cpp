// grad_clip.cpp — see grad_clip.h.
#include "apps/train/grad_clip.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"

namespace syn::app {

double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm) {
  // Summed in double on the host, parameter after parameter: the order fixes the rounding, so
  // a resumed run clips exactly as the uninterrupted one did.
  double sq = 0;
  for (const Tensor& p : parameters)
    if (p.grad().defined())
      for (float g : p.grad().to_vector()) sq += (double)g * g;
  const double norm = std::sqrt(sq);
  if (max_norm > 0 && norm > max_norm) {
    NoGradGuard no_grad;
    for (Tensor p : parameters)
      if (p.grad().defined()) p.set_grad(ops::scale(p.grad(), (float)(max_norm / (norm + 1e-6))));
  }
  return norm;
}

}  // namespace syn::app
