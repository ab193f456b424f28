// fuzz_tf_checkpoint.cpp — TensorFlow V2 checkpoints: the .index table through
// TfCheckpointReader's in-memory constructor, then every variable read from a data shard.
//
// Input layout (so one input holds both files): u32 little-endian n, n bytes of .index, and the
// rest is the first data shard (written to the scratch directory, where the reader opens it).
// An input shorter than 4 bytes, or whose n runs past the end, is all index.
#include <cstring>
#include <vector>

#include "engine/io/tf_checkpoint.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> index(data, data + size);
  const uint8_t* shard = data + size;
  size_t shard_size = 0;
  if (size >= 4) {
    uint32_t n = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                 (uint32_t)data[3] << 24;
    if (n <= size - 4) {
      index.assign(data + 4, data + 4 + n);
      shard = data + 4 + n;
      shard_size = size - 4 - n;
    }
  }
  syn::fuzz::expect_only_syn_errors([&] {
    const std::string prefix = syn::fuzz::scratch_dir() + "/ckpt";
    syn::TfCheckpointReader reader(prefix, index);
    // Only shard 0 exists; the reader's own data_path names it for any shard count.
    syn::fuzz::write_file(reader.data_path(0), shard, shard_size);
    for (const syn::TfTensorEntry& e : reader.entries())
      syn::fuzz::expect_only_syn_errors([&] { (void)reader.read(e.name); });
  });
  return 0;
}
