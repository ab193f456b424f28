// fixtures.h — PyTorch golden fixtures (written by tests/reference/*.py in the checkpoint format
// of engine/checkpoint.h) and tolerance comparisons that report the worst element.
#pragma once
#include <string>

#include "engine/checkpoint.h"

namespace syn::test {

// Loads tests/fixtures/<name>.synt; fails the test with a clear message if it is missing.
Checkpoint load_fixture(const std::string& name);
// The tensor called `key` in a fixture (REQUIREs that it exists).
Tensor fixture_tensor(const Checkpoint& fx, const std::string& key);
// Integer metadata stored by the reference script (e.g. stride, padding).
int64_t fixture_int(const Checkpoint& fx, const std::string& key);
double fixture_float(const Checkpoint& fx, const std::string& key);

// CHECKs |actual - expected| <= atol + rtol * |expected| element-wise (same shape required);
// the failure message names `what`, the worst element and both values.
void check_close(const Tensor& actual, const Tensor& expected, const std::string& what,
                 float rtol = 1e-4f, float atol = 1e-5f);

// Path of ../shared (may not exist: callers skip their test when it does not).
std::string shared_dir();
bool shared_available();

}  // namespace syn::test
