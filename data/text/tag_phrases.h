// tag_phrases.h — our taggers' vocabularies mapped onto the phrases the caption decoder learned
// from MusicCaps' aspect lists ("female" → "female vocal", "fast" → "fast tempo", "no vocal" →
// "instrumental", "1980s" → "80s").
//
// Why: the decoder was trained on MusicCaps aspects, written by musicians ("slow tempo",
// "male vocal", "electronic music"); our taggers speak MagnaTagATune (the 50 musicnn/CLMR tags,
// TagATune players' words: "male", "no voice", "beats"), the Million Song Dataset (50 last.fm
// tags: "female vocalists", "Hip-Hop", "00s", "chillout") and the refined vocabulary
// (data/tags/refined_tags.h, data/tags/tag_profile.h: "1980s", "string instruments", "spacey"). A
// tag the decoder never saw in that spelling is a weaker cue than the phrase it knows.
//
// The table (tag_phrases.cpp) has one row per tag of those vocabularies, with the vocabularies it
// comes from and the phrase; the phrase is a MusicCaps aspect where one fits (with its count in
// the 2,663 training rows' aspect lists noted there when it was chosen over a closer spelling),
// otherwise the tag itself or a plain descriptive phrase. An empty phrase drops the tag
// ("weird": a judgement, not a sound). Lookups are case-insensitive; a tag outside the table
// passes through unchanged (the decoder's BPE still reads it).
// tests/test_tag_phrases.cpp checks that every tag of every vocabulary has a row.
#pragma once
#include <string>
#include <vector>

namespace syn {

struct TagPhrase {
  const char* tag;           // lower-case
  const char* phrase;        // "" = dropped
  const char* vocabularies;  // which of mtt50, msd50, refined, profile use this tag
};

const std::vector<TagPhrase>& tag_phrase_table();

// The phrase for one tag: the table's, "" when dropped, the tag itself when not in the table.
std::string tag_to_phrase(const std::string& tag);
// Maps a list in order, leaving out dropped tags and repeated phrases ("female", "woman",
// "female vocal" are one "female vocal").
std::vector<std::string> tags_to_phrases(const std::vector<std::string>& tags);

}  // namespace syn
