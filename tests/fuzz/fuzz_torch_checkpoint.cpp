// fuzz_torch_checkpoint.cpp — whole torch.save files (zip and legacy formats) through
// load_torch_checkpoint, which reads only from a path: the bytes go to a scratch file first.
#include "engine/io/torch_checkpoint.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = syn::fuzz::write_scratch_file(data, size, ".pt");
  syn::fuzz::expect_only_syn_errors([&] { (void)syn::load_torch_checkpoint(path); });
  return 0;
}
