// caption_tokenizers.cpp — see caption_tokenizers.h. The tokenizers replay the reference
// regular expressions by hand, one pass per expression in the reference's order, with Python
// re.sub's semantics: scan left to right, replace each non-overlapping match, matches tested on
// the original text of that pass.
#include "data/text/caption_tokenizers.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace syn {

namespace {

// ---------- UTF-8 and Python character classes ----------

size_t char_len(const std::string& s, size_t i) {
  unsigned char c = (unsigned char)s[i];
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + len > s.size()) return 1;
  for (size_t k = 1; k < len; ++k)
    if (((unsigned char)s[i + k] & 0xC0) != 0x80) return 1;
  return len;
}

char32_t code_point(const std::string& s, size_t i, size_t len) {
  unsigned char c = (unsigned char)s[i];
  if (len == 1) return c;
  char32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
  return cp;
}

// Start of the character that ends just before byte i (i > 0).
size_t prev_char_start(const std::string& s, size_t i) {
  size_t k = i - 1;
  while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80 && i - k < 4) --k;
  return char_len(s, k) == i - k ? k : i - 1;
}

// Python's str.isspace() / re's \s.
bool is_space_cp(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// re's \w: ASCII letters, digits and '_', and (approximately) every non-ASCII letter.
bool is_word_cp(char32_t c) {
  if (c < 0x80) return std::isalnum((int)c) || c == '_';
  if (c <= 0xBF)
    return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
           (c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2000 && c <= 0x2BFF) return false;  // punctuation, symbols, arrows, shapes
  if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation
  if (c >= 0xFE30 && c <= 0xFE4F) return false;
  if (c >= 0xFF00 && c <= 0xFF0F) return false;
  return true;
}

bool space_at(const std::string& s, size_t i) {
  return i < s.size() && is_space_cp(code_point(s, i, char_len(s, i)));
}
bool word_at(const std::string& s, size_t i) {
  return i < s.size() && is_word_cp(code_point(s, i, char_len(s, i)));
}
bool word_before(const std::string& s, size_t i) {
  return i > 0 && word_at(s, prev_char_start(s, i));
}

}  // namespace

