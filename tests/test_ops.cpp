// test_ops.cpp — the CPU modes of the op-case list (tests/support/op_case.h): every case with a
// PyTorch fixture against it, every case fit for it against finite differences; and the census:
// every kernel slot the engine registers is exercised by some case, so a new op without a
// declaration fails here. (CUDA vs CPU: tests/test_cuda_ops.cpp; timings: bench/bench_ops.)
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "engine/dispatch.h"
#include "tests/support/op_check.h"

using namespace syn;

TEST_CASE(
    "every registered kernel slot is exercised by an op case, and every declared slot exists") {
  const std::set<std::string> declared = test::declared_slots();
  std::set<std::string> registered;
  for (const KernelInfo& k : kernel_registry_view()) registered.insert(k.name);
  REQUIRE(!registered.empty());
  for (const std::string& name : registered)
    CHECK_MESSAGE(declared.count(name), "kernel slot '", name,
                  "' has no op case: declare one in tests/support/op_cases_*.cpp");
  for (const std::string& name : declared)
    CHECK_MESSAGE(registered.count(name), "an op case names slot '", name,
                  "', which is not registered (renamed or removed?)");
}

TEST_CASE("every slot is checked on the CPU here, or by the suite named for it") {
  std::set<std::string> checked;
  for (const test::OpCase& c : test::op_cases())
    if (c.fixture || (c.modes & test::kModeBackward))
      checked.insert(c.slots.begin(), c.slots.end());
  // Multi-step or signal-level references that are not one op call against one fixture:
  const std::set<std::string> elsewhere = {"adam_update",     "sgd_update", "lars_norms",
                                           "lars_update",      // tests/test_optim.cpp replays
                                           "musicnn_log_mel",  // tests/test_spectrogram.cpp
                                           "augment_batch"};   // tests/test_augment_batch.cpp
  for (const KernelInfo& k : kernel_registry_view())
    CHECK_MESSAGE((checked.count(k.name) || elsewhere.count(k.name)), "kernel slot '", k.name,
                  "' has no op case with a fixture or a finite-difference check");
}

TEST_CASE("op case names are unique") {
  std::set<std::string> seen;
  int fixture = 0, backward = 0, cuda = 0, perf = 0;
  for (const test::OpCase& c : test::op_cases()) {
    CHECK_MESSAGE(seen.insert(c.name).second, "two op cases are named '", c.name, "'");
    fixture += c.fixture.has_value();
    backward += (c.modes & test::kModeBackward) != 0;
    cuda += (c.modes & test::kModeCuda) != 0;
    perf += (c.modes & test::kModePerf) != 0;
  }
  MESSAGE(seen.size(), " op cases: ", fixture, " with a PyTorch fixture, ", backward,
          " checked by finite differences, ", cuda, " compared on CUDA, ", perf, " timed");
}

TEST_CASE("op cases match their PyTorch fixtures (forward and every gradient)") {
  int run = 0;
  for (const test::OpCase& c : test::op_cases()) {
    if (!c.fixture) continue;
    test::check_fixture(c);
    ++run;
  }
  CHECK(run > 0);
}

TEST_CASE("op cases' backward matches finite differences") {
  int run = 0;
  for (const test::OpCase& c : test::op_cases()) {
    if (!(c.modes & test::kModeBackward)) continue;
    test::check_backward(c);
    ++run;
  }
  CHECK(run > 0);
}
