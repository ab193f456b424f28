// test_emoji_dataset.cpp — the emoji dataset builder without its Debian packages: a tiny CBDT/CBLC
// font is assembled in memory (glyph PNGs written with stb_image_write) in every index format,
// beside a tiny emoji-test.txt, to check table parsing, glyph and ligature lookup, compositing and
// box-filter values exactly, the split, the dataset file and contact sheet, and that truncated or
// corrupt tables are clear errors (never a crash). The last case runs on the real Noto Color
// Emoji and emoji-test.txt when installed (apt-get install fonts-noto-color-emoji unicode-data)
// and says it skipped otherwise.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>

#include "data/datasets/emoji_dataset.h"
#include "data/images/truetype_cbdt.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/config.h"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

using namespace syn;
namespace fs = std::filesystem;

namespace {

// ---- a font writer, just big enough for the tests ----

struct Bytes {
  std::vector<uint8_t> b;
  size_t size() const { return b.size(); }
  void u8(uint32_t v) { b.push_back((uint8_t)v); }
  void u16(uint32_t v) { u8(v >> 8), u8(v); }
  void u32(uint32_t v) { u16(v >> 16), u16(v & 0xFFFF); }
  void tag(const char* t) { b.insert(b.end(), t, t + 4); }
  void raw(const std::vector<uint8_t>& v) { b.insert(b.end(), v.begin(), v.end()); }
  void pad4() {
    while (b.size() % 4) u8(0);
  }
  void put16(size_t at, uint32_t v) { b[at] = (uint8_t)(v >> 8), b[at + 1] = (uint8_t)v; }
};

std::vector<uint8_t> png_of(int w, int h, const std::vector<uint8_t>& rgba) {
  int len = 0;
  unsigned char* p = stbi_write_png_to_mem(rgba.data(), w * 4, w, h, 4, &len);
  REQUIRE(p != nullptr);
  std::vector<uint8_t> out(p, p + len);
  STBIW_FREE(p);
  return out;
}

// Glyph ids of the test font.
enum : uint16_t {
  kNotdef,
  kHeart,
  kGuitar,
  kZwj,
  kFire,
  kHeartOnFire,
  kDancer,
  kTone,
  kDancerTone,
  kNumGlyphs
};

struct TestGlyph {
  uint16_t id;
  std::vector<uint8_t> png;
  BitmapGlyphMetrics m;
};

struct TestStrike {
  int ppem = 8;
  int index_format = 1;
  int image_format = 17;
  std::vector<TestGlyph> glyphs;  // ascending ids
};

struct FontSpec {
  int cmap_format = 12;
  bool extension_lookup = false;  // wrap the ligature lookup in a type 7 extension
  std::map<uint32_t, uint16_t> cmap = {{0x2764, kHeart}, {0x1F3B8, kGuitar}, {0x200D, kZwj},
                                       {0x1F525, kFire}, {0x1F483, kDancer}, {0x1F3FD, kTone}};
  std::vector<std::pair<std::vector<uint16_t>, uint16_t>> ligatures = {
      {{kHeart, kZwj, kFire}, kHeartOnFire}, {{kDancer, kTone}, kDancerTone}};
  std::vector<TestStrike> strikes;
};

Bytes cmap_table(const FontSpec& s) {
  Bytes t;
  t.u16(0), t.u16(1);
  if (s.cmap_format == 12) {
    t.u16(3), t.u16(10), t.u32(12);
    t.u16(12), t.u16(0), t.u32(16 + 12 * (uint32_t)s.cmap.size()), t.u32(0);
    t.u32((uint32_t)s.cmap.size());
    for (auto [cp, g] : s.cmap) t.u32(cp), t.u32(cp), t.u32(g);
  } else {  // format 4: the first segment by idDelta, the others through glyphIdArray
    t.u16(3), t.u16(1), t.u32(12);
    std::vector<std::pair<uint32_t, uint16_t>> m;
    for (auto [cp, g] : s.cmap)
      if (cp < 0xFFFF) m.emplace_back(cp, g);
    uint32_t segs = (uint32_t)m.size() + 1;
    t.u16(4), t.u16(0), t.u16(0), t.u16(2 * segs), t.u16(0), t.u16(0), t.u16(0);
    for (auto [cp, g] : m) t.u16(cp);
    t.u16(0xFFFF), t.u16(0);  // endCode terminator, reservedPad
    for (auto [cp, g] : m) t.u16(cp);
    t.u16(0xFFFF);
    for (size_t i = 0; i < m.size(); ++i) t.u16(i == 0 ? (uint16_t)(m[i].second - m[i].first) : 0);
    t.u16(1);
    size_t range_offsets = t.size();
    for (size_t i = 0; i < m.size(); ++i) t.u16(0);
    t.u16(0);
    for (size_t i = 1; i < m.size(); ++i) {  // idRangeOffset counts from its own position
      t.put16(range_offsets + 2 * i, (uint32_t)(t.size() - (range_offsets + 2 * i)));
      t.u16(m[i].second);
    }
  }
  return t;
}

Bytes gsub_table(const FontSpec& s) {
  // header | ScriptList (empty) | FeatureList (ccmp → lookup 0) | LookupList | subtable
  Bytes t;
  t.u16(1), t.u16(0), t.u16(10), t.u16(12), t.u16(26);
  t.u16(0);                                                         // ScriptList: no scripts
  t.u16(1), t.tag("ccmp"), t.u16(8), t.u16(0), t.u16(1), t.u16(0);  // FeatureList @12
  // LookupList @26: one lookup at +4
  t.u16(1), t.u16(4);
  size_t lookup = t.size();
  t.u16(s.extension_lookup ? 7 : 4), t.u16(0), t.u16(1), t.u16(8);
  size_t sub = t.size();
  if (s.extension_lookup) {
    t.u16(1), t.u16(4), t.u32(8);
    sub = t.size();
  }
  (void)lookup;
  // LigatureSubst format 1: coverage of first glyphs, one ligature set per first glyph.
  std::map<uint16_t, std::vector<std::pair<std::vector<uint16_t>, uint16_t>>> sets;
  for (auto& l : s.ligatures) sets[l.first[0]].push_back(l);
  Bytes body;  // everything after the subtable's own header and offset array
  size_t header = 6 + 2 * sets.size();
  size_t coverage_at = header + body.size();
  body.u16(1), body.u16((uint32_t)sets.size());
  for (auto& [first, v] : sets) body.u16(first);
  std::vector<uint32_t> set_offsets;
  for (auto& [first, v] : sets) {
    set_offsets.push_back((uint32_t)(header + body.size()));
    size_t set_start = body.size();
    body.u16((uint32_t)v.size());
    size_t offs = body.size();
    for (size_t k = 0; k < v.size(); ++k) body.u16(0);
    for (size_t k = 0; k < v.size(); ++k) {
      body.put16(offs + 2 * k, (uint32_t)(body.size() - set_start));
      body.u16(v[k].second), body.u16((uint32_t)v[k].first.size());
      for (size_t c = 1; c < v[k].first.size(); ++c) body.u16(v[k].first[c]);
    }
  }
  t.u16(1), t.u16((uint32_t)coverage_at), t.u16((uint32_t)sets.size());
  for (uint32_t o : set_offsets) t.u16(o);
  REQUIRE(t.size() - sub == header);
  t.raw(body.b);
  return t;
}

void glyph_record(Bytes& d, const TestGlyph& g, int image_format) {
  if (image_format == 17) {
    d.u8(g.m.height), d.u8(g.m.width), d.u8(g.m.bearing_x), d.u8(g.m.bearing_y), d.u8(g.m.advance);
  } else if (image_format == 18) {
    d.u8(g.m.height), d.u8(g.m.width), d.u8(g.m.bearing_x), d.u8(g.m.bearing_y), d.u8(g.m.advance);
    d.u8(0), d.u8(0), d.u8(g.m.advance);
  }
  d.u32((uint32_t)g.png.size());
  d.raw(g.png);
}

// CBLC and CBDT together: each strike has one index subtable.
std::pair<Bytes, Bytes> bitmap_tables(const FontSpec& s) {
  Bytes cblc, cbdt;
  cbdt.u16(3), cbdt.u16(0);
  cblc.u16(3), cblc.u16(0), cblc.u32((uint32_t)s.strikes.size());
  size_t records = cblc.size();
  for (size_t i = 0; i < s.strikes.size(); ++i)
    for (int k = 0; k < 48; ++k) cblc.u8(0);
  for (size_t si = 0; si < s.strikes.size(); ++si) {
    const TestStrike& st = s.strikes[si];
    uint16_t first = st.glyphs.front().id, last = st.glyphs.back().id;
    size_t image_data = cbdt.size();
    std::vector<uint32_t> starts;  // record offsets relative to image_data
    std::map<uint16_t, size_t> which;
    size_t fixed = 0;
    std::vector<Bytes> recs;
    for (const TestGlyph& g : st.glyphs) {
      Bytes r;
      glyph_record(r, g, st.image_format);
      fixed = std::max(fixed, r.size());
      recs.push_back(r);
    }
    bool constant = st.index_format == 2 || st.index_format == 5;
    for (Bytes& r : recs) {
      if (constant) r.b.resize(fixed, 0);  // constant imageSize: pad every record
      starts.push_back((uint32_t)(cbdt.size() - image_data));
      cbdt.raw(r.b);
    }
    uint32_t end = (uint32_t)(cbdt.size() - image_data);

    size_t array = cblc.size();
    cblc.u16(first), cblc.u16(last), cblc.u32(8);
    cblc.u16(st.index_format), cblc.u16(st.image_format), cblc.u32((uint32_t)image_data);
    auto metrics = [&] {
      const BitmapGlyphMetrics& m = st.glyphs.front().m;
      cblc.u8(m.height), cblc.u8(m.width), cblc.u8(m.bearing_x), cblc.u8(m.bearing_y);
      cblc.u8(m.advance), cblc.u8(0), cblc.u8(0), cblc.u8(m.advance);
    };
    if (st.index_format == 1 || st.index_format == 3) {
      // One offset per glyph id first..last (+1): ids without a bitmap get zero length.
      for (uint32_t id = first; id <= (uint32_t)last + 1; ++id) {
        uint32_t off = end;
        for (size_t k = 0; k < st.glyphs.size(); ++k)
          if (st.glyphs[k].id >= id) {
            off = starts[k];
            break;
          }
        st.index_format == 1 ? cblc.u32(off) : cblc.u16(off);
      }
      cblc.pad4();
    } else if (st.index_format == 2) {
      REQUIRE(last - first + 1 == (int)st.glyphs.size());
      cblc.u32((uint32_t)fixed);
      metrics();
    } else if (st.index_format == 4) {
      cblc.u32((uint32_t)st.glyphs.size());
      for (size_t k = 0; k < st.glyphs.size(); ++k) cblc.u16(st.glyphs[k].id), cblc.u16(starts[k]);
      cblc.u16(0), cblc.u16(end);
    } else {
      cblc.u32((uint32_t)fixed);
      metrics();
      cblc.u32((uint32_t)st.glyphs.size());
      for (const TestGlyph& g : st.glyphs) cblc.u16(g.id);
      cblc.pad4();
    }
    // The BitmapSize record.
    size_t r = records + 48 * si;
    auto put32 = [&](size_t at, uint32_t v) {
      cblc.put16(at, v >> 16), cblc.put16(at + 2, v & 0xFFFF);
    };
    put32(r, (uint32_t)array);
    put32(r + 4, (uint32_t)(cblc.size() - array));
    put32(r + 8, 1);
    cblc.put16(r + 40, first), cblc.put16(r + 42, last);
    cblc.b[r + 44] = (uint8_t)st.ppem, cblc.b[r + 45] = (uint8_t)st.ppem, cblc.b[r + 46] = 32;
    (void)which;
  }
  return {cblc, cbdt};
}

struct BuiltFont {
  std::vector<uint8_t> bytes;
  std::map<std::string, std::pair<uint32_t, uint32_t>> tables;  // tag → offset, length
};

BuiltFont build_font(const FontSpec& s) {
  Bytes maxp;
  maxp.u32(0x00005000), maxp.u16(kNumGlyphs);
  auto [cblc, cbdt] = bitmap_tables(s);
  std::vector<std::pair<const char*, Bytes>> tables = {{"CBDT", cbdt},
                                                       {"CBLC", cblc},
                                                       {"GSUB", gsub_table(s)},
                                                       {"cmap", cmap_table(s)},
                                                       {"maxp", maxp}};
  BuiltFont f;
  Bytes out;
  out.u32(0x00010000), out.u16((uint32_t)tables.size()), out.u16(0), out.u16(0), out.u16(0);
  uint32_t offset = 12 + 16 * (uint32_t)tables.size();
  for (auto& [tag, t] : tables) {
    out.tag(tag), out.u32(0), out.u32(offset), out.u32((uint32_t)t.size());
    f.tables[tag] = {offset, (uint32_t)t.size()};
    offset += ((uint32_t)t.size() + 3) & ~3u;
  }
  for (auto& [tag, t] : tables) {
    out.raw(t.b);
    out.pad4();
  }
  f.bytes = out.b;
  return f;
}

// Glyph art: a 4×2 picture (so the canvas pads it to 4×4) and solid squares.
std::vector<uint8_t> art_4x2() {
  return {255, 0,  0,  255, 0,   255, 0,  255, 0, 0, 255, 255, 255, 255, 255, 255,  //
          10,  20, 30, 0,   200, 100, 60, 51,  0, 0, 0,   255, 90,  60,  30,  255};
}
std::vector<uint8_t> solid(int w, int h, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
  std::vector<uint8_t> v;
  for (int i = 0; i < w * h; ++i) v.insert(v.end(), {r, g, b, a});
  return v;
}

FontSpec spec_with(int index_format, int image_format, int cmap_format = 12) {
  FontSpec s;
  s.cmap_format = cmap_format;
  TestStrike st;
  st.index_format = index_format;
  st.image_format = image_format;
  BitmapGlyphMetrics m{4, 2, 0, 2, 4};
  // Formats 2 (constant size, consecutive ids) needs every id first..last present.
  std::vector<uint16_t> ids = {kHeart, kGuitar, kHeartOnFire, kDancerTone};
  if (index_format == 2) ids = {kHeartOnFire, kDancer, kTone, kDancerTone};
  for (uint16_t id : ids) {
    std::vector<uint8_t> px = id == kHeart        ? art_4x2()
                              : id == kGuitar     ? solid(4, 2, 0, 200, 0, 255)
                              : id == kDancerTone ? solid(4, 2, 10, 20, 30, 128)
                                                  : solid(4, 2, 200, 40, 0, 255);
    st.glyphs.push_back({id, png_of(4, 2, px), m});
  }
  s.strikes.push_back(st);
  return s;
}

ColorBitmapFont parse_font(const BuiltFont& f, const std::string& name = "test.ttf") {
  return ColorBitmapFont::parse(f.bytes, name);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const char* kEmojiTest =
    "# emoji-test.txt (miniature)\r\n"
    "# group: Smileys & Emotion\n"
    "\n"
    "# subgroup: heart\n"
    "2764 FE0F 200D 1F525                                   ; fully-qualified     # "
    "\xE2\x9D\xA4\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x94\xA5 E13.1 heart on fire\n"
    "2764 200D 1F525                                        ; unqualified         # x E13.1 heart "
    "on fire\n"
    "2764 FE0F                                              ; fully-qualified     # x E0.6 red "
    "heart\n"
    "2764                                                   ; unqualified         # x E0.6 red "
    "heart\r\n"
    "# subgroup: face-smiling\n"
    "1F600                                                  ; fully-qualified     # x E1.0 "
    "grinning face\n"
    "# group: People & Body\n"
    "# subgroup: person-activity\n"
    "1F483                                                  ; fully-qualified     # x E1.0 woman "
    "dancing\n"
    "1F483 1F3FD                                            ; fully-qualified     # x E1.0 woman "
    "dancing: medium skin tone\n"
    "1F6B6                                                  ; fully-qualified     # x E0.6 person "
    "walking\n"
    "# group: Component\n"
    "# subgroup: skin-tone\n"
    "1F3FD                                                  ; component           # x E1.0 medium "
    "skin tone\n"
    "# group: Objects\n"
    "# subgroup: musical-instrument\n"
    "1F3B8                                                  ; fully-qualified     # "
    "\xF0\x9F\x8E\xB8 E0.6 guitar\n"
    "1FA87                                                  ; fully-qualified     # x E15.0 "
    "maracas\n";

std::vector<VocabularyRule> test_vocabulary() {
  return {{"Smileys & Emotion", "heart", {}, "hearts"},
          {"People & Body", "person-activity", {"dancing"}, "dancers"},
          {"Objects", "musical-instrument", {}, "instruments"}};
}

fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("syn_test_emoji_" + std::to_string(getpid()));
  fs::create_directories(d);
  return d / name;
}

}  // namespace

