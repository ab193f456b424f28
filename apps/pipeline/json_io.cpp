// json_io.cpp — see json_io.h.
#include "apps/pipeline/json_io.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn::app {

Json parse_json(const std::string& text, const std::string& source) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // what() starts with "[json.exception.parse_error.101] ", an id that means nothing to a user.
    std::string what = e.what();
    if (size_t end = what.find("] "); what.rfind("[json.exception.", 0) == 0 && end != what.npos)
      what.erase(0, end + 2);
    // e.byte counts from 1 and points at the last byte read: the offending one.
    SYN_FAIL("'", source, "': invalid JSON at byte ", e.byte > 0 ? e.byte - 1 : 0, ": ", what);
  } catch (const nlohmann::json::exception& e) {
    // Well-formed text nlohmann still refuses: a number past double's range (out_of_range.406).
    std::string what = e.what();
    if (size_t end = what.find("] "); what.rfind("[json.exception.", 0) == 0 && end != what.npos)
      what.erase(0, end + 2);
    SYN_FAIL("'", source, "': invalid JSON: ", what);
  }
}

Json read_json_file(const std::string& path) {
  // Bounded and regular files only: a FIFO or /dev/zero is refused instead of hanging or growing.
  return parse_json(io::read_small_file(path, "JSON file"), path);
}

std::string json_text(const Json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string json_inline(const Json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write_json_file(const std::string& path, const Json& value) {
  io::write_file_atomic(path, json_text(value), "JSON output");
}

Json json_number(double v) {
  if (!std::isfinite(v)) return nullptr;
  // Round through the text "%.6g" prints; nlohmann then writes the shortest text that reads back
  // as that double, which is the same text (0.123457, 1e-05), with ".0" on whole numbers.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

}  // namespace syn::app
