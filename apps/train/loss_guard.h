// loss_guard.h — what the Trainer of apps/ (apps/train/trainer.h) does
// with a NaN or infinite loss, in one place so the behaviour and the message are the same:
//   1. the step checks its loss before backward and refuses to touch the parameters
//      (throw_if_nonfinite), so the last checkpoint and the weights in memory stay good;
//   2. the loop stops and names the last good checkpoint to resume from (step_or_stop).
// (A TensorBoard writer of the loop flushes itself while the exception unwinds.)
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "engine/check.h"

namespace syn::app {

struct NonFiniteLoss : Error {
  using Error::Error;
};

// Throws NonFiniteLoss("loss is nan at step <step + 1>; parameters were not updated") unless
// `loss` is finite. `step` is the 0-based index of the step being run.
void throw_if_nonfinite(float loss, int64_t step);

// Runs step() and returns what it returns (its loss); a NonFiniteLoss is rethrown with
// ". Stopping; last good checkpoint: <last_good, or 'none yet'>" appended.
template <class Step>
auto step_or_stop(Step&& step, const std::string& last_good) {
  try {
    return std::forward<Step>(step)();
  } catch (const NonFiniteLoss& e) {
    throw NonFiniteLoss(str_cat(e.what(), ". Stopping; last good checkpoint: ",
                                last_good.empty() ? std::string("none yet") : last_good));
  }
}

}  // namespace syn::app
