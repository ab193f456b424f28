// emoji_sources.cpp — see emoji_sources.h.
#include "data/pictures/emoji_sources.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "data/pictures/picture_png.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn::pictures {

namespace fs = std::filesystem;

namespace {

std::vector<uint32_t> without_fe0f(const std::vector<uint32_t>& cps) {
  std::vector<uint32_t> out;
  for (uint32_t c : cps)
    if (c != 0xFE0F) out.push_back(c);
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = (char)std::tolower((unsigned char)c);
  return s;
}

PictureRecord emoji_record(const EmojiTestEntry& e, const std::string& source) {
  PictureRecord r;
  r.source = source;
  r.source_id = codepoints_hex(e.codepoints);
  r.name = e.name;
  r.emoji_name = e.name;
  r.category = e.group + " / " + e.subgroup;
  r.split_key = emoji_split_key(e);
  return r;
}

}  // namespace

std::string emoji_split_key(const EmojiTestEntry& e) { return split_key(e.name); }

std::vector<PictureRecord> read_noto(const std::string& font_path,
                                     const std::vector<EmojiTestEntry>& entries) {
  auto font = std::make_shared<ColorBitmapFont>(ColorBitmapFont::load(font_path));
  std::vector<PictureRecord> out;
  for (const EmojiTestEntry& e : entries) {
    std::optional<uint16_t> glyph = font->glyph_for_sequence(e.codepoints);
    if (!glyph || !font->bitmap(*glyph)) continue;
    PictureRecord r = emoji_record(e, "noto");
    r.licence = "Apache-2.0";
    r.attribution = "Noto Color Emoji, (c) Google Inc., Apache License 2.0";
    uint16_t g = *glyph;
    std::string name = e.name;
    r.load = [font, g, name]() {
      return decode_png(font->bitmap(g)->png, "font '" + font->source() + "': glyph " +
                                                  std::to_string(g) + " ('" + name + "')");
    };
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<PictureRecord> read_twemoji(const std::string& png_folder,
                                        const std::vector<EmojiTestEntry>& entries) {
  SYN_CHECK(fs::is_directory(png_folder), "Twemoji folder '", png_folder, "' is not a folder");
  auto file_for = [&](const std::vector<uint32_t>& cps) {
    std::string name;
    char buf[16];
    for (size_t i = 0; i < cps.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%s%x", i ? "-" : "", cps[i]);
      name += buf;
    }
    return (fs::path(png_folder) / (name + ".png")).string();
  };
  std::vector<PictureRecord> out;
  for (const EmojiTestEntry& e : entries) {
    std::string path = file_for(e.codepoints);
    if (!fs::is_regular_file(path)) path = file_for(without_fe0f(e.codepoints));
    if (!fs::is_regular_file(path)) continue;
    PictureRecord r = emoji_record(e, "twemoji");
    r.source_id = fs::path(path).filename().string();
    r.licence = "CC-BY-4.0";
    r.attribution = "Twemoji, (c) Twitter, Inc. and other contributors, CC-BY 4.0";
    r.load = [path]() { return read_png_rgba(path); };
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<PictureRecord> read_emojione(const std::string& gem_folder,
                                         const std::vector<EmojiTestEntry>& entries) {
  const std::string index_path = (fs::path(gem_folder) / "config" / "index.json").string();
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(io::read_small_file(index_path, "EmojiOne index"));
  } catch (const nlohmann::json::exception& ex) {
    SYN_FAIL("EmojiOne index '", index_path, "': ", ex.what());
  }
  SYN_CHECK(index.is_object(), "EmojiOne index '", index_path, "' is not a JSON object");
  struct Entry {
    std::string unicode, name, category;
    std::vector<std::string> keywords;
  };
  std::map<std::string, Entry> by_code;  // upper-case code points without FE0F, '-' joined
  auto key_of = [](const std::vector<uint32_t>& cps) {
    std::string k;
    char buf[16];
    for (size_t i = 0; i < cps.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%s%X", i ? "-" : "", cps[i]);
      k += buf;
    }
    return k;
  };
  for (auto& [shortname, v] : index.items()) {
    SYN_CHECK(v.is_object() && v.contains("unicode") && v["unicode"].is_string(),
              "EmojiOne index '", index_path, "': entry '", shortname, "' has no \"unicode\"");
    Entry en;
    en.unicode = v["unicode"].get<std::string>();
    en.name = v.value("name", std::string());
    en.category = v.value("category", std::string());
    if (v.contains("keywords") && v["keywords"].is_array())
      for (auto& k : v["keywords"])
        if (k.is_string()) en.keywords.push_back(k.get<std::string>());
    std::vector<uint32_t> cps;
    size_t at = 0;
    std::string u = en.unicode;
    while (at <= u.size()) {
      size_t dash = u.find('-', at);
      std::string part = u.substr(at, dash == std::string::npos ? std::string::npos : dash - at);
      SYN_CHECK(!part.empty() && part.size() <= 6 &&
                    part.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos,
                "EmojiOne index '", index_path, "': entry '", shortname, "' has a bad code point '",
                u, "'");
      cps.push_back((uint32_t)std::stoul(part, nullptr, 16));
      if (dash == std::string::npos) break;
      at = dash + 1;
    }
    by_code.emplace(key_of(without_fe0f(cps)), std::move(en));
  }
  std::vector<PictureRecord> out;
  for (const EmojiTestEntry& e : entries) {
    auto it = by_code.find(key_of(without_fe0f(e.codepoints)));
    if (it == by_code.end()) continue;
    fs::path path = fs::path(gem_folder) / "assets" / "png" / (it->second.unicode + ".png");
    if (!fs::is_regular_file(path))
      path = fs::path(gem_folder) / "assets" / "png" / (lower(it->second.unicode) + ".png");
    if (!fs::is_regular_file(path)) continue;
    PictureRecord r = emoji_record(e, "emojione");
    r.source_id = path.filename().string();
    r.name = it->second.name.empty() ? e.name : it->second.name;
    r.keywords = it->second.keywords;
    r.licence = "CC-BY-SA-4.0";
    r.attribution = "EmojiOne 2.x artwork, (c) Ranks.com Inc., CC-BY-SA 4.0";
    std::string p = path.string();
    r.load = [p]() { return read_png_rgba(p); };
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace syn::pictures
