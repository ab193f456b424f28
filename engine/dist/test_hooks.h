// test_hooks.h — failure injection for the tests of data-parallel training (tests/test_dist_*):
// with world > 1, the LAST rank (world - 1) misbehaves before running step N + 1, N read from
//   SYN_DIST_TEST_EXIT_AT_STEP=N   exits at once with status 3, without telling MPI (a crash)
//   SYN_DIST_TEST_HANG_AT_STEP=N   stops answering (sleeps until killed): the others' collective
//                                  timeout (--dist_timeout_seconds) must end the job
// Unset (always, outside tests): nothing happens.
#pragma once
#include <cstdint>

#include "engine/dist/communicator.h"

namespace syn::dist {

void failure_test_hook(const Communicator& comm, int64_t step);

}  // namespace syn::dist
