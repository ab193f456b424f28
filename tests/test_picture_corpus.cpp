// test_picture_corpus.cpp — the picture corpus builder (data/pictures/) on tiny source trees made
// in the test (RGBA PNGs written with stb_image_write into a mkdtemp folder): the concept
// vocabulary and rules files, the five readers' layouts (OpenClipart and Tux Paint folders,
// Twemoji and EmojiOne file names and index.json; Noto through the installed font when present),
// the canvas against the emoji dataset's render_emoji, captions, the licence filter, the split
// property (every fixed-prompt concept drawn by two sources is held out in a style training
// never saw for it, and training keeps the concept), and the corpus file, manifest and counts.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "data/pictures/clipart_sources.h"
#include "data/pictures/concept_vocabulary.h"
#include "data/pictures/emoji_sources.h"
#include "data/pictures/picture_canvas.h"
#include "data/pictures/picture_corpus.h"
#include "data/pictures/picture_rules.h"
#include "engine/check.h"
#include "tests/support/temp_dir.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

using namespace syn;
using namespace syn::pictures;
namespace fs = std::filesystem;

namespace {

RgbaImage solid(int w, int h, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
  RgbaImage img;
  img.width = w;
  img.height = h;
  img.rgba.resize((size_t)w * h * 4);
  for (size_t i = 0; i < img.rgba.size(); i += 4) {
    img.rgba[i] = r;
    img.rgba[i + 1] = g;
    img.rgba[i + 2] = b;
    img.rgba[i + 3] = a;
  }
  return img;
}

void write_rgba_png(const fs::path& path, const RgbaImage& img) {
  fs::create_directories(path.parent_path());
  REQUIRE(stbi_write_png(path.string().c_str(), img.width, img.height, 4, img.rgba.data(),
                         img.width * 4) != 0);
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

const char* kConcepts =
    "# test vocabulary\n"
    "guitar\tinstrument\tacoustic guitar, electric guitar\n"
    "dancer\tperformer\tdancing, ballerina\n"
    "man\tperson\tmen, gentleman\n"
    "butterfly\tanimal\tmoth\n"
    "fire\tobject\tflame\n";

const char* kRules =
    "emoji_subgroup\tObjects / musical-instrument\n"
    "emoji_subgroup\tPeople & Body / person-activity\n"
    "exclude_folder\topenclipart\tcomputer\n"
    "exclude_word\ticon\n";

EmojiTestEntry entry(std::vector<uint32_t> cps, const std::string& name, const std::string& group,
                     const std::string& subgroup) {
  EmojiTestEntry e;
  e.codepoints = std::move(cps);
  e.status = "fully-qualified";
  e.name = name;
  e.group = group;
  e.subgroup = subgroup;
  return e;
}

CorpusItem item(const std::string& source, const std::string& concept_id, int k) {
  CorpusItem it;
  it.source = source;
  it.concept_id = concept_id;
  it.id = source + ":" + concept_id + std::to_string(k);
  it.split_key = source + "|" + concept_id + std::to_string(k);
  return it;
}

}  // namespace

TEST_CASE("concept vocabulary: longest synonym, plurals, file order on ties, clear errors") {
  ConceptVocabulary v = ConceptVocabulary::parse(kConcepts, "test.tsv");
  CHECK(v.concepts().size() == 5);
  CHECK(v.concept_of("Acoustic_Guitar dan 01") == "guitar");
  CHECK(v.concept_of("guitars") == "guitar");
  CHECK(v.concept_of("man dancing") == "dancer");  // equal length: dancer is listed first
  CHECK(v.concept_of("two men") == "man");
  CHECK(v.concept_of("moths") == "butterfly");
  CHECK(v.concept_of("flamenco") == "");  // whole words only
  auto m = v.match("full acoustic guitar by someone");
  REQUIRE(m);
  CHECK(m->first_word == 1);
  CHECK(m->end_word == 3);
  CHECK(words_of("Night-with_Stars!") == std::vector<std::string>{"night", "with", "stars"});
  CHECK(words_of("baloon1_Red") == std::vector<std::string>{"baloon", "1", "red"});
  CHECK_THROWS_WITH_AS(ConceptVocabulary::parse("a\tx\tb\nc\ty\tb\n", "v.tsv"),
                       doctest::Contains("v.tsv:2: synonym 'b' of 'c' already names 'a'"), Error);
  CHECK_THROWS_WITH_AS(ConceptVocabulary::parse("a\tx\n", "v.tsv"),
                       doctest::Contains("v.tsv:1: expected"), Error);
  CHECK_THROWS_WITH_AS(ConceptVocabulary::parse("a\tx\ty\na\tz\tw\n", "v.tsv"),
                       doctest::Contains("concept 'a' is given twice"), Error);
}

TEST_CASE("picture rules: subgroups, folders, words; unknown rules are errors") {
  PictureRules r = PictureRules::parse(kRules, "rules.tsv");
  PictureRecord emoji;
  emoji.emoji_name = "guitar";
  emoji.category = "Objects / musical-instrument";
  CHECK_FALSE(r.excludes(emoji));
  emoji.category = "Flags / flag";
  CHECK(r.excludes(emoji));
  PictureRecord clip;
  clip.source = "openclipart";
  clip.name = "guitar";
  clip.category = "computer/icons";
  CHECK(r.excludes(clip));
  clip.category = "computers";  // a prefix of the folder name is not the folder
  CHECK_FALSE(r.excludes(clip));
  clip.name = "guitar icon";
  CHECK(r.excludes(clip));
  // The longest matching folder prefix decides; ignored words leave the source's names.
  PictureRules k = PictureRules::parse(
      "exclude_folder\topenclipart\tsigns\nkeep_folder\topenclipart\tsigns/weather\n"
      "ignore_word\topenclipart\tPark\n",
      "k.tsv");
  clip.name = "cloud benji park";
  clip.category = "signs/weather/rain";
  CHECK_FALSE(k.excludes(clip));
  clip.category = "signs/roads";
  CHECK(k.excludes(clip));
  CHECK(k.clean_name(clip) == "cloud benji");
  clip.source = "tuxpaint";
  CHECK(k.clean_name(clip) == "cloud benji park");
  CHECK_THROWS_WITH_AS(PictureRules::parse("keep\tx\n", "r.tsv"),
                       doctest::Contains("r.tsv:1: unknown rule 'keep'"), Error);
}

TEST_CASE("file names and descriptions") {
  CHECK(name_from_file_stem("full_moon_dan_gerhards_01") == "full moon dan gerhards");
  CHECK(name_from_file_stem("chemistry_flask_matthew__02") == "chemistry flask matthew");
  CHECK(name_from_file_stem("guitar2") == "guitar");
  CHECK(name_from_file_stem("4") == "4");
  CHECK(tuxpaint_description("A guitar.\nfr.utf8=Une guitare.\n") == "A guitar.");
}

TEST_CASE("canvas: equals the emoji dataset's render_emoji, keeps the aspect ratio") {
  std::mt19937 rng(7);
  for (auto [w, h] : {std::pair{5, 3}, {3, 7}, {64, 64}, {130, 17}}) {
    RgbaImage img = solid(w, h, 0, 0, 0, 0);
    for (uint8_t& b : img.rgba) b = (uint8_t)(rng() & 255);
    for (int size : {1, 4, 32, 64})
      CHECK(fit_to_canvas(img, size, 128) == render_emoji(img, size, 128));
  }
  // A wide opaque red picture fills the middle rows; the top and bottom rows are background.
  std::vector<uint8_t> px = fit_to_canvas(solid(40, 20, 255, 0, 0, 255), 4, 100);
  CHECK(px[0] == 100);               // R, row 0
  CHECK(px[1 * 4 + 1] == 255);       // R, row 1
  CHECK(px[16 + 1 * 4 + 1] == 0);    // G, row 1
  CHECK(px[16 + 3 * 4 + 0] == 100);  // G, row 3
  CHECK(fit_to_canvas(solid(2, 2, 9, 9, 9, 0), 2, 77) == std::vector<uint8_t>(12, 77));
}

TEST_CASE("readers: folder layouts, file names, index.json, skips") {
  syn::test::TempDir tmp("syn_picture_corpus");
  fs::path oc = tmp.path / "openclipart", tp = tmp.path / "tuxpaint", tw = tmp.path / "twemoji",
           eo = tmp.path / "emojione";
  write_rgba_png(oc / "recreation/music/acoustic_guitar_dan_01.png", solid(8, 4, 200, 0, 0, 255));
  write_rgba_png(oc / "computer/icons/guitar_icon.png", solid(4, 4, 0, 0, 0, 255));
  fs::create_symlink(oc / "recreation/music/acoustic_guitar_dan_01.png", oc / "link.png");
  write_rgba_png(tp / "hobbies/music/guitar2.png", solid(4, 6, 0, 200, 0, 128));
  write_text(tp / "hobbies/music/guitar2.txt", "An electric guitar.\nfr.utf8=Une guitare.\n");
  write_rgba_png(tp / "hobbies/music/guitar2_mirror.png", solid(4, 6, 0, 200, 0, 128));
  write_rgba_png(tp / "hobbies/music/no_text.png", solid(4, 6, 0, 200, 0, 128));
  write_rgba_png(tw / "1f3b8.png", solid(6, 6, 1, 2, 3, 255));
  write_rgba_png(tw / "1f483.png", solid(6, 6, 4, 5, 6, 255));
  write_rgba_png(eo / "assets/png/1F3B8.png", solid(5, 5, 7, 8, 9, 255));
  write_text(eo / "config/index.json",
             R"({"guitar": {"unicode": "1F3B8", "name": "guitar", "category": "activity",
                 "keywords": ["instrument", "music"]},
                 "dancer": {"unicode": "1F483", "name": "dancer", "category": "people"}})");
  std::vector<EmojiTestEntry> emoji = {
      entry({0x1F3B8}, "guitar", "Objects", "musical-instrument"),
      entry({0x1F483}, "woman dancing", "People & Body", "person-activity"),
      entry({0x1F483, 0x1F3FD}, "woman dancing: medium skin tone", "People & Body",
            "person-activity")};

  auto clip = read_openclipart(oc.string());
  REQUIRE(clip.size() == 2);  // the symbolic link is skipped
  CHECK(clip[1].source_id == "recreation/music/acoustic_guitar_dan_01.png");
  CHECK(clip[1].name == "acoustic guitar dan");
  CHECK(clip[1].category == "recreation/music");
  CHECK(clip[1].licence == "CC-PDDC");
  RgbaImage img = clip[1].load();
  CHECK(img.width == 8);
  CHECK(img.rgba[0] == 200);

  auto stamps = read_tuxpaint(tp.string());
  REQUIRE(stamps.size() == 1);  // no mirror copy, nothing without a description
  CHECK(stamps[0].name == "guitar");
  CHECK(stamps[0].description == "An electric guitar.");
  CHECK(stamps[0].licence == "GPL-2.0-or-later");

  auto twemoji = read_twemoji(tw.string(), emoji);
  REQUIRE(twemoji.size() == 2);  // the skin-tone variant has no file
  CHECK(twemoji[0].source_id == "1f3b8.png");
  CHECK(twemoji[0].emoji_name == "guitar");
  CHECK(twemoji[0].category == "Objects / musical-instrument");
  CHECK(twemoji[0].licence == "CC-BY-4.0");
  CHECK(twemoji[1].split_key == "woman dancing");

  auto emojione = read_emojione(eo.string(), emoji);
  REQUIRE(emojione.size() == 1);  // 1F483 has no PNG
  CHECK(emojione[0].name == "guitar");
  CHECK(emojione[0].keywords == std::vector<std::string>{"instrument", "music"});
  CHECK(emojione[0].emoji_name == "guitar");
  CHECK(emojione[0].licence == "CC-BY-SA-4.0");
  CHECK(emojione[0].load().rgba[0] == 7);

  write_text(eo / "config/index.json", "{\"x\": {\"name\": 1}}");
  CHECK_THROWS_WITH_AS(read_emojione(eo.string(), emoji), doctest::Contains("has no \"unicode\""),
                       Error);
  CHECK_THROWS_WITH_AS(read_openclipart((tmp.path / "none").string()),
                       doctest::Contains("is not a folder"), Error);

  // The whole builder on these sources: concepts across styles, captions, licences, the file.
  ConceptVocabulary v = ConceptVocabulary::parse(kConcepts, "c.tsv");
  PictureRules rules = PictureRules::parse(kRules, "r.tsv");
  std::vector<PictureRecord> all;
  for (auto* src : {&clip, &stamps, &twemoji}) all.insert(all.end(), src->begin(), src->end());
  CorpusOptions o;
  o.sizes = {8, 4};
  o.fixed_concepts = {"guitar"};
  CorpusReport rep;
  PictureCorpus c = build_picture_corpus(all, v, rules, o, &rep);
  REQUIRE(c.items.size() == 4);  // the icon is left out
  CHECK(rep.by_rules["openclipart"] == 1);
  CHECK(c.sizes == std::vector<int>{4, 8});
  CHECK(c.images_at(8).shape() == Shape{4, 3, 8, 8});
  std::map<std::string, std::string> caption, concept_of;
  for (const CorpusItem& it : c.items) {
    caption[it.source] += it.caption;
    concept_of[it.source + ":" + it.caption] = it.concept_id;
  }
  CHECK(caption["openclipart"] == "acoustic guitar");  // the author is dropped
  CHECK(caption["tuxpaint"] == "An electric guitar");
  CHECK(concept_of["twemoji:woman dancing"] == "dancer");
  CHECK(concept_of["tuxpaint:An electric guitar"] == "guitar");
  CHECK(rep.heldout_style.count("guitar"));

  o.exclude_licences = {"GPL-2.0-or-later"};
  CHECK(build_picture_corpus(all, v, rules, o, nullptr).items.size() == 3);
  o.exclude_licences.clear();
  o.licences = {"CC-BY-4.0", "GPL-2.0-or-later"};
  PictureCorpus only = build_picture_corpus(all, v, rules, o, &rep);
  CHECK(only.items.size() == 3);
  CHECK(rep.by_licence_filter["openclipart"] == 2);
  for (const CorpusItem& it : only.items) CHECK(it.licence != "CC-PDDC");
  o.licences.clear();
  o.limit_per_source = 1;
  CHECK(build_picture_corpus(all, v, rules, o, nullptr).items.size() == 3);

  fs::path file = tmp.path / "corpus.ckpt";
  save_picture_corpus(file.string(), c);
  PictureCorpus back = load_picture_corpus(file.string());
  REQUIRE(back.items.size() == c.items.size());
  for (size_t i = 0; i < c.items.size(); ++i) {
    CHECK(back.items[i].id == c.items[i].id);
    CHECK(back.items[i].caption == c.items[i].caption);
    CHECK(back.items[i].concept_id == c.items[i].concept_id);
    CHECK(back.items[i].licence == c.items[i].licence);
    CHECK(back.items[i].held_out == c.items[i].held_out);
  }
  CHECK(back.images_at(4).to_vector() == c.images_at(4).to_vector());
  write_manifest((tmp.path / "m.tsv").string(), c);
  std::ifstream m(tmp.path / "m.tsv");
  std::string line;
  int lines = 0;
  while (std::getline(m, line)) ++lines;
  CHECK(lines == 5);
  std::string counts = corpus_counts(c);
  CHECK(counts.find("concept\tguitar\t3\t3 styles") != std::string::npos);
  auto sheets = write_source_sheets((tmp.path / "sheets").string(), c, 8, 4);
  CHECK(sheets.size() == 3);
  for (const std::string& s : sheets) CHECK(fs::file_size(s) > 0);
}

