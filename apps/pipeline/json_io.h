// json_io.h — the one JSON reader and writer of the apps (nlohmann-json underneath): tags.json,
// pipeline.json, linear_evaluation's results.json and whatever else we read or write.
//
// Reading: parse_json / read_json_file throw syn::Error naming the file, the byte offset and
// nlohmann's description of the problem ("'tags.json': invalid JSON at byte 10: parse error at
// line 1, column 11: syntax error while parsing value - unexpected '}'; ...").
// Writing: json_text gives 2-space-indented UTF-8 with every control character escaped (RFC 8259);
// invalid UTF-8 (say a Latin-1 file name) becomes U+FFFD instead of failing a finished run.
// Objects are ordered_json so keys keep the order the writer gives them.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace syn::app {

using Json = nlohmann::ordered_json;

Json parse_json(const std::string& text, const std::string& source);
Json read_json_file(const std::string& path);

std::string json_text(const Json& value);    // indented, ends with a newline
std::string json_inline(const Json& value);  // one line, for logs and tables
void write_json_file(
    const std::string& path,
    const Json& value);  // atomic, never onto a special file (engine/io/safe_file.h)

// A measured number as our files print it: 6 significant digits (what the hand-written writers
// printed: enough for probabilities and seconds, and files stay readable), null if not finite.
Json json_number(double v);

}  // namespace syn::app
