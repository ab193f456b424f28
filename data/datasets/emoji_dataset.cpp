// emoji_dataset.cpp — see emoji_dataset.h. stb_image (PNG decoding) and stb_image_write (the
// contact sheet) are compiled here as static functions, so no other file's copy can clash.
#include "data/datasets/emoji_dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/io/safe_file.h"
#include "engine/text_lines.h"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace syn {

namespace {

const char* kFormat = "synesthesia-emoji-dataset-1";

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r')) --b;
  return std::string(s.substr(a, b - a));
}

}  // namespace

// ---- emoji-test.txt ----

std::vector<EmojiTestEntry> parse_emoji_test(const std::string& text, const std::string& source) {
  std::vector<EmojiTestEntry> out;
  std::string group, subgroup;
  std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    int line_no = (int)i + 1;
    std::string line = trim(lines[i]);
    auto fail = [&](const std::string& why) {
      SYN_FAIL(source, ":", line_no, ": ", why, ": '", line, "'");
    };
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (line.rfind("# group:", 0) == 0) {
        group = trim(std::string_view(line).substr(8));
        subgroup.clear();
      } else if (line.rfind("# subgroup:", 0) == 0) {
        subgroup = trim(std::string_view(line).substr(11));
      }
      continue;
    }
    if (group.empty() || subgroup.empty()) fail("a data line before any group and subgroup header");
    size_t semi = line.find(';'), hash = line.find('#');
    if (semi == std::string::npos || hash == std::string::npos || hash < semi)
      fail("expected 'code points ; status # emoji version name'");
    EmojiTestEntry e;
    e.group = group;
    e.subgroup = subgroup;
    e.line = line_no;
    std::istringstream cps(line.substr(0, semi));
    std::string hex;
    while (cps >> hex) {
      if (hex.size() > 6 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        fail("'" + hex + "' is not a hexadecimal code point");
      uint32_t cp = (uint32_t)std::stoul(hex, nullptr, 16);
      if (cp > 0x10FFFF) fail("'" + hex + "' is beyond U+10FFFF");
      e.codepoints.push_back(cp);
    }
    if (e.codepoints.empty()) fail("no code points");
    e.status = trim(std::string_view(line).substr(semi + 1, hash - semi - 1));
    if (e.status != "fully-qualified" && e.status != "minimally-qualified" &&
        e.status != "unqualified" && e.status != "component")
      fail("unknown status '" + e.status + "'");
    // After '#': the emoji itself, then the version "E<major>.<minor>", then the name.
    std::istringstream comment(line.substr(hash + 1));
    std::string emoji, version;
    comment >> emoji >> version;
    if (version.size() < 2 || version[0] != 'E') fail("missing the 'E<version>' field");
    e.version = version;
    std::string rest;
    std::getline(comment, rest);
    e.name = trim(rest);
    if (e.name.empty()) fail("missing the emoji name");
    if (e.name.find('\t') != std::string::npos) fail("the name holds a tab");
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<EmojiTestEntry> load_emoji_test(const std::string& path) {
  io::check_input_file(path, "emoji dataset file");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open emoji test file '", path, "': ", std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto entries = parse_emoji_test(text, path);
  SYN_CHECK(!entries.empty(), "'", path, "' holds no emoji lines (is it emoji-test.txt?)");
  return entries;
}

std::string codepoints_hex(const std::vector<uint32_t>& codepoints) {
  std::string out;
  char buf[16];
  for (size_t i = 0; i < codepoints.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%04X", i ? " " : "", codepoints[i]);
    out += buf;
  }
  return out;
}

bool has_skin_tone(const EmojiTestEntry& e) {
  for (uint32_t cp : e.codepoints)
    if (cp >= 0x1F3FB && cp <= 0x1F3FF) return true;
  return false;
}

// ---- the vocabulary ----

const std::vector<VocabularyRule>& music_picture_vocabulary() {
  // What a picture of music is made of: the instruments and the people who play, sing and
  // dance; the sky, weather, fire and water that set a mood; hearts and plain colour shapes for
  // feelings and palettes; flowers, plants and landscapes; festive lights and the stage.
  static const std::vector<VocabularyRule> rules = {
      {"Objects", "musical-instrument", {}, "instruments"},
      {"Objects", "music", {}, "notes, score, microphones, headphones, radio"},
      {"Objects", "sound", {}, "speakers, megaphone, horn, bells"},
      {"People & Body", "person-role", {"singer"}, "voices: singers"},
      {"People & Body", "person-activity", {"dancing", "bunny ears"}, "dancers"},
      {"Travel & Places",
       "sky & weather",
       {},
       "sun, moon, stars, clouds, rain, snow, lightning, rainbow, fire, droplet, water wave"},
      {"Travel & Places", "place-geographic", {}, "mountains, volcano, beach, desert, park"},
      {"Travel & Places",
       "place-other",
       {"night", "sunrise", "sunset", "dusk", "foggy"},
       "sky scenes: night with stars, sunrise, sunset, dusk, fog"},
      {"Smileys & Emotion", "heart", {}, "hearts in every colour"},
      {"Symbols", "geometric", {}, "colours: circles, squares, diamonds"},
      {"Animals & Nature", "plant-flower", {}, "flowers"},
      {"Animals & Nature", "plant-other", {}, "plants, trees, leaves"},
      {"Activities",
       "event",
       {"fireworks", "sparkler", "sparkles", "balloon", "party popper", "confetti", "wind chime",
        "ticket"},
       "festive lights and concerts"},
      {"Activities", "arts & crafts", {"performing arts", "artist palette"}, "stage and colour"},
  };
  return rules;
}

static const VocabularyRule* rule_for(const EmojiTestEntry& e,
                                      const std::vector<VocabularyRule>& rules) {
  for (const VocabularyRule& r : rules) {
    if (r.group != e.group || r.subgroup != e.subgroup) continue;
    if (r.name_words.empty()) return &r;
    for (const std::string& w : r.name_words)
      if (e.name.find(w) != std::string::npos) return &r;
  }
  return nullptr;
}

std::vector<EmojiTestEntry> select_vocabulary(const std::vector<EmojiTestEntry>& entries,
                                              const std::vector<VocabularyRule>& rules,
                                              bool keep_skin_tones) {
  std::vector<EmojiTestEntry> out;
  for (const EmojiTestEntry& e : entries) {
    if (e.status != "fully-qualified") continue;
    if (!keep_skin_tones && has_skin_tone(e)) continue;
    if (rule_for(e, rules)) out.push_back(e);
  }
  return out;
}

// ---- the split ----

uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string split_key(const std::string& name) { return trim(name.substr(0, name.find(':'))); }

bool is_held_out(const std::string& name, int holdout_percent) {
  return (int)(fnv1a64(split_key(name)) % 100) < holdout_percent;
}

// ---- rendering ----

RgbaImage decode_png(const std::vector<uint8_t>& png, const std::string& what) {
  int w = 0, h = 0, comp = 0;
  SYN_CHECK(png.size() <= (size_t)INT32_MAX, what, ": PNG of ", png.size(), " bytes is too large");
  stbi_uc* px = stbi_load_from_memory(png.data(), (int)png.size(), &w, &h, &comp, 4);
  SYN_CHECK(px != nullptr, what, ": cannot decode its PNG (", stbi_failure_reason(), ")");
  RgbaImage img;
  img.width = w;
  img.height = h;
  img.rgba.assign(px, px + (size_t)w * h * 4);
  stbi_image_free(px);
  return img;
}

std::vector<double> composite_square(const RgbaImage& image, int background) {
  SYN_CHECK(image.width > 0 && image.height > 0 &&
                image.rgba.size() == (size_t)image.width * image.height * 4,
            "composite_square: image ", image.width, "x", image.height, " holds ",
            image.rgba.size(), " bytes");
  SYN_CHECK(background >= 0 && background <= 255, "background ", background,
            " is not a grey level 0..255");
  int side = std::max(image.width, image.height);
  int ox = (side - image.width) / 2, oy = (side - image.height) / 2;
  size_t plane = (size_t)side * side;
  std::vector<double> out(3 * plane, (double)background);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const uint8_t* p = &image.rgba[((size_t)y * image.width + x) * 4];
      double a = p[3] / 255.0;
      size_t at = (size_t)(y + oy) * side + (x + ox);
      for (int c = 0; c < 3; ++c) out[c * plane + at] = a * p[c] + (1.0 - a) * background;
    }
  return out;
}

