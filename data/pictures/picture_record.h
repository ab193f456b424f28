// picture_record.h — one picture offered by an open-licence art source (data/pictures/*_sources.h)
// before the corpus builder (picture_corpus.h) filters, captions and renders it.
//
// Readers list candidates cheaply (names, keywords, file paths) and decode pixels only on demand
// (`load`), so a source of thousands of large clip-art files costs memory only for the pictures
// kept, and --limit_per_source never decodes the rest.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/datasets/emoji_dataset.h"  // RgbaImage

namespace syn::pictures {

struct PictureRecord {
  std::string source;     // "noto", "twemoji", "emojione", "openclipart", "tuxpaint"
  std::string source_id;  // code points ("1F3B8") or the file path relative to the source root
  std::string licence;    // SPDX id: Apache-2.0, CC-BY-4.0, CC-BY-SA-4.0, CC-PDDC, GPL-2.0-or-later
  std::string attribution;  // who to credit, one line
  std::string name;         // the source's own name or title ("guitar", "full moon dan gerhards")
  std::vector<std::string> keywords;  // the source's keywords (EmojiOne), may be empty
  std::string description;            // a sentence (Tux Paint), may be empty
  std::string category;    // emoji: "Group / subgroup" of emoji-test.txt; clip art: the folder
  std::string emoji_name;  // emoji only: the CLDR name of emoji-test.txt (the same in every set)
  std::string split_key;   // pictures with the same key land on the same side of the split
  std::function<RgbaImage()> load;  // decodes the pixels; throws naming the file
};

}  // namespace syn::pictures
