// picture_rules.h — which pictures of the sources can appear in a picture of music
// (data/pictures/picture_rules.tsv, documented there). Lines, tab-separated, '#' comments:
//   emoji_subgroup   <Group> / <subgroup>       emoji-test.txt subgroups the emoji sets keep
//   exclude_folder   <source>  <folder prefix>  clip-art folders left out (icons, flags, letters)
//   keep_folder      <source>  <folder prefix>  a folder kept inside an excluded one (the longest
//                                               matching prefix decides)
//   exclude_word     <word>                     names holding this word are left out (any source)
//   ignore_word      <source>  <word>           a word dropped from that source's names before
//                                               matching (authors' names in OpenClipart files)
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
  std::set<std::string> emoji_subgroups;  // "Group / subgroup"
  struct FolderRule {
    std::string source, prefix;
    bool keep = false;
  };
  std::vector<FolderRule> folders;
  std::set<std::string> excluded_words;
  std::set<std::pair<std::string, std::string>> ignored_words;  // (source, word)

  static PictureRules parse(const std::string& text, const std::string& source);
  static PictureRules load(const std::string& path);

  // True when a rule leaves the record out (an emoji of an unlisted subgroup, a clip-art file
  // in an excluded folder, a name with an excluded word).
  bool excludes(const PictureRecord& r) const;
  // The record's name without the words its source ignores, as lower-case words.
  std::string clean_name(const PictureRecord& r) const;
};

}  // namespace syn::pictures
