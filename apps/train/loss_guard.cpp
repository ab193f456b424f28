#include "apps/train/loss_guard.h"

#include <cmath>

namespace syn::app {

void throw_if_nonfinite(float loss, int64_t step) {
  if (!std::isfinite(loss))
    throw NonFiniteLoss(
        str_cat("loss is ", loss, " at step ", step + 1, "; parameters were not updated"));
}

}  // namespace syn::app
