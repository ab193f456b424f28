// motif_table.h — the music word -> picture motif rules: which emoji captions (CLDR names of the
// emoji sets, the pictures' own words) show a tag or a sentence word. One table serves two
// layers: the pipeline's motif prompt strategy (apps/pipeline/motif_mapping.h, which documents how
// tags and sentences are matched against it) and the composed training scenes
// (data/pictures/scene_rules.h, which turn genres and moods into the objects of a scene). It lives
// in the data layer so both can read it; apps/pipeline re-exports it unchanged.
#pragma once
#include <string>
#include <vector>

namespace syn {

struct MotifRule {
  std::vector<std::string> words;
  std::vector<std::string> captions;  // alternatives, in order of preference
  std::string why;
};
const std::vector<MotifRule>& motif_table();

// The rule whose words include `word` (lower case, exact), or nullptr. Words are unique across
// rules (tests/test_motif_mapping.cpp checks it).
const MotifRule* motif_rule_for(const std::string& word);

}  // namespace syn
