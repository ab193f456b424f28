// html_text.h — the small pieces report.html (report_html.h) is made of: text made safe for HTML
// (tag names, prompts and file names come from models and users, so a tag "<b>" or a file named
// "a&b.ogg" must print as itself), numbers as the report prints them, and files embedded as data
// URIs so the report is one self-contained file.
#pragma once
#include <string>
#include <string_view>

namespace syn::app {

// & < > " ' as &amp; &lt; &gt; &quot; &#39; (safe in element text and in quoted attributes).
std::string html_escape(std::string_view text);
// RFC 4648 base64 with padding, no line breaks.
std::string base64_encode(std::string_view bytes);
// "data:<mime>;base64,<...>" of the file's bytes (read with engine/io/safe_file.h's size limit
// for inputs; errors name the file).
std::string data_uri_of_file(const std::string& path, const std::string& mime);
// A number with `decimals` decimals; "—" for NaN or infinity (a score that does not exist).
std::string fixed_or_dash(double value, int decimals);

}  // namespace syn::app
