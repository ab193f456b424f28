// schedule.h — the learning-rate schedule: linear warmup, then cosine decay (SimCLR's).
//
// For step s = 0, 1, 2, ... (the number of optimizer steps already taken; call
// opt.set_lr(schedule.lr(s)) before the step), W = warmup_steps, T = total_steps:
//   s < W:        lr = base_lr * s / W                         (starts at 0, as SimCLR does)
//   W <= s < T:   lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * (s - W) / (T - W))) / 2
//   s >= T:       lr = min_lr                                  (no restart)
// Source: google-research/simclr tf2/model.py WarmUpAndCosineDecay (linear warmup from 0, then
// Keras CosineDecay over total - warmup steps, down to 0); min_lr generalises that floor.
// Without warmup this is torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T, eta_min=min_lr) for
// s in [0, T] (checked against it in tests/test_optim.cpp, fixture optim_schedule).
#pragma once
#include <cstdint>

namespace syn {

struct CosineSchedule {
  double base_lr = 1e-3;
  double min_lr = 0.0;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;  // warmup included

  double lr(int64_t step) const;
};

}  // namespace syn
