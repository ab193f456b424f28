// tag_json.cpp — see tag_json.h. A recursive-descent JSON reader into a small value tree, then
// the fields apps/tag writes.
#include "apps/pipeline/tag_json.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "engine/check.h"
#include "engine/utf8.h"

namespace syn::app {

namespace {

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;

  const Json* get(const std::string& key) const {
    for (const auto& [k, v] : fields)
      if (k == key) return &v;
    return nullptr;
  }
};

class Parser {
 public:
  Parser(const std::string& text, const std::string& source) : s_(text), src_(source) {}

  Json parse_document() {
    Json v = value(0);
    ws();
    if (i_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    SYN_FAIL("'", src_, "': invalid JSON at byte ", i_, ": ", what);
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  void expect(char c) {
    ws();
    if (i_ >= s_.size() || s_[i_] != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  bool literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(i_, n, word) != 0) return false;
    i_ += n;
    return true;
  }

  Json value(int depth) {
    if (depth > 64) fail("nesting deeper than 64");
    ws();
    if (i_ >= s_.size()) fail("unexpected end of input");
    Json v;
    char c = s_[i_];
    if (c == '{') {
      v.kind = Json::Object;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, v;
      while (true) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string key");
        std::string key = string();
        expect(':');
        v.fields.emplace_back(std::move(key), value(depth + 1));
        ws();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::Array;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, v;
      while (true) {
        v.items.push_back(value(depth + 1));
        ws();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.str = string();
      return v;
    }
    if (literal("true")) { v.kind = Json::Bool; v.b = true; return v; }
    if (literal("false")) { v.kind = Json::Bool; return v; }
    if (literal("null")) return v;
    return number();
  }

  Json number() {
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    auto digits = [&] {
      size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - d;
    };
    if (i_ < s_.size() && s_[i_] == '0') ++i_;
    else if (digits() == 0) fail("expected a value");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) fail("expected digits after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) fail("expected exponent digits");
    }
    Json v;
    v.kind = Json::Number;
    v.num = std::strtod(s_.substr(start, i_ - start).c_str(), nullptr);
    return v;
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned u = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      u <<= 4;
      if (h >= '0' && h <= '9') u |= (unsigned)(h - '0');
      else if (h >= 'a' && h <= 'f') u |= (unsigned)(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') u |= (unsigned)(h - 'A' + 10);
      else fail("bad hex digit in \\u escape");
    }
    return u;
  }

  std::string string() {
    ++i_;  // the opening quote
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      char c = s_[i_++];
      if (c == '"') return out;
      if ((unsigned char)c < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (!(i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u'))
              fail("high surrogate without its low surrogate");
            i_ += 2;
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000) fail("invalid low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("lone low surrogate");
          }
          append_utf8(out, (char32_t)cp);
          break;
        }
        default: fail(std::string("unknown escape \\") + e);
      }
    }
  }

  const std::string& s_;
  std::string src_;
  size_t i_ = 0;
};

std::vector<ScoredTag> scored_list(const Json& arr, const std::string& key, const std::string& src) {
  SYN_CHECK(arr.kind == Json::Array, "'", src, "': \"", key, "\" is not an array");
  std::vector<ScoredTag> out;
  for (size_t i = 0; i < arr.items.size(); ++i) {
    const Json& e = arr.items[i];
    const Json* t = e.get("tag");
    const Json* p = e.get("probability");
    SYN_CHECK(e.kind == Json::Object && t && t->kind == Json::String && p &&
                  p->kind == Json::Number,
              "'", src, "': \"", key, "\"[", i, "] needs a string \"tag\" and a number \"probability\"");
    ScoredTag s{t->str, p->num, ""};
    if (const Json* g = e.get("group"); g && g->kind == Json::String) s.group = g->str;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

TagFile parse_tag_json(const std::string& text, const std::string& source) {
  Json root = Parser(text, source).parse_document();
  SYN_CHECK(root.kind == Json::Object, "'", source, "': expected a JSON object (apps/tag --json output)");
  TagFile f;
  if (const Json* v = root.get("file"); v && v->kind == Json::String) f.file = v->str;
  if (const Json* v = root.get("model"); v && v->kind == Json::String) f.model = v->str;
  const Json* tags = root.get("tags");
  SYN_CHECK(tags, "'", source, "' has no \"tags\" (is it apps/tag --json output?)");
  f.tags = scored_list(*tags, "tags", source);
  if (const Json* r = root.get("refined")) {
    f.refined = scored_list(*r, "refined", source);
    f.has_refined = true;
  }
  return f;
}

TagFile read_tag_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open tag file '", path, "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_tag_json(ss.str(), path);
}

std::vector<std::string> confident_tags(const TagFile& f, double refined_threshold,
                                        double tag_threshold, int max_tags) {
  const bool refined = f.has_refined && !f.refined.empty();
  std::vector<ScoredTag> pool = refined ? f.refined : f.tags;
  const double threshold = refined ? refined_threshold : tag_threshold;
  std::stable_sort(pool.begin(), pool.end(), [](const ScoredTag& a, const ScoredTag& b) {
    return a.probability > b.probability;
  });
  std::vector<std::string> out;
  for (const auto& t : pool) {
    if ((int)out.size() >= max_tags) break;
    if (t.probability >= threshold || out.empty()) out.push_back(t.tag);
  }
  return out;
}

}  // namespace syn::app
