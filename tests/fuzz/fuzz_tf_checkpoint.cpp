// fuzz_tf_checkpoint.cpp — TensorFlow V2 checkpoints: the .index table through
// TfCheckpointReader's in-memory constructor, then every variable read from a data shard.
//
// Input layout (so one input holds both files): u32 little-endian n, n bytes of .index, and the
// rest is the first data shard (written to the scratch directory, where the reader opens it).
// An input shorter than 4 bytes, or whose n runs past the end, is all index.
//
// Every block of the table carries a CRC that a mutation almost never keeps, which would stop
// nearly every input at the first block; so the harness rewrites the CRCs of the blocks the
// footer and the index block point at (when they lie inside the file) before parsing, and the
// block, entry and protobuf parsers behind them get fuzzed too. Inputs whose size is a multiple
// of 8 keep their CRCs as they are, so the CRC check itself stays covered.
#include <cstring>
#include <string>
#include <vector>

#include "engine/io/tf_checkpoint.h"
#include "engine/tensorboard.h"  // crc32c
#include "tests/fuzz/fuzz_target.h"

namespace {

struct Span {
  uint64_t offset = 0, size = 0;
};

// A varint at p (bounded by end); false when it is malformed.
bool varint(const uint8_t*& p, const uint8_t* end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const uint8_t b = *p++;
    v |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Rewrites the masked CRC after block h (contents + type byte); false when h is outside.
bool fix_block_crc(std::vector<uint8_t>& b, Span h) {
  const uint64_t n = b.size();
  if (h.offset > n || h.size > n - h.offset || n - h.offset - h.size < 5) return false;
  const uint32_t crc = syn::crc32c_mask(syn::crc32c(b.data() + h.offset, h.size + 1));
  for (int i = 0; i < 4; ++i) b[h.offset + h.size + 1 + i] = (uint8_t)(crc >> (8 * i));
  return true;
}

void fix_table_crcs(std::vector<uint8_t>& b) {
  if (b.size() < 48) return;
  const uint8_t* p = b.data() + b.size() - 48;
  const uint8_t* footer_end = p + 40;
  Span meta, index;
  if (!varint(p, footer_end, meta.offset) || !varint(p, footer_end, meta.size) ||
      !varint(p, footer_end, index.offset) || !varint(p, footer_end, index.size))
    return;
  fix_block_crc(b, meta);
  if (!fix_block_crc(b, index) || index.size < 4) return;
  // The index block's entries (shared, non_shared, value_len, key delta, value) hold the data
  // blocks' handles as their values; the restart array at its end is skipped.
  const uint8_t* q = b.data() + index.offset;
  const uint8_t* end = q + index.size - 4;
  std::vector<Span> data_blocks;
  while (q < end) {
    uint64_t shared, non_shared, value_len;
    if (!varint(q, end, shared) || !varint(q, end, non_shared) || !varint(q, end, value_len) ||
        non_shared > (uint64_t)(end - q) || value_len > (uint64_t)(end - q) - non_shared)
      break;
    const uint8_t* v = q + non_shared;
    Span h;
    if (varint(v, v + value_len, h.offset) && varint(v, v + value_len, h.size))
      data_blocks.push_back(h);
    q += non_shared + value_len;
  }
  // Data blocks last; one that overlaps the index block may break its CRC again, and such an
  // input is refused, as it should be.
  for (const Span& h : data_blocks) fix_block_crc(b, h);
}

}  // namespace

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
  if (size % 8 != 0) fix_table_crcs(index);
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