TEST_CASE("an in-memory CBDT font: cmap, ligatures and PNG bitmaps in every index format") {
  struct Variant {
    int index_format, image_format, cmap_format;
  };
  for (Variant v : {Variant{1, 17, 12}, Variant{1, 18, 4}, Variant{3, 17, 12}, Variant{4, 18, 12},
                    Variant{2, 19, 12}, Variant{5, 19, 4}, Variant{5, 17, 12}}) {
    INFO("index format ", v.index_format, ", image format ", v.image_format, ", cmap format ",
         v.cmap_format);
    FontSpec spec = spec_with(v.index_format, v.image_format, v.cmap_format);
    ColorBitmapFont font = parse_font(build_font(spec));
    CHECK(font.num_glyphs() == kNumGlyphs);
    CHECK(font.num_ligatures() == 2);
    CHECK(font.strike_ppems() == std::vector<int>{8});
    // Format 4 holds the BMP only: U+200D through idDelta, U+2764 through glyphIdArray.
    bool full = v.cmap_format == 12;
    CHECK(font.glyph_for_codepoint(0x2764) == kHeart);
    CHECK(font.glyph_for_codepoint(0x200D) == kZwj);
    CHECK(font.glyph_for_codepoint(0x1F3B8) == (full ? kGuitar : 0));
    CHECK(font.glyph_for_codepoint(0x1F525) == (full ? kFire : 0));
    CHECK(font.glyph_for_codepoint(0x1F600) == 0);
    CHECK(font.glyph_for_codepoint(0xFE0F) == 0);
    CHECK(font.glyph_for_codepoint(0x2765) == 0);
    CHECK(font.num_mapped_codepoints() == (full ? 6u : 2u));

    if (full) {
      // Sequences: FE0F is dropped, the ZWJ sequence and the skin tone become one glyph.
      CHECK(font.glyph_for_sequence({0x2764, 0xFE0F, 0x200D, 0x1F525}) == kHeartOnFire);
      CHECK(font.glyph_for_sequence({0x2764, 0x200D, 0x1F525}) == kHeartOnFire);
      CHECK(font.glyph_for_sequence({0x1F483, 0x1F3FD}) == kDancerTone);
      CHECK(font.glyph_for_sequence({0x1F483}) == kDancer);
      CHECK(font.glyph_for_sequence({0x2764, 0xFE0F}) == kHeart);
      CHECK_FALSE(font.glyph_for_sequence({0x2764, 0x200D}).has_value());  // no ligature
      CHECK_FALSE(font.glyph_for_sequence({0x1F3B8, 0x1F3B8}).has_value());
      CHECK_FALSE(font.glyph_for_sequence({0x1F600}).has_value());  // unmapped
      CHECK_FALSE(font.glyph_for_sequence({0xFE0F}).has_value());
      CHECK_FALSE(font.glyph_for_sequence({}).has_value());
    }

    const TestStrike& st = spec.strikes[0];
    for (const TestGlyph& g : st.glyphs) {
      INFO("glyph ", g.id);
      REQUIRE(font.has_bitmap(g.id));
      auto b = font.bitmap(g.id);
      REQUIRE(b.has_value());
      CHECK(b->png == g.png);
      CHECK(b->image_format == v.image_format);
      CHECK(b->ppem_y == 8);
      CHECK(b->metrics.width == 4);
      CHECK(b->metrics.height == 2);
      CHECK(b->metrics.bearing_y == 2);
      CHECK(b->metrics.advance == 4);
    }
    CHECK_FALSE(font.has_bitmap(kZwj));
    CHECK_FALSE(font.bitmap(kZwj).has_value());
    CHECK_FALSE(font.bitmap(kNumGlyphs + 5).has_value());
  }
}

