// picture_rules.h — which pictures of the sources can appear in a picture of music
// (data/pictures/picture_rules.tsv, documented there). Lines, tab-separated, '#' comments:
//   emoji_subgroup   <Group> / <subgroup>       emoji-test.txt subgroups the emoji sets keep
//   exclude_folder   <source>  <folder prefix>  clip-art folders left out (icons, flags, letters)
//   exclude_word     <word>                     names holding this word are left out (any source)
// A clip-art picture is kept when no rule excludes it and its name (or, failing that, its
// description) names a concept of data/pictures/concepts.tsv; an emoji when its subgroup is
// listed and no word excludes it (its concept falls back to its own CLDR name).
#pragma once
#include <set>
#include <string>
#include <vector>

#include "data/pictures/picture_record.h"

namespace syn::pictures {

struct PictureRules {
  std::set<std::string> emoji_subgroups;                              // "Group / subgroup"
  std::vector<std::pair<std::string, std::string>> excluded_folders;  // (source, prefix)
  std::set<std::string> excluded_words;

  static PictureRules parse(const std::string& text, const std::string& source);
  static PictureRules load(const std::string& path);

  // True when a rule leaves the record out (an emoji of an unlisted subgroup, a clip-art file
  // in an excluded folder, a name with an excluded word).
  bool excludes(const PictureRecord& r) const;
};

}  // namespace syn::pictures
