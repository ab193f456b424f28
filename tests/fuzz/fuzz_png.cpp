// fuzz_png.cpp — PNG files through read_png (stb_image underneath), which reads only from a path:
// the bytes go to a scratch file first.
#include "data/images/png_image.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = syn::fuzz::write_scratch_file(data, size, ".png");
  syn::fuzz::expect_only_syn_errors([&] { (void)syn::read_png(path); });
  return 0;
}
