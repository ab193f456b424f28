// fixtures.cpp — see fixtures.h.
#include "tests/support/fixtures.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

namespace syn::test {

Checkpoint load_fixture(const std::string& name) {
  std::string path = std::string(SYN_FIXTURE_DIR) + "/" + name + ".synt";
  REQUIRE_MESSAGE(std::filesystem::exists(path), "missing fixture ", path,
                  " (regenerate with the scripts in tests/reference/)");
  return load_checkpoint(path);
}

Tensor fixture_tensor(const Checkpoint& fx, const std::string& key) {
  const Tensor* t = find_named(fx.tensors, key);
  REQUIRE_MESSAGE(t != nullptr, "fixture has no tensor '", key, "'");
  return *t;
}

int64_t fixture_int(const Checkpoint& fx, const std::string& key) {
  auto it = fx.meta.find(key);
  REQUIRE_MESSAGE(it != fx.meta.end(), "fixture has no meta '", key, "'");
  return std::stoll(it->second);
}

double fixture_float(const Checkpoint& fx, const std::string& key) {
  auto it = fx.meta.find(key);
  REQUIRE_MESSAGE(it != fx.meta.end(), "fixture has no meta '", key, "'");
  return std::stod(it->second);
}

void check_close(const Tensor& actual, const Tensor& expected, const std::string& what, float rtol,
                 float atol) {
  REQUIRE_MESSAGE(actual.shape() == expected.shape(), what, ": shape ", actual.describe(),
                  " vs expected ", expected.describe());
  std::vector<float> a = actual.to_vector(), e = expected.to_vector();
  size_t bad = 0, worst_i = 0;
  double worst = -1;
  for (size_t i = 0; i < a.size(); ++i) {
    double err = std::fabs((double)a[i] - e[i]);
    double tol = atol + rtol * std::fabs((double)e[i]);
    double ratio = std::isnan(a[i]) ? 1e30 : err / tol;
    if (ratio > 1) ++bad;
    if (ratio > worst) worst = ratio, worst_i = i;
  }
  CHECK_MESSAGE(bad == 0, what, ": ", bad, " of ", a.size(), " elements out of tolerance (rtol ",
                rtol, ", atol ", atol, "); worst at ", worst_i, ": ", a.empty() ? 0 : a[worst_i],
                " vs ", e.empty() ? 0 : e[worst_i]);
}

std::string shared_dir() { return SYN_SHARED_DIR; }
bool shared_available() { return std::filesystem::is_directory(SYN_SHARED_DIR); }

}  // namespace syn::test