std::vector<std::string> python_split(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0, n = s.size();
  while (i < n) {
    while (i < n && space_at(s, i)) i += char_len(s, i);
    size_t start = i;
    while (i < n && !space_at(s, i)) i += char_len(s, i);
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }
std::string lower_ascii(std::string s) {
  for (char& c : s) c = ascii_lower(c);
  return s;
}

// " " + s + " ", written out (GCC 12 warns falsely on the operator+ chain).
std::string spaced(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += ' ';
  out.append(s.data(), s.size());
  out += ' ';
  return out;
}

bool starts_with_at(const std::string& s, size_t i, const char* lit) {
  size_t n = std::strlen(lit);
  return s.size() >= i + n && s.compare(i, n, lit) == 0;
}
bool starts_with_ci(const std::string& s, size_t i, const char* lit) {
  size_t n = std::strlen(lit);
  if (s.size() < i + n) return false;
  for (size_t k = 0; k < n; ++k)
    if (ascii_lower(s[i + k]) != lit[k]) return false;
  return true;
}

// One re.sub pass: at each character position `match` either appends the replacement and
// returns the number of bytes matched, or returns 0 (the character is copied).
template <class Match>
std::string rewrite(const std::string& s, Match&& match) {
  std::string out;
  out.reserve(s.size() + 16);
  size_t i = 0;
  while (i < s.size()) {
    size_t used = match(s, i, out);
    if (used) {
      i += used;
    } else {
      size_t len = char_len(s, i);
      out.append(s, i, len);
      i += len;
    }
  }
  return out;
}

// Pads every occurrence of one of `chars` (single bytes) with spaces: " \g<0> ".
std::string pad_chars(const std::string& s, const char* chars) {
  return rewrite(s, [&](const std::string& t, size_t i, std::string& out) -> size_t {
    if (!std::strchr(chars, t[i]) || t[i] == '\0') return 0;
    out += ' ';
    out += t[i];
    out += ' ';
    return 1;
  });
}

// Pads every occurrence of one of the literal strings `lits` with spaces.
std::string pad_literals(const std::string& s, std::initializer_list<const char*> lits) {
  return rewrite(s, [&](const std::string& t, size_t i, std::string& out) -> size_t {
    for (const char* lit : lits)
      if (starts_with_at(t, i, lit)) {
        out += ' ';
        out += lit;
        out += ' ';
        return std::strlen(lit);
      }
    return 0;
  });
}

// ---------- sacrebleu 13a ----------

bool in_13a_punct(unsigned char c) {
  // [\{-\~\[-\` -\&\(-\+\:-\@\/]
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
         (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

// ---------- NLTK word tokenizer pieces ----------

// Final period: ([^\.])(\.)(closers*)\s*$ -> "\1 \2<sep>\3 ". `closer` tells which characters
// (at a position, returning their byte length or 0) belong to the closers class.
template <class Closer>
std::string final_period(const std::string& s, Closer&& closer, const char* sep) {
  size_t p = s.rfind('.');
  if (p == std::string::npos || p == 0) return s;
  size_t x = prev_char_start(s, p);
  if (s[x] == '.' && x + 1 == p) return s;
  size_t k = p + 1;
  while (k < s.size()) {
    size_t len = closer(s, k);
    if (!len) break;
    k += len;
  }
  for (size_t m = k; m < s.size(); m += char_len(s, m))
    if (!space_at(s, m)) return s;
  return s.substr(0, p) + " ." + sep + s.substr(p + 1, k - p - 1) + " ";
}

size_t closer_with_unicode(const std::string& s, size_t i) {
  // [\]\)}>"\'»”’ ] (the class includes a space)
  if (std::strchr("])}>\"' ", s[i]) && s[i] != '\0') return 1;
  for (const char* lit : {"\xC2\xBB", "\xE2\x80\x9D", "\xE2\x80\x99"})
    if (starts_with_at(s, i, lit)) return std::strlen(lit);
  return 0;
}
size_t closer_ascii(const std::string& s, size_t i) {
  return (std::strchr("])}>\"'", s[i]) && s[i] != '\0') ? 1 : 0;
}

// \b(first)(second)\b, case-insensitive -> " \1 \2 ". `lookahead_space` replaces the final \b
// by (?=\s), as for "wanna".
std::string split_contraction(const std::string& s, const char* first, const char* second,
                              bool lookahead_space = false) {
  size_t n1 = std::strlen(first), n2 = std::strlen(second);
  return rewrite(s, [&](const std::string& t, size_t i, std::string& out) -> size_t {
    if (word_before(t, i) || !word_at(t, i)) return 0;  // \b before a word character
    if (!starts_with_ci(t, i, first) || !starts_with_ci(t, i + n1, second)) return 0;
    size_t end = i + n1 + n2;
    if (lookahead_space) {
      if (!space_at(t, end)) return 0;
    } else if (word_at(t, end) == word_before(t, end)) {
      return 0;  // no word boundary after
    }
    out += ' ';
    out.append(t, i, n1);
    out += ' ';
    out.append(t, i + n1, n2);
    out += ' ';
    return n1 + n2;
  });
}

}  // namespace

std::vector<std::string> tokenize_13a(const std::string& text) {
  std::string line = text;
  replace_all(line, "<skipped>", "");
  replace_all(line, "-\n", "");
  replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    replace_all(line, "&quot;", "\"");
    replace_all(line, "&amp;", "&");
    replace_all(line, "&lt;", "<");
    replace_all(line, "&gt;", ">");
  }
  line = spaced(line);
  // Punctuation other than . , ' and - is split off.
  line = rewrite(line, [](const std::string& t, size_t i, std::string& out) -> size_t {
    if (!in_13a_punct((unsigned char)t[i])) return 0;
    out += ' ';
    out += t[i];
    out += ' ';
    return 1;
  });
  // ([^0-9])([\.,]) -> "\1 \2 "
  line = rewrite(line, [](const std::string& t, size_t i, std::string& out) -> size_t {
    size_t len = char_len(t, i);
    if (is_digit(t[i]) || i + len >= t.size() || (t[i + len] != '.' && t[i + len] != ',')) return 0;
    out.append(t, i, len);
    out += ' ';
    out += t[i + len];
    out += ' ';
    return len + 1;
  });
  // ([\.,])([^0-9]) -> " \1 \2"
  line = rewrite(line, [](const std::string& t, size_t i, std::string& out) -> size_t {
    if ((t[i] != '.' && t[i] != ',') || i + 1 >= t.size() || is_digit(t[i + 1])) return 0;
    size_t len = char_len(t, i + 1);
    out += ' ';
    out += t[i];
    out += ' ';
    out.append(t, i + 1, len);
    return 1 + len;
  });
  // ([0-9])(-) -> "\1 \2 "
  line = rewrite(line, [](const std::string& t, size_t i, std::string& out) -> size_t {
    if (!is_digit(t[i]) || i + 1 >= t.size() || t[i + 1] != '-') return 0;
    out += t[i];
    out += " - ";
    return 2;
  });
  return python_split(line);
}

std::vector<std::string> tokenize_rouge(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    char c = ascii_lower(ch);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      cur += c;
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::vector<std::string> nltk_treebank_tokenize(const std::string& sentence) {
  std::string t = sentence;
  // --- starting quotes ---
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    for (const char* lit : {"\xC2\xAB", "\xE2\x80\x9C", "\xE2\x80\x98", "\xE2\x80\x9E"})  // « “ ‘ „
      if (starts_with_at(s, i, lit)) {
        out += spaced(lit);
        return std::strlen(lit);
      }
    if (s[i] != '`') return 0;
    size_t j = i;
    while (j < s.size() && s[j] == '`') ++j;
    out += spaced(std::string_view(s).substr(i, j - i));
    return j - i;
  });
  if (!t.empty() && t[0] == '"') t.replace(0, 1, "``");  // ^" -> ``
  t = pad_literals(t, {"``"});
  // ([ \(\[{<])(\"|\'{2}) -> "\1 `` "
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    if (!std::strchr(" ([{<", s[i]) || s[i] == '\0') return 0;
    size_t q = s.size() > i + 1 && s[i + 1] == '"' ? 1 : starts_with_at(s, i + 1, "''") ? 2 : 0;
    if (!q) return 0;
    out += s[i];
    out += " `` ";
    return 1 + q;
  });
  // (?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b -> "\1 \2"
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    if (s[i] != '\'') return 0;
    for (const char* no : {"re", "ve", "ll", "m", "t", "s", "d", "n"})
      if (starts_with_ci(s, i + 1, no)) return 0;
    if (!word_at(s, i + 1)) return 0;
    size_t len = char_len(s, i + 1);
    if (word_at(s, i + 1 + len)) return 0;  // \b: the word character must end a word
    out += "' ";
    out.append(s, i + 1, len);
    return 1 + len;
  });
  // --- punctuation ---
  t = final_period(t, closer_with_unicode, " ");
  // ([:,])([^\d]) -> " \1 \2"
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    if ((s[i] != ':' && s[i] != ',') || i + 1 >= s.size() || is_digit(s[i + 1])) return 0;
    size_t len = char_len(s, i + 1);
    out += ' ';
    out += s[i];
    out += ' ';
    out.append(s, i + 1, len);
    return 1 + len;
  });
  // ([:,])$ -> " \1 "  ($ also matches before a final newline)
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    if (s[i] != ':' && s[i] != ',') return 0;
    if (!(i + 1 == s.size() || (i + 2 == s.size() && s[i + 1] == '\n'))) return 0;
    out += ' ';
    out += s[i];
    out += ' ';
    return 1;
  });
  // \.{2,} -> " \g<0> "
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    size_t j = i;
    while (j < s.size() && s[j] == '.') ++j;
    if (j - i < 2) return 0;
    out += spaced(std::string_view(s).substr(i, j - i));
    return j - i;
  });
  t = pad_chars(t, ";@#$%&");
  t = final_period(t, closer_ascii, "");
  t = pad_chars(t, "?!");
  // ([^'])' -> "\1 ' "
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    size_t len = char_len(s, i);
    if (s[i] == '\'' || !starts_with_at(s, i + len, "' ")) return 0;
    out.append(s, i, len);
    out += " ' ";
    return len + 2;
  });
  t = pad_chars(t, "*");
  t = pad_chars(t, "][(){}<>");
  t = pad_literals(t, {"--"});
  t = spaced(t);
  // --- ending quotes ---
  t = pad_literals(t, {"\xC2\xBB", "\xE2\x80\x9D", "\xE2\x80\x99"});  // » ” ’
  t = pad_literals(t, {"''"});
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    if (s[i] != '"') return 0;
    out += " '' ";
    return 1;
  });
  // ([^' ])('[sS]|'[mM]|'[dD]|') -> "\1 \2 "
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    size_t len = char_len(s, i);
    if (s[i] == '\'' || s[i] == ' ' || i + len >= s.size() || s[i + len] != '\'') return 0;
    size_t q = i + len;
    if (q + 2 < s.size() && std::strchr("sSmMdD", s[q + 1]) && s[q + 1] != '\0' &&
        s[q + 2] == ' ') {
      out.append(s, i, len);
      out += " '";
      out += s[q + 1];
      out += ' ';
      return len + 3;
    }
    if (q + 1 < s.size() && s[q + 1] == ' ') {
      out.append(s, i, len);
      out += " ' ";
      return len + 2;
    }
    return 0;
  });
  // ([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) -> "\1 \2 "
  t = rewrite(t, [](const std::string& s, size_t i, std::string& out) -> size_t {
    size_t len = char_len(s, i);
    if (s[i] == '\'' || s[i] == ' ') return 0;
    for (const char* c : {"'ll", "'LL", "'re", "'RE", "'ve", "'VE", "n't", "N'T"})
      if (starts_with_at(s, i + len, c) && i + len + 3 < s.size() && s[i + len + 3] == ' ') {
        out.append(s, i, len);
        out += ' ';
        out += c;
        out += ' ';
        return len + 4;
      }
    return 0;
  });
  // MacIntyre's contractions (CONTRACTIONS2, then CONTRACTIONS3).
  t = split_contraction(t, "can", "not");
  t = split_contraction(t, "d", "'ye");
  t = split_contraction(t, "gim", "me");
  t = split_contraction(t, "gon", "na");
  t = split_contraction(t, "got", "ta");
  t = split_contraction(t, "lem", "me");
  t = split_contraction(t, "more", "'n");
  t = split_contraction(t, "wan", "na", true);
  for (const char* second : {"is", "was"}) {
    // (?i) ('t)(is)\b -> " \1 \2 "
    t = rewrite(t, [&](const std::string& s, size_t i, std::string& out) -> size_t {
      size_t n2 = std::strlen(second);
      if (s[i] != ' ' || !starts_with_ci(s, i + 1, "'t") || !starts_with_ci(s, i + 3, second))
        return 0;
      if (word_at(s, i + 3 + n2)) return 0;
      out += ' ';
      out.append(s, i + 1, 2);
      out += ' ';
      out.append(s, i + 3, n2);
      out += ' ';
      return 3 + n2;
    });
  }
  return python_split(t);
}

