// truetype_cbdt.cpp — see truetype_cbdt.h. All reads go through TableReader, which checks every
// offset against the table's length before touching a byte, so a malformed font can only ever
// produce an error naming the font, the table and the field.
#include "data/images/truetype_cbdt.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>

#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn {

namespace {

// A bounds-checked big-endian view of one table (or of the table directory).
class TableReader {
 public:
  TableReader(const std::string& source, std::string table, const uint8_t* data, size_t size)
      : source_(source), table_(std::move(table)), data_(data), size_(size) {}

  size_t size() const { return size_; }

  template <class... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    SYN_FAIL("font '", source_, "': table '", table_, "': ", parts...);
  }
  // Checks that [offset, offset + n) lies inside the table; `what` names the field.
  void need(uint64_t offset, uint64_t n, const std::string& what) const {
    if (offset > size_ || n > size_ - offset)
      fail(what, " at offset ", offset, " needs ", n, " bytes but the table has ", size_,
           " (truncated or corrupt offset)");
  }
  uint8_t u8(uint64_t at, const std::string& what) const {
    need(at, 1, what);
    return data_[at];
  }
  int8_t i8(uint64_t at, const std::string& what) const { return (int8_t)u8(at, what); }
  uint16_t u16(uint64_t at, const std::string& what) const {
    need(at, 2, what);
    return (uint16_t)(data_[at] << 8 | data_[at + 1]);
  }
  uint32_t u32(uint64_t at, const std::string& what) const {
    need(at, 4, what);
    return (uint32_t)data_[at] << 24 | (uint32_t)data_[at + 1] << 16 |
           (uint32_t)data_[at + 2] << 8 | data_[at + 3];
  }
  std::string tag(uint64_t at, const std::string& what) const {
    need(at, 4, what);
    return std::string(reinterpret_cast<const char*>(data_ + at), 4);
  }
  const uint8_t* bytes(uint64_t at, uint64_t n, const std::string& what) const {
    need(at, n, what);
    return data_ + at;
  }

 private:
  const std::string& source_;
  std::string table_;
  const uint8_t* data_;
  size_t size_;
};

std::string str(uint64_t v) { return std::to_string(v); }

BitmapGlyphMetrics big_metrics(const TableReader& r, uint64_t at, const std::string& what) {
  BitmapGlyphMetrics m;
  m.height = r.u8(at, what + " height");
  m.width = r.u8(at + 1, what + " width");
  m.bearing_x = r.i8(at + 2, what + " horiBearingX");
  m.bearing_y = r.i8(at + 3, what + " horiBearingY");
  m.advance = r.u8(at + 4, what + " horiAdvance");
  return m;  // the vertical metrics (bytes 5..7) are not needed
}

BitmapGlyphMetrics small_metrics(const TableReader& r, uint64_t at, const std::string& what) {
  BitmapGlyphMetrics m;
  m.height = r.u8(at, what + " height");
  m.width = r.u8(at + 1, what + " width");
  m.bearing_x = r.i8(at + 2, what + " bearingX");
  m.bearing_y = r.i8(at + 3, what + " bearingY");
  m.advance = r.u8(at + 4, what + " advance");
  return m;
}

// An OpenType coverage table: glyph → coverage index.
std::map<uint16_t, uint32_t> read_coverage(const TableReader& r, uint64_t at,
                                           const std::string& what) {
  std::map<uint16_t, uint32_t> cov;
  uint16_t format = r.u16(at, what + " format");
  uint16_t count = r.u16(at + 2, what + " count");
  if (format == 1) {
    for (uint32_t i = 0; i < count; ++i)
      cov.emplace(r.u16(at + 4 + 2 * i, what + " glyph " + str(i)), i);
  } else if (format == 2) {
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t rec = at + 4 + 6 * i;
      uint16_t start = r.u16(rec, what + " range " + str(i));
      uint16_t end = r.u16(rec + 2, what + " range " + str(i));
      uint16_t first_index = r.u16(rec + 4, what + " range " + str(i));
      if (start > end) r.fail(what, " range ", i, " runs backwards (", start, " > ", end, ")");
      for (uint32_t g = start; g <= end; ++g) cov.emplace((uint16_t)g, first_index + (g - start));
    }
  } else {
    r.fail(what, " has unknown format ", format);
  }
  return cov;
}

}  // namespace

ColorBitmapFont ColorBitmapFont::load(const std::string& path) {
  io::check_input_file(path, "font file");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open font '", path, "': ", std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  return parse(std::move(bytes), path);
}

