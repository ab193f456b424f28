// emoji_dataset.h — open emoji art as (image, caption) pairs for the text-conditioned diffusion
// U-Net: the music-picture vocabulary of Unicode's emoji-test.txt, drawn from a colour bitmap
// font (Noto Color Emoji), composited on a neutral background and area-downsampled.
//
// Sources (Debian packages; nothing is downloaded):
//   fonts-noto-color-emoji  /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf — the font is
//                           SIL OFL 1.1, the emoji images it is built from Apache-2.0
//                           (© Google Inc.; /usr/share/doc/fonts-noto-color-emoji/copyright)
//   unicode-data            /usr/share/unicode/emoji/emoji-test.txt — Unicode, Inc. licence
//                           (data files; /usr/share/doc/unicode-data/copyright)
//
// Pipeline, per emoji:
//   1. emoji-test.txt gives group, subgroup, code points, status and CLDR short name; only
//      fully-qualified emoji are used (the minimally-/un-qualified lines are the same pictures).
//   2. The vocabulary (music_picture_vocabulary(): instruments, music, sound, singers, dancers,
//      sky & weather with fire and water wave, landscapes, hearts, colour shapes, plants and
//      flowers, festive lights, performing arts) selects entries by subgroup and, where a
//      subgroup is mixed, by words of the name. Skin-tone variants are kept by default (they
//      are different pictures with their own captions) and can be dropped.
//   3. The sequence is shaped to one glyph (cmap + GSUB ligatures, data/images/truetype_cbdt.h) and
//   its
//      PNG decoded (stb_image) to RGBA.
//   4. The bitmap is centred on a square canvas of side max(width, height) filled with the
//      background grey (its font metrics are ignored: every emoji fills the frame), alpha
//      composited (straight alpha, in the PNG's sRGB-encoded values:
//      out = a·c + (1 − a)·background), then area-downsampled (an exact box filter: each output
//      pixel is the mean of the canvas area it covers, fractional pixels weighted by their
//      overlap) to each requested size, and rounded to integers 0..255 once, at the end.
//   5. Caption = the CLDR name ("guitar", "woman dancing: medium skin tone").
//   6. Held-out split: FNV-1a 64 of the split key (the name before any ':' qualifier, so every
//      skin-tone variant of an emoji lands on the same side) modulo 100 < holdout_percent.
//
// Dataset file: the checkpoint format of engine/checkpoint.h, written with fp16 tensors:
//   images_<S>   [N, 3, S, S] per size S, RGB, integer values 0..255 (exact in fp16); divide by
//                127.5 and subtract 1 for the usual [-1, 1] diffusion range
//   meta/format  "synesthesia-emoji-dataset-1"
//   meta/names, meta/captions, meta/groups, meta/subgroups, meta/codepoints, meta/split
//                one line per image, in image order (split lines: "train" or "heldout")
//   meta/sizes ("32,64"), meta/background ("128"), meta/sources, meta/licences
//
//   auto entries = load_emoji_test("/usr/share/unicode/emoji/emoji-test.txt");
//   auto font = ColorBitmapFont::load("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf");
//   EmojiBuildReport report;
//   EmojiDataset ds = build_emoji_dataset(font, entries, EmojiBuildOptions{}, &report);
//   save_emoji_dataset("runs/emoji/emoji.ckpt", ds);
//   EmojiDataset back = load_emoji_dataset("runs/emoji/emoji.ckpt");  // images(32): [N,3,32,32]
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "data/images/truetype_cbdt.h"
#include "engine/tensor.h"