namespace {
// Box-filter taps along one axis: output j covers input [j·in/out, (j+1)·in/out). In units of
// 1/out of an input pixel both grids are integers, so the overlaps (the weights) are exact
// integers that sum to `in` for every output.
std::vector<std::vector<std::pair<int, int64_t>>> area_taps(int in, int out) {
  std::vector<std::vector<std::pair<int, int64_t>>> taps((size_t)out);
  for (int j = 0; j < out; ++j) {
    int64_t lo = (int64_t)j * in, hi = (int64_t)(j + 1) * in;
    for (int i = (int)(lo / out); i < in && (int64_t)i * out < hi; ++i) {
      int64_t overlap =
          std::min<int64_t>((int64_t)(i + 1) * out, hi) - std::max<int64_t>((int64_t)i * out, lo);
      if (overlap > 0) taps[(size_t)j].emplace_back(i, overlap);
    }
  }
  return taps;
}
}  // namespace

std::vector<double> area_resize(const std::vector<double>& planes, int channels, int in_h, int in_w,
                                int out_h, int out_w) {
  SYN_CHECK(channels > 0 && in_h > 0 && in_w > 0 && out_h > 0 && out_w > 0,
            "area_resize: invalid sizes ", channels, "x", in_h, "x", in_w, " -> ", out_h, "x",
            out_w);
  SYN_CHECK(planes.size() == (size_t)channels * in_h * in_w, "area_resize: ", planes.size(),
            " values for ", channels, "x", in_h, "x", in_w);
  auto tx = area_taps(in_w, out_w), ty = area_taps(in_h, out_h);
  std::vector<double> rows((size_t)channels * in_h * out_w), out((size_t)channels * out_h * out_w);
  for (int c = 0; c < channels; ++c) {
    for (int y = 0; y < in_h; ++y) {
      const double* src = &planes[((size_t)c * in_h + y) * in_w];
      for (int j = 0; j < out_w; ++j) {
        double s = 0;
        for (auto [i, w] : tx[(size_t)j]) s += (double)w * src[i];
        rows[((size_t)c * in_h + y) * out_w + j] = s / in_w;
      }
    }
    for (int j = 0; j < out_h; ++j)
      for (int x = 0; x < out_w; ++x) {
        double s = 0;
        for (auto [i, w] : ty[(size_t)j]) s += (double)w * rows[((size_t)c * in_h + i) * out_w + x];
        out[((size_t)c * out_h + j) * out_w + x] = s / in_h;
      }
  }
  return out;
}

