// config_scalars.cpp — how a config value's text is typed (null, bool, int, float, string) and
// written back, shared by the YAML reader and the command-line overrides.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "engine/config_detail.h"

namespace syn::config_detail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

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
  // (concatenation, not insert: GCC 12 -O3 reports a false -Wrestrict on insert here)
  if (e != std::string::npos && norm[e - 1] == '.') norm = norm.substr(0, e) + "0" + norm.substr(e);
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

namespace {

std::string format_float(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v < 0 ? "-.inf" : ".inf";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact round trip
  std::string s(buf, ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";  // keep it a float when re-read
  return s;
}

}  // namespace

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
    case ConfigType::List: {
      std::string out = "[";
      for (size_t k = 0; k < e.list.size(); ++k) out += (k ? ", " : "") + quote(e.list[k]);
      return out + "]";
    }
  }
  return "";
}

}  // namespace syn::config_detail
