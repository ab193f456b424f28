// prompt_set.cpp — see prompt_set.h.
#include "apps/eval/prompt_set.h"

#include <algorithm>
#include <sstream>

#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn::quality {

namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

}  // namespace

const std::vector<std::string>& prompt_kinds() {
  static const std::vector<std::string> kinds{"object", "scene", "mood", "music", "sentence"};
  return kinds;
}

std::vector<EvalPrompt> parse_prompt_set(const std::string& text, const std::string& source) {
  std::vector<EvalPrompt> out;
  std::istringstream in(text);
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream parts(line);
    std::string f;
    while (std::getline(parts, f, '\t')) fields.push_back(trim(f));
    SYN_CHECK(fields.size() == 3, "'", source, "' line ", number, ": expected 3 TAB-separated ",
              "fields (kind, concept, prompt), got ", fields.size());
    const auto& kinds = prompt_kinds();
    SYN_CHECK(std::find(kinds.begin(), kinds.end(), fields[0]) != kinds.end(), "'", source,
              "' line ", number, ": unknown kind '", fields[0],
              "' (object, scene, mood, music or sentence)");
    SYN_CHECK(!fields[1].empty(), "'", source, "' line ", number,
              ": empty concept (write - for none)");
    SYN_CHECK(!fields[2].empty(), "'", source, "' line ", number, ": empty prompt");
    out.push_back({fields[0], fields[1] == "-" ? "" : fields[1], fields[2]});
  }
  SYN_CHECK(!out.empty(), "'", source, "' holds no prompt");
  return out;
}

std::vector<EvalPrompt> load_prompt_set(const std::string& path) {
  return parse_prompt_set(io::read_small_file(path, "prompt list"), path);
}

}  // namespace syn::quality
