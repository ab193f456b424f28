// config.cpp — the flat YAML reader, typed overrides from the command line, --help and saving.
#include "engine/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>

#include "engine/check.h"

namespace syn {

const char* config_type_name(ConfigType t) {
  switch (t) {
    case ConfigType::Int:
      return "int";
    case ConfigType::Float:
      return "float";
    case ConfigType::String:
      return "string";
    case ConfigType::Bool:
      return "bool";
    case ConfigType::Null:
      return "null";
  }
  return "?";
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && is_space(s[a])) ++a;
  while (b > a && is_space(s[b - 1])) --b;
  return s.substr(a, b - a);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_key(const std::string& k) {
  if (k.empty() || !(std::isalpha((unsigned char)k[0]) || k[0] == '_')) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
  });
}

bool is_null_literal(const std::string& t) {
  return t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL";
}

bool parse_bool(const std::string& t, bool& out) {
  if (t == "true" || t == "True" || t == "TRUE") return out = true, true;
  if (t == "false" || t == "False" || t == "FALSE") return out = false, true;
  return false;
}

// Decimal integers with an optional sign; false on anything else or on overflow.
bool parse_int(const std::string& t, int64_t& out) {
  size_t p = (!t.empty() && (t[0] == '+' || t[0] == '-')) ? 1 : 0;
  if (p == t.size()) return false;
  for (size_t i = p; i < t.size(); ++i)
    if (!is_digit(t[i])) return false;
  const char* first = t.data() + (t[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(first, t.data() + t.size(), out);
  return ec == std::errc() && ptr == t.data() + t.size();
}

// YAML floats: [+-] digits [. digits] [e[+-]digits] (a '.' or an exponent is required, so "3"
// stays an int), ".5", "3.", and .inf / .nan. "3e-4" is accepted although PyYAML reads it as a
// string, because no one writing it means a string.
bool parse_float(const std::string& t, double& out) {
  size_t p = (!t.empty() && (t[0] == '+' || t[0] == '-')) ? 1 : 0;
  std::string rest = t.substr(p);
  double sign = (!t.empty() && t[0] == '-') ? -1.0 : 1.0;
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") {
    out = sign * std::numeric_limits<double>::infinity();
    return true;
  }
  if (p == 0 && (rest == ".nan" || rest == ".NaN" || rest == ".NAN")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  size_t i = 0, n = rest.size(), mant_digits = 0;
  bool dot = false, exp = false;
  while (i < n && is_digit(rest[i])) ++i, ++mant_digits;
  if (i < n && rest[i] == '.') {
    dot = true;
    ++i;
    while (i < n && is_digit(rest[i])) ++i, ++mant_digits;
  }
  if (mant_digits == 0) return false;
  if (i < n && (rest[i] == 'e' || rest[i] == 'E')) {
    exp = true;
    ++i;
    if (i < n && (rest[i] == '+' || rest[i] == '-')) ++i;
    size_t d = 0;
    while (i < n && is_digit(rest[i])) ++i, ++d;
    if (d == 0) return false;
  }
  if (i != n || !(dot || exp)) return false;
  // from_chars rejects a leading '+' and a trailing '.', so hand it a normalised copy.
  std::string norm = (sign < 0 ? "-" : "") + rest;
  if (dot && norm.back() == '.') norm += '0';
  size_t e = norm.find_first_of("eE");
  if (e != std::string::npos && norm[e - 1] == '.') norm.insert(e, "0");
  auto [ptr, ec] = std::from_chars(norm.data(), norm.data() + norm.size(), out);
  if (ec == std::errc::result_out_of_range) {  // overflow → ±inf, underflow → 0, like strtod
    out = std::strtod(norm.c_str(), nullptr);
    return true;
  }
  return ec == std::errc() && ptr == norm.data() + norm.size();
}

// Stores an untyped scalar in `e`, typed by how it reads.
void assign_inferred(ConfigEntry& e, const std::string& t) {
  if (is_null_literal(t)) {
    e.type = ConfigType::Null;
  } else if (parse_bool(t, e.b)) {
    e.type = ConfigType::Bool;
  } else if (parse_int(t, e.i)) {
    e.type = ConfigType::Int;
  } else if (parse_float(t, e.f)) {
    e.type = ConfigType::Float;
  } else {
    e.type = ConfigType::String;
    e.s = t;
  }
}

std::string format_float(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v < 0 ? "-.inf" : ".inf";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact round trip
  std::string s(buf, ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";  // keep it a float when re-read
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\x%02x", c);
          out += b;
        } else {
          out += (char)c;
        }
    }
  }
  return out + "\"";
}

