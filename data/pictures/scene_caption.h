// scene_caption.h — a composed scene's caption, written from its parts in the words the tagger
// and the generated sentence use: the objects' concept words, a setting phrase that names the
// background, the mood, the energy, the colour, and the genre when there is one. Every template
// names every part (the tests check it), in varied orders, e.g.
//   with a genre     "techno, energetic: two dancers under neon lights, dark and pink"
//                    "calm slow jazz: a saxophone and a moon at night in blue"
//                    "a guitar by the fire: aggressive, fast rock, red light"
//                    "a happy, energetic pop scene of a sun on a plain background, yellow tones"
//   without          "sad, slow: a cat in the rain, grey"
//                    "a dreamy and slow scene: a moon over the sea in blue"
//                    "a violin in the snow, calm and slow, white tones"
//                    "white and calm: a violin on the snow, slow"
// Objects of the same concept are counted ("two dancers"); others are joined with commas and
// "and"; stuff takes no article ("fire", "rain", "lightning", "fog", "snow", "wind", "grass"),
// words already plural keep their form ("maracas", "bagpipes", "fireworks", "glasses",
// "headphones"). Setting phrases (one drawn): night: at night, under the night sky, on a starry
// night · sunset: at sunset, in the sunset · sea: by the sea, over the sea · fire: by the fire, in
// the fire glow · rain: in the rain, under the rain · fog: in the fog, in thick fog · snow: in the
// snow, on the snow · neon: under neon lights, on a neon stage · forest: in the forest, among
// forest trees · plain: on a plain background, on plain colour.
#pragma once
#include <string>
#include <vector>

#include "data/pictures/scene_rules.h"

namespace syn {
class Rng;
}

namespace syn::pictures {

struct CaptionParts {
  std::string genre;  // "" = none
  Mood mood = Mood::Calm;
  Energy energy = Energy::Slow;
  Background background = Background::Plain;
  std::string colour;
  std::vector<std::string> objects;  // concept words, one per object, in placement order
};

std::string plural(const std::string& word);  // "dancer" -> "dancers", "party" -> "parties"
// "a guitar", "two dancers and a moon", "a guitar, a moon and an owl".
std::string objects_phrase(const std::vector<std::string>& concepts);
std::string scene_caption(Rng& rng, const CaptionParts& parts);
// Every word a caption can use besides the objects' concept words and their plurals, as short
// phrases: the templates' own words, every setting phrase, number word, mood, energy, genre and
// background colour word (a text model's vocabulary needs them all; the judge's trainer adds them).
std::vector<std::string> scene_caption_words();

}  // namespace syn::pictures
