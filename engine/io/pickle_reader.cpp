// pickle_reader.cpp — see pickle_reader.h. Opcode values and argument encodings are those of
// CPython's Lib/pickletools.py (protocols 0-5); only the subset listed in the header is executed.
#include "engine/io/pickle_reader.h"

#include <cstring>
#include <unordered_map>

#include "engine/check.h"

namespace syn::pickle {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::BigInt:
      return "int (big)";
    case Kind::Float:
      return "float";
    case Kind::String:
      return "str";
    case Kind::Bytes:
      return "bytes";
    case Kind::Tuple:
      return "tuple";
    case Kind::List:
      return "list";
    case Kind::Dict:
      return "dict";
    case Kind::Global:
      return "global";
    case Kind::Object:
      return "object";
    case Kind::PersistentId:
      return "persistent id";
  }
  return "?";
}

Value::~Value() {
  // Detach children into a work list and release them one by one: a child that only we hold has
  // its own children moved into the list before it dies, so destruction never recurses deeply.
  std::vector<ValuePtr> work;
  auto steal = [&work](Value& v) {
    auto keep = [&work](ValuePtr& c) {
      if (c) work.push_back(std::move(c));
    };
    for (auto& c : v.items) keep(c);
    for (auto& [k, x] : v.entries) {
      keep(k);
      keep(x);
    }
    v.items.clear();
    v.entries.clear();
    keep(v.callable);
    keep(v.args);
    keep(v.state);
    keep(v.pid);
  };
  steal(*this);
  while (!work.empty()) {
    ValuePtr v = std::move(work.back());
    work.pop_back();
    if (v && v.use_count() == 1) steal(*v);
  }
}

bool Value::is_global(std::string_view mod, std::string_view nm) const {
  return kind == Kind::Global && module == mod && name == nm;
}

bool Value::is_call_of(std::string_view mod, std::string_view nm) const {
  return kind == Kind::Object && callable && callable->is_global(mod, nm);
}

ValuePtr Value::get(std::string_view key) const {
  if (kind != Kind::Dict && kind != Kind::Object) return nullptr;
  // From the back: a repeated key's last value wins, as in the Python dict it came from.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->first && it->first->kind == Kind::String && it->first->text == key) return it->second;
  return nullptr;
}

std::string Value::describe() const {
  auto quoted = [](const std::string& s) {
    return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'";
  };
  switch (kind) {
    case Kind::Int:
      return str_cat("int ", i);
    case Kind::Float:
      return str_cat("float ", f);
    case Kind::Bool:
      return b ? "True" : "False";
    case Kind::String:
      return "str " + quoted(text);
    case Kind::Bytes:
      return str_cat("bytes (", text.size(), ")");
    case Kind::Tuple:
    case Kind::List:
      return str_cat(kind_name(kind), " (", items.size(), " items)");
    case Kind::Dict:
      return str_cat("dict (", entries.size(), " entries)");
    case Kind::Global:
      return "global " + module + "." + name;
    case Kind::Object:
      if (callable && callable->kind == Kind::Global)
        return "object " + callable->module + "." + callable->name + "(...)";
      return "object";
    default:
      return kind_name(kind);
  }
}

namespace {

const char* opcode_name(uint8_t op) {
  static const std::pair<uint8_t, const char*> kNames[] = {
      {0x80, "PROTO"},
      {0x95, "FRAME"},
      {'.', "STOP"},
      {'(', "MARK"},
      {'0', "POP"},
      {'1', "POP_MARK"},
      {'2', "DUP"},
      {'N', "NONE"},
      {0x88, "NEWTRUE"},
      {0x89, "NEWFALSE"},
      {'J', "BININT"},
      {'K', "BININT1"},
      {'M', "BININT2"},
      {0x8a, "LONG1"},
      {0x8b, "LONG4"},
      {'G', "BINFLOAT"},
      {0x8c, "SHORT_BINUNICODE"},
      {'X', "BINUNICODE"},
      {0x8d, "BINUNICODE8"},
      {'U', "SHORT_BINSTRING"},
      {'T', "BINSTRING"},
      {'C', "SHORT_BINBYTES"},
      {'B', "BINBYTES"},
      {0x8e, "BINBYTES8"},
      {')', "EMPTY_TUPLE"},
      {0x85, "TUPLE1"},
      {0x86, "TUPLE2"},
      {0x87, "TUPLE3"},
      {'t', "TUPLE"},
      {']', "EMPTY_LIST"},
      {'a', "APPEND"},
      {'e', "APPENDS"},
      {'}', "EMPTY_DICT"},
      {'s', "SETITEM"},
      {'u', "SETITEMS"},
      {'c', "GLOBAL"},
      {0x93, "STACK_GLOBAL"},
      {'R', "REDUCE"},
      {0x81, "NEWOBJ"},
      {'b', "BUILD"},
      {'Q', "BINPERSID"},
      {'q', "BINPUT"},
      {'r', "LONG_BINPUT"},
      {0x94, "MEMOIZE"},
      {'h', "BINGET"},
      {'j', "LONG_BINGET"},
      // Recognised but not supported (named in the error):
      {'I', "INT"},
      {'L', "LONG"},
      {'F', "FLOAT"},
      {'S', "STRING"},
      {'V', "UNICODE"},
      {'P', "PERSID"},
      {'l', "LIST"},
      {'d', "DICT"},
      {'i', "INST"},
      {'o', "OBJ"},
      {'g', "GET"},
      {'p', "PUT"},
      {0x82, "EXT1"},
      {0x83, "EXT2"},
      {0x84, "EXT4"},
      {0x8f, "EMPTY_SET"},
      {0x90, "ADDITEMS"},
      {0x91, "FROZENSET"},
      {0x92, "NEWOBJ_EX"},
      {0x96, "BYTEARRAY8"},
      {0x97, "NEXT_BUFFER"},
      {0x98, "READONLY_BUFFER"}};
  for (auto& [code, name] : kNames)
    if (code == op) return name;
  return "unknown";
}

class Unpickler {
 public:
  Unpickler(const uint8_t* data, size_t size, const std::string& source)
      : p_(data), n_(size), source_(source) {}

