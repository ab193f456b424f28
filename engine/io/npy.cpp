// npy.cpp — see npy.h. The header is a Python dict literal; only its three keys are parsed, and
// anything unexpected in them is an error rather than a guess.
#include "engine/io/npy.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "engine/utf8.h"

namespace syn {

static_assert(std::endian::native == std::endian::little,
              "npy.cpp keeps element bytes little-endian in memory");

namespace {

constexpr char kMagic[] = "\x93NUMPY";

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace((unsigned char)s[a])) ++a;
  while (b > a && std::isspace((unsigned char)s[b - 1])) --b;
  return s.substr(a, b - a);
}

// The text after `'key':` up to the next top-level ',' or '}' (a shape tuple keeps its commas).
std::string dict_value(const std::string& header, const std::string& key, const std::string& name) {
  std::string pattern = "'" + key + "'";
  size_t at = header.find(pattern);
  if (at == std::string::npos) {
    pattern = "\"" + key + "\"";
    at = header.find(pattern);
  }
  SYN_CHECK(at != std::string::npos, "npy '", name, "': header has no '", key, "': ", header);
  size_t colon = header.find(':', at + pattern.size());
  SYN_CHECK(colon != std::string::npos, "npy '", name, "': malformed header: ", header);
  size_t i = colon + 1;
  int depth = 0;
  size_t end = i;
  for (; end < header.size(); ++end) {
    char c = header[end];
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
  }
  return trim(header.substr(i, end - i));
}

std::string unquote(const std::string& v, const std::string& name) {
  SYN_CHECK(v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front(),
            "npy '", name, "': descr ", v,
            " is not a simple dtype string (structured dtypes are not supported)");
  return v.substr(1, v.size() - 2);
}

std::vector<int64_t> parse_shape(const std::string& v, const std::string& name) {
  SYN_CHECK(v.size() >= 2 && v.front() == '(' && v.back() == ')', "npy '", name,
            "': malformed shape ", v);
  std::vector<int64_t> shape;
  std::string inner = v.substr(1, v.size() - 2);
  size_t pos = 0;
  while (pos <= inner.size()) {
    size_t comma = inner.find(',', pos);
    std::string part =
        trim(inner.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (!part.empty()) {
      // Python 2 era files may write 3L for a long.
      if (part.back() == 'L') part.pop_back();
      // Up to 18 digits: a dimension past 10^18 cannot be real, and std::stoll must not throw.
      SYN_CHECK(!part.empty() && part.size() <= 18 &&
                    std::all_of(part.begin(), part.end(),
                                [](char c) { return std::isdigit((unsigned char)c); }),
                "npy '", name, "': malformed shape ", v);
      shape.push_back(std::stoll(part));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return shape;
}

void append_scalar(std::string& out, uint32_t cp, const std::string& name) {
  SYN_CHECK(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF), "npy '", name,
            "': invalid code point ", cp, " in a unicode array");
  syn::append_utf8(out, cp);
}

std::vector<uint32_t> utf8_to_code_points(const std::string& s, const std::string& what) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = (unsigned char)s[i];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    SYN_CHECK(n > 0 && i + n <= s.size(), "save_npy '", what, "': invalid UTF-8 in '", s, "'");
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n; ++k) {
      unsigned char d = (unsigned char)s[i + k];
      SYN_CHECK((d >> 6) == 2, "save_npy '", what, "': invalid UTF-8 in '", s, "'");
      cp = (cp << 6) | (d & 0x3F);
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

double half_to_double(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 0x1F, frac = h & 0x3FF;
  double v;
  if (exp == 0)
    v = std::ldexp((double)frac, -24);
  else if (exp == 31)
    v = frac ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else
    v = std::ldexp((double)(frac | 0x400), exp - 25);
  return sign ? -v : v;
}

std::vector<uint8_t> header_bytes(const std::string& descr, const std::vector<int64_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  // NumPy's spelling: (), (3,), (3, 4).
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  // Pad with spaces so that magic + version + length + header ends on a 64-byte boundary, then
  // '\n'.
  size_t total = 10 + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::vector<uint8_t> out(kMagic, kMagic + 6);
  out.push_back(1);
  out.push_back(0);
  out.push_back((uint8_t)(dict.size() & 0xFF));
  out.push_back((uint8_t)(dict.size() >> 8));
  out.insert(out.end(), dict.begin(), dict.end());
  return out;
}

void write_file(const std::string& path, const std::vector<uint8_t>& header, const void* data,
                size_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  SYN_CHECK(out.good(), "save_npy: cannot create '", path, "'");
  out.write(reinterpret_cast<const char*>(header.data()), (std::streamsize)header.size());
  out.write(static_cast<const char*>(data), (std::streamsize)bytes);
  out.flush();
  SYN_CHECK(out.good(), "save_npy: error writing '", path, "' (disk full?)");
}

void check_shape(const std::vector<int64_t>& shape, size_t count, const std::string& path) {
  int64_t n = 1;
  for (int64_t d : shape) {
    SYN_CHECK(d >= 0, "save_npy '", path, "': negative dimension");
    n *= d;
  }
  SYN_CHECK((size_t)n == count, "save_npy '", path, "': shape holds ", n, " elements, got ", count);
}

}  // namespace

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<std::string> NpyArray::strings() const {
  SYN_CHECK(is_text(), "npy '", source, "': dtype ", descr, " is not a string array");
  std::vector<std::string> out((size_t)size());
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t* p = data.data() + i * (size_t)item_size;
    std::string& s = out[i];
    if (kind == Kind::Bytes) {
      size_t n = (size_t)item_size;
      while (n > 0 && p[n - 1] == 0) --n;
      s.assign(reinterpret_cast<const char*>(p), n);
    } else {
      size_t n = (size_t)item_size / 4;
      while (n > 0 && std::memcmp(p + 4 * (n - 1), "\0\0\0\0", 4) == 0) --n;
      for (size_t k = 0; k < n; ++k) {
        uint32_t cp;
        std::memcpy(&cp, p + 4 * k, 4);
        append_scalar(s, cp, source);
      }
    }
  }
  return out;
}

