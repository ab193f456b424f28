// scene_composer.h — composed scenes (issue 15): one to three corpus objects on a procedural
// background, lit for a mood and an energy, with a caption written from the parts. Deterministic
// given a seed (same seed, same corpus, same options: the same bytes), so a scene set is
// reproducible and effectively unlimited; trainers can call compose_scene on the fly.
//
// compose_scene(index, seed):
//   1. recipe = pick_recipe (scene_rules.h): genre, mood, background, energy, object count, motifs.
//   2. objects: the first is the first motif whose concept has a usable picture (a motif caption
//      names the concept of the corpus pictures with that caption); each further one is the next
//      such motif (p 0.6), else, in an energetic scene, the first object's concept again (p 0.35,
//      "two dancers"), else a filler: with p 0.7 a concept of the music categories (instrument,
//      music, performer), else one of the other categories of the concept vocabulary (people,
//      faces, animals, plants, sky, weather, water, landscape, festivity, hearts, objects; not
//      the colour shapes, nor emoji outside the vocabulary), each concept equally likely. A
//      concept's picture is drawn uniformly among its usable pictures (scene_cutout.h), any style.
//      Only training-split pictures are used unless options.include_held_out; never a crossed-out
//      one (a caption with "with slash", "muted", "prohibited", "no entry", or starting "no ").
//   3. background = draw_background (scene_backgrounds.h) at options.size, without its own moon
//      (night) or sun (sunset) when an object is a moon or a sun.
//   4. layout: object k of n in the k-th of n equal columns (jittered), its long side
//      0.50-0.72 (one object), 0.36-0.50 (two) or 0.30-0.40 (three) of the side, centre at
//      0.50-0.68 of the height, kept inside the picture; redrawn (up to 8 times) until every
//      object keeps at least half of its alpha visible, so none is hidden by another. An object
//      whose mean luma is within 60 of the scene's behind it gets a soft halo (rim light) of the
//      opposite value first, so a black note still reads on a night sky.
//   5. grade_scene (scene_grading.h) for the mood and the energy; then the caption
//      (scene_caption.h) and the licences (the union of the objects' licences).
// compose_scene only reads the index: several threads may compose from one index at once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/pictures/picture_corpus.h"
#include "data/pictures/scene_caption.h"
#include "data/pictures/scene_cutout.h"
#include "data/pictures/scene_rules.h"

namespace syn::pictures {

struct SceneOptions {
  int size = 64;                  // the scene's side in pixels
  bool include_held_out = false;  // also use held-out pictures (never for training data)
  RecipeChoices recipe;           // fixed genre, mood or background, and the genre probability
  std::vector<std::string> filler_categories{"instrument", "music", "performer"};
  std::vector<std::string> other_categories{"person",    "mood",  "animal",    "weather",
                                            "sky",       "plant", "landscape", "water",
                                            "festivity", "heart", "object"};
  float other_probability = 0.3f;  // a filler from other_categories rather than the music ones
};

struct SceneObject {
  size_t item = 0;  // index into the corpus's items
  std::string concept_id;
  int x = 0, y = 0, width = 0, height = 0;  // where it was placed
  float visible = 0;                        // alpha left visible in the scene, in scene pixels
};

struct Scene {
  uint64_t seed = 0;
  SceneImage image;
  SceneRecipe recipe;
  std::string colour;
  std::vector<SceneObject> objects;
  std::string caption;
  std::vector<std::string> licences;  // sorted, unique
  bool uses_held_out = false;         // an object is a held-out picture
};

// The corpus's usable objects, cut out once (about 10 µs a picture): build one, then compose
// many scenes. Keeps a reference to the corpus, which must outlive it.
class SceneIndex {
 public:
  explicit SceneIndex(const PictureCorpus& corpus);  // default options
  SceneIndex(const PictureCorpus& corpus, const SceneOptions& options);
  const PictureCorpus& corpus() const { return *corpus_; }
  const SceneOptions& options() const { return options_; }
  // The usable pictures (item indices) of a concept; empty when none.
  const std::vector<size_t>& pictures_of(const std::string& concept_id) const;
  // The concept of the corpus pictures captioned `caption` (emoji captions are CLDR names, the
  // motif table's words), else `caption` itself when it is a concept; "" otherwise.
  std::string concept_of_caption(const std::string& caption) const;
  const Cutout& cutout(size_t item) const { return cutouts_[item]; }
  // The concepts a filler is drawn from (music: filler_categories, else other_categories).
  const std::vector<std::string>& filler_concepts(bool music) const {
    return music ? music_concepts_ : other_concepts_;
  }
  size_t usable_count() const { return usable_; }

 private:
  const PictureCorpus* corpus_;
  SceneOptions options_;
  std::vector<Cutout> cutouts_;  // per item; empty (width 0) when not usable or not allowed
  std::map<std::string, std::vector<size_t>> by_concept_;
  std::map<std::string, std::string> caption_concept_;
  std::vector<std::string> music_concepts_, other_concepts_;
  size_t usable_ = 0;
};

Scene compose_scene(const SceneIndex& index, uint64_t seed);
// Builds an index first: for one scene; for many, build a SceneIndex once.
Scene compose_scene(const PictureCorpus& corpus, uint64_t seed);
Scene compose_scene(const PictureCorpus& corpus, uint64_t seed, const SceneOptions& options);

// The seed of scene i of a set drawn with `set_seed` (a SplitMix64 step, so neighbours differ).
uint64_t scene_seed(uint64_t set_seed, int64_t i);
// "background=night<TAB>mood=calm<TAB>energy=slow<TAB>genre=jazz<TAB>colour=blue<TAB>
//  objects=moon,saxophone<TAB>ids=noto:1F319,openclipart:..." — the parts, one line (concept
//  words hold spaces, hence the tabs), for the scene file and evaluation.
std::string scene_parts_line(const Scene& scene, const PictureCorpus& corpus);

}  // namespace syn::pictures
