// utf8.h — appending a Unicode code point to a UTF-8 string, shared by the readers that decode
// escapes or wide strings (MusicCaps' Python-list tags, NumPy unicode arrays, the stemmer, JSON).
// The caller checks that cp is a Unicode scalar value (<= 0x10FFFF, not a surrogate) and names
// its input in that error.
#pragma once
#include <string>

namespace syn {

inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += (char)cp;
  } else if (cp < 0x800) {
    out += (char)(0xC0 | (cp >> 6));
    out += (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += (char)(0xE0 | (cp >> 12));
    out += (char)(0x80 | ((cp >> 6) & 0x3F));
    out += (char)(0x80 | (cp & 0x3F));
  } else {
    out += (char)(0xF0 | (cp >> 18));
    out += (char)(0x80 | ((cp >> 12) & 0x3F));
    out += (char)(0x80 | ((cp >> 6) & 0x3F));
    out += (char)(0x80 | (cp & 0x3F));
  }
}

}  // namespace syn