std::vector<double> NpyArray::numbers() const {
  SYN_CHECK(!is_text(), "npy '", source, "': dtype ", descr, " is a string array, not numbers");
  std::vector<double> out((size_t)size());
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t* p = data.data() + i * (size_t)item_size;
    double v = 0;
    switch (kind) {
      case Kind::Bool:
        v = p[0] ? 1.0 : 0.0;
        break;
      case Kind::Int: {
        int64_t x = 0;
        std::memcpy(&x, p, (size_t)item_size);
        int shift = 64 - 8 * item_size;  // sign-extend from item_size bytes
        v = (double)(shift ? (x << shift) >> shift : x);
        break;
      }
      case Kind::UInt: {
        uint64_t x = 0;
        std::memcpy(&x, p, (size_t)item_size);
        v = (double)x;
        break;
      }
      case Kind::Float:
        if (item_size == 2) {
          uint16_t h;
          std::memcpy(&h, p, 2);
          v = half_to_double(h);
        } else if (item_size == 4) {
          float f;
          std::memcpy(&f, p, 4);
          v = f;
        } else {
          std::memcpy(&v, p, 8);
        }
        break;
      default:
        break;
    }
    out[i] = v;
  }
  return out;
}

NpyArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& name) {
  SYN_CHECK(bytes.size() >= 10 && std::memcmp(bytes.data(), kMagic, 6) == 0, "npy '", name,
            "': not a .npy file (no \\x93NUMPY magic)");
  int major = bytes[6], minor = bytes[7];
  SYN_CHECK(major >= 1 && major <= 3, "npy '", name, "': unsupported format version ", major, ".",
            minor);
  size_t len_bytes = major == 1 ? 2 : 4;
  SYN_CHECK(bytes.size() >= 8 + len_bytes, "npy '", name, "': truncated header");
  size_t header_len = 0;
  for (size_t k = 0; k < len_bytes; ++k) header_len |= (size_t)bytes[8 + k] << (8 * k);
  size_t data_start = 8 + len_bytes + header_len;
  SYN_CHECK(data_start <= bytes.size(), "npy '", name, "': header of ", header_len,
            " bytes runs past the end of the file (", bytes.size(), " bytes)");
  std::string header(bytes.begin() + 8 + (long)len_bytes, bytes.begin() + (long)data_start);

  NpyArray a;
  a.source = name;
  a.descr = unquote(dict_value(header, "descr", name), name);
  std::string fortran = dict_value(header, "fortran_order", name);
  SYN_CHECK(fortran == "False" || fortran == "True", "npy '", name, "': bad fortran_order ",
            fortran);
  SYN_CHECK(fortran == "False", "npy '", name,
            "': Fortran-order arrays are not supported (re-save with np.ascontiguousarray)");
  a.shape = parse_shape(dict_value(header, "shape", name), name);

  // dtype: byte-order character, kind character, item size.
  const std::string& d = a.descr;
  SYN_CHECK(d.size() < 2 || d[1] != 'O', "npy '", name,
            "': object arrays hold pickled Python objects and are not supported (save the "
            "strings as a fixed-width unicode array instead: np.array(list_of_str))");
  SYN_CHECK(d.size() >= 3 && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '='), "npy '",
            name, "': unsupported dtype '", d, "'");
  char order = d[0], kind = d[1];
  int n = 0;
  try {
    n = std::stoi(d.substr(2));
  } catch (const std::exception&) {
    SYN_FAIL("npy '", name, "': unsupported dtype '", d, "'");
  }
  SYN_CHECK(d.substr(2) == std::to_string(n), "npy '", name, "': unsupported dtype '", d, "'");
  switch (kind) {
    case 'b':
      SYN_CHECK(n == 1, "npy '", name, "': unsupported dtype '", d, "'");
      a.kind = NpyArray::Kind::Bool;
      a.item_size = 1;
      break;
    case 'i':
    case 'u':
      SYN_CHECK(n == 1 || n == 2 || n == 4 || n == 8, "npy '", name, "': unsupported dtype '", d,
                "'");
      a.kind = kind == 'i' ? NpyArray::Kind::Int : NpyArray::Kind::UInt;
      a.item_size = n;
      break;
    case 'f':
      SYN_CHECK(n == 2 || n == 4 || n == 8, "npy '", name, "': unsupported dtype '", d, "'");
      a.kind = NpyArray::Kind::Float;
      a.item_size = n;
      break;
    case 'U':
      SYN_CHECK(n >= 0 && n <= (1 << 28), "npy '", name, "': unsupported dtype '", d, "'");
      a.kind = NpyArray::Kind::Unicode;
      a.item_size = 4 * n;
      break;
    case 'S':
      a.kind = NpyArray::Kind::Bytes;
      a.item_size = n;
      break;
    default:
      SYN_FAIL("npy '", name, "': unsupported dtype '", d,
               "' (supported: bool, int/uint 8-64, float 16-64, <U, |S)");
  }
  // The element count, checked against the data section as it grows: a shape whose product
  // overflows, or that asks for more elements than the file holds bytes, is refused before
  // anything is allocated. Zero-byte elements ('<U0', '|S0') cost no data, so they are capped.
  // An empty array's other dimensions still multiply (size()) before its zero, so they must not
  // overflow either.
  const size_t avail = bytes.size() - data_start;
  const bool empty = std::find(a.shape.begin(), a.shape.end(), 0) != a.shape.end();
  const size_t max_count = empty             ? (size_t)INT64_MAX
                           : a.item_size > 0 ? avail / (size_t)a.item_size
                                             : size_t(1) << 16;
  size_t nonzero = 1;
  for (int64_t dim : a.shape) {
    SYN_CHECK(dim >= 0, "npy '", name, "': negative dimension");
    if (dim == 0) continue;
    SYN_CHECK(nonzero <= max_count / (size_t)dim, "npy '", name, "': shape ",
              dict_value(header, "shape", name), " of ", a.item_size,
              "-byte elements overflows or needs more than the ", avail,
              " bytes of its data section (truncated file?)");
    nonzero *= (size_t)dim;
  }
  const size_t count = empty ? 0 : nonzero;
  size_t need = count * (size_t)a.item_size;
  SYN_CHECK(bytes.size() - data_start >= need, "npy '", name, "': data section has ",
            bytes.size() - data_start, " bytes, shape (", count, " elements of ", a.item_size,
            " bytes) needs ", need, " (truncated file?)");
  a.data.assign(bytes.begin() + (long)data_start, bytes.begin() + (long)(data_start + need));
  // Big-endian multi-byte elements: swap each unit (4-byte code units for unicode).
  bool big = order == '>';
  int unit = a.kind == NpyArray::Kind::Unicode ? 4
             : a.kind == NpyArray::Kind::Bytes ? 1
                                               : a.item_size;
  if (big && unit > 1)
    for (size_t i = 0; i + (size_t)unit <= a.data.size(); i += (size_t)unit)
      std::reverse(a.data.begin() + (long)i, a.data.begin() + (long)i + unit);
  return a;
}

