// torch_checkpoint.cpp — see torch_checkpoint.h. The layouts follow torch/serialization.py
// (_save, _legacy_save, persistent_id) and torch/_utils.py (_rebuild_tensor_v2 and friends).
#include "engine/io/torch_checkpoint.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <unordered_set>

#include "engine/check.h"
#include "engine/checkpoint.h"  // half_to_float
#include "engine/io/pickle_reader.h"
#include "engine/io/safe_file.h"
#include "engine/io/zip_reader.h"

namespace syn {

namespace {

using pickle::Kind;
using pickle::Value;
using pickle::ValuePtr;

// The storage classes torch pickles by name, with their element sizes and a reader to fp32.
struct StorageType {
  const char* name;
  size_t size;
  float (*read)(const uint8_t*);
};

// Storages are little-endian on disk (checked per file); reading them with memcpy needs a
// little-endian host, which every target of this project is.
static_assert(std::endian::native == std::endian::little, "big-endian hosts are not supported");

template <class T>
float read_as(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return (float)v;
}
float read_half(const uint8_t* p) { return half_to_float((uint16_t)(p[0] | p[1] << 8)); }
float read_bf16(const uint8_t* p) {
  uint32_t u = (uint32_t)(p[0] | p[1] << 8) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
float read_bool(const uint8_t* p) { return p[0] ? 1.0f : 0.0f; }

const StorageType kStorageTypes[] = {
    {"FloatStorage", 4, read_as<float>},   {"DoubleStorage", 8, read_as<double>},
    {"HalfStorage", 2, read_half},         {"BFloat16Storage", 2, read_bf16},
    {"LongStorage", 8, read_as<int64_t>},  {"IntStorage", 4, read_as<int32_t>},
    {"ShortStorage", 2, read_as<int16_t>}, {"CharStorage", 1, read_as<int8_t>},
    {"ByteStorage", 1, read_as<uint8_t>},  {"BoolStorage", 1, read_bool},
};

// What a BINPERSID storage reference says: ('storage', torch.XStorage, key, location, numel
// [, view_metadata]).
struct StorageRef {
  const StorageType* type = nullptr;
  std::string key;
  int64_t numel = 0;
};

StorageRef parse_storage_ref(const Value* v, const std::string& what) {
  SYN_CHECK(v && v->is(Kind::PersistentId), what, ": the tensor's storage is a ",
            v ? v->describe() : "null", ", not a storage reference");
  const ValuePtr& t = v->pid;
  SYN_CHECK(t->is(Kind::Tuple) && t->items.size() >= 5 && t->items[0]->is(Kind::String) &&
                t->items[0]->text == "storage",
            what, ": unexpected storage reference ", t->describe());
  const ValuePtr& type = t->items[1];
  const ValuePtr& key = t->items[2];
  const ValuePtr& numel = t->items[4];
  SYN_CHECK(type->is(Kind::Global) && type->module == "torch", what, ": storage type is a ",
            type->describe());
  StorageRef ref;
  for (const StorageType& st : kStorageTypes)
    if (type->name == st.name) ref.type = &st;
  SYN_CHECK(ref.type != nullptr, what, ": storage type torch.", type->name,
            " is not supported (float, double, half, bfloat16, integer and bool are)");
  SYN_CHECK(key->is(Kind::String) || key->is(Kind::Int), what, ": storage key is a ",
            key->describe());
  ref.key = key->is(Kind::String) ? key->text : std::to_string(key->i);
  SYN_CHECK(numel->is(Kind::Int) && numel->i >= 0, what, ": storage size is a ", numel->describe());
  ref.numel = numel->i;
  SYN_CHECK(t->items.size() < 6 || t->items[5]->is(Kind::None), what, ": storage '", ref.key,
            "' is a view into another storage (a pre-1.0 PyTorch legacy "
            "feature), which is not supported");
  return ref;
}

// The raw bytes of each storage, by key.
class Storages {
 public:
  virtual ~Storages() = default;
  virtual std::pair<const uint8_t*, size_t> get(const StorageRef& ref, const std::string& what) = 0;
};

class ZipStorages : public Storages {
 public:
  ZipStorages(const ZipReader& zip, std::string prefix) : zip_(zip), prefix_(std::move(prefix)) {}
  std::pair<const uint8_t*, size_t> get(const StorageRef& ref, const std::string& what) override {
    auto it = cache_.find(ref.key);
    if (it == cache_.end()) {
      const ZipEntry* e = zip_.find(prefix_ + "data/" + ref.key);
      SYN_CHECK(e != nullptr, what, ": storage record '", prefix_, "data/", ref.key,
                "' is missing from '", zip_.source(), "'");
      it = cache_.emplace(ref.key, zip_.read(*e)).first;
    }
    return {it->second.data(), it->second.size()};
  }

 private:
  const ZipReader& zip_;
  std::string prefix_;
  std::map<std::string, std::vector<uint8_t>> cache_;
};

class LegacyStorages : public Storages {
 public:
  // `records`: key → (offset of the first element in `file`, element count).
  LegacyStorages(const std::vector<uint8_t>& file,
                 std::map<std::string, std::pair<size_t, int64_t>> records)
      : file_(file), records_(std::move(records)) {}
  std::pair<const uint8_t*, size_t> get(const StorageRef& ref, const std::string& what) override {
    auto it = records_.find(ref.key);
    SYN_CHECK(it != records_.end(), what, ": storage '", ref.key, "' is not in the file");
    return {file_.data() + it->second.first, (size_t)it->second.second * ref.type->size};
  }

 private:
  const std::vector<uint8_t>& file_;
  std::map<std::string, std::pair<size_t, int64_t>> records_;
};

std::vector<int64_t> int_tuple(const ValuePtr& v, const char* field, const std::string& what) {
  SYN_CHECK(v && (v->is(Kind::Tuple) || v->is(Kind::List)), what, ": tensor ", field, " is a ",
            v ? v->describe() : "null", ", not a tuple");
  std::vector<int64_t> out;
  for (auto& x : v->items) {
    SYN_CHECK(x->is(Kind::Int), what, ": tensor ", field, " holds a ", x->describe());
    out.push_back(x->i);
  }
  return out;
}

// Largest tensor accepted from a view that reads its storage more than once (stride 0): a guard
// against a damaged size turning into a huge allocation. Ordinary tensors are bounded by their
// storage, which is bounded by the file.
constexpr int64_t kMaxExpandedNumel = int64_t(1) << 26;

Tensor rebuild_tensor(const Value& call, Storages& storages, const std::string& what) {
  const ValuePtr& a = call.args;
  SYN_CHECK(a->items.size() >= 4, what, ": ", call.describe(), " has ", a->items.size(),
            " arguments, expected at least 4");
  StorageRef ref = parse_storage_ref(a->items[0].get(), what);
  SYN_CHECK(a->items[1]->is(Kind::Int) && a->items[1]->i >= 0, what, ": storage offset is a ",
            a->items[1]->describe());
  const int64_t offset = a->items[1]->i;
  Shape size = int_tuple(a->items[2], "size", what);
  std::vector<int64_t> stride = int_tuple(a->items[3], "stride", what);
  SYN_CHECK(size.size() == stride.size(), what, ": size ", shape_str(size), " and stride (",
            stride.size(), " values) differ in rank");
  auto [bytes, nbytes] = storages.get(ref, what);
  const size_t esize = ref.type->size;
  SYN_CHECK(nbytes % esize == 0, what, ": storage '", ref.key, "' has ", nbytes,
            " bytes, not a whole number of ", esize, "-byte elements");
  const int64_t elems = (int64_t)(nbytes / esize);
  // torch writes the element count (≥ 1.x); accept the byte count too (untyped storages).
  SYN_CHECK(ref.numel == elems || ref.numel == (int64_t)nbytes, what, ": storage '", ref.key,
            "' should hold ", ref.numel, " elements but its record has ", elems);

  // The view must stay inside the storage: offset + Σ (size_d − 1)·stride_d < elems.
  int64_t numel = 1;
  __int128 last = offset;
  bool expanded = false;
  for (size_t d = 0; d < size.size(); ++d) {
    SYN_CHECK(size[d] >= 0 && stride[d] >= 0, what, ": negative size or stride (size ",
              shape_str(size), ")");
    SYN_CHECK(size[d] == 0 || numel <= INT64_MAX / size[d], what, ": size ", shape_str(size),
              " overflows");
    numel *= size[d];
    if (size[d] > 0) last += (__int128)(size[d] - 1) * stride[d];
    if (stride[d] == 0 && size[d] > 1) expanded = true;
  }
  if (numel > 0)
    SYN_CHECK(last < elems, what, ": a view of size ", shape_str(size), " at offset ", offset,
              " reaches element ", (int64_t)std::min<__int128>(last, INT64_MAX),
              " of a storage of ", elems);
  SYN_CHECK(!expanded || numel <= kMaxExpandedNumel, what, ": an expanded view of size ",
            shape_str(size), " is too large");

  Tensor out = Tensor::empty(size);
  float* dst = out.data();
  float (*rd)(const uint8_t*) = ref.type->read;
  std::vector<int64_t> idx(size.size(), 0);
  int64_t src = offset;
  for (int64_t i = 0; i < numel; ++i) {
    dst[i] = rd(bytes + (size_t)src * esize);
    // Odometer over the dimensions, last fastest, keeping `src` in step.
    for (size_t d = size.size(); d-- > 0;) {
      if (++idx[d] < size[d]) {
        src += stride[d];
        break;
      }
      src -= (idx[d] - 1) * stride[d];
      idx[d] = 0;
    }
  }
  return out;
}

bool is_torch_rebuild(const Value& v) {
  return v.is(Kind::Object) && v.callable && v.callable->is(Kind::Global) &&
         v.callable->module.rfind("torch", 0) == 0 && v.callable->name.rfind("_rebuild", 0) == 0;
}

Tensor to_tensor(const ValuePtr& v, Storages& storages, const std::string& what, int depth = 0) {
  SYN_CHECK(depth < 4, what, ": tensor nested too deeply");
  if (v->is_call_of("torch._utils", "_rebuild_tensor_v2") ||
      v->is_call_of("torch._utils", "_rebuild_tensor"))
    return rebuild_tensor(*v, storages, what);
  if (v->is_call_of("torch._utils", "_rebuild_parameter") ||
      v->is_call_of("torch._utils", "_rebuild_parameter_with_state")) {
    SYN_CHECK(!v->args->items.empty(), what, ": parameter without data");
    return to_tensor(v->args->items[0], storages, what, depth + 1);
  }
  SYN_CHECK(!is_torch_rebuild(*v), what, ": ", v->describe(),
            " is a kind of tensor that is not supported (quantized, sparse, meta, ...)");
  SYN_FAIL(what, " is a ", v->describe(), ", not a tensor");
}

// Every storage reference reachable from `root` (iterative, so cycles and depth are harmless).
void collect_storage_refs(const ValuePtr& root, const std::string& source,
                          std::map<std::string, StorageRef>& out) {
  std::vector<const Value*> work{root.get()};
  std::unordered_set<const Value*> seen;
  while (!work.empty()) {
    const Value* v = work.back();
    work.pop_back();
    if (!v || !seen.insert(v).second) continue;
    if (v->is(Kind::PersistentId)) {
      StorageRef ref = parse_storage_ref(v, source);
      out.emplace(ref.key, ref);
      continue;
    }
    for (auto& c : v->items) work.push_back(c.get());
    for (auto& [k, x] : v->entries) {
      work.push_back(k.get());
      work.push_back(x.get());
    }
    work.push_back(v->callable.get());
    work.push_back(v->args.get());
    work.push_back(v->state.get());
  }
}

std::vector<uint8_t> read_file(const std::string& path) {
  io::check_input_file(path, "PyTorch file");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open '", path, "': ", std::strerror(errno));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string scalar_text(const Value& v) {
  switch (v.kind) {
    case Kind::String:
      return v.text;
    case Kind::Int:
      return std::to_string(v.i);
    case Kind::Bool:
      return v.b ? "True" : "False";
    case Kind::None:
      return "None";
    case Kind::Float: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v.f);
      return buf;
    }
    default:
      return "";
  }
}

bool is_scalar(const Value& v) {
  return v.is(Kind::String) || v.is(Kind::Int) || v.is(Kind::Bool) || v.is(Kind::None) ||
         v.is(Kind::Float);
}

std::string top_level_keys(const Value& root) {
  std::string s;
  for (auto& [k, v] : root.entries) {
    if (s.size() > 200) return s + ", ...";
    s += (s.empty() ? "" : ", ") + (k->is(Kind::String) ? k->text : k->describe());
  }
  return s;
}

TorchCheckpoint extract(const ValuePtr& root, Storages& storages, const std::string& path,
                        const std::string& key) {
  TorchCheckpoint out;
  const bool dict_like = root->is(Kind::Dict) || (root->is(Kind::Object) && !root->entries.empty());
  SYN_CHECK(dict_like, "'", path, "' holds a ", root->describe(),
            ", not a dict of tensors (a whole pickled module? save its state_dict() instead)");
  ValuePtr sd = root;
  if (!key.empty()) {
    sd = root->get(key);
    SYN_CHECK(sd != nullptr, "'", path, "' has no entry '", key,
              "' (it has: ", top_level_keys(*root), ")");
    out.state_dict_key = key;
  } else if (ValuePtr s = root->get("state_dict");
             s && (s->is(Kind::Dict) || s->is(Kind::Object))) {
    sd = s;
    out.state_dict_key = "state_dict";
  }
  if (!out.state_dict_key.empty())
    for (auto& [k, v] : root->entries)
      if (k->is(Kind::String) && is_scalar(*v)) out.meta[k->text] = scalar_text(*v);
  const std::string where =
      out.state_dict_key.empty() ? "'" + path + "'" : "'" + path + "' [" + out.state_dict_key + "]";
  SYN_CHECK(sd->is(Kind::Dict) || sd->is(Kind::Object), where, " is a ", sd->describe(),
            ", not a state dict");
  std::set<std::string> names;
  for (auto& [k, v] : sd->entries) {
    SYN_CHECK(k->is(Kind::String), where, " has a key that is a ", k->describe());
    const std::string what = where + " entry '" + k->text + "'";
    SYN_CHECK(names.insert(k->text).second, what, " appears twice");
    if (v->is(Kind::Object) || v->is(Kind::PersistentId)) {
      out.tensors.emplace_back(k->text, to_tensor(v, storages, what));
    } else {
      SYN_FAIL(what, " is a ", v->describe(),
               ", not a tensor (is this a state dict? top-level keys: ", top_level_keys(*root),
               ")");
    }
  }
  return out;
}

TorchCheckpoint load_zip(const std::string& path, const std::string& key) {
  ZipReader zip = ZipReader::open(path);
  std::string prefix;
  bool found = false;
  for (const ZipEntry& e : zip.entries()) {
    const std::string tail = "data.pkl";
    if (e.name.size() >= tail.size() &&
        e.name.compare(e.name.size() - tail.size(), tail.size(), tail) == 0 &&
        e.name.find('/') == e.name.size() - tail.size() - 1) {
      prefix = e.name.substr(0, e.name.size() - tail.size());
      found = true;
      break;
    }
  }
  if (!found) {
    // CLMR's releases (clmr_checkpoint_10000.zip) are ordinary zips around the .pt files.
    for (const ZipEntry& e : zip.entries())
      for (const char* ext : {".pt", ".pth", ".ckpt"}) {
        const std::string x = ext;
        SYN_CHECK(!(e.name.size() > x.size() &&
                    e.name.compare(e.name.size() - x.size(), x.size(), x) == 0),
                  "'", path, "' is a zip archive holding the checkpoint '", e.name,
                  "', not a checkpoint itself: extract it first (unzip)");
      }
    SYN_FAIL("'", path, "' is a zip archive but not a PyTorch checkpoint: no <name>/data.pkl");
  }
  if (const ZipEntry* bo = zip.find(prefix + "byteorder")) {
    std::vector<uint8_t> b = zip.read(*bo);
    std::string order(b.begin(), b.end());
    SYN_CHECK(order == "little", "'", path, "' stores its tensors in '", order,
              "' byte order; only little-endian checkpoints are supported");
  }
  std::vector<uint8_t> pkl = zip.read(prefix + "data.pkl");
  ValuePtr root = pickle::load(pkl.data(), pkl.size(), "'" + path + "' " + prefix + "data.pkl");
  ZipStorages storages(zip, prefix);
  TorchCheckpoint out = extract(root, storages, path, key);
  out.format = "zip";
  return out;
}

TorchCheckpoint load_legacy(const std::string& path, const std::string& key) {
  std::vector<uint8_t> file = read_file(path);
  const std::string src = "'" + path + "' (legacy format)";
  size_t pos = 0;
  auto next = [&](const char* what) {
    size_t used = 0;
    ValuePtr v = pickle::load(file.data() + pos, file.size() - pos,
                              src + " " + what + " at offset " + std::to_string(pos), &used);
    pos += used;
    return v;
  };
  ValuePtr magic = next("magic number");
  // 0x1950a86a20f9469cfc6c, pickled as a 10-byte little-endian LONG1.
  static const uint8_t kMagic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
  SYN_CHECK(magic->is(Kind::BigInt) && magic->text == std::string((const char*)kMagic, 10), "'",
            path, "' is not a PyTorch checkpoint (bad legacy magic number)");
  ValuePtr version = next("protocol version");
  SYN_CHECK(version->is(Kind::Int) && version->i == 1001, src, ": protocol version ",
            version->describe(), " is not supported (1001 is)");
  ValuePtr sys_info = next("system info");
  if (ValuePtr le = sys_info->get("little_endian"))
    SYN_CHECK(le->is(Kind::Bool) && le->b, src, ": written on a big-endian machine (unsupported)");
  ValuePtr root = next("object");
  ValuePtr keys = next("storage keys");
  SYN_CHECK(keys->is(Kind::List), src, ": the storage key list is a ", keys->describe());

  std::map<std::string, StorageRef> refs;
  collect_storage_refs(root, src, refs);
  std::map<std::string, std::pair<size_t, int64_t>> records;
  for (auto& k : keys->items) {
    SYN_CHECK(k->is(Kind::String), src, ": a storage key is a ", k->describe());
    auto it = refs.find(k->text);
    SYN_CHECK(it != refs.end(), src, ": storage '", k->text, "' is listed but never used");
    SYN_CHECK(file.size() - pos >= 8, src, ": storage '", k->text, "' is cut off (truncated)");
    int64_t n = 0;
    std::memcpy(&n, file.data() + pos, 8);
    pos += 8;
    const size_t esize = it->second.type->size;
    SYN_CHECK(n >= 0 && (uint64_t)n <= (file.size() - pos) / esize, src, ": storage '", k->text,
              "' claims ", n, " elements but only ", file.size() - pos,
              " bytes remain (truncated)");
    records[k->text] = {pos, n};
    pos += (size_t)n * esize;
  }
  LegacyStorages storages(file, std::move(records));
  TorchCheckpoint out = extract(root, storages, path, key);
  out.format = "legacy";
  return out;
}

}  // namespace

TorchCheckpoint load_torch_checkpoint(const std::string& path, const std::string& key) {
  if (looks_like_zip(path)) return load_zip(path, key);
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open '", path, "': ", std::strerror(errno));
  char head[2] = {0, 0};
  in.read(head, 2);
  SYN_CHECK(in.gcount() == 2 && (uint8_t)head[0] == 0x80 && (uint8_t)head[1] >= 2, "'", path,
            "' is not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream)");
  return load_legacy(path, key);
}

NamedTensors load_torch_state_dict(const std::string& path, const std::string& key) {
  return load_torch_checkpoint(path, key).tensors;
}

}  // namespace syn
