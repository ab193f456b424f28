// tf_checkpoint.h — reads TensorFlow V2 checkpoints (tf.train.Saver / tf.train.Checkpoint
// output) without TensorFlow, so pretrained TF weights (musicnn) can be converted to our format.
//
// A checkpoint "prefix" P names two kinds of files:
//   P.index                      a LevelDB-format table (SSTable): sorted string keys → values.
//                                The empty key holds a BundleHeaderProto (shard count,
//                                endianness, format version); every other key is a variable name
//                                whose value is a BundleEntryProto (dtype, shape, shard, offset,
//                                size, masked crc32c of the bytes).
//   P.data-SSSSS-of-NNNNN        the raw little-endian tensor bytes, concatenated.
// (musicnn's model folders use P = "<dir>/", so the files are "<dir>/.index" etc.)
//
// The table layout (tensorflow/core/lib/io/table_format): a 48-byte footer (two varint block
// handles, zero padding, magic 0xdb4775248b80fb57); blocks of prefix-compressed entries followed
// by a restart array; each block followed by a 5-byte trailer (compression type, masked crc32c
// of block + type). TensorFlow writes uncompressed blocks; a compressed one is an error here.
// Protobufs are decoded by hand from the wire format (no protobuf library).
//
// Everything is validated — footer magic, block CRCs, key order, entry fields, file sizes,
// tensor CRCs — and every problem is a syn::Error naming the file and what is wrong.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace syn {

// TensorFlow's DataType enum values (tensorflow/core/framework/types.proto) that we convert.
enum TfDType : int32_t {
  kTfFloat = 1,
  kTfDouble = 2,
  kTfInt32 = 3,
  kTfUInt8 = 4,
  kTfInt16 = 5,
  kTfInt8 = 6,
  kTfString = 7,
  kTfInt64 = 9,
  kTfBool = 10,
  kTfBFloat16 = 14,
  kTfHalf = 19,
};
// "float32", "int64", ... ("DataType(N)" for values we do not know).
std::string tf_dtype_name(int32_t dtype);
// Bytes per element, or 0 for a dtype we cannot convert to float (strings, complex, resources).
size_t tf_dtype_size(int32_t dtype);

// One variable as the index describes it.
struct TfTensorEntry {
  std::string name;
  int32_t dtype = 0;
  Shape shape;
  int32_t shard_id = 0;
  int64_t offset = 0;   // in the data shard, bytes
  int64_t size = 0;     // bytes
  uint32_t crc32c = 0;  // unmasked crc32c of those bytes
};

// A variable's values converted to float32 (exact for float32; int64 and double are rounded).
struct TfTensor {
  int32_t dtype = 0;  // the stored dtype
  Shape shape;
  std::vector<float> data;
};

class TfCheckpointReader {
 public:
  // Reads and validates `prefix`.index. The data shards are opened only by read().
  explicit TfCheckpointReader(const std::string& prefix);
  // The same from index contents already in memory (named `prefix`.index in errors); the data
  // shards are still read from `prefix`.data-*.
  TfCheckpointReader(const std::string& prefix, const std::vector<uint8_t>& index_bytes);

  const std::string& prefix() const { return prefix_; }
  const std::string& index_path() const { return index_path_; }
  int32_t num_shards() const { return num_shards_; }
  std::string data_path(int32_t shard) const;  // prefix.data-0000s-of-0000n

  // In key order (sorted by name).
  const std::vector<TfTensorEntry>& entries() const { return entries_; }
  const TfTensorEntry* find(const std::string& name) const;  // nullptr when absent

  // Reads one variable, checks its size and crc32c, converts it to float. Fails for unknown
  // names and unconvertible dtypes.
  TfTensor read(const std::string& name) const;

 private:
  void parse_index(const std::vector<uint8_t>& bytes);
  std::string prefix_, index_path_;
  int32_t num_shards_ = 1;
  std::vector<TfTensorEntry> entries_;
};

// Every variable of the checkpoint at `prefix`, by name.
std::map<std::string, TfTensor> read_tf_checkpoint(const std::string& prefix);

// LevelDB's masking of stored CRC-32Cs (a CRC of data that embeds CRCs stays well distributed),
// and its inverse. The CRC-32C itself is engine/tensorboard.h's crc32c (TFRecord uses the same).
uint32_t crc32c_mask(uint32_t crc);
uint32_t crc32c_unmask(uint32_t masked);

}  // namespace syn