std::vector<uint8_t> render_emoji(const RgbaImage& image, int size, int background) {
  SYN_CHECK(size > 0 && size <= 4096, "render_emoji: size ", size, " is not in 1..4096");
  int side = std::max(image.width, image.height);
  std::vector<double> v =
      area_resize(composite_square(image, background), 3, side, side, size, size);
  std::vector<uint8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = (uint8_t)std::clamp(std::floor(v[i] + 0.5), 0.0, 255.0);  // halves round up
  return out;
}

// ---- the dataset ----

const Tensor& EmojiDataset::images_at(int size) const {
  for (size_t k = 0; k < sizes.size(); ++k)
    if (sizes[k] == size) return images[k];
  std::string have;
  for (int s : sizes) have += (have.empty() ? "" : ", ") + std::to_string(s);
  SYN_FAIL("the emoji dataset has no images of size ", size, " (it has ", have, ")");
}

std::vector<int64_t> EmojiDataset::indices(bool held_out) const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].held_out == held_out) out.push_back((int64_t)i);
  return out;
}

std::string EmojiBuildReport::to_string() const {
  std::ostringstream os;
  int64_t total = 0, held = 0;
  for (auto& [key, n] : per_subgroup) {
    int64_t h = per_subgroup_heldout.count(key) ? per_subgroup_heldout.at(key) : 0;
    os << "  " << key << ": " << n << " (" << h << " held out)\n";
    total += n;
    held += h;
  }
  os << "  total: " << total << " images (" << total - held << " train, " << held
     << " held out) from " << selected << " selected of " << fully_qualified
     << " fully-qualified emoji\n";
  if (!missing.empty()) {
    os << "  not in the font (" << missing.size() << "):";
    for (const std::string& m : missing) os << "\n    " << m;
    os << "\n";
  }
  return os.str();
}