namespace syn {

// ---- emoji-test.txt ----

struct EmojiTestEntry {
  std::vector<uint32_t> codepoints;
  std::string status;   // fully-qualified | minimally-qualified | unqualified | component
  std::string version;  // "E1.0"
  std::string name;     // CLDR short name, e.g. "woman dancing: medium skin tone"
  std::string group, subgroup;
  int line = 0;  // 1-based, for messages
};

// Every data line of the file, in file order. Errors name the source and line: a data line
// before any group/subgroup header, bad hex, a missing ';' or '#', an unknown status, a name
// that is missing or holds a tab or line break.
std::vector<EmojiTestEntry> parse_emoji_test(const std::string& text, const std::string& source);
std::vector<EmojiTestEntry> load_emoji_test(const std::string& path);

// "1F469 200D 1F3A4" (upper-case hex, as emoji-test.txt writes it).
std::string codepoints_hex(const std::vector<uint32_t>& codepoints);
// True when the entry is a skin-tone variant (holds a modifier U+1F3FB..U+1F3FF).
bool has_skin_tone(const EmojiTestEntry& e);

// ---- the vocabulary ----

struct VocabularyRule {
  std::string group, subgroup;
  std::vector<std::string> name_words;  // empty: the whole subgroup; else names holding any word
  std::string why;                      // what the rule is for (printed by the builder)
};
const std::vector<VocabularyRule>& music_picture_vocabulary();
// The fully-qualified entries that a rule selects, in file order.
std::vector<EmojiTestEntry> select_vocabulary(const std::vector<EmojiTestEntry>& entries,
                                              const std::vector<VocabularyRule>& rules,
                                              bool keep_skin_tones);

// ---- the split ----

uint64_t fnv1a64(std::string_view text);
std::string split_key(const std::string& name);  // the name before any ':'
bool is_held_out(const std::string& name, int holdout_percent);

// ---- rendering ----

struct RgbaImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;  // row-major, 4 bytes per pixel, straight (not premultiplied) alpha
};
// Decodes PNG bytes (stb_image) to RGBA8; `what` names the image in errors.
RgbaImage decode_png(const std::vector<uint8_t>& png, const std::string& what);
// The image centred on a square canvas of side max(width, height), alpha-composited over the
// grey `background`: planar RGB floats [3, side, side], unrounded.
std::vector<double> composite_square(const RgbaImage& image, int background);
// Exact area (box-filter) resampling of `channels` planes of in_h×in_w to out_h×out_w; each
// output pixel is the overlap-weighted mean of the input area it covers.
std::vector<double> area_resize(const std::vector<double>& planes, int channels, int in_h, int in_w,
                                int out_h, int out_w);
// composite_square then area_resize to size×size, rounded to 0..255: planar RGB [3, size, size].
std::vector<uint8_t> render_emoji(const RgbaImage& image, int size, int background);

// ---- the dataset ----

struct EmojiItem {
  std::string name, caption, group, subgroup, codepoints;
  bool held_out = false;
};

struct EmojiDataset {
  std::vector<EmojiItem> items;
  std::vector<int> sizes;      // ascending
  std::vector<Tensor> images;  // images[k]: [N, 3, sizes[k], sizes[k]], values 0..255
  int background = 128;
  std::map<std::string, std::string> meta;  // sources, licences (free text)

  const Tensor& images_at(int size) const;  // fails naming the sizes present
  std::vector<int64_t> indices(bool held_out) const;
};

struct EmojiBuildOptions {
  std::vector<int> sizes{32, 64};
  int background = 128;  // neutral grey level, 0..255
  int holdout_percent = 10;
  bool keep_skin_tones = true;
  std::vector<VocabularyRule> vocabulary = music_picture_vocabulary();
};

struct EmojiBuildReport {
  int64_t fully_qualified = 0;       // in the whole emoji-test.txt
  int64_t selected = 0;              // by the vocabulary
  std::vector<std::string> missing;  // selected but not in the font (name and code points)
  std::map<std::string, int64_t> per_subgroup, per_subgroup_heldout;  // "group / subgroup"
  std::string to_string() const;  // the counts table the app prints
};

EmojiDataset build_emoji_dataset(const ColorBitmapFont& font,
                                 const std::vector<EmojiTestEntry>& entries,
                                 const EmojiBuildOptions& options, EmojiBuildReport* report);

void save_emoji_dataset(const std::string& path, const EmojiDataset& ds);
// Reads and checks a dataset file (format tag, one meta line per image, image shapes).
EmojiDataset load_emoji_dataset(const std::string& path);

// A PNG grid of every image at `size` (`columns` per row, 2-pixel gutters of a darker grey);
// held-out images are framed in orange so a human sees the split.
void write_contact_sheet(const std::string& path, const EmojiDataset& ds, int size, int columns);

// The licence notes stored in the dataset and printed by the builder.
std::string emoji_licence_notes();

}  // namespace syn