  ValuePtr run(size_t* consumed) {
    try {
      ValuePtr result = execute(consumed);
      if (refers_to_itself(result))
        SYN_FAIL(source_,
                 ": the pickled object contains itself (a cyclic structure), which "
                 "checkpoints never do; the input is damaged");
      return result;
    } catch (...) {
      // Malformed input can make a container hold itself (BINGET then APPEND); break every
      // link so that nothing made here outlives the failure as an unreachable cycle.
      for (auto& w : made_)
        if (ValuePtr v = w.lock()) {
          v->items.clear();
          v->entries.clear();
          v->callable.reset();
          v->args.reset();
          v->state.reset();
          v->pid.reset();
        }
      throw;
    }
  }

 private:
  static void children_of(const Value* v, std::vector<const Value*>& out) {
    out.clear();
    for (auto& c : v->items) out.push_back(c.get());
    for (auto& [k, x] : v->entries) {
      out.push_back(k.get());
      out.push_back(x.get());
    }
    for (const ValuePtr* c : {&v->callable, &v->args, &v->state, &v->pid})
      if (*c) out.push_back(c->get());
  }

  // Depth-first search with an explicit stack: is there a path from a value back to itself?
  static bool refers_to_itself(const ValuePtr& root) {
    struct Frame {
      const Value* v;
      std::vector<const Value*> kids;
      size_t next = 0;
    };
    std::unordered_map<const Value*, int> state;  // 1 on the current path, 2 finished
    std::vector<Frame> path;
    path.push_back({root.get(), {}});
    children_of(root.get(), path.back().kids);
    state[root.get()] = 1;
    while (!path.empty()) {
      Frame& f = path.back();
      if (f.next == f.kids.size()) {
        state[f.v] = 2;
        path.pop_back();
        continue;
      }
      const Value* c = f.kids[f.next++];
      int& st = state[c];
      if (st == 1) return true;
      if (st == 2) continue;
      st = 1;
      Frame nf{c, {}};
      children_of(c, nf.kids);
      path.push_back(std::move(nf));
    }
    return false;
  }

  ValuePtr execute(size_t* consumed) {
    for (;;) {
      SYN_CHECK(pos_ < n_, source_, ": pickle ends at offset ", pos_,
                " without a STOP opcode (truncated)");
      op_pos_ = pos_;
      op_ = p_[pos_++];
      if (op_ == '.') {
        ValuePtr result = pop();
        if (consumed) *consumed = pos_;
        return result;
      }
      step();
    }
  }

  template <class... Parts>
  [[noreturn]] void bad(const Parts&... parts) const {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", op_);
    SYN_FAIL(source_, ": pickle opcode ", opcode_name(op_), " (", hex, ") at offset ", op_pos_,
             ": ", parts...);
  }