TEST_CASE("extension lookups, and the largest strike wins") {
  FontSpec spec = spec_with(1, 17);
  spec.extension_lookup = true;
  TestStrike small = spec.strikes[0];
  small.ppem = 4;
  for (TestGlyph& g : small.glyphs) g.png = png_of(1, 1, solid(1, 1, 1, 2, 3, 255));
  spec.strikes.insert(spec.strikes.begin(), small);  // the small strike comes first in the file
  ColorBitmapFont font = parse_font(build_font(spec));
  CHECK(font.strike_ppems() == std::vector<int>{4, 8});
  CHECK(font.glyph_for_sequence({0x1F483, 0x1F3FD}) == kDancerTone);
  auto b = font.bitmap(kGuitar);
  REQUIRE(b.has_value());
  CHECK(b->ppem_y == 8);
  CHECK(b->png == spec.strikes[1].glyphs[1].png);
}

TEST_CASE("truncated and corrupt tables are errors naming the font and the table") {
  FontSpec spec = spec_with(1, 17);
  BuiltFont good = build_font(spec);
  auto corrupt = [&](const std::function<void(BuiltFont&)>& edit) {
    BuiltFont f = good;
    edit(f);
    return error_of([&] {
      ColorBitmapFont font = parse_font(f, "bad.ttf");
      for (uint16_t g = 0; g < kNumGlyphs; ++g) font.bitmap(g);
    });
  };
  auto at = [&](BuiltFont& f, const char* tag, size_t off) -> uint8_t& {
    return f.bytes[f.tables.at(tag).first + off];
  };
  auto set32 = [&](BuiltFont& f, const char* tag, size_t off, uint32_t v) {
    for (int k = 0; k < 4; ++k) at(f, tag, off + k) = (uint8_t)(v >> (24 - 8 * k));
  };

  std::string e = corrupt([](BuiltFont& f) { f.bytes.resize(f.bytes.size() - 10); });
  CHECK(contains(e, "font 'bad.ttf'"));
  CHECK(contains(e, "extends past the end of the file"));
  e = corrupt([](BuiltFont& f) { f.bytes.resize(7); });
  CHECK(contains(e, "table 'table directory'"));
  e = corrupt([](BuiltFont& f) { f.bytes = {'t', 't', 'c', 'f', 0, 0, 0, 0}; });
  CHECK(contains(e, "font collection"));
  e = corrupt([](BuiltFont& f) { f.bytes[0] = 'X'; });
  CHECK(contains(e, "not a TrueType font"));
  e = corrupt([](BuiltFont& f) { std::memcpy(&f.bytes[12], "CBDX", 4); });  // first record: CBDT
  CHECK(contains(e, "has no 'CBDT' table"));
  CHECK(contains(e, "colour bitmap"));

  // CBLC: the IndexSubTableArray offset beyond the table; an offset past the end of CBDT.
  e = corrupt([&](BuiltFont& f) { set32(f, "CBLC", 8, 0x00FFFFFF); });
  CHECK(contains(e, "table 'CBLC'"));
  CHECK(contains(e, "IndexSubTableArray"));
  e = corrupt([&](BuiltFont& f) {
    size_t array = 8 + 48;
    set32(f, "CBLC", array + 8 + 8 + 4 * 2, 0x00100000);  // sbitOffsets[first + 2]
  });
  CHECK(contains(e, "table 'CBLC'"));
  CHECK(contains(e, "past the end of CBDT"));
  e = corrupt([&](BuiltFont& f) { at(f, "CBLC", 8 + 48 + 8 + 1) = 9; });  // indexFormat 9
  CHECK(contains(e, "unknown indexFormat 9"));
  e = corrupt([&](BuiltFont& f) { set32(f, "CBLC", 4, 1000); });  // numSizes
  CHECK(contains(e, "BitmapSize records"));

  // CBDT: a dataLen beyond the glyph's record, and a record that is not a PNG.
  e = corrupt([&](BuiltFont& f) { set32(f, "CBDT", 4 + 5, 0x7FFFFFF0); });
  CHECK(contains(e, "table 'CBDT'"));
  CHECK(contains(e, "glyph 1"));
  CHECK(contains(e, "PNG data"));
  e = corrupt([&](BuiltFont& f) { at(f, "CBDT", 4 + 5 + 4 + 1) = 'X'; });
  CHECK(contains(e, "not a PNG"));

  // cmap, maxp and GSUB.
  e = corrupt([&](BuiltFont& f) { set32(f, "cmap", 12 + 12, 0x10000000); });  // numGroups
  CHECK(contains(e, "table 'cmap'"));
  CHECK(contains(e, "format 12 groups"));
  e = corrupt([&](BuiltFont& f) { at(f, "maxp", 5) = 2; });  // numGlyphs = 2
  CHECK(contains(e, "maps to glyph"));
  e = corrupt([&](BuiltFont& f) { at(f, "GSUB", 9) = 0xF0; });  // lookupListOffset
  CHECK(contains(e, "table 'GSUB'"));
  CHECK(contains(e, "LookupList"));

  // Every single-byte corruption of the parsed tables (not the PNGs) either still loads or is
  // a syn::Error: nothing else escapes and nothing reads out of bounds.
  ColorBitmapFont reference = parse_font(good);
  int errors = 0, loads = 0;
  for (const char* tag : {"cmap", "maxp", "GSUB", "CBLC"}) {
    auto [offset, length] = good.tables.at(tag);
    for (uint32_t i = 0; i < length; ++i)
      for (uint8_t value : {uint8_t(0xFF), uint8_t(0x00), uint8_t(0x7F)}) {
        BuiltFont f = good;
        f.bytes[offset + i] ^= value == 0 ? f.bytes[offset + i] : value;
        try {
          ColorBitmapFont font = ColorBitmapFont::parse(f.bytes, "fuzz.ttf");
          font.glyph_for_sequence({0x2764, 0xFE0F, 0x200D, 0x1F525});
          font.glyph_for_sequence({0x1F483, 0x1F3FD});
          for (uint16_t g = 0; g < kNumGlyphs; ++g)
            if (auto b = font.bitmap(g)) decode_png(b->png, "glyph");
          ++loads;
        } catch (const Error& err) {
          CHECK(contains(err.what(), "fuzz.ttf"));
          ++errors;
        }
      }
  }
  MESSAGE("single-byte corruptions: ", errors, " clear errors, ", loads, " still load");
  CHECK(errors > 50);  // the checks did fire
  CHECK(loads > 50);
  (void)reference;
}

