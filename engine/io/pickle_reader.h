// pickle_reader.h — reads Python pickles (the subset that torch.save writes) into a value tree.
//
// torch.save pickles its object with protocol 2: dicts and OrderedDicts of strings, numbers,
// tuples and lists, classes named by GLOBAL and built by REDUCE / NEWOBJ / BUILD, and tensors as
// REDUCE(torch._utils._rebuild_tensor_v2, (storage, offset, size, stride, ...)) where the
// storage is a BINPERSID reference to a raw record of the archive. This reader executes no code:
// a GLOBAL only names a class or function, and REDUCE / NEWOBJ record "call X with these
// arguments" as an Object for the caller (engine/io/torch_checkpoint.cpp) to interpret. The one
// call it evaluates is collections.OrderedDict(), which becomes a Dict.
//
// Supported opcodes: PROTO FRAME STOP, MARK POP POP_MARK DUP, NONE NEWTRUE NEWFALSE,
// BININT BININT1 BININT2 LONG1 LONG4 BINFLOAT, SHORT_BINUNICODE BINUNICODE BINUNICODE8
// SHORT_BINSTRING BINSTRING SHORT_BINBYTES BINBYTES BINBYTES8, EMPTY_TUPLE TUPLE1 TUPLE2 TUPLE3
// TUPLE, EMPTY_LIST APPEND APPENDS, EMPTY_DICT SETITEM SETITEMS, GLOBAL STACK_GLOBAL REDUCE
// NEWOBJ BUILD, BINPERSID, BINPUT LONG_BINPUT MEMOIZE BINGET LONG_BINGET. Any other opcode is an
// error naming it and its offset; so is every truncated or inconsistent input (stack underflow,
// unknown memo key, a length past the end, ...): malformed bytes never crash the reader.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace syn::pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

enum class Kind {
  None,
  Bool,
  Int,     // fits int64
  BigInt,  // LONG1/LONG4 wider than 8 bytes: `text` holds the little-endian two's complement
  Float,
  String,  // unicode, and Python 2 byte strings (BINSTRING), which state dicts use for names
  Bytes,
  Tuple,
  List,
  Dict,         // dict or OrderedDict: `entries` in insertion order, keys of any kind
  Global,       // a class or function named by GLOBAL: `module`, `name`
  Object,       // callable(args) from REDUCE / NEWOBJ, plus SETITEMS/APPENDS/BUILD applied to it
  PersistentId  // BINPERSID: `pid` is what the pickler's persistent_id returned
};
const char* kind_name(Kind k);

struct Value {
  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0.0;
  std::string text;                                    // String, Bytes, BigInt
  std::string module, name;                            // Global
  std::vector<ValuePtr> items;                         // Tuple, List; Object: APPENDed items
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // Dict; Object: SETITEMed entries
  ValuePtr callable, args;  // Object: what was called (usually a Global) and its arguments
  ValuePtr state;           // Object / Dict: the BUILD state, when there was one
  ValuePtr pid;             // PersistentId

  Value() = default;
  explicit Value(Kind k) : kind(k) {}
  ~Value();  // iterative, so deeply nested input cannot overflow the stack
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;

  bool is(Kind k) const { return kind == k; }
  // A Global with this module and name.
  bool is_global(std::string_view mod, std::string_view nm) const;
  // An Object whose callable is the Global mod.nm.
  bool is_call_of(std::string_view mod, std::string_view nm) const;
  // The value stored under the string key `key` (Dict or dict-like Object); nullptr if absent.
  ValuePtr get(std::string_view key) const;
  // A short description for error messages: "int 3", "str 'abc'", "dict (4 entries)", ...
  std::string describe() const;
};

// Unpickles one object from data[0, size). `source` names the input in errors. When `consumed`
// is given it receives the offset just past the STOP opcode (torch's legacy format stores
// several pickles back to back).
ValuePtr load(const uint8_t* data, size_t size, const std::string& source,
              size_t* consumed = nullptr);

}  // namespace syn::pickle
