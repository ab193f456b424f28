// porter_stemmer.cpp — see porter_stemmer.h. Works on code points (as Python's str does), so a
// word holding a non-ASCII letter measures the same length as in NLTK.
#include "data/text/porter_stemmer.h"

#include <map>
#include <vector>

#include "engine/utf8.h"

namespace syn {

namespace {

using U32 = std::u32string;

U32 to_u32(const std::string& s) {
  U32 out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = (unsigned char)s[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) {  // not UTF-8: keep the byte as its own "letter"
      out += (char32_t)c;
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? c : (c & (0x7F >> len));
    for (int k = 1; k < len; ++k) cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
    out += cp;
    i += len;
  }
  return out;
}

std::string to_utf8(const U32& s) {
  std::string out;
  for (char32_t cp : s) {
    syn::append_utf8(out, cp);
  }
  return out;
}

bool is_vowel_letter(char32_t c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

// Porter's consonant: not a vowel letter, and 'y' only when it follows a vowel (or starts).
bool consonant(const U32& w, size_t i) {
  if (is_vowel_letter(w[i])) return false;
  if (w[i] == 'y') return i == 0 ? true : !consonant(w, i - 1);
  return true;
}

// m in [C](VC)^m[V]: the number of vowel-to-consonant transitions.
int measure(const U32& s) {
  int m = 0;
  for (size_t i = 1; i < s.size(); ++i)
    if (consonant(s, i) && !consonant(s, i - 1)) ++m;
  return m;
}

bool contains_vowel(const U32& s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (!consonant(s, i)) return true;
  return false;
}

bool ends_double_consonant(const U32& w) {
  size_t n = w.size();
  return n >= 2 && w[n - 1] == w[n - 2] && consonant(w, n - 1);
}

// *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK adds a two-letter
// vowel-consonant word.
bool ends_cvc(const U32& w) {
  size_t n = w.size();
  if (n >= 3 && consonant(w, n - 3) && !consonant(w, n - 2) && consonant(w, n - 1) &&
      w[n - 1] != 'w' && w[n - 1] != 'x' && w[n - 1] != 'y')
    return true;
  return n == 2 && !consonant(w, 0) && consonant(w, 1);
}

bool ends_with(const U32& w, const U32& suffix) {
  return w.size() >= suffix.size() &&
         w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0;
}

U32 drop(const U32& w, size_t n) { return w.substr(0, w.size() - n); }

// A suffix rule: when the word ends with `suffix`, replace it by `replacement` if `condition`
// holds (it sees the stem, i.e. the word less the suffix, and the whole word).
using Condition = bool (*)(const U32& stem, const U32& word);
struct Rule {
  U32 suffix;
  U32 replacement;
  Condition condition;  // nullptr = always
};

// The first rule whose suffix the word ends with decides: replaced when its condition holds,
// otherwise the word is returned unchanged (later rules are not tried).
U32 apply_rules(const U32& w, const std::vector<Rule>& rules) {
  for (const Rule& r : rules) {
    if (!ends_with(w, r.suffix)) continue;
    U32 stem = drop(w, r.suffix.size());
    if (!r.condition || r.condition(stem, w)) return stem + r.replacement;
    return w;
  }
  return w;
}

bool m_positive(const U32& s, const U32&) { return measure(s) > 0; }
bool m_above_one(const U32& s, const U32&) { return measure(s) > 1; }

U32 step1a(const U32& w) {
  if (ends_with(w, U"ies") && w.size() == 4) return drop(w, 3) + U"ie";
  static const std::vector<Rule> rules = {{U"sses", U"ss", nullptr},
                                          {U"ies", U"i", nullptr},
                                          {U"ss", U"ss", nullptr},
                                          {U"s", U"", nullptr}};
  return apply_rules(w, rules);
}

U32 step1b(const U32& w) {
  if (ends_with(w, U"ied")) return drop(w, 3) + (w.size() == 4 ? U"ie" : U"i");
  if (ends_with(w, U"eed")) {
    U32 stem = drop(w, 3);
    return measure(stem) > 0 ? stem + U"ee" : w;
  }
  U32 stem;
  bool found = false;
  for (const char32_t* suffix : {U"ed", U"ing"}) {
    U32 suf(suffix);
    if (ends_with(w, suf)) {
      stem = drop(w, suf.size());
      if (contains_vowel(stem)) {
        found = true;
        break;
      }
    }
  }
  if (!found) return w;
  if (ends_with(stem, U"at") || ends_with(stem, U"bl") || ends_with(stem, U"iz"))
    return stem + U"e";
  if (ends_double_consonant(stem)) {
    char32_t last = stem.back();
    if (last != 'l' && last != 's' && last != 'z') return drop(stem, 1);
    return stem;
  }
  if (measure(stem) == 1 && ends_cvc(stem)) return stem + U"e";
  return stem;
}

U32 step1c(const U32& w) {
  static const std::vector<Rule> rules = {{U"y", U"i", [](const U32& s, const U32&) {
                                             return s.size() > 1 && consonant(s, s.size() - 1);
                                           }}};
  return apply_rules(w, rules);
}

U32 step2(const U32& w) {
  if (ends_with(w, U"alli") && measure(drop(w, 4)) > 0) return step2(drop(w, 4) + U"al");
  static const std::vector<Rule> rules = {
      {U"ational", U"ate", m_positive},
      {U"tional", U"tion", m_positive},
      {U"enci", U"ence", m_positive},
      {U"anci", U"ance", m_positive},
      {U"izer", U"ize", m_positive},
      {U"bli", U"ble", m_positive},
      {U"alli", U"al", m_positive},
      {U"entli", U"ent", m_positive},
      {U"eli", U"e", m_positive},
      {U"ousli", U"ous", m_positive},
      {U"ization", U"ize", m_positive},
      {U"ation", U"ate", m_positive},
      {U"ator", U"ate", m_positive},
      {U"alism", U"al", m_positive},
      {U"iveness", U"ive", m_positive},
      {U"fulness", U"ful", m_positive},
      {U"ousness", U"ous", m_positive},
      {U"aliti", U"al", m_positive},
      {U"iviti", U"ive", m_positive},
      {U"biliti", U"ble", m_positive},
      {U"fulli", U"ful", m_positive},
      // NLTK measures "logi" on the word less "ogi" (the stem plus its 'l').
      {U"logi", U"log", [](const U32&, const U32& word) { return measure(drop(word, 3)) > 0; }},
  };
  return apply_rules(w, rules);
}

U32 step3(const U32& w) {
  static const std::vector<Rule> rules = {
      {U"icate", U"ic", m_positive}, {U"ative", U"", m_positive},  {U"alize", U"al", m_positive},
      {U"iciti", U"ic", m_positive}, {U"ical", U"ic", m_positive}, {U"ful", U"", m_positive},
      {U"ness", U"", m_positive}};
  return apply_rules(w, rules);
}

U32 step4(const U32& w) {
  static const std::vector<Rule> rules = {{U"al", U"", m_above_one},
                                          {U"ance", U"", m_above_one},
                                          {U"ence", U"", m_above_one},
                                          {U"er", U"", m_above_one},
                                          {U"ic", U"", m_above_one},
                                          {U"able", U"", m_above_one},
                                          {U"ible", U"", m_above_one},
                                          {U"ant", U"", m_above_one},
                                          {U"ement", U"", m_above_one},
                                          {U"ment", U"", m_above_one},
                                          {U"ent", U"", m_above_one},
                                          {U"ion", U"",
                                           [](const U32& s, const U32&) {
                                             return measure(s) > 1 &&
                                                    (s.back() == 's' || s.back() == 't');
                                           }},
                                          {U"ou", U"", m_above_one},
                                          {U"ism", U"", m_above_one},
                                          {U"ate", U"", m_above_one},
                                          {U"iti", U"", m_above_one},
                                          {U"ous", U"", m_above_one},
                                          {U"ive", U"", m_above_one},
                                          {U"ize", U"", m_above_one}};
  return apply_rules(w, rules);
}

U32 step5a(const U32& w) {
  if (!ends_with(w, U"e")) return w;
  U32 stem = drop(w, 1);
  int m = measure(stem);
  if (m > 1) return stem;
  if (m == 1 && !ends_cvc(stem)) return stem;
  return w;
}

U32 step5b(const U32& w) {
  static const std::vector<Rule> rules = {
      {U"ll", U"l", [](const U32&, const U32& word) { return measure(drop(word, 1)) > 1; }}};
  return apply_rules(w, rules);
}

const std::map<U32, U32>& irregular_forms() {
  static const std::map<U32, U32> pool = {
      {U"sky", U"sky"},        {U"skies", U"sky"},        {U"dying", U"die"},
      {U"lying", U"lie"},      {U"tying", U"tie"},        {U"news", U"news"},
      {U"innings", U"inning"}, {U"inning", U"inning"},    {U"outings", U"outing"},
      {U"outing", U"outing"},  {U"cannings", U"canning"}, {U"canning", U"canning"},
      {U"howe", U"howe"},      {U"proceed", U"proceed"},  {U"exceed", U"exceed"},
      {U"succeed", U"succeed"}};
  return pool;
}

}  // namespace

std::string porter_stem(const std::string& word) {
  U32 original = to_u32(word);
  U32 w = original;
  for (char32_t& c : w)
    if (c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
  // NLTK looks the word up before lower-casing it, and returns the lower-cased form's entry.
  auto it = irregular_forms().find(original);
  if (it != irregular_forms().end()) return to_utf8(it->second);
  if (original.size() <= 2) return to_utf8(w);
  w = step1a(w);
  w = step1b(w);
  w = step1c(w);
  w = step2(w);
  w = step3(w);
  w = step4(w);
  w = step5a(w);
  w = step5b(w);
  return to_utf8(w);
}

}  // namespace syn