TEST_CASE("emoji-test.txt: groups, subgroups, status, version and CLDR names") {
  auto entries = parse_emoji_test(kEmojiTest, "mini.txt");
  REQUIRE(entries.size() == 11);
  const EmojiTestEntry& fire = entries[0];
  CHECK(fire.codepoints == std::vector<uint32_t>{0x2764, 0xFE0F, 0x200D, 0x1F525});
  CHECK(fire.status == "fully-qualified");
  CHECK(fire.version == "E13.1");
  CHECK(fire.name == "heart on fire");
  CHECK(fire.group == "Smileys & Emotion");
  CHECK(fire.subgroup == "heart");
  CHECK(fire.line == 5);
  CHECK(entries[3].name == "red heart");  // a CRLF line
  CHECK(entries[3].status == "unqualified");
  CHECK(entries[6].name == "woman dancing: medium skin tone");
  CHECK(entries[6].group == "People & Body");
  CHECK(has_skin_tone(entries[6]));
  CHECK_FALSE(has_skin_tone(entries[5]));
  CHECK(entries[8].status == "component");
  CHECK(entries[10].subgroup == "musical-instrument");
  CHECK(codepoints_hex(fire.codepoints) == "2764 FE0F 200D 1F525");

  struct Bad {
    const char* text;
    const char* part;
  };
  for (Bad b :
       {Bad{"1F600 ; fully-qualified # x E1.0 grinning face\n", "before any group"},
        Bad{"# group: G\n# subgroup: s\n1F6ZZ ; fully-qualified # x E1.0 a\n", "not a hexadecimal"},
        Bad{"# group: G\n# subgroup: s\n\n1F600 ; qualified # x E1.0 a\n", "unknown status"},
        Bad{"# group: G\n# subgroup: s\n1F600 ; fully-qualified # x E1.0\n", "name"},
        Bad{"# group: G\n# subgroup: s\n1F600 fully-qualified # x E1.0 a\n", "expected"},
        Bad{"# group: G\n# subgroup: s\n1F600 ; fully-qualified # x 1.0 a\n", "version"},
        Bad{"# group: G\n# subgroup: s\n110000 ; fully-qualified # x E1.0 a\n",
            "beyond U+10FFFF"}}) {
    std::string e = error_of([&] { parse_emoji_test(b.text, "bad.txt"); });
    INFO(b.text, " -> ", e);
    CHECK(contains(e, "bad.txt:"));
    CHECK(contains(e, b.part));
  }
  CHECK(contains(
      error_of([] { parse_emoji_test("# group: G\n# subgroup: s\n\n\nZZ ; x # y\n", "l.txt"); }),
      "l.txt:5:"));
  CHECK(contains(error_of([] { load_emoji_test("/nonexistent/emoji-test.txt"); }),
                 "/nonexistent/emoji-test.txt"));
}

