// fuzz_checkpoint.cpp — our own SYNCKPT1 checkpoints through load_checkpoint (path only: the bytes
// go to a scratch file). A mutated file almost never keeps its CRC, which would stop every input
// at the CRC check; so when the input has the magic and the end marker, the harness rewrites
// the CRC to match and the entry parser behind it gets fuzzed too.
#include <cstring>
#include <vector>

#include "engine/checkpoint.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  if (size >= 20 && std::memcmp(data, "SYNCKPT1", 8) == 0 &&
      std::memcmp(data + size - 4, "ENDC", 4) == 0) {
    uint32_t crc = syn::crc32(bytes.data(), size - 8);
    std::memcpy(bytes.data() + size - 8, &crc, 4);
  }
  const std::string path = syn::fuzz::write_scratch_file(bytes.data(), bytes.size(), ".synt");
  syn::fuzz::expect_only_syn_errors([&] { (void)syn::load_checkpoint(path); });
  return 0;
}
