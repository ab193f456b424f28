// schedule.cpp — see schedule.h.
#include "engine/optim/schedule.h"

#include <cmath>
#include <numbers>

#include "engine/check.h"

namespace syn {

double CosineSchedule::lr(int64_t step) const {
  SYN_CHECK(total_steps > 0 && warmup_steps >= 0 && warmup_steps <= total_steps,
            "CosineSchedule: need 0 <= warmup_steps <= total_steps and total_steps > 0, got ",
            warmup_steps, " and ", total_steps);
  SYN_CHECK(step >= 0, "CosineSchedule: negative step ", step);
  if (step < warmup_steps) return base_lr * (double)step / (double)warmup_steps;
  if (step >= total_steps) return min_lr;
  double progress = (double)(step - warmup_steps) / (double)(total_steps - warmup_steps);
  double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return min_lr + (base_lr - min_lr) * cosine;
}

}  // namespace syn
