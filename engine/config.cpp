// config.cpp — typed overrides from the command line, typed getters, --help and saving. Reading
// YAML is config_yaml.cpp; the scalar typing rules are config_scalars.cpp.
#include "engine/config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>

#include "engine/check.h"
#include "engine/config_detail.h"

namespace syn {

using namespace config_detail;

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
    case ConfigType::List:
      return "list";
  }
  return "?";
}

namespace {

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

}  // namespace

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
    case ConfigType::List:
      e.list = parse_list_text(text, str_cat("config key '", key, "': value '", text, "'"));
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

const std::vector<std::string>& Config::get_list(const std::string& key) const {
  const ConfigEntry& e = entry(key);
  SYN_CHECK(e.type == ConfigType::List, "config key '", key, "' is ", config_type_name(e.type),
            ", not list");
  return e.list;
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