NpyArray read_npy(const std::string& path) {
  io::check_input_file(path, ".npy file");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "npy: cannot open '", path, "'");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  return parse_npy(bytes, path);
}

void save_npy(const std::string& path, const std::vector<float>& values,
              const std::vector<int64_t>& shape) {
  check_shape(shape, values.size(), path);
  write_file(path, header_bytes("<f4", shape), values.data(), values.size() * sizeof(float));
}

void save_npy(const std::string& path, const std::vector<int64_t>& values,
              const std::vector<int64_t>& shape) {
  check_shape(shape, values.size(), path);
  write_file(path, header_bytes("<i8", shape), values.data(), values.size() * sizeof(int64_t));
}

void save_npy(const std::string& path, const std::vector<std::string>& values) {
  std::vector<std::vector<uint32_t>> cps;
  size_t width = 1;
  for (const std::string& s : values) {
    cps.push_back(utf8_to_code_points(s, path));
    width = std::max(width, cps.back().size());
  }
  std::vector<uint32_t> data(values.size() * width, 0);
  for (size_t i = 0; i < cps.size(); ++i)
    std::copy(cps[i].begin(), cps[i].end(), data.begin() + (long)(i * width));
  write_file(path, header_bytes("<U" + std::to_string(width), {(int64_t)values.size()}),
             data.data(), data.size() * 4);
}

}  // namespace syn