TEST_CASE("vocabulary selection: subgroups, name words, status and skin tones") {
  auto entries = parse_emoji_test(kEmojiTest, "mini.txt");
  auto names = [](const std::vector<EmojiTestEntry>& v) {
    std::vector<std::string> out;
    for (auto& e : v) out.push_back(e.name);
    return out;
  };
  auto with = select_vocabulary(entries, test_vocabulary(), true);
  CHECK(names(with) == std::vector<std::string>{"heart on fire", "red heart", "woman dancing",
                                                "woman dancing: medium skin tone", "guitar",
                                                "maracas"});
  auto without = select_vocabulary(entries, test_vocabulary(), false);
  CHECK(names(without) == std::vector<std::string>{"heart on fire", "red heart", "woman dancing",
                                                   "guitar", "maracas"});
  // The project's vocabulary takes the same lines from this miniature (its rules are broader).
  CHECK(names(select_vocabulary(entries, music_picture_vocabulary(), true)) == names(with));
  // Every rule of the shipped vocabulary is documented.
  for (const VocabularyRule& r : music_picture_vocabulary()) CHECK_FALSE(r.why.empty());
}

TEST_CASE("the held-out split is a stable hash of the name before its qualifier") {
  // FNV-1a 64 test vectors (Fowler, Noll, Vo).
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
  CHECK(split_key("woman dancing: medium skin tone") == "woman dancing");
  CHECK(split_key("guitar") == "guitar");
  // fnv1a64(key) % 100: guitar 47, drum 13, woman dancing 41, red heart 28.
  CHECK(is_held_out("guitar", 48));
  CHECK_FALSE(is_held_out("guitar", 47));
  CHECK(is_held_out("drum", 14));
  CHECK_FALSE(is_held_out("drum", 13));
  for (const char* tone : {"", ": light skin tone", ": medium skin tone", ": dark skin tone"}) {
    CHECK(is_held_out(std::string("woman dancing") + tone, 42));
    CHECK_FALSE(is_held_out(std::string("woman dancing") + tone, 41));
  }
  CHECK_FALSE(is_held_out("red heart", 0));
  CHECK(is_held_out("red heart", 100));
}

