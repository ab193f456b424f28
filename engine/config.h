// config.h — run configuration: a flat YAML file of defaults whose every key is also a flag.
//
// Apps keep their defaults in a YAML file (or an embedded string) in the style of CLMR's
// config/config.yaml:
//
//   batch_size: 48        # examples per optimiser step
//   learning_rate: 3.0e-4 # peak learning rate (Adam)
//   dataset: "musiccaps"  # which data/ loader to use
//   checkpoint: null      # resume from this file when set
//   tags: [rock, pop]     # a list (block `- item` lines work too)
//
// The file is read with yaml-cpp, so any YAML spelling of a value works: plain, single- or
// double-quoted and multi-line strings, block scalars (| and >), lists of scalars, anchors,
// comments. The top level must be one flat mapping, because every key is also a flag: a nested
// mapping, a list of lists or maps, a duplicate key or a second document is an error naming the
// file and line.
//
// Each key's type is fixed by its default (int, float, string, bool, list); the comment on its
// line is its one-line --help text. A key whose default is null (`null`, `~` or empty) has no
// declared type: a value given later is typed by how it reads (42 → int, 0.1 → float, ...).
// Plain scalars are typed by this project's rules (config_detail.h: "yes" and "0x10" stay
// strings, "3e-4" is a float); a quoted or block scalar is always a string.
// Command-line overrides (`--key value` or `--key=value`) are checked against those types.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace syn {

enum class ConfigType { Int, Float, String, Bool, Null, List };
// "int", "float", "string", "bool", "null", "list"
const char* config_type_name(ConfigType t);

struct ConfigEntry {
  std::string key;
  ConfigType declared = ConfigType::Null;  // from the default; Null = takes any scalar
  ConfigType type = ConfigType::Null;      // of the current value (Null = no value)
  int64_t i = 0;
  double f = 0.0;
  bool b = false;
  std::string s;
  std::vector<std::string> list;  // the items of a List, as text
  std::string default_text;       // the default as YAML text (for --help)
  std::string help;               // the comment on the key's line, without '#'
  int line = 0;                   // where the key was declared
};

class Config {
 public:
  Config() = default;

  // Parses YAML text; `source` names it in errors (a file path, or e.g. "<tag defaults>").
  static Config parse(const std::string& text, const std::string& source = "<string>");
  static Config load(const std::string& path);

  // Applies `--key value` / `--key=value` flags (argv[0] is skipped). Returns the positional
  // arguments in order; everything after a bare `--` is positional. `--help` / `-h` set
  // help_requested() instead of failing. `--batch-size` is accepted for `batch_size`.
  // Errors: unknown key (with the closest known key), missing value, ill-typed value.
  std::vector<std::string> apply_overrides(int argc, const char* const* argv);
  bool help_requested() const { return help_requested_; }

  // Sets one key from text, with the same type checks as a command-line flag. The literals
  // null / ~ clear a key whose default was null. A list key takes "[a, b]" (YAML) or "a,b".
  void set(const std::string& key, const std::string& text);

  bool has(const std::string& key) const;
  bool is_null(const std::string& key) const;  // true when the key holds no value
  // Typed access; each fails naming the key when it is unknown, null or of another type.
  // get_float also reads an int value.
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::vector<std::string>& get_list(const std::string& key) const;

  const std::vector<ConfigEntry>& entries() const { return entries_; }
  const std::string& source() const { return source_; }
  // Keys whose YAML line has no comment (apps test this is empty, so every flag is documented).
  std::vector<std::string> undocumented_keys() const;

  // One line per key: "  --key <type>  description (default: value)"; `usage` comes first.
  void print_help(std::ostream& os, const std::string& usage = "") const;
  // The effective configuration as YAML that parse() reads back to an equal Config; each line
  // keeps its description as a comment. Save it next to a run.
  std::string to_yaml() const;
  void save(const std::string& path) const;

  // The known key nearest to `key` by edit distance ("" when none is reasonably close).
  std::string closest_key(const std::string& key) const;

 private:
  ConfigEntry& entry(const std::string& key);
  const ConfigEntry& entry(const std::string& key) const;

  std::vector<ConfigEntry> entries_;     // in file order
  std::map<std::string, size_t> index_;  // key → position in entries_
  std::string source_;
  bool help_requested_ = false;
};

}  // namespace syn
