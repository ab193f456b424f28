// motif_table.cpp — see motif_table.h. The table moved here unchanged from
// apps/pipeline/motif_mapping.cpp (the README's copy, checked by test_motif_mapping, still
// matches).
#include "data/pictures/motif_table.h"

namespace syn {

const std::vector<MotifRule>& motif_table() {
  // Captions are CLDR names of music_picture_vocabulary() (the dataset's captions) on the
  // training side of its split: the U-Net never saw the held-out ones (banjo, blue heart,
  // rainbow, sparkles at the default 10 %), so they are not used. Where the vocabulary has no
  // picture of a thing (harp, cello, organ, choir, sitar), the nearest one that a viewer would
  // read the same way stands in; the reason says so.
  // clang-format off
  static const std::vector<MotifRule> table = {
      // --- voices ---
      {{"female", "woman", "women", "girl", "female vocal", "female vocals", "female voice",
        "female vocalist", "female vocalists", "female singer"},
       {"woman singer"}, "a woman's voice"},
      {{"male", "man", "men", "boy", "male vocal", "male vocals", "male voice", "male vocalist",
        "male vocalists", "male singer"},
       {"man singer"}, "a man's voice"},
      {{"vocal", "vocals", "voice", "voices", "singing", "singer", "sings", "sung", "vocalist"},
       {"singer", "microphone"}, "a voice of either gender"},
      {{"choir", "choral", "chant", "chorus", "choirs"},
       {"musical notes", "singer"}, "many voices: no choir emoji, notes and a singer stand in"},
      {{"opera", "operatic", "soprano"},
       {"performing arts", "woman singer"}, "the stage of opera"},
      {{"talking", "spoken", "rap", "rapping", "rapper", "hip hop", "hip-hop"},
       {"microphone", "studio microphone"}, "spoken word and rap are a microphone"},
      // --- instruments ---
      {{"guitar", "guitars", "acoustic guitar", "electric guitar", "bass", "bass guitar",
        "guitarist", "acoustic", "lute"},
       {"guitar"}, "plucked strings; acoustic music is mostly guitar"},
      {{"piano", "keyboard", "keyboards", "harpsichord", "organ", "pianist"},
       {"musical keyboard"}, "keyboard instruments (no organ or harpsichord emoji)"},
      {{"synth", "synths", "synthesizer", "synthesiser"},
       {"musical keyboard", "control knobs"}, "a synthesizer: keys and knobs"},
      {{"violin", "violins", "strings", "string", "string instruments", "viola", "cello", "fiddle",
        "orchestra", "orchestral", "harp"},
       {"violin"}, "bowed strings and orchestras (no cello or harp emoji)"},
      {{"drums", "drum", "drummer", "percussion", "beat", "beats", "drumming", "clapping",
        "bongos"},
       {"drum", "long drum"}, "drums and the beat"},
      {{"tribal", "world", "jungle", "african"},
       {"long drum", "drum"}, "hand drums of world music"},
      {{"trumpet", "brass", "horn", "horns", "trombone", "wind instruments"},
       {"trumpet"}, "brass"},
      {{"sax", "saxophone", "jazz"},
       {"saxophone", "trumpet"}, "the sound of jazz"},
      {{"funk", "groove", "groovy"},
       {"saxophone", "man dancing"}, "funk's horns and dancing"},
      {{"flute", "clarinet", "oboe", "woodwind", "woodwinds", "recorder"},
       {"flute"}, "woodwinds"},
      {{"banjo", "country", "bluegrass", "folk", "celtic"},
       {"guitar", "violin"}, "folk and country: guitar and fiddle (the banjo emoji is held out)"},
      {{"sitar", "indian", "eastern", "middle eastern"},
       {"lotus", "guitar"}, "no sitar emoji: the lotus, then the nearest plucked string"},
      {{"accordion", "spanish", "latin", "tango", "maracas"},
       {"accordion", "maracas"}, "latin and european folk"},
      {{"reggae", "tropical", "island"},
       {"palm tree", "maracas"}, "the islands"},
      {{"bells", "bell", "chimes"},
       {"bell", "wind chime"}, "bells"},
      // --- genres and styles ---
      {{"dance", "disco", "party", "house", "club", "dancing", "danceable"},
       {"woman dancing", "man dancing", "party popper"}, "music to dance to"},
      {{"techno", "electronic", "electronica", "electro", "trance", "edm", "industrial"},
       {"man dancing", "woman dancing", "high voltage"}, "the dance floor of electronic music"},
      {{"rock", "alternative rock", "classic rock", "indie rock", "progressive rock", "hard rock",
        "soft rock", "punk", "alternative", "indie", "grunge"},
       {"fire", "high voltage"}, "rock's energy"},
      {{"metal", "heavy metal", "heavy", "loud", "distorted", "aggressive", "powerful"},
       {"fire", "high voltage"}, "loudness and distortion"},
      {{"pop", "indie pop", "catchy"},
       {"glowing star", "musical notes"}, "bright, catchy songs (sparkles is held out)"},
      {{"classical", "classic", "baroque", "medieval", "symphony", "symphonic"},
       {"musical score", "violin"}, "written, orchestral music"},
      {{"instrumental", "melody", "melodic", "melodies"},
       {"musical notes"}, "music itself (not the word \"music\": every sentence says it)"},
      {{"blues", "bluesy"},
       {"guitar", "blue circle"}, "the blues: a guitar, then the colour (blue heart is held out)"},
      {{"soul", "r&b", "rnb", "gospel"},
       {"microphone", "red heart"}, "a soulful voice"},
      {{"experimental", "avant-garde", "psychedelic"},
       {"artist palette", "cyclone"}, "colour and strangeness"},
      {{"live", "concert", "stage", "performance", "cinematic", "epic", "dramatic", "theatrical"},
       {"performing arts", "admission tickets"}, "the stage"},
      {{"festive", "celebration", "christmas", "holiday"},
       {"fireworks", "sparkler"}, "festive lights"},
      // --- moods and scenes ---
      {{"happy", "upbeat", "cheerful", "joyful", "joyous", "fun", "uplifting", "bright",
        "sunny", "summer"},
       {"sun", "sunflower"}, "warmth and light (rainbow is held out)"},
      {{"sad", "melancholic", "melancholy", "sorrowful", "mournful", "somber", "sombre",
        "depressing", "lonely"},
       {"cloud with rain", "broken heart"}, "tears and grey skies"},
      {{"calm", "ambient", "new age", "drone", "meditative", "relaxing", "relaxed", "peaceful",
        "serene", "tranquil"},
       {"crescent moon", "water wave"}, "stillness"},
      {{"chill", "chillout", "mellow", "easy listening", "soft", "quiet", "slow", "gentle",
        "smooth"},
       {"water wave", "crescent moon"}, "slow, soft flow"},
      {{"spacey", "airy", "space", "cosmic", "ethereal", "atmospheric"},
       {"milky way", "ringed planet"}, "space and air"},
      {{"love", "romantic", "romance", "sexy", "tender", "sensual"},
       {"red heart", "sparkling heart"}, "love"},
      {{"beautiful", "lovely", "pretty", "sweet"},
       {"sparkling heart", "cherry blossom"}, "beauty"},
      {{"night", "nocturnal", "dreamy", "dream", "lullaby"},
       {"night with stars", "crescent moon"}, "night"},
      {{"dark", "eerie", "spooky", "mysterious", "haunting", "ominous", "creepy", "scary"},
       {"new moon", "fog"}, "darkness and mist"},
      {{"fast", "energetic", "intense", "driving", "electric"},
       {"high voltage", "shooting star"}, "speed and energy"},
      {{"noise", "noisy"},
       {"loudspeaker"}, "sound as sound"},
      {{"birds", "nature", "forest", "spring"},
       {"deciduous tree", "leaf fluttering in wind"}, "nature"},
      {{"water", "sea", "ocean", "waves", "beach"},
       {"water wave", "beach with umbrella"}, "the sea"},
      {{"rain", "rainy", "storm", "stormy", "thunder"},
       {"cloud with lightning and rain", "cloud with rain"}, "weather"},
      {{"60s", "70s", "80s", "1960s", "1970s", "1980s", "oldies", "retro", "vintage"},
       {"radio"}, "the radio era"},
      {{"90s", "00s", "1990s", "2000s", "modern"},
       {"headphone"}, "the headphone era"},
  };
  // clang-format on
  return table;
}

const MotifRule* motif_rule_for(const std::string& word) {
  for (const MotifRule& rule : motif_table())
    for (const std::string& w : rule.words)
      if (w == word) return &rule;
  return nullptr;
}

}  // namespace syn
