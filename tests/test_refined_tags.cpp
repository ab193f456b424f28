// test_refined_tags.cpp — the refined MagnaTagATune vocabulary: every raw tag is used or dropped
// (never both, no typos), the merges the design asks for are there, families and vocal gender
// are right, refine_row gives known answers, counts are unions (not sums), and the top-N choice
// orders by frequency with ties in table order.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "data/datasets/magnatagatune.h"
#include "data/tags/refined_tags.h"
#include "engine/check.h"

using namespace syn;
using namespace syn::mtt;

namespace {

const RefinedTag& tag(const std::string& name) {
  for (const RefinedTag& t : refined_vocabulary())
    if (t.name == name) return t;
  FAIL("no refined tag '" << name << "'");
  throw;
}

bool has_source(const std::string& refined, const std::string& raw) {
  const auto& s = tag(refined).sources;
  return std::find(s.begin(), s.end(), raw) != s.end();
}

bool dropped(const std::string& raw) {
  for (const DroppedTag& d : dropped_tags())
    if (d.name == raw) return true;
  return false;
}

std::vector<uint8_t> raw_row(const std::vector<std::string>& tags) {
  std::vector<uint8_t> row(kNumRawTags, 0);
  for (const std::string& t : tags) {
    int k = raw_tag_index(t);
    REQUIRE_MESSAGE(k >= 0, t);
    row[(size_t)k] = 1;
  }
  return row;
}

// The refined tags that are on for a row of raw tags.
std::set<std::string> refined_on(const TagRefiner& r, const std::vector<std::string>& tags) {
  std::vector<uint8_t> out = r.refine_row(raw_row(tags));
  std::set<std::string> on;
  for (int j = 0; j < r.num_tags(); ++j)
    if (out[(size_t)j]) on.insert(r.names()[(size_t)j]);
  return on;
}

}  // namespace

TEST_CASE("every raw tag is either merged into the vocabulary or dropped, never both") {
  std::set<std::string> raw(kRawTags.begin(), kRawTags.end());
  REQUIRE(raw.size() == (size_t)kNumRawTags);  // the 188 names are distinct
  std::set<std::string> used, names;
  for (const RefinedTag& t : refined_vocabulary()) {
    CHECK_MESSAGE(names.insert(t.name).second, "refined tag '", t.name, "' appears twice");
    CHECK_MESSAGE(!t.sources.empty(), t.name);
    CHECK_MESSAGE(!t.why.empty(), t.name);
    for (const std::string& s : t.sources) {
      CHECK_MESSAGE(raw.count(s), "'", t.name, "' lists '", s, "', not an MTT tag");
      used.insert(s);
    }
  }
  std::set<std::string> drop;
  for (const DroppedTag& d : dropped_tags()) {
    CHECK_MESSAGE(raw.count(d.name), "dropped '", d.name, "' is not an MTT tag");
    CHECK_MESSAGE(drop.insert(d.name).second, "'", d.name, "' dropped twice");
    CHECK_MESSAGE(!used.count(d.name), "'", d.name, "' is both dropped and used");
    CHECK_MESSAGE(!d.why.empty(), d.name);
  }
  for (const std::string& r : raw)
    CHECK_MESSAGE((used.count(r) || drop.count(r)), "raw tag '", r,
                  "' is neither used nor dropped");
  // The size of the definition (guards accidental edits; update with the table).
  CHECK(refined_vocabulary().size() == 97);
  CHECK(dropped_tags().size() == 24);
  CHECK(used.size() + drop.size() == (size_t)kNumRawTags);
  TagRefiner refiner;  // resolves every name
  CHECK(refiner.num_tags() == 97);
}

TEST_CASE("the synonym merges of the design") {
  for (const char* s : {"female", "woman", "female vocal", "female voice", "female singer", "women",
                        "girl", "female vocals", "woman singing", "female singing"})
    CHECK_MESSAGE(has_source("female", s), s);
  for (const char* s : {"male", "man", "male vocal", "male voice", "male vocals", "male singer",
                        "man singing", "men"})
    CHECK_MESSAGE(has_source("male", s), s);
  for (const char* s : {"no vocal", "no voice", "no vocals", "no singer", "no voices", "no singing",
                        "instrumental"})
    CHECK_MESSAGE(has_source("no vocal", s), s);
  for (const char* s : {"vocal", "singer", "singing", "voice", "vocals", "voices"})
    CHECK_MESSAGE(has_source("vocal", s), s);
  for (const char* s : {"classical", "classic", "clasical"}) CHECK(has_source("classical", s));
  CHECK(has_source("piano", "piano solo"));
  CHECK(has_source("drums", "drum"));
  for (const char* s : {"strings", "string", "violins", "violin", "cello", "viola", "fiddle"})
    CHECK_MESSAGE(has_source("strings", s), s);
  CHECK(has_source("harpsichord", "harpsicord"));
  CHECK(has_source("beat", "beats"));
  CHECK(has_source("electronic", "electronica"));
  // Negations and vague tags are dropped.
  for (const char* s : {"not rock", "not english", "no beat", "weird", "no piano", "not classical",
                        "not opera", "no guitar", "no drums", "no flute", "no violin", "no strings",
                        "lol", "different", "strange"})
    CHECK_MESSAGE(dropped(s), s);
  // No negation other than "no vocal" survives into the vocabulary.
  for (const RefinedTag& t : refined_vocabulary())
    for (const std::string& s : t.sources)
      if (s.rfind("no ", 0) == 0 || s.rfind("not ", 0) == 0)
        CHECK_MESSAGE(t.name == "no vocal", "'", s, "' feeds '", t.name, "'");
}

