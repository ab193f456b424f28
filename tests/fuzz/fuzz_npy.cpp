// fuzz_npy.cpp — NumPy .npy bytes through parse_npy (the in-memory reader of read_npy), then
// every element through strings() or numbers(), as the split-file loaders use them.
#include "engine/io/npy.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  syn::fuzz::expect_only_syn_errors([&] {
    syn::NpyArray a = syn::parse_npy(std::vector<uint8_t>(data, data + size), "fuzz.npy");
    if (a.is_text())
      (void)a.strings();
    else
      (void)a.numbers();
  });
  return 0;
}
