// test_tag_phrases.cpp — the tag → MusicCaps phrase table: every tag of every vocabulary our
// taggers speak (MTT 50, MSD 50, refined MTT, the MSD profile) has a row, rows are unique, and
// the lookup maps, drops and de-duplicates as documented in data/text/tag_phrases.h.
#include <doctest/doctest.h>

#include <set>

#include "data/tags/refined_tags.h"
#include "data/tags/tag_profile.h"
#include "data/text/tag_phrases.h"
#include "models/musicnn.h"

using namespace syn;

namespace {

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
  return s;
}

bool has_row(const std::string& tag, const std::string& vocabulary) {
  for (const auto& t : tag_phrase_table())
    if (t.tag == lower(tag))
      return std::string(t.vocabularies).find(vocabulary) != std::string::npos;
  return false;
}

}  // namespace

TEST_CASE("every tag of every vocabulary has a row naming that vocabulary") {
  for (const auto& l : models::musicnn_labels(models::MusicnnDataset::MTT))
    CHECK_MESSAGE(has_row(l, "mtt50"), l);
  for (const auto& l : models::musicnn_labels(models::MusicnnDataset::MSD))
    CHECK_MESSAGE(has_row(l, "msd50"), l);
  for (const auto& t : mtt::refined_vocabulary()) CHECK_MESSAGE(has_row(t.name, "refined"), t.name);
  for (const auto& t : msd_profile_table()) CHECK_MESSAGE(has_row(t.name, "profile"), t.name);
}

TEST_CASE("rows are unique and lower-case") {
  std::set<std::string> seen;
  for (const auto& t : tag_phrase_table()) {
    CHECK_MESSAGE(seen.insert(t.tag).second, t.tag);
    CHECK(lower(t.tag) == t.tag);
  }
}

TEST_CASE("lookup: case-insensitive, drops, de-duplicates, passes unknown tags through") {
  CHECK(tag_to_phrase("Female") == "female vocal");
  CHECK(tag_to_phrase(" fast ") == "fast tempo");
  CHECK(tag_to_phrase("no vocal") == "instrumental");
  CHECK(tag_to_phrase("1980s") == "80s");
  CHECK(tag_to_phrase("Hip-Hop") == "hip hop");
  CHECK(tag_to_phrase("weird") == "");
  CHECK(tag_to_phrase("mellow piano") == "mellow piano");
  CHECK(tags_to_phrases({"female", "woman", "weird", "Hip-Hop", "1980s", "tinny hi hats"}) ==
        std::vector<std::string>{"female vocal", "hip hop", "80s", "tinny hi hats"});
}
