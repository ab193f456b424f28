// checkpoint.cpp — reading and writing the checkpoint format described in checkpoint.h.
#include "engine/checkpoint.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "engine/check.h"

namespace syn {

static const char kMagic[8] = {'S', 'Y', 'N', 'C', 'K', 'P', 'T', '1'};
static const char kEnd[4] = {'E', 'N', 'D', 'C'};
enum : uint8_t { kF32 = 0, kF16 = 1, kBytes = 2 };

uint32_t crc32(const void* data, size_t n, uint32_t crc) {
  static uint32_t table[256];
  static bool init = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return true;
  }();
  (void)init;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = (int32_t)((x >> 23) & 0xFF) - 127 + 15;
  uint32_t mant = x & 0x7FFFFF;
  if (((x >> 23) & 0xFF) == 0xFF) return (uint16_t)(sign | 0x7C00 | (mant ? 0x200 : 0));
  if (exp >= 31) return (uint16_t)(sign | 0x7C00);
  if (exp <= 0) {
    if (exp < -10) return (uint16_t)sign;
    mant |= 0x800000;
    int shift = 14 - exp;
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return (uint16_t)(sign | half);
  }
  uint32_t half = sign | ((uint32_t)exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;  // may carry into the exponent
  return (uint16_t)half;
}

float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, x;
  if (exp == 0) {
    if (mant == 0) {
      x = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        --exp;
      }
      x = sign | (exp << 23) | ((mant & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    x = sign | 0x7F800000 | (mant << 13);
  } else {
    x = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

namespace {
struct Writer {
  std::vector<uint8_t> buf;
  void raw(const void* p, size_t n) {
    auto b = static_cast<const uint8_t*>(p);
    buf.insert(buf.end(), b, b + n);
  }
  template <class T>
  void pod(T v) {
    raw(&v, sizeof v);
  }
};

struct Reader {
  const std::string& path;
  const std::vector<uint8_t>& buf;
  size_t pos = 0;
  void need(size_t n, const std::string& what) {
    SYN_CHECK(pos + n <= buf.size(), "checkpoint '", path, "' is truncated: ", what, " needs ", n,
              " bytes at offset ", pos, " but the file has ", buf.size(), " bytes");
  }
  template <class T>
  T pod(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, buf.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
};
}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& ckpt, bool fp16) {
  Writer w;
  w.raw(kMagic, 8);
  w.pod<uint32_t>((uint32_t)(ckpt.tensors.size() + ckpt.meta.size()));
  for (auto& [name, t] : ckpt.tensors) {
    w.pod<uint32_t>((uint32_t)name.size());
    w.raw(name.data(), name.size());
    w.pod<uint8_t>(fp16 ? kF16 : kF32);
    w.pod<uint8_t>((uint8_t)t.dim());
    for (int64_t d : t.shape()) w.pod<int64_t>(d);
    std::vector<float> v = t.to_vector();
    if (fp16) {
      for (float x : v) w.pod<uint16_t>(float_to_half(x));
    } else {
      w.raw(v.data(), v.size() * sizeof(float));
    }
  }
  for (auto& [key, value] : ckpt.meta) {
    std::string name = "meta/" + key;
    w.pod<uint32_t>((uint32_t)name.size());
    w.raw(name.data(), name.size());
    w.pod<uint8_t>(kBytes);
    w.pod<uint8_t>(1);
    w.pod<int64_t>((int64_t)value.size());
    w.raw(value.data(), value.size());
  }
  uint32_t crc = crc32(w.buf.data(), w.buf.size());
  w.pod<uint32_t>(crc);
  w.raw(kEnd, 4);

  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  SYN_CHECK(f != nullptr, "cannot open '", tmp, "' for writing: ", std::strerror(errno));
  size_t written = std::fwrite(w.buf.data(), 1, w.buf.size(), f);
  bool ok = written == w.buf.size() && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok) {
    std::remove(tmp.c_str());
    SYN_FAIL("writing checkpoint '", path, "' failed (disk full?)");
  }
  SYN_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "cannot rename '", tmp, "' to '", path,
            "': ", std::strerror(errno));
}

Checkpoint load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open checkpoint '", path, "': ", std::strerror(errno));
  std::vector<uint8_t> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  SYN_CHECK(buf.size() >= 8 && std::memcmp(buf.data(), kMagic, 8) == 0, "'", path,
            "' is not a Synesthesia checkpoint (bad magic)");
  SYN_CHECK(buf.size() >= 20 && std::memcmp(buf.data() + buf.size() - 4, kEnd, 4) == 0,
            "checkpoint '", path, "' is truncated (no end marker)");
  uint32_t stored_crc;
  std::memcpy(&stored_crc, buf.data() + buf.size() - 8, 4);
  SYN_CHECK(crc32(buf.data(), buf.size() - 8) == stored_crc, "checkpoint '", path,
            "' is corrupt (CRC mismatch)");

  std::vector<uint8_t> body(buf.begin(), buf.end() - 8);
  Reader r{path, body};
  r.pos = 8;
  uint32_t count = r.pod<uint32_t>("entry count");
  Checkpoint ck;
  for (uint32_t e = 0; e < count; ++e) {
    std::string where = "entry " + std::to_string(e);
    uint32_t name_len = r.pod<uint32_t>(where + " name length");
    SYN_CHECK(name_len < 4096, "checkpoint '", path, "': ", where, " has an absurd name length ",
              name_len);
    r.need(name_len, where + " name");
    std::string name(reinterpret_cast<const char*>(body.data() + r.pos), name_len);
    r.pos += name_len;
    where += " ('" + name + "')";
    uint8_t dtype = r.pod<uint8_t>(where + " dtype");
    uint8_t ndim = r.pod<uint8_t>(where + " rank");
    SYN_CHECK(dtype <= kBytes, "checkpoint '", path, "': ", where, " has unknown dtype ",
              (int)dtype);
    Shape shape;
    for (int d = 0; d < ndim; ++d) {
      int64_t v = r.pod<int64_t>(where + " dims");
      SYN_CHECK(v >= 0 && v < (int64_t(1) << 40), "checkpoint '", path, "': ", where,
                " has invalid dimension ", v);
      shape.push_back(v);
    }
    int64_t n = shape_numel(shape);
    size_t elem = dtype == kF32 ? 4 : dtype == kF16 ? 2 : 1;
    r.need((size_t)n * elem, where + " data");
    const uint8_t* p = body.data() + r.pos;
    r.pos += (size_t)n * elem;
    if (dtype == kBytes) {
      SYN_CHECK(name.rfind("meta/", 0) == 0, "checkpoint '", path, "': ", where,
                " holds raw bytes outside meta/");
      ck.meta[name.substr(5)] = std::string(reinterpret_cast<const char*>(p), (size_t)n);
      continue;
    }
    std::vector<float> v((size_t)n);
    if (dtype == kF32) {
      if (n > 0) std::memcpy(v.data(), p, v.size() * 4);  // an empty vector's data() is null
    } else {
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        v[(size_t)i] = half_to_float(h);
      }
    }
    ck.tensors.emplace_back(name, Tensor::from_vector(v, shape));
  }
  SYN_CHECK(r.pos == body.size(), "checkpoint '", path, "' has ", body.size() - r.pos,
            " unexpected trailing bytes");
  return ck;
}

void save_module(const std::string& path, const Module& m,
                 const std::map<std::string, std::string>& meta) {
  save_checkpoint(path, Checkpoint{m.state_dict(), meta});
}

void load_module(const std::string& path, Module& m) {
  Checkpoint ck = load_checkpoint(path);
  try {
    m.load_state_dict(ck.tensors);
  } catch (const Error& e) {
    throw Error("checkpoint '" + path + "': " + e.what());
  }
}

}  // namespace syn
