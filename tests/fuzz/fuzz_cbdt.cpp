// fuzz_cbdt.cpp — colour-bitmap emoji fonts through ColorBitmapFont::parse (table directory,
// maxp, cmap, GSUB ligatures, CBLC strikes), then the queries the emoji renderer makes: code
// points, a ZWJ sequence and a skin-tone sequence, and the CBDT record of the first glyphs.
#include <vector>

#include "data/images/truetype_cbdt.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  syn::fuzz::expect_only_syn_errors([&] {
    syn::ColorBitmapFont font =
        syn::ColorBitmapFont::parse(std::vector<uint8_t>(data, data + size), "fuzz.ttf");
    (void)font.num_mapped_codepoints();
    (void)font.num_ligatures();
    (void)font.strike_ppems();
    for (uint32_t cp : {0x0u, 0x41u, 0x2764u, 0x200Du, 0x1F3B8u, 0x1F525u, 0x10FFFFu})
      (void)font.glyph_for_codepoint(cp);
    (void)font.glyph_for_sequence({0x2764, 0xFE0F, 0x200D, 0x1F525});
    (void)font.glyph_for_sequence({0x1F483, 0x1F3FD});
    (void)font.glyph_for_sequence({});
    // A malformed glyph record is a syn::Error for that glyph only; try the others too.
    const int n = font.num_glyphs() < 64 ? font.num_glyphs() : 64;
    for (int g = 0; g < n; ++g)
      syn::fuzz::expect_only_syn_errors([&] {
        if (font.has_bitmap((uint16_t)g)) (void)font.bitmap((uint16_t)g);
      });
  });
  return 0;
}
