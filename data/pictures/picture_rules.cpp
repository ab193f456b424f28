// picture_rules.cpp — see picture_rules.h.
#include "data/pictures/picture_rules.h"

#include <sstream>

#include "data/pictures/concept_vocabulary.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn::pictures {

static std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

PictureRules PictureRules::parse(const std::string& text, const std::string& source) {
  PictureRules rules;
  std::istringstream in(text);
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream cols(line);
    std::string c;
    while (std::getline(cols, c, '\t'))
      if (!trim(c).empty()) f.push_back(trim(c));
    auto want = [&](size_t n) {
      SYN_CHECK(f.size() == n, source, ":", line_no, ": '", f[0], "' takes ", n - 1,
                " tab-separated value(s), got '", line, "'");
    };
    if (f[0] == "emoji_subgroup") {
      want(2);
      rules.emoji_subgroups.insert(f[1]);
    } else if (f[0] == "exclude_folder" || f[0] == "keep_folder") {
      want(3);
      rules.folders.push_back({f[1], f[2], f[0] == "keep_folder"});
    } else if (f[0] == "ignore_word") {
      want(3);
      std::vector<std::string> w = words_of(f[2]);
      SYN_CHECK(w.size() == 1, source, ":", line_no, ": ignore_word takes one word, got '", f[2],
                "'");
      rules.ignored_words.emplace(f[1], w[0]);
    } else if (f[0] == "exclude_word") {
      want(2);
      std::vector<std::string> w = words_of(f[1]);
      SYN_CHECK(w.size() == 1, source, ":", line_no, ": exclude_word takes one word, got '", f[1],
                "'");
      rules.excluded_words.insert(w[0]);
    } else {
      SYN_FAIL(source, ":", line_no, ": unknown rule '", f[0],
               "' (emoji_subgroup, exclude_folder, keep_folder, exclude_word or ignore_word)");
    }
  }
  SYN_CHECK(!rules.emoji_subgroups.empty() || !rules.folders.empty(), source, ": no rules");
  return rules;
}

PictureRules PictureRules::load(const std::string& path) {
  return parse(io::read_small_file(path, "picture rules"), path);
}

bool PictureRules::excludes(const PictureRecord& r) const {
  if (!r.emoji_name.empty() && !emoji_subgroups.count(r.category)) return true;
  const FolderRule* decides = nullptr;  // the longest matching prefix
  for (const FolderRule& f : folders)
    if (f.source == r.source && r.category.compare(0, f.prefix.size(), f.prefix) == 0 &&
        (r.category.size() == f.prefix.size() || r.category[f.prefix.size()] == '/') &&
        (!decides || f.prefix.size() > decides->prefix.size()))
      decides = &f;
  if (decides && !decides->keep) return true;
  for (const std::string& w : words_of(r.emoji_name.empty() ? r.name : r.emoji_name))
    if (excluded_words.count(w)) return true;
  return false;
}

std::string PictureRules::clean_name(const PictureRecord& r) const {
  std::string out;
  for (const std::string& w : words_of(r.name))
    if (!ignored_words.count({r.source, w})) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace syn::pictures
