// refined_tags.cpp — the refined MagnaTagATune vocabulary as a table: each refined tag, the raw
// tags merged into it and why; then the raw tags dropped and why. See refined_tags.h.
#include "data/tags/refined_tags.h"

#include <algorithm>
#include <numeric>

#include "data/datasets/magnatagatune.h"
#include "engine/check.h"

namespace syn::mtt {

namespace {

using G = TagGroup;

// The vocabulary as a table, one entry per refined tag: name, group, source raw tags, why.
// clang-format off
// Spellings shared by several entries below.
#define SYN_FEMALE_VOICE                                                                       \
  "female", "woman", "women", "girl", "female vocal", "female vocals", "female voice",         \
  "female singer", "female singing", "woman singing", "female opera", "soprano"
#define SYN_MALE_VOICE                                                                         \
  "male", "man", "men", "male vocal", "male vocals", "male voice", "male singer",              \
  "man singing", "male opera", "monks"
#define SYN_GUITARS "guitar", "guitars", "acoustic guitar", "electric guitar", "classical guitar"
#define SYN_BOWED_STRINGS "strings", "string", "violin", "violins", "viola", "cello", "fiddle"

const std::vector<RefinedTag> kVocabulary = {
    // ---- voice ---------------------------------------------------------------------------------
    {"vocal", G::Voice,
     {"vocal", "vocals", "voice", "voices", "singer", "singing", "duet", SYN_FEMALE_VOICE,
      SYN_MALE_VOICE, "choir", "choral", "chorus", "chant", "chanting", "opera", "operatic", "rap"},
     "a human voice sings (or raps): MTT spreads this over ~40 spellings, so each raw column "
     "holds only part of the vocal clips"},
    {"female", G::Voice, {SYN_FEMALE_VOICE},
     "vocal gender: a female voice; 'soprano' is a female classical voice in this corpus"},
    {"male", G::Voice, {SYN_MALE_VOICE},
     "vocal gender: a male voice; the 'monks' clips are male plainchant"},
    {"no vocal", G::Voice,
     {"no vocal", "no vocals", "no voice", "no voices", "no singing", "no singer", "instrumental"},
     "the one negation kept: 'no voice' states what the music is (instrumental), and players "
     "used six spellings of it plus 'instrumental'"},
    {"choir", G::Voice, {"choir", "choral", "chorus"}, "group singing"},
    {"opera", G::Voice, {"opera", "operatic", "female opera", "male opera"},
     "operatic singing, however the player spelled it"},
    {"chant", G::Voice, {"chant", "chanting", "monks"}, "chanted (e.g. Gregorian) singing"},
    {"talking", G::Voice, {"talking"}, "speech rather than singing, kept apart from 'vocal'"},

    // ---- genre and style -----------------------------------------------------------------------
    {"classical", G::Genre, {"classical", "classic", "clasical"},
     "spelling variants ('clasical' is a typo, 'classic' is used for classical music here)"},
    {"baroque", G::Genre, {"baroque"}, "kept as it is"},
    {"medieval", G::Genre, {"medieval"}, "kept as it is"},
    {"orchestra", G::Genre, {"orchestra", "orchestral"}, "noun and adjective of one thing"},
    {"electronic", G::Genre, {"electronic", "electronica", "electro"},
     "spelling variants of electronic music"},
    {"techno", G::Genre, {"techno"}, "kept as it is"},
    {"trance", G::Genre, {"trance"}, "kept as it is"},
    {"house", G::Genre, {"house"}, "kept as it is"},
    {"dance", G::Genre, {"dance"}, "kept as it is"},
    {"disco", G::Genre, {"disco"}, "kept as it is"},
    {"industrial", G::Genre, {"industrial"}, "kept as it is"},
    {"jungle", G::Genre, {"jungle"}, "kept as it is"},
    {"ambient", G::Genre, {"ambient"}, "kept as it is"},
    {"new age", G::Genre, {"new age"}, "kept as it is"},
    {"rock", G::Genre, {"rock", "hard rock", "soft rock"},
     "hard rock and soft rock are rock; players rarely tagged both"},
    {"hard rock", G::Genre, {"hard rock"}, "kept as it is (also counted as rock)"},
    {"soft rock", G::Genre, {"soft rock"}, "kept as it is (also counted as rock)"},
    {"metal", G::Genre, {"metal", "heavy metal"}, "the same genre"},
    {"punk", G::Genre, {"punk"}, "kept as it is"},
    {"pop", G::Genre, {"pop"}, "kept as it is"},
    {"hip hop", G::Genre, {"hip hop", "rap"}, "rap is the vocal style of hip hop"},
    {"reggae", G::Genre, {"reggae"}, "kept as it is"},
    {"blues", G::Genre, {"blues"}, "kept as it is"},
    {"jazz", G::Genre, {"jazz", "jazzy"}, "noun and adjective of one thing"},
    {"funk", G::Genre, {"funk", "funky"}, "noun and adjective of one thing"},
    {"country", G::Genre, {"country"}, "kept as it is"},
    {"folk", G::Genre, {"folk"}, "kept as it is"},
    {"celtic", G::Genre, {"celtic", "irish"}, "the Irish clips are Celtic folk"},
    {"world", G::Genre, {"world"}, "kept as it is"},
    {"tribal", G::Genre, {"tribal"}, "kept as it is"},
    {"indian", G::Genre, {"indian", "india"}, "adjective and country name of one style"},
    {"middle eastern", G::Genre, {"middle eastern", "arabic"}, "the same regional style"},
    {"eastern", G::Genre, {"eastern", "oriental"},
     "both name a non-Western colour without saying where; merged rather than guessed apart"},
    {"spanish", G::Genre, {"spanish"}, "kept as it is"},

    // ---- instruments ---------------------------------------------------------------------------
    {"guitar", G::Instrument, {SYN_GUITARS},
     "a named kind of guitar is a guitar; 'guitars' is a plural"},
    {"acoustic guitar", G::Instrument, {"acoustic guitar", "classical guitar"},
     "a classical guitar is an acoustic guitar"},
    {"electric guitar", G::Instrument, {"electric guitar"}, "kept as it is (also a guitar)"},
    {"bass", G::Instrument, {"bass"}, "kept as it is (bass instrument or bass register)"},
    {"piano", G::Instrument, {"piano", "piano solo"}, "a piano solo is piano"},
    {"harpsichord", G::Instrument, {"harpsichord", "harpsicord"}, "'harpsicord' is a typo"},
    {"organ", G::Instrument, {"organ"}, "kept as it is"},
    {"synth", G::Instrument, {"synth", "synthesizer"},
     "abbreviation (kept out of 'keyboards': in MTT it names a sound, not a keyboard)"},
    {"strings", G::Instrument, {SYN_BOWED_STRINGS},
     "bowed-string sound: a violin, viola, cello or fiddle clip has strings"},
    {"violin", G::Instrument, {"violin", "violins", "fiddle"},
     "plural, and 'fiddle' is the folk name of the violin"},
    {"viola", G::Instrument, {"viola"}, "kept as it is"},
    {"cello", G::Instrument, {"cello"}, "kept as it is"},
    {"harp", G::Instrument, {"harp"}, "kept as it is"},
    {"banjo", G::Instrument, {"banjo"}, "kept as it is"},
    {"sitar", G::Instrument, {"sitar"}, "kept as it is"},
    {"lute", G::Instrument, {"lute"}, "kept as it is"},
    {"flute", G::Instrument, {"flute", "flutes"}, "plural"},
    {"clarinet", G::Instrument, {"clarinet"}, "kept as it is"},
    {"oboe", G::Instrument, {"oboe"}, "kept as it is"},
    {"sax", G::Instrument, {"sax"}, "kept as it is"},
    {"trumpet", G::Instrument, {"trumpet"}, "kept as it is"},
    {"horn", G::Instrument, {"horn", "horns"}, "plural"},
    {"drums", G::Instrument, {"drums", "drum"}, "singular"},
    {"bongos", G::Instrument, {"bongos"}, "kept as it is"},
    {"bells", G::Instrument, {"bells"}, "kept as it is"},
    {"chimes", G::Instrument, {"chimes"}, "kept as it is"},
    {"clapping", G::Instrument, {"clapping"}, "kept as it is"},

    // ---- instrument families -------------------------------------------------------------------
    {"string instruments", G::Family,
     {SYN_BOWED_STRINGS, SYN_GUITARS, "harp", "banjo", "sitar", "lute", "plucking"},
     "family: bowed and plucked strings ('plucking' describes plucked strings)"},
    {"keyboards", G::Family,
     {"piano", "piano solo", "harpsichord", "harpsicord", "organ", "keyboard"},
     "family: keyboard instruments ('keyboard' itself is only the family name)"},
    {"wind instruments", G::Family,
     {"flute", "flutes", "clarinet", "oboe", "sax", "trumpet", "horn", "horns", "woodwind", "wind"},
     "family: woodwind and brass ('woodwind' and 'wind' are family names)"},
    {"percussion", G::Family,
     {"percussion", "drums", "drum", "bongos", "bells", "chimes", "clapping"},
     "family: drums and other struck instruments"},

    // ---- tempo, rhythm, mood, texture ----------------------------------------------------------
    {"beat", G::Mood, {"beat", "beats"}, "plural"},
    {"fast", G::Mood, {"fast", "fast beat", "quick"}, "the same tempo description"},
    {"slow", G::Mood, {"slow"}, "kept as it is"},
    {"upbeat", G::Mood, {"upbeat"}, "kept as it is"},
    {"loud", G::Mood, {"loud"}, "kept as it is"},
    {"quiet", G::Mood, {"quiet", "silence"}, "'silence' tags near-silent, quiet clips"},
    {"soft", G::Mood, {"soft"}, "kept as it is"},
    {"calm", G::Mood, {"calm"}, "kept as it is"},
    {"mellow", G::Mood, {"mellow"}, "kept as it is"},
    {"happy", G::Mood, {"happy"}, "kept as it is"},
    {"sad", G::Mood, {"sad"}, "kept as it is"},
    {"dark", G::Mood, {"dark"}, "kept as it is"},
    {"eerie", G::Mood, {"eerie", "scary"}, "the same mood"},
    {"heavy", G::Mood, {"heavy"}, "kept as it is (a dense, weighty sound)"},
    {"spacey", G::Mood, {"spacey", "space"}, "the same texture"},
    {"airy", G::Mood, {"airy"}, "kept as it is"},
    {"drone", G::Mood, {"drone"}, "kept as it is"},
    {"repetitive", G::Mood, {"repetitive"}, "kept as it is"},
    {"echo", G::Mood, {"echo"}, "kept as it is"},
    {"noise", G::Mood, {"noise"}, "kept as it is"},
    {"solo", G::Mood, {"solo", "piano solo"}, "a piano solo is a solo"},
    {"acoustic", G::Mood, {"acoustic"}, "kept as it is (unamplified instruments)"},

    // ---- non-musical sounds --------------------------------------------------------------------
    {"birds", G::Sound, {"birds"}, "kept as it is"},
    {"water", G::Sound, {"water"}, "kept as it is"},
};
// clang-format on

#undef SYN_FEMALE_VOICE
#undef SYN_MALE_VOICE
#undef SYN_GUITARS
#undef SYN_BOWED_STRINGS

const std::string kNegation =
    "negation: absence is already implied by the tag not being given, and players used these "
    "inconsistently";

const std::vector<DroppedTag> kDropped = {
    {"no strings", kNegation},
    {"no piano", kNegation},
    {"no beat", kNegation},
    {"no guitar", kNegation},
    {"no violin", kNegation},
    {"no flute", kNegation},
    {"no drums", kNegation},
    {"not classical", kNegation},
    {"not rock", kNegation},
    {"not opera", kNegation},
    {"not english", "negation, and about lyrics' language rather than sound"},
    {"weird", "vague: a judgement, not a property of the sound"},
    {"strange", "vague: a judgement, not a property of the sound"},
    {"different", "vague: says nothing about the sound"},
    {"lol", "not a description"},
    {"foreign", "vague: only 'not what the player knows'"},
    {"english", "about lyrics' language, rarely and inconsistently given"},
    {"modern", "vague: no agreed sound"},
    {"old", "vague: old recording, old style or old instrument"},
    {"hard", "vague: hard rock, hard-hitting or harsh"},
    {"deep", "vague: deep voice, bass or mood"},
    {"low", "vague: low pitch or low volume"},
    {"light", "vague: light mood or light texture"},
    {"electric", "vague: electric guitar or electronic music"},
};

}  // namespace

const char* tag_group_name(TagGroup g) {
  switch (g) {
    case TagGroup::Voice:
      return "voice";
    case TagGroup::Genre:
      return "genre";
    case TagGroup::Instrument:
      return "instrument";
    case TagGroup::Family:
      return "family";
    case TagGroup::Mood:
      return "mood";
    case TagGroup::Sound:
      return "sound";
  }
  return "?";
}

const std::vector<RefinedTag>& refined_vocabulary() { return kVocabulary; }
const std::vector<DroppedTag>& dropped_tags() { return kDropped; }

TagRefiner::TagRefiner() {
  for (const RefinedTag& t : kVocabulary) {
    names_.push_back(t.name);
    std::vector<int> cols;
    for (const std::string& s : t.sources) {
      int c = raw_tag_index(s);
      SYN_CHECK(c >= 0, "refined tag '", t.name, "': source '", s,
                "' is not one of the 188 MagnaTagATune tags");
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
    }
    sources_.push_back(std::move(cols));
  }
}

std::vector<uint8_t> TagRefiner::refine_row(std::span<const uint8_t> raw) const {
  SYN_CHECK(raw.size() == (size_t)kNumRawTags, "TagRefiner::refine_row: expected ", kNumRawTags,
            " raw labels, got ", raw.size());
  std::vector<uint8_t> out(names_.size(), 0);
  for (size_t j = 0; j < sources_.size(); ++j)
    for (int c : sources_[j])
      if (raw[(size_t)c]) {
        out[j] = 1;
        break;
      }
  return out;
}

std::vector<int64_t> TagRefiner::counts(std::span<const uint8_t> raw, int64_t rows) const {
  SYN_CHECK(rows >= 0 && raw.size() == (size_t)rows * kNumRawTags,
            "TagRefiner::counts: ", raw.size(), " values do not make ", rows, " rows of ",
            kNumRawTags);
  std::vector<int64_t> out(names_.size(), 0);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<uint8_t> row = refine_row(raw.subspan((size_t)r * kNumRawTags, kNumRawTags));
    for (size_t j = 0; j < row.size(); ++j) out[j] += row[j];
  }
  return out;
}

std::vector<int> top_by_count(const std::vector<int64_t>& counts, int n) {
  std::vector<int> idx(counts.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](int a, int b) { return counts[(size_t)a] > counts[(size_t)b]; });
  if (n > 0 && (size_t)n < idx.size()) idx.resize((size_t)n);
  return idx;
}

}  // namespace syn::mtt