ColorBitmapFont ColorBitmapFont::parse(std::vector<uint8_t> bytes, const std::string& source) {
  ColorBitmapFont f;
  f.source_ = source;
  f.bytes_ = std::move(bytes);
  f.read_directory();
  f.read_maxp();
  f.read_cmap();
  f.read_gsub();
  f.read_cblc();
  return f;
}

void ColorBitmapFont::read_directory() {
  TableReader r(source_, "table directory", bytes_.data(), bytes_.size());
  uint32_t version = r.u32(0, "sfnt version");
  if (version == 0x74746366)  // 'ttcf'
    r.fail("this is a font collection (ttcf); pass a single font");
  if (version != 0x00010000 && version != 0x74727565)  // 'true'
    r.fail("sfnt version 0x", std::hex, version, std::dec,
           " is not a TrueType font (expected 0x00010000)");
  uint16_t count = r.u16(4, "numTables");
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t rec = 12 + 16 * (uint64_t)i;
    std::string what = "table record " + str(i);
    std::string tag = r.tag(rec, what);
    uint32_t offset = r.u32(rec + 8, what + " ('" + tag + "') offset");
    uint32_t length = r.u32(rec + 12, what + " ('" + tag + "') length");
    if ((uint64_t)offset + length > bytes_.size())
      SYN_FAIL("font '", source_, "': table '", tag, "' (offset ", offset, ", length ", length,
               ") extends past the end of the file (", bytes_.size(), " bytes)");
    tables_[tag] = TableSpan{offset, length};
  }
  for (const char* needed : {"maxp", "cmap", "CBLC", "CBDT"})
    SYN_CHECK(
        tables_.count(needed), "font '", source_, "' has no '", needed, "' table",
        (std::string(needed).rfind("CB", 0) == 0 ? " (not a CBDT/CBLC colour bitmap font)" : ""));
}

void ColorBitmapFont::read_maxp() {
  TableSpan t = tables_.at("maxp");
  TableReader r(source_, "maxp", bytes_.data() + t.offset, t.length);
  num_glyphs_ = r.u16(4, "numGlyphs");
  if (num_glyphs_ == 0) r.fail("numGlyphs is 0");
}

void ColorBitmapFont::read_cmap() {
  TableSpan t = tables_.at("cmap");
  TableReader r(source_, "cmap", bytes_.data() + t.offset, t.length);
  uint16_t count = r.u16(2, "numTables");
  // Preference: a full-Unicode format 12 subtable, then a BMP format 4 one.
  int best_rank = 0;
  uint32_t best_offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t rec = 4 + 8 * (uint64_t)i;
    std::string what = "encoding record " + str(i);
    uint16_t platform = r.u16(rec, what + " platformID");
    uint16_t encoding = r.u16(rec + 2, what + " encodingID");
    uint32_t offset = r.u32(rec + 4, what + " offset");
    uint16_t format = r.u16(offset, what + " subtable format");
    bool unicode = (platform == 3 && (encoding == 1 || encoding == 10)) || platform == 0;
    int rank = !unicode ? 0 : format == 12 ? 2 : format == 4 ? 1 : 0;
    if (rank > best_rank) best_rank = rank, best_offset = offset;
  }
  if (best_rank == 0) r.fail("no Unicode subtable of format 12 or 4");

  auto add = [&](uint32_t first, uint32_t last, uint32_t glyph, const std::string& what) {
    if (first > last || last > 0x10FFFF)
      r.fail(what, " maps an invalid range U+", std::hex, first, "..U+", last, std::dec);
    if (glyph + (uint64_t)(last - first) >= (uint64_t)num_glyphs_)
      r.fail(what, " maps to glyph ", glyph + (uint64_t)(last - first), " but the font has ",
             num_glyphs_, " glyphs (maxp)");
    if (!cmap_.empty() && cmap_.back().last + 1 == first &&
        cmap_.back().first_glyph + (cmap_.back().last - cmap_.back().first) + 1 == glyph) {
      cmap_.back().last = last;  // extends the previous run
      return;
    }
    cmap_.push_back(CmapRange{first, last, glyph});
  };

  uint32_t at = best_offset;
  if (best_rank == 2) {  // format 12: sequential map groups
    uint32_t length = r.u32(at + 4, "format 12 length");
    r.need(at, length, "format 12 subtable");
    uint32_t groups = r.u32(at + 12, "format 12 numGroups");
    r.need(at + 16, 12 * (uint64_t)groups, "format 12 groups");
    for (uint32_t i = 0; i < groups; ++i) {
      uint64_t g = at + 16 + 12 * (uint64_t)i;
      std::string what = "format 12 group " + str(i);
      add(r.u32(g, what), r.u32(g + 4, what), r.u32(g + 8, what), what);
    }
  } else {  // format 4: segments of the BMP, expanded one code point at a time
    uint16_t seg_x2 = r.u16(at + 6, "format 4 segCountX2");
    if (seg_x2 % 2) r.fail("format 4 segCountX2 ", seg_x2, " is odd");
    uint32_t segs = seg_x2 / 2;
    uint64_t ends = at + 14, starts = ends + seg_x2 + 2, deltas = starts + seg_x2,
             range_offsets = deltas + seg_x2;
    for (uint32_t s = 0; s < segs; ++s) {
      std::string what = "format 4 segment " + str(s);
      uint16_t end = r.u16(ends + 2 * s, what + " endCode");
      uint16_t start = r.u16(starts + 2 * s, what + " startCode");
      uint16_t delta = r.u16(deltas + 2 * s, what + " idDelta");
      uint16_t ro = r.u16(range_offsets + 2 * s, what + " idRangeOffset");
      if (start > end) r.fail(what, " runs backwards (", start, " > ", end, ")");
      for (uint32_t c = start; c <= end; ++c) {
        if (c == 0xFFFF) break;  // the terminating segment maps nothing
        uint32_t glyph;
        if (ro == 0) {
          glyph = (c + delta) & 0xFFFF;
        } else {
          // idRangeOffset is relative to its own position in the array.
          uint64_t addr = range_offsets + 2 * s + ro + 2 * (uint64_t)(c - start);
          glyph = r.u16(addr, what + " glyphIdArray entry");
          if (glyph != 0) glyph = (glyph + delta) & 0xFFFF;
        }
        if (glyph != 0) add(c, c, glyph, what);
      }
    }
  }
  std::sort(cmap_.begin(), cmap_.end(),
            [](const CmapRange& a, const CmapRange& b) { return a.first < b.first; });
  for (size_t i = 1; i < cmap_.size(); ++i)
    if (cmap_[i].first <= cmap_[i - 1].last)
      r.fail("overlapping mappings for U+", std::hex, cmap_[i].first, std::dec);
}