std::string value_text(const ConfigEntry& e) {
  switch (e.type) {
    case ConfigType::Int:
      return std::to_string(e.i);
    case ConfigType::Float:
      return format_float(e.f);
    case ConfigType::String:
      return quote(e.s);
    case ConfigType::Bool:
      return e.b ? "true" : "false";
    case ConfigType::Null:
      return "null";
  }
  return "";
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// One parsed `key: value # comment` line.
struct Line {
  std::string key, value, comment;
  bool quoted = false;
};

Line parse_line(const std::string& raw, const std::string& where) {
  Line ln;
  size_t colon = raw.find(':');
  // "key:" must be followed by a space, a tab or the end of the line (YAML's rule).
  while (colon != std::string::npos && colon + 1 < raw.size() && !is_space(raw[colon + 1]))
    colon = raw.find(':', colon + 1);
  SYN_CHECK(raw.rfind("- ", 0) != 0 && raw != "-", where,
            ": lists are not supported (this reader takes flat `key: value` lines only)");
  SYN_CHECK(colon != std::string::npos, where, ": expected `key: value`, got '", raw, "'");
  ln.key = trim(raw.substr(0, colon));
  SYN_CHECK(valid_key(ln.key), where, ": invalid key '", ln.key,
            "' (letters, digits, '_', '-', '.'; starting with a letter or '_')");
  std::string rest = trim(raw.substr(colon + 1));
  size_t i = 0;
  if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'')) {
    char q = rest[0];
    ln.quoted = true;
    bool closed = false;
    for (i = 1; i < rest.size(); ++i) {
      char c = rest[i];
      if (q == '\'' && c == '\'') {
        if (i + 1 < rest.size() && rest[i + 1] == '\'') {
          ln.value += '\'';  // '' is an escaped quote inside single quotes
          ++i;
          continue;
        }
        closed = true;
        ++i;
        break;
      }
      if (q == '"' && c == '"') {
        closed = true;
        ++i;
        break;
      }
      if (q == '"' && c == '\\') {
        SYN_CHECK(i + 1 < rest.size(), where, ": string ends in a lone backslash");
        char x = rest[++i];
        switch (x) {
          case 'n':
            ln.value += '\n';
            break;
          case 't':
            ln.value += '\t';
            break;
          case 'r':
            ln.value += '\r';
            break;
          case '0':
            ln.value += '\0';
            break;
          case '"':
            ln.value += '"';
            break;
          case '\\':
            ln.value += '\\';
            break;
          case '/':
            ln.value += '/';
            break;
          case 'x': {
            SYN_CHECK(i + 2 < rest.size() && std::isxdigit((unsigned char)rest[i + 1]) &&
                          std::isxdigit((unsigned char)rest[i + 2]),
                      where, ": bad \\x escape");
            ln.value += (char)std::stoi(rest.substr(i + 1, 2), nullptr, 16);
            i += 2;
            break;
          }
          default:
            SYN_FAIL(where, ": unsupported escape '\\", x, "' in a double-quoted string");
        }
        continue;
      }
      ln.value += c;
    }
    SYN_CHECK(closed, where, ": unterminated ", q == '"' ? "double" : "single",
              "-quoted string for key '", ln.key, "'");
    std::string tail = trim(rest.substr(i));
    SYN_CHECK(tail.empty() || tail[0] == '#', where, ": unexpected text '", tail,
              "' after the quoted value of '", ln.key, "'");
    if (!tail.empty()) ln.comment = trim(tail.substr(1));
    return ln;
  }
  // Bare value: a comment starts at a '#' that opens the value or follows whitespace.
  size_t hash = std::string::npos;
  for (i = 0; i < rest.size(); ++i)
    if (rest[i] == '#' && (i == 0 || is_space(rest[i - 1]))) {
      hash = i;
      break;
    }
  ln.value = trim(rest.substr(0, hash));
  if (hash != std::string::npos) ln.comment = trim(rest.substr(hash + 1));
  if (!ln.value.empty()) {
    char c = ln.value[0];
    SYN_CHECK(c != '[' && c != '{', where, ": key '", ln.key,
              "': lists and flow mappings are not supported (flat scalars only)");
    SYN_CHECK(!(c == '-' && (ln.value.size() == 1 || is_space(ln.value[1]))), where, ": key '",
              ln.key, "': lists are not supported (flat scalars only)");
    SYN_CHECK(c != '&' && c != '*' && c != '!' && c != '|' && c != '>' && c != '%' && c != '@' &&
                  c != '`',
              where, ": key '", ln.key,
              "': anchors, aliases, tags and block scalars are not supported (value '", ln.value,
              "')");
    SYN_CHECK(ln.value.find(": ") == std::string::npos && ln.value.back() != ':', where, ": key '",
              ln.key, "': nested mappings are not supported (value '", ln.value,
              "'); quote the value if it is a string");
  }
  return ln;
}

}  // namespace

