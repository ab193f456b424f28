// config_yaml.cpp — reads a config's YAML with yaml-cpp into Config's flat, typed entries.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "engine/check.h"
#include "engine/config.h"
#include "engine/config_detail.h"
#include "engine/io/safe_file.h"

namespace syn {

using namespace config_detail;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && is_space(s[a])) ++a;
  while (b > a && is_space(s[b - 1])) --b;
  return s.substr(a, b - a);
}

// yaml-cpp drops comments, yet --help takes each key's description from the comment on the key's
// line; and yaml-cpp 0.7 accepts two things the project's configs must not contain (a bare word
// on a line, read as a key with no value, and a quoted string left open, read up to the end of
// the file). The raw lines answer exactly those three questions; the YAML itself is yaml-cpp's.
class SourceLines {
 public:
  explicit SourceLines(const std::string& text) : text_(text) {
    std::istringstream in(text);
    std::string raw;
    while (std::getline(in, raw)) {
      if (!raw.empty() && raw.back() == '\r') raw.pop_back();
      lines_.push_back(raw);
    }
  }

  const std::string& line(int i) const {
    static const std::string none;
    return i >= 0 && i < (int)lines_.size() ? lines_[i] : none;
  }

  // The column just past the ':' of the key at (line, col), or npos when no ':' follows it.
  size_t after_colon(int line_i, int col, const std::string& key) const {
    const std::string& ln = line(line_i);
    size_t i = (size_t)col;
    if (i < ln.size() && (ln[i] == '"' || ln[i] == '\'')) {
      i = quoted_end(ln, i);
      if (i == std::string::npos) return i;
    } else {
      i += key.size();
    }
    while (i < ln.size() && is_space(ln[i])) ++i;
    return i < ln.size() && ln[i] == ':' ? i + 1 : std::string::npos;
  }

  // The comment on `line_i` from column `from`: the text after the first '#' that is outside
  // quotes and opens the line or follows a space. A quote opens only where a scalar can start
  // (after a space or one of "[{,"), so the apostrophe in a plain "it's" is not one.
  std::string comment(int line_i, size_t from) const {
    const std::string& ln = line(line_i);
    for (size_t i = from; i < ln.size(); ++i) {
      bool starts =
          i == 0 || is_space(ln[i - 1]) || ln[i - 1] == '[' || ln[i - 1] == '{' || ln[i - 1] == ',';
      if (starts && (ln[i] == '"' || ln[i] == '\'')) {
        i = quoted_end(ln, i);
        if (i == std::string::npos) return "";  // the string goes on to the next line
        --i;
      } else if (ln[i] == '#' && (i == 0 || is_space(ln[i - 1]))) {
        return trim(ln.substr(i + 1));
      }
    }
    return "";
  }

  // Whether the quoted scalar whose node starts at byte `pos` (at its quote, or at an anchor
  // before it) is closed somewhere in the text.
  bool quote_closes(size_t pos) const {
    if (pos < text_.size() && text_[pos] == '&') {  // "&name value": skip the anchor
      while (pos < text_.size() && !is_space(text_[pos])) ++pos;
      while (pos < text_.size() && is_space(text_[pos])) ++pos;
    }
    if (pos >= text_.size() || (text_[pos] != '"' && text_[pos] != '\'')) return true;
    return quoted_end(text_, pos) != std::string::npos;
  }

 private:
  // One past the closing quote of the string opening at s[i] ('"' with backslash escapes, or
  // '\'' with '' for a quote); npos when it does not close.
  static size_t quoted_end(const std::string& s, size_t i) {
    char q = s[i];
    for (size_t j = i + 1; j < s.size(); ++j) {
      if (q == '"' && s[j] == '\\') {
        ++j;
      } else if (s[j] == q) {
        if (q == '\'' && j + 1 < s.size() && s[j + 1] == '\'') {
          ++j;
          continue;
        }
        return j + 1;
      }
    }
    return std::string::npos;
  }

  const std::string& text_;
  std::vector<std::string> lines_;
};

std::string at(const std::string& source, const YAML::Mark& m) {
  return m.is_null() ? source : str_cat(source, ":", m.line + 1);
}

const char* kind_of(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  if (n.IsNull()) return "null";
  return "a scalar";
}

// Whether a scalar node is a string whatever it reads like: quoted, a block scalar, or !!str.
bool is_string_scalar(const YAML::Node& n, const std::string& where, const std::string& key) {
  const std::string& tag = n.Tag();
  if (tag == "?") return false;  // plain: typed by how it reads
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return true;
  SYN_FAIL(where, ": key '", key, "': unsupported YAML tag '", tag,
           "' (only !!str; the type of a value comes from how it reads)");
}

