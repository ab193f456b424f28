// tag_profile.cpp — see tag_profile.h.
#include "data/tags/tag_profile.h"

#include <algorithm>
#include <set>

#include "data/tags/refined_tags.h"
#include "engine/check.h"

namespace syn {

const std::vector<MsdProfileTag>& msd_profile_table() {
  static const std::vector<MsdProfileTag> table = {
      // genres
      {"rock",
       "genre",
       {"rock", "alternative rock", "classic rock", "hard rock", "indie rock", "Progressive rock"}},
      {"pop", "genre", {"pop", "indie pop"}},
      {"alternative", "genre", {"alternative", "alternative rock"}},
      {"indie", "genre", {"indie", "indie rock", "indie pop"}},
      {"electronic", "genre", {"electronic", "electronica", "electro"}},
      {"dance", "genre", {"dance", "House"}},
      {"house", "genre", {"House"}},
      {"jazz", "genre", {"jazz"}},
      {"metal", "genre", {"metal", "heavy metal"}},
      {"soul", "genre", {"soul"}},
      {"r&b", "genre", {"rnb"}},
      {"folk", "genre", {"folk"}},
      {"punk", "genre", {"punk"}},
      {"blues", "genre", {"blues"}},
      {"ambient", "genre", {"ambient"}},
      {"hip hop", "genre", {"Hip-Hop"}},
      {"country", "genre", {"country"}},
      {"funk", "genre", {"funk"}},
      {"experimental", "genre", {"experimental"}},
      // moods
      {"chill", "mood", {"chill", "chillout", "Mellow", "easy listening"}},
      {"happy", "mood", {"happy"}},
      {"sad", "mood", {"sad"}},
      {"beautiful", "mood", {"beautiful"}},
      {"sexy", "mood", {"sexy"}},
      {"catchy", "mood", {"catchy"}},
      {"party", "mood", {"party"}},
      // eras
      {"1960s", "era", {"60s"}},
      {"1970s", "era", {"70s"}},
      {"1980s", "era", {"80s"}},
      {"1990s", "era", {"90s"}},
      {"2000s", "era", {"00s"}},
      {"oldies", "era", {"oldies"}},
  };
  return table;
}

namespace {

// The largest probability among `sources` in `out`, with the winning label; false if none of
// the sources is one of the tagger's labels.
bool max_over(const TaggerOutput& out, const std::vector<std::string>& sources, float& p,
              std::string& which) {
  bool found = false;
  for (const auto& s : sources) {
    auto it = std::find(out.labels.begin(), out.labels.end(), s);
    if (it == out.labels.end()) continue;
    float v = out.probabilities[(size_t)(it - out.labels.begin())];
    if (!found || v > p) {
      p = v;
      which = s;
    }
    found = true;
  }
  return found;
}

const char* mtt_group(mtt::TagGroup g) {
  switch (g) {
    case mtt::TagGroup::Voice:
      return "voice";
    case mtt::TagGroup::Instrument:
      return "instrument";
    case mtt::TagGroup::Family:
      return "family";
    case mtt::TagGroup::Mood:
      return "tempo/loudness";
    case mtt::TagGroup::Sound:
      return "sound";
    case mtt::TagGroup::Genre:
      return "genre";
  }
  return "other";
}

void check_output(const TaggerOutput& o, const char* which) {
  SYN_CHECK(o.labels.size() == o.probabilities.size(), "tag profile: the ", which, " tagger gave ",
            o.labels.size(), " labels but ", o.probabilities.size(), " probabilities");
}

}  // namespace

std::vector<ProfileTag> tag_profile(const TaggerOutput* mtt_out, const TaggerOutput* msd_out) {
  std::vector<ProfileTag> out;
  std::set<std::string> msd_names;
  for (const auto& t : msd_profile_table()) msd_names.insert(t.name);
  if (mtt_out) {
    check_output(*mtt_out, "MTT");
    // MTT's Mood group, restricted to the tags MTT_musicnn can output, is tempo and loudness.
    for (const auto& t : mtt::refined_vocabulary()) {
      if (t.group == mtt::TagGroup::Genre && msd_out && msd_names.count(t.name)) continue;
      float p = 0;
      std::string which;
      if (!max_over(*mtt_out, t.sources, p, which)) continue;
      out.push_back({t.name, mtt_group(t.group), p, "mtt:" + which});
    }
  }
  if (msd_out) {
    check_output(*msd_out, "MSD");
    for (const auto& t : msd_profile_table()) {
      std::vector<std::string> sources(t.sources.begin(), t.sources.end());
      float p = 0;
      std::string which;
      if (!max_over(*msd_out, sources, p, which)) continue;
      out.push_back({t.name, t.group, p, "msd:" + which});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ProfileTag& a, const ProfileTag& b) {
    return a.probability > b.probability;
  });
  return out;
}

}  // namespace syn
