// test_picture_scenes.cpp — the composed scenes (data/pictures/scene_*.h) on a tiny synthetic
// corpus made in the test (discs and rings on the corpus's grey canvas, no shared files):
// determinism, seeds that differ, captions naming their parts, night darker than sunset, objects
// visible, the licence union, held-out pictures never used by default, the cutout's mask, the
// motif rules, and the scene set file read back by the corpus reader.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "data/pictures/motif_table.h"
#include "data/pictures/picture_corpus.h"
#include "data/pictures/scene_backgrounds.h"
#include "data/pictures/scene_caption.h"
#include "data/pictures/scene_composer.h"
#include "data/pictures/scene_cutout.h"
#include "data/pictures/scene_set.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "engine/text_lines.h"

using namespace syn;
using namespace syn::pictures;
namespace fs = std::filesystem;

namespace {

constexpr int kSize = 64;

// A disc (with an optional hole: a ring) of `rgb` on the grey, anti-aliased by 4x4 supersampling
// as the canvas's area averaging would leave it.
std::vector<float> disc_picture(float cx, float cy, float r, float hole, const float rgb[3]) {
  std::vector<float> px(3 * (size_t)kSize * kSize, 128.0f);
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x) {
      int in = 0;
      for (int sy = 0; sy < 4; ++sy)
        for (int sx = 0; sx < 4; ++sx) {
          float d = std::hypot(x + (sx + 0.5f) / 4 - cx, y + (sy + 0.5f) / 4 - cy);
          in += d <= r && d >= hole;
        }
      float a = in / 16.0f;
      for (int c = 0; c < 3; ++c)
        px[((size_t)c * kSize + y) * kSize + x] = std::floor(a * rgb[c] + (1 - a) * 128 + 0.5f);
    }
  return px;
}

struct Pic {
  const char* concept_id;
  const char* category;
  const char* caption;
  const char* licence;
  bool held_out;
  float rgb[3];
  float radius, hole;
};

// Six usable objects (one held out) and one picture that is all backdrop (not usable).
PictureCorpus tiny_corpus() {
  const Pic pics[] = {
      {"guitar", "instrument", "guitar", "Apache-2.0", false, {200, 40, 40}, 20, 0},
      {"dancer", "performer", "man dancing", "CC-BY-4.0", false, {40, 40, 200}, 18, 0},
      {"moon", "sky", "crescent moon", "CC-PDDC", false, {240, 230, 120}, 16, 0},
      {"drum", "instrument", "drum", "CC-BY-4.0", false, {240, 140, 30}, 22, 10},
      {"guitar", "instrument", "guitar", "GPL-2.0-or-later", true, {30, 200, 30}, 20, 0},
      {"sad face", "mood", "crying face", "CC-BY-SA-4.0", false, {250, 250, 250}, 14, 0},
      {"starry night", "sky", "night with stars", "Apache-2.0", false, {10, 10, 60}, 60, 0},
  };
  PictureCorpus corpus;
  corpus.sizes = {kSize};
  std::vector<float> all;
  int i = 0;
  for (const Pic& p : pics) {
    CorpusItem it;
    it.id = "test:" + std::to_string(i++);
    it.source = "test";
    it.file = it.id;
    it.licence = p.licence;
    it.attribution = "the test";
    it.concept_id = p.concept_id;
    it.category = p.category;
    it.caption = p.caption;
    it.held_out = p.held_out;
    corpus.items.push_back(it);
    std::vector<float> px = disc_picture(32, 32, p.radius, p.hole, p.rgb);
    all.insert(all.end(), px.begin(), px.end());
  }
  corpus.images.push_back(
      Tensor::from_vector(all, {(int64_t)corpus.items.size(), 3, kSize, kSize}));
  return corpus;
}

bool contains(const std::string& s, const std::string& word) {
  return s.find(word) != std::string::npos;
}

}  // namespace