std::string emoji_licence_notes() {
  return "Images: Noto Color Emoji (Debian package fonts-noto-color-emoji), Copyright 2013-2017 "
         "Google Inc. and Arjen Nienhuis; the emoji images are licensed under the Apache License "
         "2.0, the font under the SIL Open Font License 1.1 "
         "(/usr/share/doc/fonts-noto-color-emoji/copyright).\n"
         "Names and groups: Unicode emoji-test.txt (Debian package unicode-data), Copyright "
         "Unicode, Inc., under the Unicode License Agreement for Data Files and Software "
         "(/usr/share/doc/unicode-data/copyright; https://www.unicode.org/copyright.html).\n"
         "This dataset is derived from both: the images are rescaled and composited on a grey "
         "background.";
}

EmojiDataset build_emoji_dataset(const ColorBitmapFont& font,
                                 const std::vector<EmojiTestEntry>& entries,
                                 const EmojiBuildOptions& options, EmojiBuildReport* report) {
  SYN_CHECK(!options.sizes.empty(), "emoji dataset: no image sizes given");
  std::vector<int> sizes = options.sizes;
  std::sort(sizes.begin(), sizes.end());
  for (size_t k = 0; k < sizes.size(); ++k) {
    SYN_CHECK(sizes[k] >= 1 && sizes[k] <= 1024, "emoji dataset: size ", sizes[k],
              " is not in 1..1024");
    SYN_CHECK(k == 0 || sizes[k] != sizes[k - 1], "emoji dataset: size ", sizes[k],
              " is given twice");
  }
  SYN_CHECK(options.background >= 0 && options.background <= 255, "emoji dataset: background ",
            options.background, " is not a grey level 0..255");
  SYN_CHECK(options.holdout_percent >= 0 && options.holdout_percent <= 100,
            "emoji dataset: holdout_percent ", options.holdout_percent, " is not in 0..100");

  const std::vector<VocabularyRule>& rules = options.vocabulary;
  EmojiBuildReport local;
  EmojiBuildReport& rep = report ? *report : local;
  rep = EmojiBuildReport{};
  for (const EmojiTestEntry& e : entries) rep.fully_qualified += e.status == "fully-qualified";
  for (const VocabularyRule& r : rules) rep.per_subgroup[r.group + " / " + r.subgroup] = 0;
  std::vector<EmojiTestEntry> chosen = select_vocabulary(entries, rules, options.keep_skin_tones);
  rep.selected = (int64_t)chosen.size();

  EmojiDataset ds;
  ds.sizes = sizes;
  ds.background = options.background;
  std::vector<std::vector<uint8_t>> pixels(sizes.size());
  for (const EmojiTestEntry& e : chosen) {
    std::string hex = codepoints_hex(e.codepoints);
    std::optional<uint16_t> glyph = font.glyph_for_sequence(e.codepoints);
    std::optional<BitmapGlyph> bitmap;
    if (glyph) bitmap = font.bitmap(*glyph);
    if (!bitmap) {
      rep.missing.push_back(e.name + " (" + hex + ")");
      continue;
    }
    RgbaImage img = decode_png(bitmap->png, "font '" + font.source() + "': glyph " +
                                                std::to_string(*glyph) + " ('" + e.name + "')");
    for (size_t k = 0; k < sizes.size(); ++k) {
      std::vector<uint8_t> px = render_emoji(img, sizes[k], options.background);
      pixels[k].insert(pixels[k].end(), px.begin(), px.end());
    }
    EmojiItem item;
    item.name = e.name;
    item.caption = e.name;
    item.group = e.group;
    item.subgroup = e.subgroup;
    item.codepoints = hex;
    item.held_out = is_held_out(e.name, options.holdout_percent);
    std::string key = e.group + " / " + e.subgroup;
    rep.per_subgroup[key] += 1;
    rep.per_subgroup_heldout[key] += item.held_out;
    ds.items.push_back(std::move(item));
  }
  SYN_CHECK(!ds.items.empty(), "emoji dataset: none of the ", chosen.size(),
            " selected emoji is in the font '", font.source(), "'");
  int64_t n = (int64_t)ds.items.size();
  for (size_t k = 0; k < sizes.size(); ++k) {
    Tensor t = Tensor::empty({n, 3, sizes[k], sizes[k]});
    float* d = t.data();
    for (size_t i = 0; i < pixels[k].size(); ++i) d[i] = (float)pixels[k][i];
    ds.images.push_back(t);
  }
  ds.meta["licences"] = emoji_licence_notes();
  return ds;
}

