// task.cpp — see task.h: the refusals of a task that writes no checkpoints.
#include "apps/train/task.h"

#include "engine/check.h"

namespace syn::app {

void Task::save_state(Checkpoint& /*ck*/) const {
  SYN_FAIL(name(), " writes no checkpoints (it cannot resume exactly)");
}

void Task::load_state(const Checkpoint& /*ck*/, const std::string& path) {
  SYN_FAIL(name(), " cannot resume from '", path, "': it writes no checkpoints");
}

}  // namespace syn::app
