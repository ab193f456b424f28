// caption_fluency.h — two faults a reader sees at once in a generated sentence and BLEU does
// not: repetition ("flute melody, flute melody", "rock rock", "sad, sad and sad") and claims
// the input tags do not support about the recording, the audience or the place ("low quality
// recording", "amateur", "live", "noisy", "in a bar": MusicCaps' human captions describe
// YouTube audio, our input is tags). The constrained decoder (data/text/tag_constraints) bans
// both; apps/eval_captioner reports both rates.
//
// Words are lower-cased [a-z0-9]+ runs (punctuation ignored, so "sad, sad" is "sad sad").
//   repeated word pair  a word directly followed by itself, or again within the next three
//                       words unless it is a function word ("sad and sad", "sad, soft, sad"),
//                       or a pair of adjacent words that occurs twice in the sentence when
//                       neither word is a function word ("the song ... the song" is English;
//                       "piano accompaniment" twice is not)
//   ungrounded claim    a phrase of one of the groups below, unless an input tag holds one of
//                       the group's grounding words:
//     recording  low/poor/bad (audio) quality, amateur, noisy, lo fi, mono, muffled, distorted
//                recording; grounded by quality, amateur, noisy, noise, lo, lofi, mono,
//                recording, muffled, vintage
//     audience   live, audience, crowd, cheering, applause, cheers; grounded by live, audience,
//                crowd, cheering, applause, concert
//     place      bar, pub, nightclub, restaurant, stadium; in/at a club, church, street,
//                concert;
//                grounded by bar, pub, club, restaurant, stadium, church, street, concert,
//                gospel, hymn
//   tag list            a run of at least 4 adjacent words, each a word of some tag (after
//                       tag_fidelity's normalising: stems, synonyms; a stop word, a generic
//                       word such as "song", or punctuation ends the run), that says 3 or more
//                       tags whole: tags strung together without the words that make a sentence
//                       ("emotional poignant classical vocalist cheerful positive opera"); "wide
//                       electric guitar melody" (one tag) or "groovy bass guitar" is not one
// Our own rules (as tag_fidelity's): compare rates only with rates computed by this file.
#pragma once
#include <string>
#include <vector>

namespace syn {

// The first tag list in the sentence (its words, as written, lower-cased), "" when none.
std::string tag_list_run(const std::vector<std::string>& tags, const std::string& sentence);
// The first repeated word pair ("rock rock", "flute melody"), "" when none.
std::string repeated_word_pair(const std::string& sentence);
// The ungrounded claims the sentence makes ("low quality", "live"), empty when none.
std::vector<std::string> ungrounded_claims(const std::vector<std::string>& tags,
                                           const std::string& sentence);

}  // namespace syn