void save_emoji_dataset(const std::string& path, const EmojiDataset& ds) {
  SYN_CHECK(ds.images.size() == ds.sizes.size(), "emoji dataset '", path, "': ", ds.images.size(),
            " image tensors for ", ds.sizes.size(), " sizes");
  Checkpoint ck;
  std::string sizes;
  for (size_t k = 0; k < ds.sizes.size(); ++k) {
    ck.tensors.emplace_back("images_" + std::to_string(ds.sizes[k]), ds.images[k]);
    sizes += (k ? "," : "") + std::to_string(ds.sizes[k]);
  }
  std::vector<std::string> names, captions, groups, subgroups, cps, split;
  for (const EmojiItem& it : ds.items) {
    for (const std::string* s : {&it.name, &it.caption, &it.group, &it.subgroup, &it.codepoints})
      SYN_CHECK(s->find('\n') == std::string::npos && !s->empty(), "emoji dataset '", path,
                "': item '", it.name, "' has an empty field or one holding a line break");
    names.push_back(it.name);
    captions.push_back(it.caption);
    groups.push_back(it.group);
    subgroups.push_back(it.subgroup);
    cps.push_back(it.codepoints);
    split.push_back(it.held_out ? "heldout" : "train");
  }
  ck.meta = ds.meta;
  ck.meta["format"] = kFormat;
  ck.meta["names"] = join_lines(names);
  ck.meta["captions"] = join_lines(captions);
  ck.meta["groups"] = join_lines(groups);
  ck.meta["subgroups"] = join_lines(subgroups);
  ck.meta["codepoints"] = join_lines(cps);
  ck.meta["split"] = join_lines(split);
  ck.meta["sizes"] = sizes;
  ck.meta["background"] = std::to_string(ds.background);
  save_checkpoint(path, ck, /*fp16=*/true);  // integers 0..255 are exact in fp16
}