// The items of a YAML sequence, each a non-null scalar.
std::vector<std::string> list_items(const YAML::Node& seq, const std::string& source,
                                    const std::string& what) {
  std::vector<std::string> items;
  for (const YAML::Node& item : seq) {
    SYN_CHECK(item.IsScalar(), at(source, item.Mark()), ": ", what,
              ": list items must be scalars, got ", kind_of(item),
              " (a config is flat: lists of lists or mappings are not supported)");
    items.push_back(item.Scalar());
  }
  return items;
}

}  // namespace

namespace config_detail {

std::vector<std::string> parse_list_text(const std::string& text, const std::string& what) {
  std::string t = trim(text);
  std::vector<std::string> items;
  if (t.empty()) return items;
  if (t[0] == '[') {
    YAML::Node n;
    try {
      n = YAML::Load(t);
    } catch (const YAML::Exception& e) {
      SYN_FAIL(what, " is not a valid list: ", e.msg, " (write [a, b] or a,b)");
    }
    SYN_CHECK(n.IsSequence(), what, " is not a valid list (write [a, b] or a,b)");
    return list_items(n, "<list>", what);
  }
  std::istringstream in(t);
  std::string item;
  while (std::getline(in, item, ',')) items.push_back(trim(item));
  if (t.back() == ',') items.push_back("");
  return items;
}

}  // namespace config_detail

Config Config::parse(const std::string& text, const std::string& source) {
  Config cfg;
  cfg.source_ = source;
  SourceLines src(text);
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    std::string column = e.mark.is_null() ? "" : str_cat(" (column ", e.mark.column + 1, ")");
    SYN_FAIL(at(source, e.mark), ": ", e.msg, column);
  }
  SYN_CHECK(docs.size() <= 1,
            at(source, docs.size() > 1 ? docs[1].Mark() : YAML::Mark::null_mark()),
            ": a second YAML document; a config is one mapping of `key: value` lines");
  if (docs.empty() || docs[0].IsNull()) return cfg;
  const YAML::Node& root = docs[0];
  SYN_CHECK(root.IsMap(), at(source, root.Mark()),
            ": expected a mapping of `key: value` lines at the top, got ", kind_of(root));
  for (const auto& kv : root) {
    const YAML::Node &k = kv.first, &v = kv.second;
    std::string where = at(source, k.Mark());
    int line_i = k.Mark().line;
    SYN_CHECK(k.IsScalar(), where, ": a key must be a plain name, got ", kind_of(k));
    std::string key = k.Scalar();
    size_t value_col = src.after_colon(line_i, k.Mark().column, key);
    SYN_CHECK(value_col != std::string::npos, where, ": expected `key: value`, got '",
              src.line(line_i), "'");
    SYN_CHECK(valid_key(key), where, ": invalid key '", key,
              "' (letters, digits, '_', '-', '.'; starting with a letter or '_')");
    auto it = cfg.index_.find(key);
    SYN_CHECK(it == cfg.index_.end(), where, ": duplicate key '", key, "' (first set on line ",
              it == cfg.index_.end() ? 0 : cfg.entries_[it->second].line, ")");

    ConfigEntry e;
    e.key = key;
    e.line = line_i + 1;
    e.help = src.comment(line_i, value_col);
    std::string vwhere = at(source, v.Mark());
    if (v.IsNull()) {
      e.type = ConfigType::Null;
      e.default_text = "null";
    } else if (v.IsScalar()) {
      if (is_string_scalar(v, vwhere, key)) {
        SYN_CHECK(src.quote_closes(v.Mark().pos), vwhere, ": unterminated quoted string for key '",
                  key, "'");
        e.type = ConfigType::String;
        e.s = v.Scalar();
        e.default_text = quote(e.s);
      } else {
        assign_inferred(e, v.Scalar());
        e.default_text = v.Scalar();
      }
    } else if (v.IsSequence()) {
      e.type = ConfigType::List;
      e.list = list_items(v, source, str_cat("key '", key, "'"));
      e.default_text = value_text(e);
    } else {
      SYN_FAIL(vwhere, ": key '", key,
               "': nested mappings (block or flow) are not supported: a config is flat, every "
               "key is a flag; quote the value if it is a string");
    }
    e.declared = e.type;
    cfg.index_[e.key] = cfg.entries_.size();
    cfg.entries_.push_back(std::move(e));
  }
  return cfg;
}

Config Config::load(const std::string& path) {
  // A regular file of at most 64 MiB: a FIFO or /dev/zero is refused, never read.
  return parse(io::read_small_file(path, "config file"), path);
}

}  // namespace syn
