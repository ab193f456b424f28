// config_detail.h — internals of engine/config shared by its source files (not for other code):
// the scalar rules that type a YAML value or a command-line override, and the YAML list reader.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/config.h"

namespace syn::config_detail {

bool is_null_literal(const std::string& t);  // "", ~, null, Null, NULL
bool parse_bool(const std::string& t, bool& out);
bool parse_int(const std::string& t, int64_t& out);
bool parse_float(const std::string& t, double& out);
// Letters, digits, '_', '-', '.'; starting with a letter or '_' (so every key is a usable flag).
bool valid_key(const std::string& k);

// Stores an untyped scalar in `e`, typed by how it reads (null, bool, int, float, else string).
void assign_inferred(ConfigEntry& e, const std::string& t);

// A double-quoted YAML string that reads back to `s`.
std::string quote(const std::string& s);
// The value of `e` as YAML that reads back to the same type and value.
std::string value_text(const ConfigEntry& e);

// A list given as text (a command-line override): a YAML flow sequence "[a, 'b c']", or
// comma-separated items "a,b" (trimmed), or "" for the empty list. Fails naming `what`.
std::vector<std::string> parse_list_text(const std::string& text, const std::string& what);

}  // namespace syn::config_detail