TEST_CASE("cut_out recovers a disc's mask, a ring's hole, and un-mixes its edge from the grey") {
  const float red[3] = {220, 30, 30};
  std::vector<float> disc = disc_picture(32, 32, 12, 0, red);
  Cutout c = cut_out(disc.data(), kSize, 128);
  CHECK(c.width >= 24);
  CHECK(c.width <= 26);
  CHECK(c.area == doctest::Approx(3.14159f * 12 * 12).epsilon(0.05));
  CHECK(usable_cutout(c));
  int soft = 0;
  for (size_t q = 0; q < c.alpha.size(); ++q) {
    if (c.alpha_at(q) > 0.05f && c.alpha_at(q) < 0.95f) {
      ++soft;
      CHECK(c.rgb_at(0, q) > 170);  // the edge's red, not the grey it was mixed with
    }
  }
  CHECK(soft > 20);
  std::vector<float> ring = disc_picture(32, 32, 20, 9, red);
  Cutout r = cut_out(ring.data(), kSize, 128);
  const int mid = (r.height / 2) * r.width + r.width / 2;
  CHECK(r.alpha_at((size_t)mid) == 0.0f);  // the hole is not object
  CHECK(r.area == doctest::Approx(3.14159f * (20 * 20 - 9 * 9)).epsilon(0.06));
  const float blue[3] = {10, 10, 60};
  std::vector<float> backdrop = disc_picture(32, 32, 60, 0, blue);  // fills the whole canvas
  CHECK_FALSE(usable_cutout(cut_out(backdrop.data(), kSize, 128)));
}

TEST_CASE("the same seed gives the same scene, byte for byte; other seeds differ") {
  PictureCorpus corpus = tiny_corpus();
  SceneIndex a(corpus), b(corpus);
  CHECK(a.usable_count() == 5);  // six usable, less the held-out one; the backdrop is not usable
  CHECK(a.filler_concepts(true) == std::vector<std::string>{"dancer", "drum", "guitar"});
  CHECK(a.filler_concepts(false) == std::vector<std::string>{"moon", "sad face"});
  for (uint64_t seed : {0ull, 42ull, 123456789ull}) {
    Scene s = compose_scene(a, seed), t = compose_scene(b, seed);
    REQUIRE(s.image.px.size() == (size_t)3 * kSize * kSize);
    CHECK(std::memcmp(s.image.px.data(), t.image.px.data(), s.image.px.size() * sizeof(float)) ==
          0);
    CHECK(s.caption == t.caption);
    CHECK(scene_parts_line(s, corpus) == scene_parts_line(t, corpus));
  }
  Scene via_corpus = compose_scene(corpus, 42), via_index = compose_scene(a, 42);
  CHECK(via_corpus.image.px == via_index.image.px);
  std::set<std::vector<float>> images;
  std::set<std::string> captions;
  for (int64_t i = 0; i < 20; ++i) {
    Scene s = compose_scene(a, scene_seed(7, i));
    images.insert(s.image.px);
    captions.insert(s.caption);
  }
  CHECK(images.size() == 20);
  CHECK(captions.size() >= 15);
}

TEST_CASE("captions name every part of their scene") {
  PictureCorpus corpus = tiny_corpus();
  SceneIndex index(corpus);
  std::set<std::string> genres, backgrounds;
  for (int64_t i = 0; i < 300; ++i) {
    Scene s = compose_scene(index, scene_seed(11, i));
    INFO(s.caption);
    CHECK(contains(s.caption, background_name(s.recipe.background)));
    CHECK(contains(s.caption, mood_name(s.recipe.mood)));
    CHECK(contains(s.caption, energy_name(s.recipe.energy)));
    CHECK(contains(s.caption, s.colour));
    if (!s.recipe.genre.empty()) CHECK(contains(s.caption, s.recipe.genre));
    for (const SceneObject& o : s.objects)
      CHECK((contains(s.caption, o.concept_id) || contains(s.caption, plural(o.concept_id))));
    genres.insert(s.recipe.genre);
    backgrounds.insert(background_name(s.recipe.background));
  }
  CHECK(genres.size() > 10);
  CHECK(backgrounds.size() == all_backgrounds().size());
}

