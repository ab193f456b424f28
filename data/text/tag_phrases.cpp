// tag_phrases.cpp — the mapping table (see tag_phrases.h). Counts in comments are how often the
// phrase is a whole aspect in MusicCaps' 2,663 training rows, where that decided the spelling.
// Vocabularies: mtt50 = musicnn's/CLMR's 50 MagnaTagATune tags, msd50 = musicnn's 50 Million
// Song Dataset tags (matched lower-cased: "Hip-Hop", "Mellow", "House", "Progressive rock"),
// refined = data/tags/refined_tags.h, profile = data/tags/tag_profile.h's MSD genres, moods and
// eras.
#include "data/text/tag_phrases.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace syn {

const std::vector<TagPhrase>& tag_phrase_table() {
  // clang-format off
  static const std::vector<TagPhrase> table = {
      // ---- voice ----
      {"vocal", "vocals", "mtt50 refined"},
      {"vocals", "vocals", "mtt50"},
      {"voice", "vocals", "mtt50"},
      {"singing", "vocals", "mtt50"},
      {"female", "female vocal", "mtt50 refined"},       // female vocal 41, female voice 51
      {"woman", "female vocal", "mtt50"},
      {"female vocal", "female vocal", "mtt50"},
      {"female voice", "female voice", "mtt50"},
      {"female vocalists", "female vocal", "msd50"},
      {"female vocalist", "female vocal", "msd50"},
      {"male", "male vocal", "mtt50 refined"},           // male vocal 103, male voice 128
      {"man", "male vocal", "mtt50"},
      {"male vocal", "male vocal", "mtt50"},
      {"male voice", "male voice", "mtt50"},
      {"male vocalists", "male vocal", "msd50"},
      {"no vocal", "instrumental", "mtt50 refined"},     // instrumental 477
      {"no vocals", "instrumental", "mtt50"},
      {"no voice", "no voice", "mtt50"},                 // no voice 40 (no voices 138)
      {"instrumental", "instrumental", "msd50"},
      {"choir", "choir", "mtt50 refined"},
      {"choral", "choir", "mtt50"},
      {"opera", "opera", "mtt50 refined"},               // opera 8
      {"chant", "chanting", "refined"},                  // chanting 4
      {"talking", "male voice speaking", "refined"},     // male voice speaking 27 (speech 1)
      // ---- genres ----
      {"classical", "classical music", "mtt50 refined"}, // classical music 51
      {"classic", "classical music", "mtt50"},
      {"baroque", "baroque", "refined"},
      {"medieval", "medieval music", "refined"},
      {"orchestra", "orchestra", "refined"},             // orchestra 44
      {"electronic", "electronic music", "mtt50 msd50 refined profile"},  // 39
      {"electronica", "electronica", "msd50"},
      {"electro", "electro", "msd50"},
      {"techno", "techno", "mtt50 refined"},
      {"trance", "trance", "refined"},
      {"house", "house music", "msd50 refined profile"}, // house music 9, house 10
      {"dance", "dance music", "mtt50 msd50 refined profile"},  // dance music 47
      {"disco", "disco", "refined"},
      {"industrial", "industrial music", "refined"},
      {"jungle", "jungle music", "refined"},
      {"ambient", "ambient", "mtt50 msd50 refined profile"},
      {"new age", "new age", "mtt50 refined"},
      {"rock", "rock", "mtt50 msd50 refined profile"},
      {"hard rock", "hard rock", "msd50 refined"},
      {"soft rock", "soft rock", "refined"},
      {"classic rock", "classic rock", "msd50"},
      {"alternative rock", "alternative rock", "msd50"}, // alternative rock 12
      {"alternative", "alternative rock", "msd50 profile"},
      {"indie rock", "indie rock", "msd50"},
      {"indie", "indie", "msd50 profile"},
      {"indie pop", "indie pop", "msd50"},
      {"progressive rock", "progressive rock", "msd50"},
      {"metal", "metal", "mtt50 msd50 refined profile"},
      {"heavy metal", "heavy metal", "msd50"},
      {"punk", "punk rock", "msd50 refined profile"},    // punk rock 4, punk 3
      {"pop", "pop", "mtt50 msd50 refined profile"},
      {"hip hop", "hip hop", "refined profile"},
      {"hip-hop", "hip hop", "msd50"},
      {"reggae", "reggae", "refined"},
      {"blues", "blues", "msd50 refined profile"},
      {"jazz", "jazz", "msd50 refined profile"},
      {"soul", "soul", "msd50 profile"},
      {"r&b", "r&b", "profile"},
      {"rnb", "r&b", "msd50"},
      {"funk", "funk", "msd50 refined profile"},
      {"country", "country music", "mtt50 msd50 refined profile"},  // country music 20
      {"folk", "folk", "msd50 refined profile"},
      {"celtic", "celtic music", "refined"},
      {"world", "world music", "refined"},               // world music 10
      {"tribal", "tribal", "refined"},
      {"indian", "indian music", "mtt50 refined"},
      {"middle eastern", "middle eastern music", "refined"},  // 9
      {"eastern", "eastern music", "refined"},
      {"spanish", "spanish music", "refined"},
      {"experimental", "experimental", "msd50 profile"},
      // ---- instruments and families ----
      {"guitar", "guitar", "mtt50 msd50 refined"},
      {"acoustic guitar", "acoustic guitar", "refined"},
      {"electric guitar", "electric guitar", "refined"},
      {"bass", "bass", "refined"},
      {"piano", "piano", "mtt50 refined"},
      {"harpsichord", "harpsichord", "mtt50 refined"},
      {"organ", "organ", "refined"},
      {"synth", "synth", "mtt50 refined"},
      {"strings", "strings", "mtt50 refined"},
      {"violin", "violin", "mtt50 refined"},
      {"viola", "viola", "refined"},
      {"cello", "cello", "mtt50 refined"},
      {"harp", "harp", "mtt50 refined"},
      {"banjo", "banjo", "refined"},
      {"sitar", "sitar", "mtt50 refined"},
      {"lute", "lute", "refined"},
      {"flute", "flute", "mtt50 refined"},
      {"clarinet", "clarinet", "refined"},
      {"oboe", "oboe", "refined"},
      {"sax", "saxophone", "refined"},                   // saxophone 32, sax 0
      {"trumpet", "trumpet", "refined"},
      {"horn", "horns", "refined"},
      {"drums", "drums", "mtt50 refined"},
      {"bongos", "bongos", "refined"},
      {"bells", "bells", "refined"},
      {"chimes", "chimes", "refined"},
      {"clapping", "claps", "refined"},                  // claps 41, clapping 24
      {"string instruments", "string section", "refined"},  // string section 27
      {"keyboards", "keyboard", "refined"},              // keyboard 74
      {"wind instruments", "wind instrument", "refined"},  // wind instrument 24
      {"percussion", "percussion", "refined"},
      // ---- tempo, loudness, mood, texture ----
      {"beat", "steady drumming rhythm", "mtt50 refined"},  // 34 (beat 1)
      {"beats", "steady drumming rhythm", "mtt50"},
      {"fast", "fast tempo", "mtt50 refined"},           // fast tempo 165
      {"slow", "slow tempo", "mtt50 refined"},           // slow tempo 253
      {"upbeat", "upbeat", "refined"},
      {"loud", "loud", "mtt50 refined"},
      {"quiet", "quiet", "mtt50 refined"},
      {"soft", "soft", "mtt50 refined"},
      {"calm", "calm", "refined"},
      {"mellow", "mellow", "msd50 refined"},
      {"chill", "chill", "msd50 profile"},
      {"chillout", "chill", "msd50"},
      {"easy listening", "easy listening", "msd50"},
      {"happy", "happy", "msd50 refined profile"},
      {"sad", "sad", "msd50 refined profile"},
      {"beautiful", "beautiful", "msd50 profile"},
      {"sexy", "sensual", "msd50 profile"},              // sensual 16
      {"catchy", "catchy", "msd50 profile"},
      {"party", "party music", "msd50 profile"},
      {"dark", "dark", "refined"},
      {"eerie", "eerie", "refined"},
      {"heavy", "heavy", "refined"},
      {"spacey", "spacey", "refined"},
      {"airy", "airy", "refined"},
      {"drone", "drone", "refined"},
      {"repetitive", "repetitive", "refined"},
      {"echo", "echo", "refined"},
      {"noise", "noisy", "refined"},                     // noisy 365
      {"solo", "solo", "mtt50 refined"},
      {"acoustic", "acoustic", "msd50 refined"},
      {"birds", "birds chirping", "refined"},            // birds chirping 18
      {"water", "water sounds", "refined"},
      {"weird", "", "mtt50"},                            // a judgement, not a sound: dropped
      // ---- eras (MusicCaps writes decades as "80s") ----
      {"1960s", "60s", "profile"},
      {"1970s", "70s", "profile"},
      {"1980s", "80s", "profile"},
      {"1990s", "90s", "profile"},
      {"2000s", "2000s", "profile"},
      {"60s", "60s", "msd50"},
      {"70s", "70s", "msd50"},
      {"80s", "80s", "msd50"},
      {"90s", "90s", "msd50"},
      {"00s", "2000s", "msd50"},
      {"oldies", "oldies", "msd50 profile"},
  };
  // clang-format on
  return table;
}

namespace {

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

std::string tag_to_phrase(const std::string& tag) {
  static const std::unordered_map<std::string, std::string> index = [] {
    std::unordered_map<std::string, std::string> m;
    for (const auto& t : tag_phrase_table()) m.emplace(t.tag, t.phrase);
    return m;
  }();
  std::string t = trim(tag);
  auto it = index.find(lower(t));
  return it == index.end() ? t : it->second;
}

std::vector<std::string> tags_to_phrases(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& t : tags) {
    std::string p = tag_to_phrase(t);
    if (!p.empty() && seen.insert(lower(p)).second) out.push_back(p);
  }
  return out;
}

}  // namespace syn