  const uint8_t* take(size_t k) {
    if (k > n_ - pos_) bad("needs ", k, " more bytes but only ", n_ - pos_, " remain (truncated)");
    const uint8_t* q = p_ + pos_;
    pos_ += k;
    return q;
  }
  uint64_t le(size_t k) {
    const uint8_t* q = take(k);
    uint64_t v = 0;
    for (size_t j = 0; j < k; ++j) v |= (uint64_t)q[j] << (8 * j);
    return v;
  }
  std::string text(size_t k) {
    const uint8_t* q = take(k);
    return std::string((const char*)q, k);
  }
  std::string line() {  // GLOBAL's "module\n" and "name\n"
    size_t start = pos_;
    while (pos_ < n_ && p_[pos_] != '\n') ++pos_;
    if (pos_ >= n_) bad("a name runs past the end of the input (truncated)");
    std::string s((const char*)p_ + start, pos_ - start);
    ++pos_;
    return s;
  }

  ValuePtr make(Kind k) {
    ValuePtr v = std::make_shared<Value>(k);
    if (k == Kind::Tuple || k == Kind::List || k == Kind::Dict || k == Kind::Object ||
        k == Kind::PersistentId)
      made_.push_back(v);  // containers only: the others cannot take part in a cycle
    return v;
  }
  void push(ValuePtr v) { stack_.push_back(std::move(v)); }
  ValuePtr pop() {
    if (stack_.empty()) bad("stack underflow");
    ValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  ValuePtr& top() {
    if (stack_.empty()) bad("stack underflow");
    return stack_.back();
  }
  // Everything pushed since the last MARK, which is removed.
  std::vector<ValuePtr> pop_mark() {
    if (marks_.empty()) bad("no MARK to pop to");
    std::vector<ValuePtr> items = std::move(stack_);
    stack_ = std::move(marks_.back());
    marks_.pop_back();
    return items;
  }
  ValuePtr tuple(std::vector<ValuePtr> items) {
    ValuePtr t = make(Kind::Tuple);
    t->items = std::move(items);
    return t;
  }
  void memo_put(uint64_t key) { memo_[key] = top(); }
  ValuePtr memo_get(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) bad("memo key ", key, " was never stored");
    return it->second;
  }
  ValuePtr int_value(int64_t v) {
    ValuePtr x = make(Kind::Int);
    x->i = v;
    return x;
  }
  ValuePtr long_value(size_t k) {  // LONG1 / LONG4: little-endian two's complement
    const uint8_t* q = take(k);
    if (k <= 8) {
      uint64_t u = 0;
      for (size_t j = 0; j < k; ++j) u |= (uint64_t)q[j] << (8 * j);
      if (k > 0 && k < 8 && (q[k - 1] & 0x80)) u |= ~uint64_t(0) << (8 * k);  // sign-extend
      return int_value((int64_t)u);
    }
    ValuePtr x = make(Kind::BigInt);
    x->text.assign((const char*)q, k);
    return x;
  }
  void set_items(const ValuePtr& target, std::vector<ValuePtr>& kv) {
    if (!target || (target->kind != Kind::Dict && target->kind != Kind::Object))
      bad("cannot set items on a ", target ? target->describe() : "null");
    if (kv.size() % 2) bad("odd number of keys and values (", kv.size(), ")");
    // A pickled dict never repeats a key; a crafted one may, and Value::get() then returns the
    // last value, as Python would (consumers that list entries reject duplicates).
    for (size_t j = 0; j < kv.size(); j += 2) target->entries.emplace_back(kv[j], kv[j + 1]);
  }
  void append_items(const ValuePtr& target, std::vector<ValuePtr>& xs) {
    if (!target || (target->kind != Kind::List && target->kind != Kind::Object))
      bad("cannot append to a ", target ? target->describe() : "null");
    for (auto& x : xs) target->items.push_back(std::move(x));
  }
  ValuePtr call(ValuePtr callable, ValuePtr args) {
    if (!args || args->kind != Kind::Tuple)
      bad("arguments are a ", args->describe(), ", not a tuple");
    // OrderedDict() and dict() are the containers of every state dict: make them plain Dicts.
    if (args->items.empty() &&
        (callable->is_global("collections", "OrderedDict") ||
         callable->is_global("builtins", "dict") || callable->is_global("__builtin__", "dict")))
      return make(Kind::Dict);
    ValuePtr o = make(Kind::Object);
    o->callable = std::move(callable);
    o->args = std::move(args);
    return o;
  }

