// fuzz_config.cpp — YAML config text through Config::parse (the public entry, so the target
// outlives any change of the YAML library underneath), then the parsed config written back.
#include <string>

#include "engine/config.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  syn::fuzz::expect_only_syn_errors([&] {
    syn::Config c =
        syn::Config::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
    (void)c.to_yaml();
  });
  return 0;
}