size_t ColorBitmapFont::num_mapped_codepoints() const {
  size_t n = 0;
  for (const CmapRange& c : cmap_) n += c.last - c.first + 1;
  return n;
}

uint16_t ColorBitmapFont::glyph_for_codepoint(uint32_t cp) const {
  auto it = std::upper_bound(cmap_.begin(), cmap_.end(), cp,
                             [](uint32_t v, const CmapRange& c) { return v < c.first; });
  if (it == cmap_.begin()) return 0;
  --it;
  return cp <= it->last ? (uint16_t)(it->first_glyph + (cp - it->first)) : 0;
}

void ColorBitmapFont::read_gsub() {
  auto found = tables_.find("GSUB");
  if (found == tables_.end()) return;  // single code points only
  TableReader r(source_, "GSUB", bytes_.data() + found->second.offset, found->second.length);
  uint16_t major = r.u16(0, "majorVersion");
  if (major != 1) r.fail("unsupported version ", major);
  uint32_t feature_list = r.u16(6, "featureListOffset");
  uint32_t lookup_list = r.u16(8, "lookupListOffset");

  // The lookups that the ligature features use.
  std::set<uint16_t> wanted;
  uint16_t features = r.u16(feature_list, "FeatureList count");
  for (uint32_t i = 0; i < features; ++i) {
    uint64_t rec = feature_list + 2 + 6 * (uint64_t)i;
    std::string what = "FeatureRecord " + str(i);
    std::string tag = r.tag(rec, what + " tag");
    uint64_t feature = feature_list + r.u16(rec + 4, what + " offset");
    if (tag != "ccmp" && tag != "liga" && tag != "clig" && tag != "rlig") continue;
    uint16_t n = r.u16(feature + 2, "feature '" + tag + "' lookupIndexCount");
    for (uint32_t k = 0; k < n; ++k)
      wanted.insert(r.u16(feature + 4 + 2 * k, "feature '" + tag + "' lookup index"));
  }

  uint16_t lookups = r.u16(lookup_list, "LookupList count");
  for (uint16_t index : wanted) {
    std::string what = "lookup " + str(index);
    if (index >= lookups) r.fail("a feature names ", what, " but the LookupList has ", lookups);
    uint64_t lookup = lookup_list + r.u16(lookup_list + 2 + 2 * (uint64_t)index, what + " offset");
    uint16_t type = r.u16(lookup, what + " type");
    uint16_t subtables = r.u16(lookup + 4, what + " subTableCount");
    std::vector<LigatureSubtable> subs;
    for (uint32_t s = 0; s < subtables; ++s) {
      std::string sw = what + " subtable " + str(s);
      uint64_t sub = lookup + r.u16(lookup + 6 + 2 * s, sw + " offset");
      uint16_t sub_type = type;
      if (type == 7) {  // extension: the real subtable lies at a 32-bit offset
        if (r.u16(sub, sw + " extension format") != 1)
          r.fail(sw, " has an unknown extension format");
        sub_type = r.u16(sub + 2, sw + " extensionLookupType");
        sub += r.u32(sub + 4, sw + " extensionOffset");
      }
      if (sub_type != 4) break;  // not a ligature lookup: contextual fallbacks are not applied
      if (r.u16(sub, sw + " substFormat") != 1) r.fail(sw, " has an unknown ligature format");
      auto coverage =
          read_coverage(r, sub + r.u16(sub + 2, sw + " coverageOffset"), sw + " coverage");
      uint16_t sets = r.u16(sub + 4, sw + " ligatureSetCount");
      LigatureSubtable table;
      for (auto [first, cov_index] : coverage) {
        if (cov_index >= sets)
          r.fail(sw, " coverage index ", cov_index, " has no ligature set (", sets, " sets)");
        std::string lw = sw + " ligature set " + str(cov_index);
        uint64_t set = sub + r.u16(sub + 6 + 2 * (uint64_t)cov_index, lw + " offset");
        uint16_t count = r.u16(set, lw + " ligatureCount");
        std::vector<Ligature>& ligs = table[first];
        for (uint32_t k = 0; k < count; ++k) {
          uint64_t lig = set + r.u16(set + 2 + 2 * k, lw + " ligature offset");
          Ligature l;
          l.result = r.u16(lig, lw + " ligatureGlyph");
          uint16_t components = r.u16(lig + 2, lw + " componentCount");
          if (components == 0) r.fail(lw, " ligature ", k, " has componentCount 0");
          for (uint32_t c = 1; c < components; ++c)
            l.rest.push_back(r.u16(lig + 4 + 2 * (uint64_t)(c - 1), lw + " component"));
          if (l.result >= num_glyphs_)
            r.fail(lw, " ligature ", k, " makes glyph ", l.result, " but the font has ",
                   num_glyphs_, " glyphs (maxp)");
          ligs.push_back(std::move(l));
        }
      }
      subs.push_back(std::move(table));
    }
    if (!subs.empty()) ligature_lookups_.push_back(std::move(subs));
  }
}

