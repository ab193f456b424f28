// scene_rules.cpp — see scene_rules.h. The tables are ours: each genre's settings and moods are
// the places and feelings its music is commonly pictured with (album covers, the tags it shares
// with moods in the tagger's training data); each mood's settings are the ones whose light
// already says it (night and fog for dark, sunset for romantic, rain for sad).
#include "data/pictures/scene_rules.h"

#include <algorithm>

#include "data/pictures/motif_table.h"
#include "engine/check.h"
#include "engine/rng.h"

namespace syn::pictures {

namespace {

using B = Background;
using M = Mood;
using E = Energy;

template <class T>
T pick(Rng& rng, const std::vector<T>& v) {
  SYN_CHECK(!v.empty(), "scene rules: nothing to pick from");
  return v[(size_t)rng.randint((int64_t)v.size())];
}

template <class T>
std::vector<T> both(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  for (const T& x : a)
    if (std::find(b.begin(), b.end(), x) != b.end()) out.push_back(x);
  return out.empty() ? a : out;
}

template <class T>
bool has(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void add_motifs(const std::string& word, std::vector<std::string>& motifs) {
  if (const MotifRule* rule = motif_rule_for(word))
    for (const std::string& c : rule->captions)
      if (!has(motifs, c)) motifs.push_back(c);
}

}  // namespace

const std::vector<Mood>& all_moods() {
  static const std::vector<Mood> all = {M::Calm,   M::Dark,       M::Happy,   M::Sad,
                                        M::Dreamy, M::Aggressive, M::Romantic};
  return all;
}

const std::vector<Energy>& all_energies() {
  static const std::vector<Energy> all = {E::Slow, E::Fast, E::Energetic};
  return all;
}

const char* mood_name(Mood m) {
  static const char* names[] = {"calm", "dark", "happy", "sad", "dreamy", "aggressive", "romantic"};
  return names[(int)m];
}

const char* energy_name(Energy e) {
  static const char* names[] = {"slow", "fast", "energetic"};
  return names[(int)e];
}

Mood parse_mood(const std::string& name) {
  for (Mood m : all_moods())
    if (name == mood_name(m)) return m;
  SYN_FAIL("unknown scene mood '", name,
           "' (expected calm, dark, happy, sad, dreamy, aggressive or romantic)");
}

Energy parse_energy(const std::string& name) {
  for (Energy e : all_energies())
    if (name == energy_name(e)) return e;
  SYN_FAIL("unknown scene energy '", name, "' (expected slow, fast or energetic)");
}

const std::vector<MoodRule>& mood_rules() {
  // clang-format off
  static const std::vector<MoodRule> rules = {
      {M::Calm, {B::Night, B::Sea, B::Snow, B::Forest, B::Fog, B::Plain}, {E::Slow}},
      {M::Dark, {B::Night, B::Fog, B::Rain, B::Fire, B::Forest}, {E::Slow, E::Fast}},
      {M::Happy, {B::Sunset, B::Sea, B::Forest, B::Plain, B::Neon}, {E::Fast, E::Energetic}},
      {M::Sad, {B::Rain, B::Fog, B::Snow, B::Night}, {E::Slow}},
      {M::Dreamy, {B::Night, B::Fog, B::Sea, B::Sunset, B::Snow, B::Plain}, {E::Slow}},
      {M::Aggressive, {B::Fire, B::Neon, B::Rain}, {E::Fast, E::Energetic}},
      {M::Romantic, {B::Sunset, B::Night, B::Sea, B::Plain}, {E::Slow}},
  };
  // clang-format on
  return rules;
}

const MoodRule& mood_rule(Mood m) { return mood_rules()[(size_t)m]; }

const std::vector<GenreRule>& genre_rules() {
  // clang-format off
  static const std::vector<GenreRule> rules = {
      {"techno", {B::Neon, B::Plain},
       {M::Dark, M::Aggressive, M::Happy}, {E::Energetic, E::Fast}},
      {"electronic", {B::Neon, B::Night},
       {M::Dreamy, M::Dark, M::Happy}, {E::Fast, E::Energetic}},
      {"dance", {B::Neon, B::Plain},
       {M::Happy, M::Romantic}, {E::Energetic, E::Fast}},
      {"disco", {B::Neon},
       {M::Happy, M::Romantic}, {E::Energetic}},
      {"rock", {B::Fire, B::Neon, B::Night},
       {M::Aggressive, M::Dark, M::Happy}, {E::Energetic, E::Fast}},
      {"punk", {B::Fire, B::Rain},
       {M::Aggressive, M::Dark}, {E::Fast, E::Energetic}},
      {"metal", {B::Fire, B::Night, B::Fog},
       {M::Aggressive, M::Dark}, {E::Fast, E::Energetic}},
      {"pop", {B::Plain, B::Sunset, B::Neon},
       {M::Happy, M::Romantic, M::Dreamy}, {E::Fast, E::Energetic, E::Slow}},
      {"jazz", {B::Night, B::Rain, B::Neon},
       {M::Calm, M::Romantic, M::Dark, M::Sad}, {E::Slow, E::Fast}},
      {"blues", {B::Rain, B::Night, B::Fog},
       {M::Sad, M::Dark, M::Calm}, {E::Slow}},
      {"funk", {B::Neon, B::Plain, B::Sunset},
       {M::Happy}, {E::Fast, E::Energetic}},
      {"soul", {B::Sunset, B::Night},
       {M::Romantic, M::Sad, M::Calm}, {E::Slow}},
      {"classical", {B::Plain, B::Forest, B::Snow, B::Sunset},
       {M::Calm, M::Sad, M::Romantic, M::Dreamy}, {E::Slow, E::Fast}},
      {"country", {B::Forest, B::Sunset},
       {M::Happy, M::Sad, M::Calm}, {E::Slow, E::Fast}},
      {"folk", {B::Forest, B::Fog, B::Snow},
       {M::Calm, M::Sad, M::Dreamy}, {E::Slow}},
      {"reggae", {B::Sea, B::Sunset},
       {M::Happy, M::Calm}, {E::Slow}},
      {"latin", {B::Sunset, B::Sea, B::Fire},
       {M::Happy, M::Romantic}, {E::Fast, E::Energetic}},
      {"hip hop", {B::Night, B::Neon, B::Rain, B::Plain},
       {M::Aggressive, M::Dark, M::Happy}, {E::Fast, E::Energetic}},
      {"ambient", {B::Fog, B::Night, B::Sea, B::Snow},
       {M::Calm, M::Dreamy, M::Dark}, {E::Slow}},
      {"opera", {B::Night, B::Plain},
       {M::Romantic, M::Sad, M::Dark, M::Dreamy}, {E::Slow}},
      {"psychedelic", {B::Neon, B::Plain},
       {M::Dreamy}, {E::Fast, E::Slow}},
  };
  // clang-format on
  return rules;
}

const GenreRule& genre_rule(const std::string& genre) {
  std::string names;
  for (const GenreRule& g : genre_rules()) {
    if (g.genre == genre) return g;
    names += (names.empty() ? "" : ", ") + g.genre;
  }
  SYN_FAIL("unknown scene genre '", genre, "' (expected one of ", names, ")");
}

SceneRecipe pick_recipe(Rng& rng, const RecipeChoices& choices) {
  SceneRecipe r;
  // 1. Genre: fixed, or drawn among the genres that fit a fixed mood and background.
  if (!choices.genre.empty()) {
    r.genre = genre_rule(choices.genre).genre;
  } else if (rng.bernoulli(choices.genre_probability)) {
    std::vector<std::string> fits;
    for (const GenreRule& g : genre_rules())
      if ((!choices.mood || has(g.moods, *choices.mood)) &&
          (!choices.background || has(g.backgrounds, *choices.background)))
        fits.push_back(g.genre);
    if (!fits.empty()) r.genre = pick(rng, fits);
  }
  const GenreRule* g = r.genre.empty() ? nullptr : &genre_rule(r.genre);
  // 2.-4. Mood, background, energy.
  r.mood = choices.mood ? *choices.mood : pick(rng, g ? g->moods : all_moods());
  const MoodRule& m = mood_rule(r.mood);
  r.background = choices.background
                     ? *choices.background
                     : pick(rng, g ? both(g->backgrounds, m.backgrounds) : m.backgrounds);
  r.energy = pick(rng, g ? both(g->energies, m.energies) : m.energies);
  // 5. How many objects.
  switch (r.energy) {
    case E::Slow:
      r.objects = rng.bernoulli(0.6f) ? 1 : 2;
      break;
    case E::Fast:
      r.objects = 1 + (int)rng.randint(3);
      break;
    case E::Energetic:
      r.objects = 2 + (int)rng.randint(2);
      break;
  }
  // 6. Motifs: the genre's rule, then (p 0.5) the mood's.
  if (g) add_motifs(r.genre, r.motifs);
  if (rng.bernoulli(0.5f)) add_motifs(mood_name(r.mood), r.motifs);
  return r;
}

std::string scene_rules_markdown() {
  auto join = [](const auto& v, auto name) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + std::string(name(x));
    return s;
  };
  auto motifs = [](const std::string& word) {
    const MotifRule* rule = motif_rule_for(word);
    std::string s;
    if (rule)
      for (const std::string& c : rule->captions) s += (s.empty() ? "" : ", ") + c;
    return s;
  };
  auto bg = [](Background b) { return background_name(b); };
  auto mood = [](Mood x) { return mood_name(x); };
  auto energy = [](Energy x) { return energy_name(x); };
  std::string s =
      "| genre | settings | moods | energy | motif objects |\n| --- | --- | --- | --- | --- |\n";
  for (const GenreRule& g : genre_rules())
    s += "| " + g.genre + " | " + join(g.backgrounds, bg) + " | " + join(g.moods, mood) + " | " +
         join(g.energies, energy) + " | " + motifs(g.genre) + " |\n";
  s += "\n| mood | settings | energy | motif objects |\n| --- | --- | --- | --- |\n";
  for (const MoodRule& m : mood_rules())
    s += "| " + std::string(mood_name(m.mood)) + " | " + join(m.backgrounds, bg) + " | " +
         join(m.energies, energy) + " | " + motifs(mood_name(m.mood)) + " |\n";
  return s;
}

}  // namespace syn::pictures
