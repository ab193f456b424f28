// fuzz_zip.cpp — zip archives (the container of torch.save files) through ZipReader::from_bytes,
// then every entry read (stored entries, CRC-checked) as torch_checkpoint.cpp reads them.
#include "engine/io/zip_reader.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  syn::fuzz::expect_only_syn_errors([&] {
    syn::ZipReader z =
        syn::ZipReader::from_bytes(std::vector<uint8_t>(data, data + size), "fuzz.zip");
    for (const syn::ZipEntry& e : z.entries()) {
      // Each entry on its own: one bad entry must not hide a crash in reading the next.
      syn::fuzz::expect_only_syn_errors([&] { (void)z.read(e); });
    }
  });
  return 0;
}
