// tag_profile.h — one refined description of a clip from the outputs of two taggers: genre, mood
// and era from musicnn's Million Song Dataset model (MSD_musicnn: last.fm tags, which know
// genres, moods and decades), instruments, voice, tempo and loudness from its MagnaTagATune model
// (MTT_musicnn: TagATune players described what they heard, not styles).
//
// Rules (each refined tag lists its sources; the table is in tag_profile.cpp):
//   - MTT side: every tag of the refined MagnaTagATune vocabulary (data/tags/refined_tags.h) except
//     its genres and moods, for which at least one source is among the 50 MTT_musicnn outputs —
//     voice (vocal, female, male, no vocal, choir, opera), instruments and families, and the
//     tempo/loudness tags (beat, fast, slow, loud, quiet, soft, solo). MTT genres that MSD cannot
//     name (classical, techno, indian, new age) are kept from the MTT side.
//   - MSD side: the genre, mood and era table below, merging last.fm's spellings (e.g. rock ←
//     rock, alternative rock, classic rock, hard rock, indie rock, progressive rock; chill ←
//     chill, chillout, mellow, easy listening; the decades as they are, "oldies" as its own era).
//   - A merged tag's probability is the largest of its sources' probabilities (a tag is heard if
//     any of its spellings is predicted; taking a maximum never invents a more confident value
//     than some model output).
// Either side may be absent (e.g. apps/tag --model musicnn-mtt alone): only its tags are given.
#pragma once
#include <string>
#include <vector>

namespace syn {

// The clip-level output of one tagger: its labels and their probabilities (same length).
struct TaggerOutput {
  std::vector<std::string> labels;
  std::vector<float> probabilities;
};

struct ProfileTag {
  std::string tag;
  std::string group;  // voice, instrument, family, tempo/loudness, genre, mood, era, sound
  float probability = 0;
  std::string source;  // e.g. "mtt:female vocal" — the source that gave the maximum
};

struct MsdProfileTag {
  const char* name;
  const char* group;                 // genre, mood, era
  std::vector<const char*> sources;  // MSD_musicnn labels, exactly as musicnn spells them
};
const std::vector<MsdProfileTag>& msd_profile_table();

// Refined tags of a clip, most probable first. `mtt` / `msd` may be null.
std::vector<ProfileTag> tag_profile(const TaggerOutput* mtt, const TaggerOutput* msd);

}  // namespace syn
