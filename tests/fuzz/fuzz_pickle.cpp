// fuzz_pickle.cpp — pickle bytes (the object stream of torch.save) through pickle::load, then the
// resulting value tree described, the way error messages walk it.
#include "engine/io/pickle_reader.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  syn::fuzz::expect_only_syn_errors([&] {
    size_t consumed = 0;
    syn::pickle::ValuePtr v = syn::pickle::load(data, size, "fuzz.pkl", &consumed);
    if (consumed > size) throw std::logic_error("pickle::load consumed past the end of its input");
    (void)v->describe();
  });
  return 0;
}
