// fuzz_json.cpp — JSON text through the apps' one reader, app::parse_json (nlohmann-json
// underneath), then written back with json_text, as tag_json and compare_pictures do.
#include <string>

#include "apps/pipeline/json_io.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  syn::fuzz::expect_only_syn_errors([&] {
    syn::app::Json j =
        syn::app::parse_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    (void)syn::app::json_text(j);
  });
  return 0;
}
