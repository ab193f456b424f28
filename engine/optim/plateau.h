// plateau.h — learning-rate decay when a monitored loss stops improving, and early stopping:
// the two callbacks of CLMR's linear evaluation (torch.optim.lr_scheduler.ReduceLROnPlateau with
// mode "min", threshold_mode "rel", cooldown 0, min_lr 0; PyTorch Lightning's EarlyStopping with
// mode "min", min_delta 0).
//
//   ReduceLrOnPlateau plateau({.factor = 0.1, .patience = 5, .threshold = 1e-4});
//   EarlyStopping stop(10);
//   for each epoch: ...; opt.set_lr(plateau.step(valid_loss, opt.lr()));
//                   if (stop.step(valid_loss)) break;
#pragma once
#include <cstdint>
#include <limits>

namespace syn {

struct PlateauOptions {
  double factor = 0.1;      // new lr = lr * factor
  int64_t patience = 10;    // epochs without improvement tolerated before decaying
  double threshold = 1e-4;  // relative: improved when loss < best * (1 - threshold)
  double min_lr = 0.0;
  double eps = 1e-8;  // a decay smaller than this is not applied (as PyTorch)
};

class ReduceLrOnPlateau {
 public:
  explicit ReduceLrOnPlateau(const PlateauOptions& o = {}) : o_(o) {}
  // Called once per epoch with the monitored loss and the current lr; returns the lr to use next.
  double step(double loss, double lr);
  int64_t bad_epochs() const { return bad_; }

 private:
  PlateauOptions o_;
  double best_ = std::numeric_limits<double>::infinity();
  int64_t bad_ = 0;
};

class EarlyStopping {
 public:
  explicit EarlyStopping(int64_t patience) : patience_(patience) {}
  // Returns true when training should stop: `patience` epochs in a row without a loss strictly
  // below the best so far. improved() says whether the last call set a new best.
  bool step(double loss);
  bool improved() const { return improved_; }
  double best() const { return best_; }

 private:
  int64_t patience_;
  double best_ = std::numeric_limits<double>::infinity();
  int64_t wait_ = 0;
  bool improved_ = false;
};

}  // namespace syn
