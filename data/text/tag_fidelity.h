// tag_fidelity.h — does a generated sentence say what its input tags say, and does it say the
// opposite of any? BLEU and METEOR reward sounding like a human caption; these two numbers
// check the decoder is faithful to the tags it was given.
//
// Tag recall: the share of input tags the sentence expresses. Both sides are lower-cased,
// split into [a-z0-9]+ words (so "hi-hats" is "hi hats"), stripped of stop words and of generic
// words (song, music, track ...), Porter-stemmed, and mapped through the word synonym table
// below. A tag is expressed when every one of its remaining words occurs somewhere in the
// sentence, or when one of its documented phrase alternatives does (e.g. "no voice" is also
// expressed by "instrumental"). A tag made only of generic words (or only of stop words)
// keeps them.
//
// Contradiction: the share of sentences that state the opposite of an input tag. Concepts come
// in opposed groups; a sentence contradicts its tags when it mentions (not negated) a concept
// whose opposite a tag asserts and which no tag asserts itself:
//   vocal gender   female (female, woman, girl, lady ... within 3 words of a vocal word)
//                  vs male (male, man, boy, guy ... within 3 words of a vocal word)
//   vocals         vocals present (vocal, voice, singing, singer, choir, rap, lyrics ...)
//                  vs absent (a tag "instrumental", or a negated vocal word: "no voice",
//                  "without vocals"). Sentences assert absence only by negation, since
//                  captioners write "the instrumental" for a song's backing track.
//   tempo          fast (fast/quick/rapid/high + tempo/pace/speed/bpm, uptempo) vs slow
//                  (slow/low + tempo..., downtempo) vs medium (medium/moderate/mid/average +
//                  tempo..., midtempo)
//   mood           happy (happy, cheerful, joyful, joyous, jolly, merry) vs sad (sad,
//                  melancholic, melancholy, sorrowful, gloomy, depressing, mournful)
//   quality        low (low/poor/bad quality, lo-fi, low fidelity) vs high (high/good/great
//                  quality, hi-fi, high fidelity)
//   setting        live (live performance/recording/concert/show, recorded live) vs studio
//                  (studio recording/session)
//   key            major (major key/tonality) vs minor (minor key/tonality)
//   genre          pairs of genres that never meet in MusicCaps and are far apart, e.g.
//                  classical vs heavy metal / hip hop / r&b / reggae / funk / house / disco /
//                  trap / punk / dubstep; country vs hip hop / techno / reggae / disco; the
//                  table (genre_clashes() in tag_fidelity.cpp) says how it was built. Genre
//                  names: classical (not "classical guitar"), heavy/death/thrash/black/nu metal,
//                  metal song/music, metalcore, hip hop, techno, country (not "country side"),
//                  jazz, reggae, folk, blues (not in "rhythm and blues"), gospel, opera(tic),
//                  house music/song/track/beat, deep/tech/progressive house (a tag: also
//                  "house" alone), disco, lullaby,
//                  trap, punk, dubstep, r&b / rnb / rhythm and blues, funk.
// A mention is negated when one of no, not, without, nor, never, non, lack(s/ing), absence,
// absent, none stands within the three words before it. Phrases, negation and the gender
// window stay within a clause (text between , . ; : ! ? ( ) [ ] or a line break).
//
// These tables are ours (written for MusicCaps' vocabulary), not a published metric: compare
// numbers only with numbers computed by this file. apps/eval_captioner prints the same two
// numbers for the human captions against their own tags as a yardstick.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace syn {

struct TagCheck {
  std::vector<bool> expressed;         // one per input tag
  std::vector<std::string> conflicts;  // e.g. "male vs tag 'female vocal'"; empty = none
};
TagCheck check_tags(const std::vector<std::string>& tags, const std::string& sentence);

// Per tag, the sentence's words (lower-cased, in order, once each) that express it; empty for a
// tag the sentence does not express (apps/caption --explain).
std::vector<std::vector<std::string>> expressing_words(const std::vector<std::string>& tags,
                                                       const std::string& sentence);

struct TagFidelity {
  int64_t tags = 0, expressed = 0;  // summed over captions
  int64_t sentences = 0, contradicting = 0;
  double tag_recall() const { return tags ? (double)expressed / (double)tags : 0.0; }
  double contradiction_rate() const {
    return sentences ? (double)contradicting / (double)sentences : 0.0;
  }
};
TagFidelity tag_fidelity(const std::vector<std::vector<std::string>>& tags,
                         const std::vector<std::string>& sentences);

// The words of a tag (lower-cased [a-z0-9]+ runs, as written, once each) that it needs and the
// sentence does not say yet (by the rules above: stems, synonyms; stop and generic words are
// not needed unless the tag has nothing else): what is left to write to express it, e.g.
// "chords" for "electric guitar chords" after "electric guitar". Empty when every one is said.
std::vector<std::string> unsaid_words(const std::string& tag, const std::string& sentence);

// The normalised words of a text as used above (exposed for tests): stop words dropped,
// stemmed, synonyms mapped to one word per group.
std::vector<std::string> fidelity_words(const std::string& text);

}  // namespace syn