size_t ColorBitmapFont::num_ligatures() const {
  size_t n = 0;
  for (auto& lookup : ligature_lookups_)
    for (auto& sub : lookup)
      for (auto& [first, ligs] : sub) n += ligs.size();
  return n;
}

std::vector<uint16_t> ColorBitmapFont::apply_ligatures(std::vector<uint16_t> glyphs) const {
  for (const auto& lookup : ligature_lookups_) {
    for (size_t i = 0; i < glyphs.size(); ++i) {
      for (const LigatureSubtable& sub : lookup) {  // the first subtable that applies wins
        auto set = sub.find(glyphs[i]);
        if (set == sub.end()) continue;
        const Ligature* hit = nullptr;
        for (const Ligature& l : set->second) {
          if (i + 1 + l.rest.size() > glyphs.size()) continue;
          if (std::equal(l.rest.begin(), l.rest.end(), glyphs.begin() + (ptrdiff_t)i + 1)) {
            hit = &l;
            break;
          }
        }
        if (!hit) continue;
        glyphs[i] = hit->result;
        glyphs.erase(glyphs.begin() + (ptrdiff_t)i + 1,
                     glyphs.begin() + (ptrdiff_t)(i + 1 + hit->rest.size()));
        break;
      }
    }
  }
  return glyphs;
}

std::optional<uint16_t> ColorBitmapFont::glyph_for_sequence(
    const std::vector<uint32_t>& codepoints) const {
  std::vector<uint16_t> glyphs;
  for (uint32_t cp : codepoints) {
    uint16_t g = glyph_for_codepoint(cp);
    if (g == 0 && (cp == 0xFE0E || cp == 0xFE0F)) continue;  // a presentation hint only
    if (g == 0) return std::nullopt;
    glyphs.push_back(g);
  }
  if (glyphs.empty()) return std::nullopt;
  glyphs = apply_ligatures(std::move(glyphs));
  if (glyphs.size() != 1) return std::nullopt;
  return glyphs[0];
}

