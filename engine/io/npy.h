// npy.h — NumPy .npy files (format versions 1.0, 2.0 and 3.0): a reader for the plain arrays
// that dataset split files use, and a small writer for the same kinds.
//
// Supported dtypes: bool (|b1), signed and unsigned integers of 1, 2, 4 and 8 bytes, float16/32/64,
// fixed-width unicode strings (<U n, stored as UTF-32) and byte strings (|S n), in either byte
// order, C order only. Everything else — object arrays (pickled), structured dtypes, complex
// numbers, Fortran order — is rejected with an error that names the file and the dtype, because
// silently mis-reading a split file would silently corrupt an evaluation.
//
//   NpyArray a = read_npy("split/mtat/train.npy");   // e.g. descr "<U86", shape {15247}
//   std::vector<std::string> lines = a.strings();
//   NpyArray b = read_npy("binary.npy");              // shape {25863, 50}
//   std::vector<double> v = b.numbers();              // row-major
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace syn {

struct NpyArray {
  enum class Kind { Bool, Int, UInt, Float, Unicode, Bytes };
  Kind kind = Kind::Float;
  int item_size = 0;           // bytes per element in the file
  std::vector<int64_t> shape;  // () for a 0-d array
  std::string descr;           // the dtype as written, e.g. "<U86", "<f4", "|b1"
  std::string source;          // file name (or label) for error messages

  int64_t size() const;  // number of elements (1 for a 0-d array)
  bool is_text() const { return kind == Kind::Unicode || kind == Kind::Bytes; }
  // Elements as UTF-8 strings (trailing NULs removed); throws unless is_text().
  std::vector<std::string> strings() const;
  // Elements as numbers in C order (bool → 0/1); throws for text arrays.
  std::vector<double> numbers() const;

  std::vector<uint8_t> data;  // element bytes, converted to little-endian
};

// Throws syn::Error naming `path` for a missing/short file, a bad magic string or header, an
// unsupported dtype, Fortran order, or a data section shorter than the shape needs.
NpyArray read_npy(const std::string& path);
// The same from bytes in memory; `name` is used in error messages.
NpyArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& name);

// Writers (format 1.0, C order, little-endian). Shapes must match the element counts.
void save_npy(const std::string& path, const std::vector<float>& values,
              const std::vector<int64_t>& shape);
void save_npy(const std::string& path, const std::vector<int64_t>& values,
              const std::vector<int64_t>& shape);
// A 1-d '<U n' array, n = the longest string in code points (at least 1). Strings are UTF-8.
void save_npy(const std::string& path, const std::vector<std::string>& values);

}  // namespace syn
