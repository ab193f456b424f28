// test_kernel_registry.cpp — the dispatch table (engine/dispatch.h): CUDA kernels registered
// from static initialisers reach their slots whatever the construction order; an op without a
// CUDA kernel is a clear error naming it; and in a CUDA build every kernel slot defined in the
// sources is linked and has its CUDA kernel (the check that a kernels/<op>.cu forgot a
// registration, or that the registrars were dropped by the linker). Needs no GPU: registering
// and listing only store and read function pointers.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "engine/dispatch.h"

using namespace syn;

namespace {

using TestFn = int(int);
int test_cpu(int x) { return x + 1; }
int test_cuda(int x) { return x + 2; }

// Defined before the slot it fills, so it runs before the slot's constructor: the order in which
// the registrar of a kernels/<op>.cu and the slot of engine/ops/<op>.cpp are constructed is not
// known either.
extern Kernel<TestFn> test_registered_kernel;
const CudaKernelRegistrar test_registrar([] {
  register_cuda_kernel(test_registered_kernel, test_cuda);
});
Kernel<TestFn> test_registered_kernel{"test_registered_op", test_cpu};

Kernel<TestFn> test_cpu_only_kernel{"test_cpu_only_op", test_cpu};

bool listed_with_cuda(const std::string& name, bool* has_cuda) {
  for (const KernelInfo& k : kernel_registry_view())
    if (name == k.name) {
      *has_cuda = k.has_cuda;
      return true;
    }
  return false;
}

// Slot name → defining file, for every `Kernel<Fn> var{"name", cpu}` at the start of a line of a
// .cpp under engine/, models/ or data/ (how every slot is written; see engine/dispatch.h).
std::map<std::string, std::string> slots_in_sources() {
  const std::regex def(R"re(^Kernel<\w+> \w+\{"(\w+)")re");
  std::map<std::string, std::string> out;
  for (const char* dir : {"engine", "models", "data"}) {
    const std::filesystem::path root = std::filesystem::path(SYN_SOURCE_DIR) / dir;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.path().extension() != ".cpp") continue;
      std::ifstream in(e.path());
      std::string line;
      std::smatch m;
      while (std::getline(in, line))
        if (std::regex_search(line, m, def)) out[m[1]] = e.path().string();
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a registered CUDA kernel reaches its slot, constructed before or after the registrar") {
  CHECK(test_registered_kernel.on(Device::CPU)(1) == 2);
  CHECK(test_registered_kernel.on(Device::CUDA)(1) == 3);
  bool has_cuda = false;
  REQUIRE(listed_with_cuda("test_registered_op", &has_cuda));
  CHECK(has_cuda);
}

TEST_CASE("an op without a CUDA kernel is a clear error naming the op") {
  CHECK(test_cpu_only_kernel.on(Device::CPU)(1) == 2);
  std::string message;
  try {
    test_cpu_only_kernel.on(Device::CUDA);
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK(message.find("'test_cpu_only_op' has no CUDA kernel") != std::string::npos);
  bool has_cuda = true;
  REQUIRE(listed_with_cuda("test_cpu_only_op", &has_cuda));
  CHECK_FALSE(has_cuda);
}

TEST_CASE("every kernel slot in the sources is linked and, with CUDA, has its CUDA kernel") {
  const std::map<std::string, std::string> slots = slots_in_sources();
  REQUIRE(slots.size() >= 60);  // the parse found the engine's slots (60 when this was written)
  REQUIRE(slots.count("musicnn_log_mel") == 1);
#ifdef SYN_WITH_CUDA
  // Every slot has a kernels/<op>.cu today. An op that is CPU-only on purpose is named here,
  // with the reason.
  const std::map<std::string, std::string> cpu_only = {};
  for (const auto& [name, file] : slots) {
    bool has_cuda = false;
    const bool listed = listed_with_cuda(name, &has_cuda);
    INFO("slot '", name, "' defined in ", file);
    CHECK_MESSAGE(listed, "not linked into a CUDA build: no kernels/*.cu registers it");
    if (listed && !cpu_only.count(name))
      CHECK_MESSAGE(has_cuda, "no CUDA kernel: its kernels/<op>.cu does not register one");
  }
#else
  // Without CUDA no slot of the sources has a CUDA kernel (only this file's test slot does).
  for (const auto& [name, file] : slots) {
    bool has_cuda = false;
    if (listed_with_cuda(name, &has_cuda)) CHECK_FALSE(has_cuda);
  }
#endif
}