Config Config::parse(const std::string& text, const std::string& source) {
  Config cfg;
  cfg.source_ = source;
  std::istringstream in(text);
  std::string raw;
  int lineno = 0;
  bool seen_key = false;
  while (std::getline(in, raw)) {
    ++lineno;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    std::string where = str_cat(source, ":", lineno);
    std::string t = trim(raw);
    if (t.empty() || t[0] == '#') continue;
    if (t == "---" && !seen_key) continue;  // an opening document marker is harmless
    SYN_CHECK(!is_space(raw[0]), where,
              ": indented line; nested mappings and lists are not supported (flat `key: value` "
              "lines only): '",
              raw, "'");
    Line ln = parse_line(raw, where);
    auto it = cfg.index_.find(ln.key);
    SYN_CHECK(it == cfg.index_.end(), where, ": duplicate key '", ln.key, "' (first set on line ",
              it == cfg.index_.end() ? 0 : cfg.entries_[it->second].line, ")");
    ConfigEntry e;
    e.key = ln.key;
    e.help = ln.comment;
    e.line = lineno;
    if (ln.quoted) {
      e.type = ConfigType::String;
      e.s = ln.value;
      e.default_text = quote(ln.value);
    } else {
      assign_inferred(e, ln.value);
      e.default_text = ln.value.empty() ? "null" : ln.value;
    }
    e.declared = e.type;
    cfg.index_[e.key] = cfg.entries_.size();
    cfg.entries_.push_back(std::move(e));
    seen_key = true;
  }
  return cfg;
}

Config Config::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "config: cannot open '", path, "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

ConfigEntry& Config::entry(const std::string& key) {
  return const_cast<ConfigEntry&>(static_cast<const Config*>(this)->entry(key));
}

const ConfigEntry& Config::entry(const std::string& key) const {
  auto it = index_.find(key);
  if (it == index_.end()) {
    std::string near = closest_key(key);
    SYN_FAIL("config: unknown key '", key, "'",
             near.empty() ? std::string() : str_cat(" (did you mean '", near, "'?)"), " in ",
             source_.empty() ? "<empty config>" : source_);
  }
  return entries_[it->second];
}

bool Config::has(const std::string& key) const { return index_.count(key) != 0; }

bool Config::is_null(const std::string& key) const { return entry(key).type == ConfigType::Null; }

void Config::set(const std::string& key, const std::string& text) {
  ConfigEntry& e = entry(key);
  auto bad = [&](const char* expected) {
    SYN_FAIL("config key '", key, "': value '", text, "' is not a valid ", expected,
             " (the default ", e.default_text, " declares it ", expected, ")");
  };
  switch (e.declared) {
    case ConfigType::Int:
      if (!parse_int(text, e.i)) bad("int");
      break;
    case ConfigType::Float: {
      int64_t iv;
      if (parse_int(text, iv)) {
        e.f = (double)iv;  // "--lr 1" is a fine float
      } else if (!parse_float(text, e.f)) {
        bad("float");
      }
      break;
    }
    case ConfigType::Bool:
      if (!parse_bool(text, e.b)) bad("bool (true/false)");
      break;
    case ConfigType::String:
      e.s = text;
      break;
    case ConfigType::Null:
      assign_inferred(e, text);
      return;
  }
  e.type = e.declared;
}