TEST_CASE("caption words: plurals, counts, articles") {
  CHECK(plural("dancer") == "dancers");
  CHECK(plural("party") == "parties");
  CHECK(plural("glass") == "glasses");
  CHECK(objects_phrase({"guitar"}) == "a guitar");
  CHECK(objects_phrase({"dancer", "dancer"}) == "two dancers");
  CHECK(objects_phrase({"owl", "dancer", "moon"}) == "an owl, a dancer and a moon");
  CHECK(objects_phrase({"dancer", "moon", "dancer"}) == "two dancers and a moon");
  CHECK(objects_phrase({"fire", "drum"}) == "fire and a drum");
  CHECK(objects_phrase({"maracas"}) == "maracas");
  CHECK(plural("maracas") == "maracas");
}

TEST_CASE("night backgrounds are darker than sunset ones, and every background draws") {
  for (uint64_t seed = 0; seed < 12; ++seed) {
    Rng r1(seed), r2(seed);
    float night = mean_value(draw_night(r1, kSize).image);
    float sunset = mean_value(draw_sunset(r2, kSize).image);
    CHECK(night < 80);
    CHECK(sunset > 120);
    Rng r3(seed), r4(seed);  // without the moon or the sun: darker
    CHECK(mean_value(draw_night(r3, kSize, false).image) < night);
    CHECK(mean_value(draw_sunset(r4, kSize, false).image) < sunset);
  }
  for (Background b : all_backgrounds()) {
    Rng r1(5), r2(5), r3(6);
    BackgroundImage x = draw_background(b, r1, kSize), y = draw_background(b, r2, kSize);
    CHECK(x.image.px == y.image.px);
    CHECK_FALSE(x.colour.empty());
    BackgroundImage big = draw_background(b, r3, 128);  // any size
    CHECK(big.image.size == 128);
    for (float v : big.image.px) REQUIRE((v >= 0 && v <= 255));
  }
  // Through the composer too, with the mood fixed so only the setting differs.
  PictureCorpus corpus = tiny_corpus();
  SceneOptions night, sunset;
  night.recipe.background = Background::Night;
  sunset.recipe.background = Background::Sunset;
  night.recipe.mood = sunset.recipe.mood = Mood::Romantic;
  SceneIndex ni(corpus, night), si(corpus, sunset);
  double n = 0, s = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    n += mean_value(compose_scene(ni, seed).image);
    s += mean_value(compose_scene(si, seed).image);
  }
  CHECK(n < s);
}

TEST_CASE("objects are visible, inside the picture, and their licences are the scene's") {
  PictureCorpus corpus = tiny_corpus();
  SceneIndex index(corpus);
  for (int64_t i = 0; i < 200; ++i) {
    Scene s = compose_scene(index, scene_seed(3, i));
    REQUIRE_FALSE(s.objects.empty());
    CHECK(s.objects.size() <= 3);
    std::set<std::string> licences;
    for (const SceneObject& o : s.objects) {
      CHECK(o.visible > 0);
      CHECK(o.visible >= 0.5f * index.cutout(o.item).area * o.width * o.height /
                                 (index.cutout(o.item).width * index.cutout(o.item).height) -
                             1e-3f);
      CHECK(o.x >= 0);
      CHECK(o.y >= 0);
      CHECK(o.x + o.width <= kSize);
      CHECK(o.y + o.height <= kSize);
      licences.insert(corpus.items[o.item].licence);
    }
    CHECK(std::vector<std::string>(licences.begin(), licences.end()) == s.licences);
  }
}

TEST_CASE("held-out pictures are never used by default; include_held_out allows them") {
  PictureCorpus corpus = tiny_corpus();
  SceneIndex train(corpus);
  for (int64_t i = 0; i < 300; ++i) {
    Scene s = compose_scene(train, scene_seed(1, i));
    CHECK_FALSE(s.uses_held_out);
    for (const SceneObject& o : s.objects) CHECK_FALSE(corpus.items[o.item].held_out);
  }
  SceneOptions all;
  all.include_held_out = true;
  SceneIndex both(corpus, all);
  CHECK(both.usable_count() == 6);
  bool used = false;
  for (int64_t i = 0; i < 300 && !used; ++i)
    used = compose_scene(both, scene_seed(1, i)).uses_held_out;
  CHECK(used);
}