EmojiDataset load_emoji_dataset(const std::string& path) {
  Checkpoint ck = load_checkpoint(path);
  auto meta = [&](const std::string& key) -> const std::string& {
    auto it = ck.meta.find(key);
    SYN_CHECK(it != ck.meta.end(), "emoji dataset '", path, "' has no meta/", key);
    return it->second;
  };
  SYN_CHECK(ck.meta.count("format") && ck.meta.at("format") == kFormat, "'", path,
            "' is not an emoji dataset (meta/format is not '", kFormat, "')");
  EmojiDataset ds;
  std::vector<std::string> names = split_lines(meta("names"));
  size_t n = names.size();
  auto column = [&](const std::string& key) {
    std::vector<std::string> v = split_lines(meta(key));
    SYN_CHECK(v.size() == n, "emoji dataset '", path, "': meta/", key, " has ", v.size(),
              " lines but meta/names has ", n);
    return v;
  };
  std::vector<std::string> captions = column("captions"), groups = column("groups"),
                           subgroups = column("subgroups"), cps = column("codepoints"),
                           split = column("split");
  for (size_t i = 0; i < n; ++i) {
    SYN_CHECK(split[i] == "train" || split[i] == "heldout", "emoji dataset '", path,
              "': meta/split line ", i + 1, " is '", split[i], "' (train or heldout)");
    ds.items.push_back(
        EmojiItem{names[i], captions[i], groups[i], subgroups[i], cps[i], split[i] == "heldout"});
  }
  std::istringstream sizes(meta("sizes"));
  std::string s;
  while (std::getline(sizes, s, ',')) {
    int size = std::atoi(s.c_str());
    SYN_CHECK(size > 0, "emoji dataset '", path, "': bad meta/sizes '", meta("sizes"), "'");
    const Tensor* t = find_named(ck.tensors, "images_" + s);
    SYN_CHECK(t != nullptr, "emoji dataset '", path, "' has no tensor images_", s);
    Shape want{(int64_t)n, 3, size, size};
    SYN_CHECK(t->shape() == want, "emoji dataset '", path, "': images_", s, " is ",
              shape_str(t->shape()), ", expected ", shape_str(want));
    ds.sizes.push_back(size);
    ds.images.push_back(*t);
  }
  ds.background = std::atoi(meta("background").c_str());
  for (auto& [key, value] : ck.meta)
    if (key == "licences" || key == "sources") ds.meta[key] = value;
  return ds;
}

void write_contact_sheet(const std::string& path, const EmojiDataset& ds, int size, int columns) {
  SYN_CHECK(columns > 0, "contact sheet: columns must be positive, got ", columns);
  const Tensor& images = ds.images_at(size);
  int64_t n = images.size(0);
  int64_t rows = (n + columns - 1) / columns, pitch = size + 4;
  int64_t width = columns * pitch, height = rows * pitch;
  uint8_t gutter = (uint8_t)(ds.background * 3 / 4);
  std::vector<uint8_t> sheet((size_t)(width * height * 3), gutter);
  const float* px = images.data();
  const uint8_t orange[3] = {255, 140, 0};
  for (int64_t i = 0; i < n; ++i) {
    int64_t x0 = (i % columns) * pitch + 2, y0 = (i / columns) * pitch + 2;
    if (ds.items[(size_t)i].held_out)  // a 2-pixel frame in the gutter around the image
      for (int64_t y = y0 - 2; y < y0 + size + 2; ++y)
        for (int64_t x = x0 - 2; x < x0 + size + 2; ++x)
          std::memcpy(&sheet[(size_t)((y * width + x) * 3)], orange, 3);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
          sheet[(size_t)(((y0 + y) * width + x0 + x) * 3 + c)] =
              (uint8_t)px[((i * 3 + c) * size + y) * size + x];
  }
  SYN_CHECK(
      stbi_write_png(path.c_str(), (int)width, (int)height, 3, sheet.data(), (int)(width * 3)) != 0,
      "cannot write contact sheet '", path, "'");
}

}  // namespace syn