void ColorBitmapFont::read_cblc() {
  TableSpan t = tables_.at("CBLC");
  TableReader r(source_, "CBLC", bytes_.data() + t.offset, t.length);
  TableSpan cbdt = tables_.at("CBDT");
  uint16_t major = r.u16(0, "majorVersion");
  if (major != 2 && major != 3) r.fail("unsupported version ", major, " (expected 2 or 3)");
  uint32_t sizes = r.u32(4, "numSizes");
  r.need(8, 48 * (uint64_t)sizes, "BitmapSize records (numSizes " + str(sizes) + ")");
  for (uint32_t s = 0; s < sizes; ++s) {
    uint64_t rec = 8 + 48 * (uint64_t)s;
    std::string sw = "strike " + str(s);
    Strike strike;
    uint32_t array = r.u32(rec, sw + " indexSubTableArrayOffset");
    uint32_t subtables = r.u32(rec + 8, sw + " numberOfIndexSubTables");
    strike.ppem_x = r.u8(rec + 44, sw + " ppemX");
    strike.ppem_y = r.u8(rec + 45, sw + " ppemY");
    r.need(array, 8 * (uint64_t)subtables, sw + " IndexSubTableArray");
    for (uint32_t k = 0; k < subtables; ++k) {
      std::string w = sw + " index subtable " + str(k);
      uint64_t entry = array + 8 * (uint64_t)k;
      uint16_t first = r.u16(entry, w + " firstGlyphIndex");
      uint16_t last = r.u16(entry + 2, w + " lastGlyphIndex");
      uint64_t sub = array + (uint64_t)r.u32(entry + 4, w + " additionalOffsetToIndexSubtable");
      if (first > last || last >= num_glyphs_)
        r.fail(w, " covers glyphs ", first, "..", last, " but the font has ", num_glyphs_,
               " glyphs (maxp)");
      uint16_t index_format = r.u16(sub, w + " indexFormat");
      uint16_t image_format = r.u16(sub + 2, w + " imageFormat");
      uint64_t image_data = r.u32(sub + 4, w + " imageDataOffset");
      uint32_t n = (uint32_t)last - first + 1;

      auto put = [&](uint32_t glyph, uint64_t offset, uint64_t length, const std::string& gw) {
        if (length == 0) return;  // no bitmap for this glyph in this strike
        if (glyph >= (uint32_t)num_glyphs_)
          r.fail(gw, " names glyph ", glyph, " but the font has ", num_glyphs_, " glyphs (maxp)");
        if (offset > cbdt.length || length > cbdt.length - offset)
          r.fail(gw, " points at CBDT bytes ", offset, "..", offset + length,
                 " past the end of CBDT (", cbdt.length, " bytes)");
        GlyphLocation loc;
        loc.offset = (uint32_t)offset;
        loc.length = (uint32_t)length;
        loc.image_format = image_format;
        strike.glyphs.emplace((uint16_t)glyph, loc);
      };
      auto put_sized = [&](uint32_t glyph, uint64_t offset, uint64_t length,
                           const BitmapGlyphMetrics& m, const std::string& gw) {
        put(glyph, offset, length, gw);
        auto it = strike.glyphs.find((uint16_t)glyph);
        if (it != strike.glyphs.end()) it->second.has_metrics = true, it->second.metrics = m;
      };

      if (index_format == 1 || index_format == 3) {  // an offset per glyph (+1 for the end)
        int width = index_format == 1 ? 4 : 2;
        auto offset_at = [&](uint32_t i) -> uint64_t {
          uint64_t at = sub + 8 + (uint64_t)width * i;
          return width == 4 ? r.u32(at, w + " sbitOffsets") : r.u16(at, w + " sbitOffsets");
        };
        r.need(sub + 8, (uint64_t)width * (n + 1), w + " sbitOffsets (" + str(n + 1) + ")");
        for (uint32_t i = 0; i < n; ++i) {
          uint64_t a = offset_at(i), b = offset_at(i + 1);
          std::string gw = w + " glyph " + str(first + i);
          if (b < a) r.fail(gw, " has a negative length (offsets ", a, " then ", b, ")");
          put(first + i, image_data + a, b - a, gw);
        }
      } else if (index_format == 2) {  // constant size, glyphs first..last in order
        uint64_t size = r.u32(sub + 8, w + " imageSize");
        BitmapGlyphMetrics m = big_metrics(r, sub + 12, w + " bigMetrics");
        for (uint32_t i = 0; i < n; ++i)
          put_sized(first + i, image_data + size * i, size, m, w + " glyph " + str(first + i));
      } else if (index_format == 4) {  // sparse: (glyph, offset) pairs
        uint32_t count = r.u32(sub + 8, w + " numGlyphs");
        r.need(sub + 12, 4 * ((uint64_t)count + 1), w + " glyphArray (" + str(count + 1) + ")");
        for (uint32_t i = 0; i < count; ++i) {
          uint64_t at = sub + 12 + 4 * (uint64_t)i;
          uint16_t glyph = r.u16(at, w + " glyphArray");
          uint64_t a = r.u16(at + 2, w + " glyphArray"), b = r.u16(at + 6, w + " glyphArray");
          std::string gw = w + " glyph " + str(glyph);
          if (b < a) r.fail(gw, " has a negative length (offsets ", a, " then ", b, ")");
          put(glyph, image_data + a, b - a, gw);
        }
      } else if (index_format == 5) {  // constant size, sparse glyph list
        uint64_t size = r.u32(sub + 8, w + " imageSize");
        BitmapGlyphMetrics m = big_metrics(r, sub + 12, w + " bigMetrics");
        uint32_t count = r.u32(sub + 20, w + " numGlyphs");
        r.need(sub + 24, 2 * (uint64_t)count, w + " glyphIdArray (" + str(count) + ")");
        for (uint32_t i = 0; i < count; ++i) {
          uint16_t glyph = r.u16(sub + 24 + 2 * (uint64_t)i, w + " glyphIdArray");
          put_sized(glyph, image_data + size * i, size, m, w + " glyph " + str(glyph));
        }
      } else {
        r.fail(w, " has unknown indexFormat ", index_format, " (1..5 exist)");
      }
    }
    strikes_.push_back(std::move(strike));
  }
}