TEST_CASE("genres bring their motif table objects: techno's first object is a dancer") {
  PictureCorpus corpus = tiny_corpus();
  SceneOptions o;
  o.recipe.genre = "techno";
  SceneIndex index(corpus, o);
  CHECK(index.concept_of_caption("man dancing") == "dancer");
  for (int64_t i = 0; i < 30; ++i) {
    Scene s = compose_scene(index, scene_seed(9, i));
    CHECK(s.recipe.genre == "techno");
    CHECK(s.objects.front().concept_id == "dancer");
    CHECK((s.recipe.background == Background::Neon || s.recipe.background == Background::Plain));
  }
  for (const GenreRule& g : genre_rules()) CHECK_MESSAGE(motif_rule_for(g.genre), g.genre);
  for (Mood m : all_moods()) CHECK_MESSAGE(motif_rule_for(mood_name(m)), mood_name(m));
  for (Energy e : all_energies()) CHECK_MESSAGE(motif_rule_for(energy_name(e)), energy_name(e));
  CHECK_THROWS_WITH_AS(genre_rule("polka"), doctest::Contains("unknown scene genre 'polka'"),
                       Error);
  CHECK_THROWS_AS(parse_mood("grumpy"), Error);
  CHECK_THROWS_AS(parse_background("moon"), Error);
  CHECK(contains(scene_rules_markdown(), "| techno | neon, plain |"));
}

TEST_CASE("a scene set is a picture corpus file: saved, read back, captions and parts") {
  PictureCorpus corpus = tiny_corpus();
  SceneIndex index(corpus);
  std::vector<Scene> scenes;
  PictureCorpus set = compose_scene_set(index, 12, 99, &scenes);
  REQUIRE(set.items.size() == 12);
  std::string dir = (fs::temp_directory_path() / "syn_scenes_XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  const std::string path = dir + "/scenes.ckpt";
  save_picture_corpus(path, set);
  PictureCorpus back = load_picture_corpus(path);
  REQUIRE(back.items.size() == 12);
  CHECK(back.sizes == std::vector<int>{kSize});
  const float* a = set.images[0].data();
  const float* b = back.images[0].data();
  CHECK(std::equal(a, a + set.images[0].numel(), b));
  std::vector<std::string> parts = split_lines(back.extra_meta.at("scene_parts"));
  REQUIRE(parts.size() == 12);
  for (size_t i = 0; i < 12; ++i) {
    CHECK(back.items[i].caption == scenes[i].caption);
    CHECK(parts[i] == scene_parts_line(scenes[i], corpus));
    std::string joined;
    for (const std::string& l : scenes[i].licences) joined += (joined.empty() ? "" : "+") + l;
    CHECK(back.items[i].licence == joined);
    CHECK(back.items[i].source == "scene");
    CHECK(std::fabs(a[i * 3 * kSize * kSize] - std::round(scenes[i].image.px[0])) < 1e-6f);
  }
  CHECK(back.extra_meta.at("scene_seed") == "99");
  // The same seed again: the same file contents; the set's scene i is compose_scene(seed i).
  PictureCorpus again = compose_scene_set(index, 12, 99);
  CHECK(std::equal(a, a + set.images[0].numel(), again.images[0].data()));
  CHECK(compose_scene(index, scene_seed(99, 5)).caption == set.items[5].caption);
  write_scene_captions(dir + "/scenes.tsv", back);
  write_scene_sheet(dir + "/scenes.png", back, 4, 8);
  CHECK(fs::file_size(dir + "/scenes.png") > 0);
  std::ifstream in(dir + "/scenes.tsv");
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  CHECK(rows.size() == 13);
  CHECK(contains(rows[1], back.items[0].caption));
  // A corpus without extra meta still loads (older files), and its own keys are refused.
  PictureCorpus plain = corpus;
  save_picture_corpus(dir + "/plain.ckpt", plain);
  CHECK(load_picture_corpus(dir + "/plain.ckpt").extra_meta.empty());
  plain.extra_meta["captions"] = "x";
  CHECK_THROWS_AS(save_picture_corpus(dir + "/bad.ckpt", plain), Error);
  fs::remove_all(dir);
}
