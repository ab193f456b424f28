// text_lines.h — a text as lines and back: how list-valued checkpoint metadata (captions, names,
// concepts: one entry per line) and line-oriented data files are read and written.
#pragma once
#include <sstream>
#include <string>
#include <vector>

namespace syn {

// The lines of `text` without their '\n' (a final line without one counts; no empty last entry).
inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// The inverse of split_lines for entries without '\n': joined by '\n', no trailing one.
inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

}  // namespace syn
