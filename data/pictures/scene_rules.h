// scene_rules.h — the recipe rules of the composed scenes: which moods, energies and genres a
// scene can have, which settings (backgrounds) and objects go with them, in the words the tagger
// and the generated sentence use.
//
// A recipe is drawn in this order (pick_recipe):
//   1. genre: with probability genre_probability one of genre_rules() (uniform), else none.
//   2. mood: uniform over the genre's moods (no genre: over all seven).
//   3. background: uniform over the genre's backgrounds that the mood allows too (none in
//      common: the genre's); no genre: over the mood's.
//   4. energy: uniform over the genre's energies that the mood allows too (none in common: the
//      genre's); no genre: over the mood's.
//   5. number of objects: slow 1-2 (1 with p 0.6), fast 1-3 (uniform), energetic 2-3 (uniform).
//   6. motifs (the objects' preferred captions), in order: the genre's motif rule (motif_table()
//      of data/pictures/motif_table.h, looked up by the genre word, the same rule the pipeline's
//      motif prompts use, so "techno" gives dancers and high voltage both as a prompt and in a
//      training scene), then with p 0.5 the mood's rule (looked up by the mood word). The
//      composer (scene_composer.h) takes the objects from these first, then from fillers.
// Every mood, energy and genre word is a word of the motif table, so a word the tagger or the
// generated sentence uses (tests/test_picture_scenes.cpp checks it).
// Any of genre, mood and background can be fixed by the caller.
//
// Mood and energy also set the lighting (scene_grading.h). scene_rules_markdown() prints the
// tables for the README.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "data/pictures/scene_backgrounds.h"

namespace syn {
class Rng;
}

namespace syn::pictures {

enum class Mood { Calm, Dark, Happy, Sad, Dreamy, Aggressive, Romantic };
enum class Energy { Slow, Fast, Energetic };
const std::vector<Mood>& all_moods();
const std::vector<Energy>& all_energies();
const char* mood_name(Mood m);
const char* energy_name(Energy e);
Mood parse_mood(const std::string& name);  // errors list the names
Energy parse_energy(const std::string& name);

struct MoodRule {
  Mood mood;
  std::vector<Background> backgrounds;
  std::vector<Energy> energies;
};
const std::vector<MoodRule>& mood_rules();
const MoodRule& mood_rule(Mood m);

struct GenreRule {
  std::string genre;  // a tagger word that is also a word of the motif table
  std::vector<Background> backgrounds;
  std::vector<Mood> moods;
  std::vector<Energy> energies;
};
const std::vector<GenreRule>& genre_rules();
const GenreRule& genre_rule(const std::string& genre);  // error lists the genres

struct RecipeChoices {
  float genre_probability = 0.6f;
  std::string genre;                     // fixed genre ("" = drawn)
  std::optional<Mood> mood;              // fixed mood
  std::optional<Background> background;  // fixed background
};

struct SceneRecipe {
  std::string genre;  // "" = none
  Mood mood = Mood::Calm;
  Energy energy = Energy::Slow;
  Background background = Background::Plain;
  int objects = 1;                  // 1..3
  std::vector<std::string> motifs;  // the motif table's captions, in order of preference
};

SceneRecipe pick_recipe(Rng& rng, const RecipeChoices& choices = {});

// The genre and mood tables as Markdown, with each genre's and mood's motif captions.
std::string scene_rules_markdown();

}  // namespace syn::pictures
