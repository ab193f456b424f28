// porter_stemmer.h — the Porter (1980) suffix-stripping stemmer with NLTK's extensions, the
// stemmer of NLTK's METEOR (nltk.translate.meteor_score uses PorterStemmer() whose default mode
// is NLTK_EXTENSIONS). METEOR's second matching stage pairs words whose stems are equal, so to
// score as LP-MusicCaps did our stems must equal NLTK's, word for word.
//
// NLTK's extensions over the 1980 paper: a few irregular forms (dying -> die, skies -> sky,
// news -> news ...), words of one or two letters left alone, "ies"/"ied" on four-letter words
// giving "ie", step 1c only after a consonant, an extra "alli" rule, "fulli" -> "ful",
// "logi" -> "log", and the two-letter vowel-consonant stem counting as *o.
//
// Input is lower-cased first (ASCII only, as METEOR's own lower-casing already ran); letters
// outside a-z count as consonants, as in NLTK. Checked against NLTK 3.8.1 in
// tests/test_caption_metrics.cpp (fixture written by tests/reference/gen_caption_metrics.py).
#pragma once
#include <string>

namespace syn {

std::string porter_stem(const std::string& word);

}  // namespace syn
