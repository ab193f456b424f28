// plateau.cpp — see plateau.h.
#include "engine/optim/plateau.h"

#include <algorithm>
#include <cmath>

namespace syn {

double ReduceLrOnPlateau::step(double loss, double lr) {
  if (loss < best_ * (1.0 - o_.threshold)) {
    best_ = loss;
    bad_ = 0;
    return lr;
  }
  if (++bad_ > o_.patience) {
    bad_ = 0;
    double next = std::max(lr * o_.factor, o_.min_lr);
    if (lr - next > o_.eps) return next;
  }
  return lr;
}

bool EarlyStopping::step(double loss) {
  improved_ = loss < best_;  // NaN never improves
  if (improved_) {
    best_ = loss;
    wait_ = 0;
    return false;
  }
  return ++wait_ >= patience_;
}

}  // namespace syn