TEST_CASE("compositing on the grey background and exact box-filter downsampling") {
  // A 4×2 RGBA picture through PNG and back.
  RgbaImage img = decode_png(png_of(4, 2, art_4x2()), "art");
  CHECK(img.width == 4);
  CHECK(img.height == 2);
  CHECK(img.rgba == art_4x2());
  CHECK(contains(error_of([] { decode_png({1, 2, 3}, "junk glyph"); }), "junk glyph"));

  // Centred on a 4×4 canvas: rows 0 and 3 are background, rows 1-2 the picture.
  const int bg = 100;
  std::vector<double> c = composite_square(img, bg);
  REQUIRE(c.size() == 3 * 16);
  auto px = [&](int ch, int y, int x) { return c[(size_t)ch * 16 + y * 4 + x]; };
  CHECK(px(0, 0, 0) == 100);
  CHECK(px(2, 3, 3) == 100);
  CHECK(px(0, 1, 0) == 255);  // opaque red
  CHECK(px(1, 1, 0) == 0);
  CHECK(px(0, 2, 0) == 100);  // fully transparent: background
  // alpha 51/255 = 0.2: 0.2·200 + 0.8·100 = 120, 0.2·100 + 80 = 100, 0.2·60 + 80 = 92
  CHECK(px(0, 2, 1) == doctest::Approx(120).epsilon(1e-12));
  CHECK(px(1, 2, 1) == doctest::Approx(100).epsilon(1e-12));
  CHECK(px(2, 2, 1) == doctest::Approx(92).epsilon(1e-12));

  // 4×4 → 2×2: means of 2×2 blocks. Top-left block: bg, bg, red, green.
  std::vector<uint8_t> r2 = render_emoji(img, 2, bg);
  REQUIRE(r2.size() == 12);
  CHECK(r2[0] == 114);  // R: (100 + 100 + 255 + 0) / 4 = 113.75
  CHECK(r2[4] == 114);  // G: (100 + 100 + 0 + 255) / 4
  CHECK(r2[8] == 50);   // B: (100 + 100 + 0 + 0) / 4
  // Bottom-left block, rows 2-3 × cols 0-1: the transparent pixel (background), the 20% one,
  // and two background pixels: R (100 + 120 + 200) / 4 = 105, G 100, B (100 + 92 + 200) / 4 = 98.
  CHECK(r2[2] == 105);
  CHECK(r2[6] == 100);
  CHECK(r2[10] == 98);
  // Bottom-right block: black and (90, 60, 30) over two background pixels; R and B are exact
  // halves, which round up: R (0 + 90 + 200) / 4 = 72.5.
  CHECK(r2[3] == 73);
  CHECK(r2[7] == 65);   // (0 + 60 + 100 + 100) / 4
  CHECK(r2[11] == 58);  // (0 + 30 + 100 + 100) / 4 = 57.5

  // Fractional footprints: 3 → 2 weights 1, ½ | ½, 1 (over 1.5); 2 → 3 upsamples by area.
  std::vector<double> a = area_resize({0, 30, 60}, 1, 1, 3, 1, 2);
  CHECK(a[0] == doctest::Approx(10).epsilon(1e-12));
  CHECK(a[1] == doctest::Approx(50).epsilon(1e-12));
  std::vector<double> u = area_resize({0, 90}, 1, 1, 2, 1, 3);
  CHECK(u == std::vector<double>{0, 45, 90});
  // 2-D with two channels: 3×3 → 2×2 of a ramp keeps the exact area means.
  std::vector<double> ramp = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9};
  std::vector<double> d = area_resize(ramp, 2, 3, 3, 2, 2);
  // Top-left output covers rows [0,1.5) × cols [0,1.5): weights 1,½ / ½,¼ over 2.25.
  CHECK(d[0] == doctest::Approx((0 + 0.5 * 1 + 0.5 * 3 + 0.25 * 4) / 2.25).epsilon(1e-12));
  CHECK(d[3] == doctest::Approx((0.25 * 4 + 0.5 * 5 + 0.5 * 7 + 8) / 2.25).epsilon(1e-12));
  for (int k = 4; k < 8; ++k) CHECK(d[k] == doctest::Approx(9).epsilon(1e-12));
  // 136 → 64 (the Noto case) of a constant is that constant; weights sum exactly to 1.
  std::vector<double> flat(136 * 136, 37.0);
  for (double v : area_resize(flat, 1, 136, 136, 64, 64))
    CHECK(v == doctest::Approx(37).epsilon(1e-12));
  CHECK(contains(error_of([] { area_resize({1, 2}, 1, 1, 3, 1, 1); }), "area_resize"));
}