std::vector<std::string> Config::apply_overrides(int argc, const char* const* argv) {
  std::vector<std::string> positional;
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_positional) {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      // "-" (stdin) and negative numbers are positional; "-x" is a mistyped flag.
      SYN_CHECK(!(arg.size() >= 2 && arg[0] == '-' && std::isalpha((unsigned char)arg[1])),
                "command line: unknown option '", arg, "' (options are --key value)");
      positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    SYN_CHECK(!name.empty(), "command line: malformed option '", arg, "'");
    std::string key = name;
    if (!has(key)) {
      std::replace(key.begin(), key.end(), '-', '_');
      if (!has(key)) {
        std::string near = closest_key(name);
        SYN_FAIL("command line: unknown option --", name,
                 near.empty() ? std::string() : str_cat(" (did you mean --", near, "?)"),
                 "; run with --help to list every option");
      }
    }
    if (!inline_value) {
      SYN_CHECK(i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0,
                "command line: option --", name, " needs a value (--", name, " VALUE or --", name,
                "=VALUE)");
      value = argv[++i];
    }
    set(key, value);
  }
  return positional;
}

int64_t Config::get_int(const std::string& key) const {
  const ConfigEntry& e = entry(key);
  SYN_CHECK(e.type == ConfigType::Int, "config key '", key, "' is ", config_type_name(e.type),
            ", not int");
  return e.i;
}

double Config::get_float(const std::string& key) const {
  const ConfigEntry& e = entry(key);
  if (e.type == ConfigType::Int) return (double)e.i;
  SYN_CHECK(e.type == ConfigType::Float, "config key '", key, "' is ", config_type_name(e.type),
            ", not float");
  return e.f;
}

const std::string& Config::get_string(const std::string& key) const {
  const ConfigEntry& e = entry(key);
  SYN_CHECK(e.type == ConfigType::String, "config key '", key, "' is ", config_type_name(e.type),
            ", not string",
            e.type == ConfigType::Null ? " (it is unset: check is_null() first)" : "");
  return e.s;
}

bool Config::get_bool(const std::string& key) const {
  const ConfigEntry& e = entry(key);
  SYN_CHECK(e.type == ConfigType::Bool, "config key '", key, "' is ", config_type_name(e.type),
            ", not bool");
  return e.b;
}

std::vector<std::string> Config::undocumented_keys() const {
  std::vector<std::string> out;
  for (const ConfigEntry& e : entries_)
    if (e.help.empty()) out.push_back(e.key);
  return out;
}

std::string Config::closest_key(const std::string& key) const {
  std::string best;
  size_t best_d = std::numeric_limits<size_t>::max();
  for (const ConfigEntry& e : entries_) {
    size_t d = edit_distance(key, e.key);
    if (d < best_d) best_d = d, best = e.key;
  }
  // Close enough to be a typo: a third of the typed name, at least one edit.
  size_t limit = std::max<size_t>(1, key.size() / 3);
  return best_d <= limit ? best : "";
}

void Config::print_help(std::ostream& os, const std::string& usage) const {
  if (!usage.empty()) os << "usage: " << usage << "\n\n";
  os << "options (defaults from " << (source_.empty() ? "<none>" : source_) << "):\n";
  auto flag = [](const ConfigEntry& e) {
    std::string t = e.declared == ConfigType::Null ? "VALUE" : config_type_name(e.declared);
    if (e.declared != ConfigType::Null)
      std::transform(t.begin(), t.end(), t.begin(), [](char c) { return (char)std::toupper(c); });
    return "--" + e.key + " " + t;
  };
  size_t width = 0;
  for (const ConfigEntry& e : entries_) width = std::max(width, flag(e).size());
  for (const ConfigEntry& e : entries_) {
    os << "  " << std::left << std::setw((int)width) << flag(e) << "  "
       << (e.help.empty() ? "(undocumented)" : e.help) << " (default: " << e.default_text << ")\n";
  }
  os << "  " << std::left << std::setw((int)width) << "--help"
     << "  print this help and exit\n";
}

std::string Config::to_yaml() const {
  std::ostringstream os;
  os << "# effective configuration (defaults from " << (source_.empty() ? "<none>" : source_)
     << ", then command-line overrides)\n";
  size_t width = 0;
  for (const ConfigEntry& e : entries_)
    width = std::max(width, e.key.size() + 2 + value_text(e).size());
  for (const ConfigEntry& e : entries_) {
    std::string kv = e.key + ": " + value_text(e);
    os << kv;
    if (!e.help.empty()) os << std::string(width - kv.size() + 1, ' ') << "# " << e.help;
    os << "\n";
  }
  return os.str();
}

void Config::save(const std::string& path) const {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream out(path, std::ios::binary);
  SYN_CHECK(out.good(), "config: cannot write '", path, "'");
  out << to_yaml();
  out.flush();
  SYN_CHECK(out.good(), "config: error writing '", path, "'");
}

}  // namespace syn
