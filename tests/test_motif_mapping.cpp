// test_motif_mapping.cpp — apps/pipeline/motif_mapping.h: the four prompt strategies on hand-made
// tag lists and sentences (order, thresholds, negation, plurals, caption alternatives, the default
// motif), the table's completeness against both musicnn vocabularies and the refined names, and
// — when fonts-noto-color-emoji and unicode-data are installed — that every caption of the table
// is an image of the emoji dataset (the builder's own vocabulary selection and font lookup).
#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "apps/pipeline/motif_mapping.h"
#include "data/datasets/emoji_dataset.h"
#include "data/images/truetype_cbdt.h"
#include "data/tags/refined_tags.h"
#include "engine/check.h"
#include "models/musicnn.h"
#include "tests/support/error_text.h"

using namespace syn;
using syn::test::contains;
using syn::test::error_of;
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = (char)std::tolower((unsigned char)c);
  return s;
}

std::vector<std::string> captions(const std::vector<Motif>& m) {
  std::vector<std::string> out;
  for (const Motif& x : m) out.push_back(x.caption);
  return out;
}

std::vector<std::string> triggers(const std::vector<Motif>& m) {
  std::vector<std::string> out;
  for (const Motif& x : m) out.push_back(x.trigger);
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("raw and refined tag prompts: the top tags joined, above the threshold") {
  TaggerOutput mtt{{"guitar", "classical", "rock", "male vocal", "sad"},
                   {0.8f, 0.05f, 0.6f, 0.6f, 0.12f}};
  auto tags = weighted_tags(mtt);
  CHECK(tags_prompt(tags, 3, 0.1f) == "guitar, rock, male vocal");  // tie: input order
  CHECK(tags_prompt(tags, 10, 0.1f) == "guitar, rock, male vocal, sad");
  CHECK(tags_prompt(tags, 10, 0.7f) == "guitar");
  // The most probable tag is kept even when every tag is below the threshold.
  CHECK(tags_prompt({{"ambient", 0.04f}, {"piano", 0.05f}}, 3, 0.1f) == "piano");
  std::vector<ProfileTag> profile = {{"female", "voice", 0.7f, "mtt:woman"},
                                     {"piano", "instrument", 0.5f, "mtt:piano"},
                                     {"chill", "mood", 0.3f, "msd:Mellow"}};
  CHECK(tags_prompt(weighted_tags(profile), 2, 0.1f) == "female, piano");
  CHECK(contains(error_of([] { weighted_tags(TaggerOutput{{"a"}, {}}); }), "1 labels but 0"));
}

TEST_CASE("motifs from tags: most probable first, one per caption, alternatives, threshold") {
  std::vector<WeightedTag> tags = {{"sad", 0.05f}, {"drums", 0.5f},      {"guitar", 0.9f},
                                   {"rock", 0.7f}, {"male vocal", 0.6f}, {"electric guitar", 0.4f}};
  auto m = motifs_from_tags(tags, {6, 0.1f});
  CHECK(captions(m) == Strings{"guitar", "fire", "man singer", "drum"});
  CHECK(triggers(m) == Strings{"guitar", "rock", "male vocal", "drums"});
  CHECK(m[0].probability == doctest::Approx(0.9f));
  // max_motifs cuts the list.
  CHECK(captions(motifs_from_tags(tags, {2, 0.1f})) == Strings{"guitar", "fire"});
  // Two words of one rule take its alternatives in order; MSD's capitals match too.
  auto dance = motifs_from_tags(
      {{"dance", 0.8f}, {"techno", 0.7f}, {"House", 0.6f}, {"Hip-Hop", 0.5f}}, {5, 0.1f});
  CHECK(captions(dance) == Strings{"woman dancing", "man dancing", "party popper", "microphone"});
  CHECK(triggers(dance)[3] == "Hip-Hop");
  CHECK(triggers(dance)[2] == "House");
  // Rock then metal: fire, then high voltage; a third word of that family adds nothing.
  auto loud = motifs_from_tags({{"rock", 0.9f}, {"metal", 0.8f}, {"loud", 0.7f}}, {5, 0.1f});
  CHECK(captions(loud) == Strings{"fire", "high voltage"});
  // Moods from the brief.
  CHECK(captions(motifs_from_tags({{"sad", 0.9f}}))[0] == "cloud with rain");
  CHECK(captions(motifs_from_tags({{"calm", 0.9f}, {"ambient", 0.8f}})) ==
        Strings{"crescent moon", "water wave"});
  CHECK(captions(motifs_from_tags({{"happy", 0.9f}, {"upbeat", 0.8f}})) ==
        Strings{"sun", "sunflower"});
  CHECK(captions(motifs_from_tags(
            {{"female vocalists", 0.9f}, {"piano", 0.8f}, {"violin", 0.7f}, {"trumpet", 0.6f}})) ==
        Strings{"woman singer", "musical keyboard", "violin", "trumpet"});
  CHECK(captions(motifs_from_tags(
            {{"saxophone", 0.9f}, {"love", 0.8f}, {"night", 0.7f}, {"choir", 0.6f}})) ==
        Strings{"saxophone", "red heart", "night with stars", "musical notes"});
  // Negations and vague words map to nothing.
  CHECK(motifs_from_tags({{"no vocals", 0.9f}, {"weird", 0.8f}}).empty());
}

TEST_CASE("motifs from a sentence: phrases, plurals, negation, sentence order") {
  auto m = motifs_from_sentence(
      "A sad piano ballad with a female vocalist, soft strings and no drums.", {6, 0.1f});
  CHECK(captions(m) ==
        Strings{"cloud with rain", "musical keyboard", "woman singer", "water wave", "violin"});
  CHECK(triggers(m) == Strings{"sad", "piano", "female vocalist", "soft", "strings"});
  // "without any vocals" is negated two words back; "flutes" matches "flute" by its plural.
  CHECK(captions(motifs_from_sentence("Flutes and harps, without any vocals.")) ==
        Strings{"flute", "violin"});
  // A longer phrase wins over its first word; a possessive is the word itself.
  CHECK(triggers(motifs_from_sentence("An electric guitar riff over the drummer's beat")) ==
        Strings{"electric guitar", "drummer", "beat"});
  CHECK(captions(motifs_from_sentence("An electric guitar riff over the drummer's beat")) ==
        Strings{"guitar", "drum", "long drum"});
  // The word "music" alone is not a motif (every sentence says it).
  CHECK(motifs_from_sentence("This is music.").empty());
  CHECK(motifs_from_sentence("").empty());
}

TEST_CASE("motifs for prompts: tags first, then the sentence, else the default") {
  auto m = motifs_for_prompts({{"guitar", 0.8f}}, "A happy song with a man singing", {3, 0.1f});
  CHECK(captions(m) == Strings{"guitar", "sun", "man singer"});
  CHECK(triggers(m) == Strings{"guitar", "happy", "man"});
  auto d = motifs_for_prompts({{"weird", 0.9f}}, "Something else entirely", {3, 0.1f});
  REQUIRE(d.size() == 1);
  CHECK(d[0].caption == "musical notes");
  CHECK(d[0].trigger == "(default)");
}

TEST_CASE("make_prompts for each strategy") {
  PromptInputs in;
  in.raw = {{"guitar", 0.9f}, {"rock", 0.8f}, {"male vocal", 0.6f}, {"drums", 0.5f}};
  in.refined = {{"guitar", 0.9f}, {"male", 0.7f}, {"rock", 0.65f}};
  in.sentence = "  An energetic rock song with a male singer.  ";
  PromptOptions o;
  CHECK(make_prompts(PromptStrategy::RawTags, in, o).prompts ==
        Strings{"guitar, rock, male vocal"});
  CHECK(make_prompts(PromptStrategy::RefinedTags, in, o).prompts == Strings{"guitar, male, rock"});
  CHECK(make_prompts(PromptStrategy::Sentence, in, o).prompts ==
        Strings{"An energetic rock song with a male singer."});
  PromptSet motifs = make_prompts(PromptStrategy::Motifs, in, o);
  CHECK(motifs.prompts == Strings{"guitar", "man singer", "fire", "high voltage"});
  CHECK(motifs.motifs.size() == 4);
  CHECK(motifs.motifs[3].trigger == "energetic");  // filled from the sentence
  for (PromptStrategy s : all_prompt_strategies())
    CHECK(parse_prompt_strategy(prompt_strategy_name(s)) == s);
  CHECK(contains(error_of([] { parse_prompt_strategy("tags"); }), "'tags'"));
  CHECK(
      contains(error_of([] { make_prompts(PromptStrategy::Sentence, {}); }), "sentence is empty"));
  CHECK(contains(error_of([] { make_prompts(PromptStrategy::RawTags, {}); }), "raw"));
}

TEST_CASE("the motif table covers every tagger label, once") {
  std::map<std::string, int> rule_of;
  for (size_t r = 0; r < motif_table().size(); ++r) {
    const MotifRule& rule = motif_table()[r];
    CHECK(!rule.captions.empty());
    CHECK(!rule.why.empty());
    for (const auto& w : rule.words) {
      INFO("word '", w, "'");
      CHECK(w == lower(w));
      CHECK(rule_of.count(w) == 0);  // one rule per word
      rule_of[w] = (int)r;
    }
  }
  std::set<std::string> unmapped;
  for (const auto& n : no_motif_words()) {
    CHECK(rule_of.count(n.word) == 0);
    unmapped.insert(n.word);
  }
  std::set<std::string> labels;
  for (auto d : {models::MusicnnDataset::MTT, models::MusicnnDataset::MSD})
    for (const auto& l : models::musicnn_labels(d)) labels.insert(lower(l));
  for (const auto& t : mtt::refined_vocabulary()) labels.insert(t.name);
  for (const auto& t : msd_profile_table()) labels.insert(t.name);
  for (const auto& l : labels) {
    INFO("tagger label '", l, "'");
    CHECK((rule_of.count(l) == 1 || unmapped.count(l) == 1));
  }
  MESSAGE(labels.size(), " tagger labels, ", rule_of.size(), " mapped words in ",
          motif_table().size(), " rules");
  // The U-Net trains on the dataset's training split only: no caption may be held out.
  const int holdout = EmojiBuildOptions{}.holdout_percent;
  for (const MotifRule& rule : motif_table())
    for (const auto& c : rule.captions) CHECK_MESSAGE(!is_held_out(c, holdout), c);
  CHECK(!is_held_out("musical notes", holdout));
  CHECK(is_held_out("rainbow", holdout));  // why happy's second picture is not the rainbow
  std::string md = motif_table_markdown();
  CHECK(contains(md, "| female, woman, "));
  CHECK(contains(md, "| woman singer |"));
}

TEST_CASE("the README's motif table is the code's (regenerate it from motif_table_markdown())") {
  std::ifstream in(std::string(SYN_SOURCE_DIR) + "/README.md");
  REQUIRE_MESSAGE(in.good(), "README.md missing from ", SYN_SOURCE_DIR);
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_MESSAGE(contains(readme, motif_table_markdown()),
                "README.md's motif table differs from apps/pipeline/motif_mapping.cpp's");
}

TEST_CASE("every motif caption is an image of the emoji dataset (when its sources are installed)") {
  const std::string font_path = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";
  const std::string test_path = "/usr/share/unicode/emoji/emoji-test.txt";
  if (!fs::exists(font_path) || !fs::exists(test_path)) {
    MESSAGE("skipped: needs apt-get install fonts-noto-color-emoji unicode-data");
    return;
  }
  // The builder's own selection: the captions the U-Net was trained on.
  auto selected = select_vocabulary(load_emoji_test(test_path), music_picture_vocabulary(), true);
  std::map<std::string, std::vector<uint32_t>> codepoints;
  for (const auto& e : selected) codepoints[e.name] = e.codepoints;
  ColorBitmapFont font = ColorBitmapFont::load(font_path);
  std::set<std::string> all_captions{"musical notes"};  // the default motif
  for (const MotifRule& r : motif_table())
    for (const auto& c : r.captions) all_captions.insert(c);
  for (const auto& c : all_captions) {
    INFO("caption '", c, "'");
    auto it = codepoints.find(c);
    REQUIRE(it != codepoints.end());
    auto glyph = font.glyph_for_sequence(it->second);
    CHECK(glyph.has_value());
  }
  MESSAGE(all_captions.size(), " distinct motif captions, all in the ", selected.size(),
          "-image vocabulary");
}