TEST_CASE("the dataset from the miniature sources: items, images, file and contact sheet") {
  FontSpec spec = spec_with(1, 17);
  ColorBitmapFont font = parse_font(build_font(spec));
  auto entries = parse_emoji_test(kEmojiTest, "mini.txt");
  EmojiBuildOptions o;
  o.sizes = {4, 2};
  o.background = 100;
  // fnv1a64(key) % 100: heart on fire 24, red heart 28, woman dancing 41, guitar 47.
  o.holdout_percent = 42;
  o.vocabulary = test_vocabulary();
  EmojiBuildReport report;
  EmojiDataset ds = build_emoji_dataset(font, entries, o, &report);

  // Selected: heart on fire, red heart, woman dancing (+ medium skin tone), guitar, maracas. The
  // test font has no bitmap for the plain dancer and no glyph for maracas.
  CHECK(report.fully_qualified == 8);
  CHECK(report.selected == 6);
  CHECK(report.missing == std::vector<std::string>{"woman dancing (1F483)", "maracas (1FA87)"});
  REQUIRE(ds.items.size() == 4);
  CHECK(ds.items[0].caption == "heart on fire");
  CHECK(ds.items[0].codepoints == "2764 FE0F 200D 1F525");
  CHECK(ds.items[2].caption == "woman dancing: medium skin tone");
  CHECK(ds.items[2].group == "People & Body");
  CHECK(ds.items[0].held_out);
  CHECK(ds.items[1].held_out);
  CHECK(ds.items[2].held_out);
  CHECK_FALSE(ds.items[3].held_out);  // guitar
  CHECK(report.per_subgroup.at("Objects / musical-instrument") == 1);
  CHECK(report.per_subgroup.at("Smileys & Emotion / heart") == 2);
  CHECK(report.per_subgroup_heldout.at("People & Body / person-activity") == 1);
  CHECK(report.per_subgroup_heldout.at("Smileys & Emotion / heart") == 2);
  CHECK(report.per_subgroup_heldout.at("Objects / musical-instrument") == 0);
  CHECK(contains(report.to_string(), "total: 4 images"));
  CHECK(ds.sizes == std::vector<int>{2, 4});
  CHECK(ds.images_at(4).shape() == Shape{4, 3, 4, 4});
  CHECK(ds.images_at(2).shape() == Shape{4, 3, 2, 2});
  CHECK(contains(error_of([&] { ds.images_at(8); }), "has no images of size 8"));

  // Guitar: solid (0, 200, 0) on rows 1-2 of the 4×4 canvas, background 100 above and below.
  std::vector<float> g4 = ds.images_at(4).to_vector();
  const size_t guitar4 = 3 * 48;
  CHECK(g4[guitar4 + 0] == 100);            // R, row 0
  CHECK(g4[guitar4 + 4] == 0);              // R, row 1
  CHECK(g4[guitar4 + 16 + 4] == 200);       // G, row 1
  CHECK(g4[guitar4 + 32 + 12 + 3] == 100);  // B, row 3
  // At 2×2 every pixel mixes one background row and one glyph row: R 50, G 150, B 50.
  std::vector<float> g2 = ds.images_at(2).to_vector();
  for (int k = 0; k < 4; ++k) {
    CHECK(g2[3 * 12 + k] == 50);
    CHECK(g2[3 * 12 + 4 + k] == 150);
    CHECK(g2[3 * 12 + 8 + k] == 50);
  }
  // The skin-tone dancer: (10, 20, 30) at alpha 128/255 over 100 → 54.82, 59.84, 64.86.
  CHECK(g4[2 * 48 + 4] == 55);
  CHECK(g4[2 * 48 + 16 + 4] == 60);
  CHECK(g4[2 * 48 + 32 + 4] == 65);
  CHECK(ds.indices(true) == std::vector<int64_t>{0, 1, 2});
  CHECK(ds.indices(false) == std::vector<int64_t>{3});

  // Saved and loaded back: identical values (0..255 are exact in fp16) and metadata.
  ds.meta["sources"] = "mini";
  std::string path = scratch("emoji.ckpt").string();
  save_emoji_dataset(path, ds);
  EmojiDataset back = load_emoji_dataset(path);
  REQUIRE(back.items.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(back.items[i].name == ds.items[i].name);
    CHECK(back.items[i].caption == ds.items[i].caption);
    CHECK(back.items[i].subgroup == ds.items[i].subgroup);
    CHECK(back.items[i].codepoints == ds.items[i].codepoints);
    CHECK(back.items[i].held_out == ds.items[i].held_out);
  }
  CHECK(back.sizes == ds.sizes);
  CHECK(back.background == 100);
  CHECK(back.images_at(4).to_vector() == g4);
  CHECK(back.images_at(2).to_vector() == g2);
  CHECK(back.meta.at("sources") == "mini");
  CHECK(contains(back.meta.at("licences"), "Apache License 2.0"));
  CHECK(contains(back.meta.at("licences"), "Open Font License 1.1"));

  // A plain checkpoint is not a dataset.
  std::string other = scratch("other.ckpt").string();
  save_checkpoint(other, Checkpoint{{{"w", Tensor::zeros({2})}}, {}});
  CHECK(contains(error_of([&] { load_emoji_dataset(other); }), "is not an emoji dataset"));

  // Contact sheet: 3 columns of 4-pixel images with 2-pixel gutters; items 0-2 framed in orange.
  std::string sheet = scratch("sheet.png").string();
  write_contact_sheet(sheet, ds, 4, 3);
  int w = 0, h = 0, n = 0;
  unsigned char* p = stbi_load(sheet.c_str(), &w, &h, &n, 3);
  REQUIRE(p != nullptr);
  CHECK(w == 24);
  CHECK(h == 16);
  auto sheet_px = [&](int x, int y, int ch) { return (int)p[(y * w + x) * 3 + ch]; };
  CHECK(sheet_px(0, 8, 0) == 75);    // gutter (3/4 of the background) around item 3
  CHECK(sheet_px(12, 12, 1) == 75);  // the empty cells of the last row
  CHECK(sheet_px(16, 0, 0) == 255);  // item 2's frame
  CHECK(sheet_px(16, 0, 1) == 140);
  CHECK(sheet_px(0, 0, 2) == 0);                // item 0's frame
  CHECK(sheet_px(2 + 0, 8 + 2 + 1, 1) == 200);  // item 3 (guitar), row 1, G
  CHECK(sheet_px(2 + 0, 8 + 2 + 0, 1) == 100);  // its row 0: background
  stbi_image_free(p);
  fs::remove_all(fs::path(path).parent_path());

  // Options are checked.
  EmojiBuildOptions bad = o;
  bad.sizes = {4, 4};
  CHECK(contains(error_of([&] { build_emoji_dataset(font, entries, bad, nullptr); }), "twice"));
  bad = o;
  bad.background = 300;
  CHECK(
      contains(error_of([&] { build_emoji_dataset(font, entries, bad, nullptr); }), "background"));
  bad = o;
  bad.vocabulary = {{"Flags", "flag", {}, "none in the test font"}};
  CHECK(
      contains(error_of([&] { build_emoji_dataset(font, entries, bad, nullptr); }), "none of the"));
}