TEST_CASE("instrument families and vocal gender") {
  for (const char* s : {"violin", "cello", "guitar", "electric guitar", "harp", "sitar", "banjo",
                        "lute", "plucking", "strings"})
    CHECK_MESSAGE(has_source("string instruments", s), s);
  for (const char* s : {"piano", "piano solo", "harpsichord", "harpsicord", "organ", "keyboard"})
    CHECK_MESSAGE(has_source("keyboards", s), s);
  for (const char* s :
       {"flute", "flutes", "clarinet", "oboe", "sax", "trumpet", "horn", "horns", "woodwind"})
    CHECK_MESSAGE(has_source("wind instruments", s), s);
  for (const char* s : {"drums", "drum", "percussion", "bongos", "clapping"})
    CHECK_MESSAGE(has_source("percussion", s), s);
  for (const char* fam : {"string instruments", "keyboards", "wind instruments", "percussion"})
    CHECK(tag(fam).group == TagGroup::Family);
  CHECK(tag("female").group == TagGroup::Voice);
  CHECK(tag("male").group == TagGroup::Voice);
  // No voice of one gender is counted as the other.
  for (const std::string& s : tag("female").sources) CHECK_MESSAGE(!has_source("male", s), s);
  // Every gendered voice is a voice.
  for (const std::string& s : tag("female").sources) CHECK_MESSAGE(has_source("vocal", s), s);
  for (const std::string& s : tag("male").sources) CHECK_MESSAGE(has_source("vocal", s), s);
}

TEST_CASE("refine_row: known answers") {
  TagRefiner r;
  CHECK(refined_on(r, {"woman"}) == std::set<std::string>{"female", "vocal"});
  CHECK(refined_on(r, {"male opera"}) == std::set<std::string>{"male", "vocal", "opera"});
  CHECK(refined_on(r, {"piano solo"}) == std::set<std::string>{"piano", "solo", "keyboards"});
  CHECK(refined_on(r, {"classical guitar"}) ==
        std::set<std::string>{"guitar", "acoustic guitar", "string instruments"});
  CHECK(refined_on(r, {"violins", "no vocals"}) ==
        std::set<std::string>{"violin", "strings", "string instruments", "no vocal"});
  CHECK(refined_on(r, {"hard rock"}) == std::set<std::string>{"rock", "hard rock"});
  CHECK(refined_on(r, {"rap"}) == std::set<std::string>{"hip hop", "vocal"});
  CHECK(refined_on(r, {"no beat", "weird", "not rock", "lol"}).empty());
  CHECK(refined_on(r, {}).empty());
  CHECK_THROWS_WITH_AS(r.refine_row(std::vector<uint8_t>(50, 0)),
                       doctest::Contains("expected 188 raw labels, got 50"), Error);
}

TEST_CASE("refined counts are unions of the source columns, not sums") {
  TagRefiner r;
  // Three clips: "woman" + "female vocal" (one clip, two spellings), "girl", and "man".
  std::vector<std::vector<std::string>> clips = {{"woman", "female vocal"}, {"girl"}, {"man"}};
  std::vector<uint8_t> m;
  for (const auto& c : clips) {
    std::vector<uint8_t> row = raw_row(c);
    m.insert(m.end(), row.begin(), row.end());
  }
  std::vector<int64_t> counts = r.counts(m, 3);
  std::map<std::string, int64_t> by;
  for (int j = 0; j < r.num_tags(); ++j) by[r.names()[(size_t)j]] = counts[(size_t)j];
  CHECK(by["female"] == 2);  // not 3
  CHECK(by["male"] == 1);
  CHECK(by["vocal"] == 3);
  CHECK(by["piano"] == 0);
  CHECK_THROWS_AS(r.counts(m, 4), Error);
}

TEST_CASE("top-N by frequency, ties in table order") {
  std::vector<int64_t> c = {5, 9, 5, 0, 9, 1};
  CHECK(top_by_count(c, 3) == std::vector<int>{1, 4, 0});
  CHECK(top_by_count(c, 0) == std::vector<int>{1, 4, 0, 2, 5, 3});
  CHECK(top_by_count(c, -1) == std::vector<int>{1, 4, 0, 2, 5, 3});
  CHECK(top_by_count(c, 99).size() == 6);
  CHECK(top_by_count({}, 5).empty());
}