TEST_CASE("split: every fixed concept of two or more styles is held out in an unseen style") {
  std::mt19937 rng(11);
  const std::vector<std::string> sources = {"noto", "twemoji", "emojione", "openclipart",
                                            "tuxpaint"};
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<CorpusItem> items;
    std::vector<std::string> fixed;
    for (int c = 0; c < 30; ++c) {
      const std::string concept_id = "concept" + std::to_string(c);
      if (c % 3 == 0) fixed.push_back(concept_id);
      for (const std::string& s : sources)
        if (rng() % 3 != 0)
          for (int k = 0, n = 1 + (int)(rng() % 4); k < n; ++k)
            items.push_back(item(s, concept_id, k));
    }
    int percent = (int)(rng() % 60);
    CorpusReport rep;
    assign_split(items, percent, fixed, &rep);
    for (const std::string& c : fixed) {
      std::map<std::string, std::pair<int, int>> per;  // source -> (train, held)
      for (const CorpusItem& it : items)
        if (it.concept_id == c) (it.held_out ? per[it.source].second : per[it.source].first) += 1;
      if (per.size() < 2) {
        CHECK(rep.uncovered.size() > 0);
        continue;
      }
      int unseen = 0, train = 0;
      for (auto& [s, n] : per) {
        unseen += n.first == 0 && n.second > 0;
        train += n.first;
      }
      CHECK(unseen >= 1);
      CHECK(train >= 1);
      REQUIRE(rep.heldout_style.count(c));
      CHECK(per[rep.heldout_style[c]].first == 0);
    }
  }
  // Skin-tone variants share a split key, so they land on the same side.
  std::vector<CorpusItem> twins = {item("noto", "a", 0), item("noto", "a", 0)};
  assign_split(twins, 50, {}, nullptr);
  CHECK(twins[0].held_out == twins[1].held_out);
}

TEST_CASE("Noto reader on the installed font (skipped when absent)") {
  const std::string font = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";
  if (!fs::exists(font)) {
    MESSAGE("fonts-noto-color-emoji is not installed: skipped");
    return;
  }
  auto noto = read_noto(font, {entry({0x1F3B8}, "guitar", "Objects", "musical-instrument"),
                               entry({0x10FFFD}, "nothing", "Objects", "musical-instrument")});
  REQUIRE(noto.size() == 1);
  CHECK(noto[0].source_id == "1F3B8");
  CHECK(noto[0].licence == "Apache-2.0");
  RgbaImage img = noto[0].load();
  CHECK(img.width > 64);
}