TEST_CASE("the real Noto Color Emoji and emoji-test.txt (when installed)") {
  const std::string font_path = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";
  const std::string test_path = "/usr/share/unicode/emoji/emoji-test.txt";
  if (!fs::exists(font_path) || !fs::exists(test_path)) {
    MESSAGE("skipped: needs apt-get install fonts-noto-color-emoji unicode-data");
    return;
  }
  ColorBitmapFont font = ColorBitmapFont::load(font_path);
  CHECK(font.num_glyphs() > 3000);
  CHECK(font.num_ligatures() > 3000);
  uint16_t guitar = font.glyph_for_codepoint(0x1F3B8);
  REQUIRE(guitar != 0);
  auto b = font.bitmap(guitar);
  REQUIRE(b.has_value());
  CHECK(b->image_format == 17);
  RgbaImage img = decode_png(b->png, "guitar");
  CHECK(img.width == b->metrics.width);
  CHECK(img.height == b->metrics.height);
  // Sequences resolve to their own glyphs: skin tone, ZWJ (singer), heart on fire, keycap.
  auto dancer = font.glyph_for_sequence({0x1F483});
  auto dancer_tone = font.glyph_for_sequence({0x1F483, 0x1F3FD});
  REQUIRE(dancer.has_value());
  REQUIRE(dancer_tone.has_value());
  CHECK(*dancer != *dancer_tone);
  CHECK(font.glyph_for_sequence({0x1F469, 0x200D, 0x1F3A4}).has_value());
  CHECK(font.glyph_for_sequence({0x2764, 0xFE0F, 0x200D, 0x1F525}).has_value());
  CHECK(font.glyph_for_sequence({0x0023, 0xFE0F, 0x20E3}).has_value());

  auto entries = load_emoji_test(test_path);
  EmojiBuildOptions o;
  EmojiBuildReport report;
  EmojiDataset ds = build_emoji_dataset(font, entries, o, &report);
  MESSAGE("real font: ", ds.items.size(), " images, ", ds.indices(true).size(), " held out");
  CHECK(report.missing.empty());
  CHECK(ds.items.size() >= 200);
  size_t held = ds.indices(true).size();
  CHECK(held >= ds.items.size() / 30);
  CHECK(held <= ds.items.size() / 4);
  for (auto& [key, n] : report.per_subgroup) {
    INFO(key);
    CHECK(n > 0);  // every vocabulary rule still finds its emoji
  }
  // The 32-pixel images are the 64-pixel ones box-filtered by 2 (up to rounding of each).
  std::vector<float> s32 = ds.images_at(32).to_vector(), s64 = ds.images_at(64).to_vector();
  float worst = 0;
  for (size_t i = 0; i < ds.items.size() * 3; ++i)
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x) {
        const float* q = &s64[(i * 64 + 2 * y) * 64 + 2 * x];
        float mean = (q[0] + q[1] + q[64] + q[65]) / 4;
        worst = std::max(worst, std::fabs(s32[(i * 32 + y) * 32 + x] - mean));
      }
  CHECK(worst <= 1.0f);

  // The file the trainer reads gives back the same images and captions.
  std::string path = scratch("noto.ckpt").string();
  save_emoji_dataset(path, ds);
  EmojiDataset back = load_emoji_dataset(path);
  fs::remove_all(fs::path(path).parent_path());
  REQUIRE(back.items.size() == ds.items.size());
  CHECK(back.images_at(32).to_vector() == s32);
  CHECK(back.images_at(64).to_vector() == s64);
  size_t same = 0;
  for (size_t i = 0; i < ds.items.size(); ++i)
    same += back.items[i].caption == ds.items[i].caption &&
            back.items[i].held_out == ds.items[i].held_out;
  CHECK(same == ds.items.size());
}

TEST_CASE("the builder's config documents every key and matches the library defaults") {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/build_emoji_dataset.yaml");
  CHECK(cfg.undocumented_keys().empty());
  EmojiBuildOptions o;
  CHECK(cfg.get_string("sizes") == "32,64");
  CHECK(o.sizes == std::vector<int>{32, 64});
  CHECK(cfg.get_int("background") == o.background);
  CHECK(cfg.get_int("holdout_percent") == o.holdout_percent);
  CHECK(cfg.get_bool("keep_skin_tones") == o.keep_skin_tones);
  CHECK(cfg.get_int("contact_sheet_size") == 64);
}
