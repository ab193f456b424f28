// clipart_sources.cpp — see clipart_sources.h.
#include "data/pictures/clipart_sources.h"

#include <algorithm>
#include <filesystem>

#include "data/pictures/picture_png.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn::pictures {

namespace fs = std::filesystem;

namespace {

// Regular (non-link) .png files under root, sorted by their relative path.
std::vector<std::string> png_files(const std::string& root, const std::string& what) {
  SYN_CHECK(fs::is_directory(root), what, " folder '", root, "' is not a folder");
  std::vector<std::string> rel;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_symlink() || !it->is_regular_file()) continue;
    if (it->path().extension() != ".png") continue;
    rel.push_back(fs::relative(it->path(), root).generic_string());
  }
  std::sort(rel.begin(), rel.end());
  return rel;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

std::string name_from_file_stem(const std::string& stem) {
  std::string s = stem;
  for (char& c : s)
    if (c == '_' || c == '-') c = ' ';
  s = trim(s);
  size_t end = s.size();
  while (end > 0 && std::isdigit((unsigned char)s[end - 1])) --end;
  if (end < s.size() && end > 0) s = trim(s.substr(0, end));
  std::string out;  // collapse runs of spaces ("matthew__01")
  for (char c : s)
    if (c != ' ' || (!out.empty() && out.back() != ' ')) out += c;
  return out;
}

std::string tuxpaint_description(const std::string& text) {
  return trim(text.substr(0, text.find('\n')));
}

std::vector<PictureRecord> read_openclipart(const std::string& root) {
  std::vector<PictureRecord> out;
  for (const std::string& rel : png_files(root, "OpenClipart")) {
    fs::path p(rel);
    PictureRecord r;
    r.source = "openclipart";
    r.source_id = rel;
    r.licence = "CC-PDDC";
    r.attribution = "Open Clip Art Library (openclipart.org), public domain dedication";
    r.name = name_from_file_stem(p.stem().string());
    r.category = p.parent_path().generic_string();
    r.split_key = r.name;  // "x_01" and "x_02" are versions of one drawing
    std::string path = (fs::path(root) / rel).string();
    r.load = [path]() { return read_png_rgba(path); };
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<PictureRecord> read_tuxpaint(const std::string& root) {
  std::vector<PictureRecord> out;
  for (const std::string& rel : png_files(root, "Tux Paint stamps")) {
    fs::path p(rel);
    std::string stem = p.stem().string();
    if (stem.size() > 7 && stem.compare(stem.size() - 7, 7, "_mirror") == 0) continue;
    fs::path txt = fs::path(root) / p.parent_path() / (stem + ".txt");
    if (!fs::is_regular_file(txt)) continue;
    PictureRecord r;
    r.source = "tuxpaint";
    r.source_id = rel;
    r.licence = "GPL-2.0-or-later";
    r.attribution = "Tux Paint stamps, (c) Bill Kendrick and contributors, GPL-2.0-or-later";
    r.name = name_from_file_stem(stem);
    r.description = tuxpaint_description(io::read_small_file(txt.string(), "Tux Paint stamp"));
    r.category = p.parent_path().generic_string();
    r.split_key = r.category + "/" + r.name;
    std::string path = (fs::path(root) / rel).string();
    r.load = [path]() { return read_png_rgba(path); };
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace syn::pictures
