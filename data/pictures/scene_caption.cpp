// scene_caption.cpp — see scene_caption.h.
#include "data/pictures/scene_caption.h"

#include <algorithm>
#include <map>

#include "engine/rng.h"

namespace syn::pictures {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

std::string article(const std::string& word) {
  return (!word.empty() && is_vowel(word[0]) ? "an " : "a ") + word;
}

// Concepts that are stuff, not things ("fire", not "a fire"), and ones already plural.
bool uncountable(const std::string& w) {
  static const char* words[] = {"fire", "fog", "wind", "snow", "grass", "rain", "lightning"};
  return std::any_of(std::begin(words), std::end(words), [&](const char* x) { return w == x; });
}
bool plural_already(const std::string& w) {
  static const char* words[] = {"maracas", "bagpipes", "fireworks", "glasses", "headphones"};
  return std::any_of(std::begin(words), std::end(words), [&](const char* x) { return w == x; });
}

const char* number_word(int n) {
  static const char* words[] = {"zero", "one", "two", "three", "four", "five"};
  return n >= 0 && n <= 5 ? words[n] : "many";
}

const std::map<Background, std::vector<const char*>>& setting_phrases() {
  static const std::map<Background, std::vector<const char*>> phrases = {
      {Background::Night, {"at night", "under the night sky", "on a starry night"}},
      {Background::Sunset, {"at sunset", "in the sunset"}},
      {Background::Sea, {"by the sea", "over the sea"}},
      {Background::Fire, {"by the fire", "in the fire glow"}},
      {Background::Rain, {"in the rain", "under the rain"}},
      {Background::Fog, {"in the fog", "in thick fog"}},
      {Background::Snow, {"in the snow", "on the snow"}},
      {Background::Neon, {"under neon lights", "on a neon stage"}},
      {Background::Forest, {"in the forest", "among forest trees"}},
      {Background::Plain, {"on a plain background", "on plain colour"}},
  };
  return phrases;
}

std::string setting_phrase(Rng& rng, Background b) {
  const auto& v = setting_phrases().at(b);
  return v[(size_t)rng.randint((int64_t)v.size())];
}

}  // namespace

std::string plural(const std::string& word) {
  if (word.empty() || plural_already(word) || uncountable(word)) return word;
  if (ends_with(word, "s") || ends_with(word, "x") || ends_with(word, "ch") ||
      ends_with(word, "sh"))
    return word + "es";
  if (word.size() > 1 && word.back() == 'y' && !is_vowel(word[word.size() - 2]))
    return word.substr(0, word.size() - 1) + "ies";
  return word + "s";
}

std::string objects_phrase(const std::vector<std::string>& concepts) {
  std::vector<std::pair<std::string, int>> counted;  // first-seen order
  for (const std::string& c : concepts) {
    bool found = false;
    for (auto& [w, n] : counted)
      if (w == c) ++n, found = true;
    if (!found) counted.emplace_back(c, 1);
  }
  std::string s;
  for (size_t i = 0; i < counted.size(); ++i) {
    const auto& [w, n] = counted[i];
    if (i > 0) s += i + 1 == counted.size() ? " and " : ", ";
    if (uncountable(w) || (plural_already(w) && n == 1))
      s += w;
    else
      s += n == 1 ? article(w) : std::string(number_word(n)) + " " + plural(w);
  }
  return s;
}

std::string scene_caption(Rng& rng, const CaptionParts& p) {
  const std::string O = objects_phrase(p.objects), P = setting_phrase(rng, p.background);
  const std::string M = mood_name(p.mood), E = energy_name(p.energy), C = p.colour, G = p.genre;
  if (!G.empty()) {
    switch (rng.randint(4)) {
      case 0:
        return G + ", " + E + ": " + O + " " + P + ", " + M + " and " + C;
      case 1:
        return M + " " + E + " " + G + ": " + O + " " + P + " in " + C;
      case 2:
        return O + " " + P + ": " + M + ", " + E + " " + G + ", " + C + " light";
      default:
        return article(M) + ", " + E + " " + G + " scene of " + O + " " + P + ", " + C + " tones";
    }
  }
  switch (rng.randint(4)) {
    case 0:
      return M + ", " + E + ": " + O + " " + P + ", " + C;
    case 1:
      return article(M) + " and " + E + " scene: " + O + " " + P + " in " + C;
    case 2:
      return O + " " + P + ", " + M + " and " + E + ", " + C + " tones";
    default:
      return C + " and " + M + ": " + O + " " + P + ", " + E;
  }
}

std::vector<std::string> scene_caption_words() {
  // The templates' glue (scene_caption above) and the background colour words
  // (scene_backgrounds.cpp: the plain fields' nine, and the fog's and rain's grey).
  std::vector<std::string> out = {"a an and in scene of light tones",
                                  "red orange yellow green blue purple pink black white grey"};
  for (int n = 0; n <= 5; ++n) out.push_back(number_word(n));
  out.push_back(number_word(6));
  for (const auto& [b, phrases] : setting_phrases())
    for (const char* p : phrases) out.push_back(p);
  for (Mood m : all_moods()) out.push_back(mood_name(m));
  for (Energy e : all_energies()) out.push_back(energy_name(e));
  for (const GenreRule& g : genre_rules()) out.push_back(g.genre);
  return out;
}

}  // namespace syn::pictures
