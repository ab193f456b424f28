// cuda_test_main.cpp — main() for the CUDA test executables (tests/test_cuda_*.cpp): without a
// usable GPU they exit with 77, which CTest reports as "skipped" (never as passed).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "engine/device.h"

int main(int argc, char** argv) {
  if (!syn::cuda_available()) {
    std::printf("no CUDA device (or a CPU-only build): skipping\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