std::vector<int> ColorBitmapFont::strike_ppems() const {
  std::vector<int> v;
  for (const Strike& s : strikes_) v.push_back(s.ppem_y);
  return v;
}

bool ColorBitmapFont::has_bitmap(uint16_t glyph) const {
  for (const Strike& s : strikes_)
    if (s.glyphs.count(glyph)) return true;
  return false;
}

std::optional<BitmapGlyph> ColorBitmapFont::bitmap(uint16_t glyph) const {
  const Strike* best = nullptr;
  for (const Strike& s : strikes_)
    if (s.glyphs.count(glyph) && (!best || s.ppem_y > best->ppem_y)) best = &s;
  if (!best) return std::nullopt;
  const GlyphLocation& loc = best->glyphs.at(glyph);
  TableSpan t = tables_.at("CBDT");
  TableReader cbdt(source_, "CBDT", bytes_.data() + t.offset, t.length);
  // The record is read inside the slice CBLC gave it, so it cannot reach its neighbour.
  TableReader r(source_, "CBDT", bytes_.data() + t.offset + loc.offset, loc.length);
  std::string w = "glyph " + str(glyph) + " (image format " + str(loc.image_format) + ")";

  BitmapGlyph out;
  out.glyph = glyph;
  out.ppem_x = best->ppem_x;
  out.ppem_y = best->ppem_y;
  out.image_format = loc.image_format;
  uint64_t at = 0;
  if (loc.image_format == 17) {
    out.metrics = small_metrics(r, 0, w + " smallGlyphMetrics");
    at = 5;
  } else if (loc.image_format == 18) {
    out.metrics = big_metrics(r, 0, w + " bigGlyphMetrics");
    at = 8;
  } else if (loc.image_format == 19) {
    if (!loc.has_metrics) cbdt.fail(w, ": format 19 needs metrics from CBLC index format 2 or 5");
    out.metrics = loc.metrics;
  } else {
    cbdt.fail(w, " is not a PNG format (17, 18 or 19 are supported)");
  }
  uint32_t length = r.u32(at, w + " dataLen");
  const uint8_t* png = r.bytes(at + 4, length, w + " PNG data (dataLen " + str(length) + ")");
  static const uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (length < 8 || std::memcmp(png, kPngSignature, 8) != 0)
    cbdt.fail(w, " data is not a PNG (no PNG signature)");
  out.png.assign(png, png + length);
  return out;
}

}  // namespace syn