// The sentence split standing in for NLTK's Punkt (English model). A sentence may end after a
// word whose end (less closing quotes and brackets) is '.', '?' or '!', when whitespace and
// another word follow:
//   '?' or '!'                         always ends a sentence;
//   an ellipsis ("..")                 ends one when the next word is capitalised;
//   a single letter ("J.")             never (an initial);
//   a known abbreviation ("Dr.")       only before a common sentence opener ("The", "It" ...);
//   any other word                     always.
// On all 5,521 MusicCaps captions this gives exactly as many sentences as Punkt (tokens too:
// tests/test_caption_metrics.cpp against counts from tests/reference/gen_caption_metrics.py).
// Known differences elsewhere: Punkt learned its abbreviations, initials and sentence openers
// from news text (e.g. it keeps "Hm... Then" together) and splits a text-final "!!" as "!" "!".
std::vector<std::string> nltk_sentences(const std::string& text) {
  static const char* const kAbbreviations[] = {"dr", "mr",   "mrs", "ms", "st", "vs", "jr",
                                               "sr", "prof", "inc", "co", "ft", "u.s"};
  static const char* const kOpeners[] = {"The", "This", "It",   "A",  "An", "In",  "There",
                                         "He",  "She",  "They", "We", "I",  "But", "And"};
  // Words: maximal runs of non-whitespace.
  std::vector<std::pair<size_t, size_t>> words;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && space_at(text, i)) i += char_len(text, i);
    size_t start = i;
    while (i < text.size() && !space_at(text, i)) i += char_len(text, i);
    if (i > start) words.emplace_back(start, i);
  }
  std::vector<std::string> sentences;
  size_t sentence_start = words.empty() ? 0 : words[0].first;
  for (size_t w = 0; w < words.size(); ++w) {
    auto [b, e] = words[w];
    if (w + 1 == words.size()) {
      sentences.push_back(text.substr(sentence_start, e - sentence_start));
      break;
    }
    std::string word = text.substr(b, e - b);
    size_t core = word.size();
    while (core > 0 && std::strchr("\"')]", word[core - 1])) --core;
    if (core == 0) continue;
    char last = word[core - 1];
    if (last != '.' && last != '?' && last != '!') continue;
    std::string next = text.substr(words[w + 1].first, words[w + 1].second - words[w + 1].first);
    bool next_upper = next[0] >= 'A' && next[0] <= 'Z';
    bool brk = true;
    if (last == '.') {
      std::string stem = word.substr(0, core - 1);
      size_t lead = 0;
      while (lead < stem.size() && std::strchr("\"'([", stem[lead])) ++lead;
      stem = lower_ascii(stem.substr(lead));
      if (!stem.empty() && stem.back() == '.') {
        brk = next_upper;  // ellipsis
      } else if (stem.size() == 1 && stem[0] >= 'a' && stem[0] <= 'z') {
        brk = false;  // an initial
      } else if (std::find_if(std::begin(kAbbreviations), std::end(kAbbreviations),
                              [&](const char* a) { return stem == a; }) !=
                 std::end(kAbbreviations)) {
        brk = std::find_if(std::begin(kOpeners), std::end(kOpeners),
                           [&](const char* o) { return next == o; }) != std::end(kOpeners);
      }
    }
    if (brk) {
      sentences.push_back(text.substr(sentence_start, e - sentence_start));
      sentence_start = words[w + 1].first;
    }
  }
  return sentences;
}

std::vector<std::string> nltk_word_tokenize(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& sentence : nltk_sentences(text))
    for (std::string& tok : nltk_treebank_tokenize(sentence)) out.push_back(std::move(tok));
  return out;
}

}  // namespace syn
