// test_hooks.cpp — see test_hooks.h.
#include "engine/dist/test_hooks.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace syn::dist {

namespace {
bool at(const char* var, int64_t step) {
  const char* v = std::getenv(var);
  return v && *v && std::to_string(step) == v;
}
}  // namespace

void failure_test_hook(const Communicator& comm, int64_t step) {
  if (comm.world() <= 1 || comm.rank() != comm.world() - 1) return;
  if (at("SYN_DIST_TEST_EXIT_AT_STEP", step)) {
    std::cerr << comm.where() << ": SYN_DIST_TEST_EXIT_AT_STEP=" << step
              << ": exiting at once (a simulated crash)" << std::endl;
    std::_Exit(3);
  }
  if (at("SYN_DIST_TEST_HANG_AT_STEP", step)) {
    std::cerr << comm.where() << ": SYN_DIST_TEST_HANG_AT_STEP=" << step
              << ": hanging (a simulated stuck process)" << std::endl;
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace syn::dist
