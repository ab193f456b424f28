// truetype_cbdt.h — a small reader of colour-bitmap emoji fonts (CBDT/CBLC, as Noto Color Emoji):
// which glyph an emoji (one code point or a whole sequence) is, and that glyph's embedded PNG.
//
// Tables read (OpenType 1.9 names):
//   table directory  sfnt version 0x00010000 or 'true' (a collection, 'ttcf', is rejected)
//   maxp             numGlyphs, the bound every glyph id is checked against
//   cmap             format 12 (preferred: platform 3 encoding 10, or platform 0 encoding 4/6)
//                    or format 4 (3/1, 0/3); format 14 (variation sequences) is not needed
//   GSUB (optional)  ligature substitutions (lookup type 4, also behind type 7 extensions) of the
//                    features ccmp, liga, clig and rlig: emoji sequences — skin-tone modifiers,
//                    ZWJ sequences such as "woman singer" (1F469 200D 1F3A4), keycaps, flags —
//                    are ligatures of their components' glyphs. Contextual lookups (Noto uses
//                    them only to draw unknown flags as a fallback) and lookup flags are ignored.
//   CBLC             strikes (bitmap sizes) and their index subtables, formats 1, 2, 3, 4 and 5
//   CBDT             glyph image formats 17 (small metrics + PNG), 18 (big metrics + PNG) and
//                    19 (PNG, metrics in CBLC)
// Everything except the CBDT glyph records is read and bounds-checked when the font is loaded;
// a glyph record is checked when it is asked for. Every malformed offset, count or length is a
// syn::Error naming the font (file) and the table — never a read out of bounds. Checksums are
// not verified (a corrupt byte inside a PNG is caught by the PNG decoder instead).
//
//   ColorBitmapFont font =
//   ColorBitmapFont::load("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"); auto g =
//   font.glyph_for_sequence({0x1F483, 0x1F3FD});   // woman dancing: medium skin tone if (g) {
//   BitmapGlyph b = font.bitmap(*g).value(); /* b.png: 136×128 PNG bytes */ }
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace syn {

// Glyph metrics of a bitmap in pixels (OpenType bigGlyphMetrics; small metrics fill the
// horizontal fields only).
struct BitmapGlyphMetrics {
  int width = 0, height = 0;
  int bearing_x = 0, bearing_y = 0, advance = 0;
};

struct BitmapGlyph {
  uint16_t glyph = 0;
  int ppem_x = 0, ppem_y = 0;  // the strike it came from
  int image_format = 0;        // 17, 18 or 19
  BitmapGlyphMetrics metrics;
  std::vector<uint8_t> png;  // the embedded PNG file, as stored
};

class ColorBitmapFont {
 public:
  // Reads the whole file; `path` names it in every error.
  static ColorBitmapFont load(const std::string& path);
  // The same from bytes in memory; `source` names them in errors.
  static ColorBitmapFont parse(std::vector<uint8_t> bytes, const std::string& source);

  const std::string& source() const { return source_; }
  int num_glyphs() const { return num_glyphs_; }
  size_t num_mapped_codepoints() const;
  size_t num_ligatures() const;           // over every ligature lookup applied
  std::vector<int> strike_ppems() const;  // ppem_y of each strike, in file order

  // The glyph of one code point; 0 (.notdef) when unmapped.
  uint16_t glyph_for_codepoint(uint32_t cp) const;
  // The glyph of a whole emoji sequence, or nullopt when the sequence does not shape to one glyph
  // (a code point is unmapped, or no ligature joins all the pieces). Variation selectors
  // (FE0E/FE0F) that the cmap does not map are dropped first, as a shaper would; then the
  // ligature lookups are applied in lookup-list order, left to right, first matching ligature.
  std::optional<uint16_t> glyph_for_sequence(const std::vector<uint32_t>& codepoints) const;

  bool has_bitmap(uint16_t glyph) const;
  // The glyph's PNG from the strike with the largest ppem that holds it; nullopt when no strike
  // does. Throws naming the font, CBDT and the glyph when its record is malformed.
  std::optional<BitmapGlyph> bitmap(uint16_t glyph) const;

 private:
  struct GlyphLocation {
    uint32_t offset = 0, length = 0;  // in CBDT; for format 19 `length` is the whole record
    int image_format = 0;
    bool has_metrics = false;  // index formats 2 and 5 carry the big metrics
    BitmapGlyphMetrics metrics;
  };
  struct Strike {
    int ppem_x = 0, ppem_y = 0;
    std::map<uint16_t, GlyphLocation> glyphs;
  };
  struct Ligature {
    std::vector<uint16_t> rest;  // components after the first
    uint16_t result = 0;
  };
  // One ligature subtable: first glyph → its ligatures in preference order.
  using LigatureSubtable = std::map<uint16_t, std::vector<Ligature>>;

  void read_directory();
  void read_maxp();
  void read_cmap();
  void read_gsub();
  void read_cblc();
  std::vector<uint16_t> apply_ligatures(std::vector<uint16_t> glyphs) const;

  std::string source_;
  std::vector<uint8_t> bytes_;
  struct TableSpan {
    uint32_t offset = 0, length = 0;
  };
  std::map<std::string, TableSpan> tables_;
  int num_glyphs_ = 0;
  struct CmapRange {  // code points first..last map to glyphs first_glyph, first_glyph + 1, ...
    uint32_t first = 0, last = 0;
    uint32_t first_glyph = 0;
  };
  std::vector<CmapRange> cmap_;                                  // sorted, disjoint
  std::vector<std::vector<LigatureSubtable>> ligature_lookups_;  // lookup → its subtables
  std::vector<Strike> strikes_;
};

}  // namespace syn
