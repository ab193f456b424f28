// clipart_sources.h — two clip-art collections as picture sources (PNG files in topic folders):
//   openclipart  Open Clip Art Library 0.18 (Debian openclipart-png, /usr/share/openclipart/png):
//                public domain (CC-PDDC). The package ships no metadata files, so the name is
//                the file name ("full_moon_dan_gerhards_01.png": title, then a truncated author,
//                then a number) and the category its folder ("science/astronomy").
//   tuxpaint     Tux Paint stamps (Debian tuxpaint-stamps-default, /usr/share/tuxpaint/stamps):
//                GPL-2.0-or-later. Each stamp's .txt holds a one-sentence English description
//                on its first line (translations follow as "xx.utf8=..." lines). Stamps without
//                a .txt and the "_mirror" copies of another stamp are left out; SVG-only stamps
//                too (this project has no SVG rasteriser).
// Files are listed recursively in sorted path order; symbolic links are skipped (the package
// links duplicates into several folders). source_id is the path relative to the root.
#pragma once
#include <string>
#include <vector>

#include "data/pictures/picture_record.h"

namespace syn::pictures {

std::vector<PictureRecord> read_openclipart(const std::string& root);
std::vector<PictureRecord> read_tuxpaint(const std::string& root);

// "full_moon_dan_gerhards_01" -> "full moon dan gerhards", "guitar2" -> "guitar": underscores and
// dashes to spaces, a trailing number (the collections' variant counter) dropped unless it is
// the whole name.
std::string name_from_file_stem(const std::string& stem);
// The first line of a Tux Paint description file, trimmed.
std::string tuxpaint_description(const std::string& text);

}  // namespace syn::pictures