  void step() {
    switch (op_) {
      case 0x80: {  // PROTO
        uint64_t proto = le(1);
        if (proto > 5) bad("protocol ", proto, " is newer than any known (5)");
        break;
      }
      case 0x95:
        le(8);
        break;  // FRAME: a length hint only
      case '(':
        marks_.push_back(std::move(stack_));
        stack_.clear();
        break;
      case '0':
        pop();
        break;
      case '1':
        pop_mark();
        break;
      case '2':
        push(top());
        break;
      case 'N':
        push(make(Kind::None));
        break;
      case 0x88:
      case 0x89: {
        ValuePtr v = make(Kind::Bool);
        v->b = op_ == 0x88;
        push(v);
        break;
      }
      case 'J':
        push(int_value((int32_t)(uint32_t)le(4)));
        break;
      case 'K':
        push(int_value((int64_t)le(1)));
        break;
      case 'M':
        push(int_value((int64_t)le(2)));
        break;
      case 0x8a:
        push(long_value(le(1)));
        break;
      case 0x8b: {
        uint64_t k = le(4);
        if (k & 0x80000000u) bad("negative length");
        push(long_value(k));
        break;
      }
      case 'G': {  // big-endian IEEE double
        const uint8_t* q = take(8);
        uint64_t u = 0;
        for (int j = 0; j < 8; ++j) u = u << 8 | q[j];
        ValuePtr v = make(Kind::Float);
        std::memcpy(&v->f, &u, 8);
        push(v);
        break;
      }
      case 0x8c:
      case 'X':
      case 0x8d:
      case 'U':
      case 'T':
      case 'C':
      case 'B':
      case 0x8e: {
        uint64_t k;
        if (op_ == 0x8c || op_ == 'U' || op_ == 'C')
          k = le(1);
        else if (op_ == 0x8d || op_ == 0x8e)
          k = le(8);
        else
          k = le(4);
        if (op_ == 'T' && (k & 0x80000000u)) bad("negative length");
        bool bytes = op_ == 'C' || op_ == 'B' || op_ == 0x8e;
        ValuePtr v = make(bytes ? Kind::Bytes : Kind::String);
        if (k > n_ - pos_)
          bad("a length of ", k, " runs past the end (", n_ - pos_, " bytes left)");
        v->text = text((size_t)k);
        push(v);
        break;
      }
      case ')':
        push(tuple({}));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        size_t k = (size_t)(op_ - 0x84);
        std::vector<ValuePtr> xs(k);
        for (size_t j = k; j-- > 0;) xs[j] = pop();
        push(tuple(std::move(xs)));
        break;
      }
      case 't':
        push(tuple(pop_mark()));
        break;
      case ']':
        push(make(Kind::List));
        break;
      case 'a': {
        std::vector<ValuePtr> xs{pop()};
        append_items(top(), xs);
        break;
      }
      case 'e': {
        std::vector<ValuePtr> xs = pop_mark();
        append_items(top(), xs);
        break;
      }
      case '}':
        push(make(Kind::Dict));
        break;
      case 's': {
        ValuePtr v = pop(), k = pop();
        std::vector<ValuePtr> kv{k, v};
        set_items(top(), kv);
        break;
      }
      case 'u': {
        std::vector<ValuePtr> kv = pop_mark();
        set_items(top(), kv);
        break;
      }
      case 'c': {
        ValuePtr g = make(Kind::Global);
        g->module = line();
        g->name = line();
        push(g);
        break;
      }
      case 0x93: {
        ValuePtr nm = pop(), mod = pop();
        if (mod->kind != Kind::String || nm->kind != Kind::String)
          bad("module and name must be strings, got ", mod->describe(), " and ", nm->describe());
        ValuePtr g = make(Kind::Global);
        g->module = mod->text;
        g->name = nm->text;
        push(g);
        break;
      }
      case 'R':
      case 0x81: {
        ValuePtr args = pop(), callable = pop();
        push(call(std::move(callable), std::move(args)));
        break;
      }
      case 'b': {
        ValuePtr state = pop();
        ValuePtr& target = top();
        if (target->kind != Kind::Object && target->kind != Kind::Dict)
          bad("cannot BUILD a ", target->describe());
        target->state = std::move(state);
        break;
      }
      case 'Q': {
        ValuePtr v = make(Kind::PersistentId);
        v->pid = pop();
        push(v);
        break;
      }
      case 'q':
        memo_put(le(1));
        break;
      case 'r':
        memo_put(le(4));
        break;
      case 0x94:
        memo_put(memo_.size());
        break;
      case 'h':
        push(memo_get(le(1)));
        break;
      case 'j':
        push(memo_get(le(4)));
        break;
      default:
        bad("not supported (torch state dicts do not use it)");
    }
  }

  const uint8_t* p_;
  size_t n_, pos_ = 0, op_pos_ = 0;
  uint8_t op_ = 0;
  const std::string& source_;
  std::vector<ValuePtr> stack_;
  std::vector<std::vector<ValuePtr>> marks_;
  std::unordered_map<uint64_t, ValuePtr> memo_;
  std::vector<std::weak_ptr<Value>> made_;
};

}  // namespace

ValuePtr load(const uint8_t* data, size_t size, const std::string& source, size_t* consumed) {
  Unpickler u(data, size, source);
  return u.run(consumed);
}

}  // namespace syn::pickle
