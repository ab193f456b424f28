// magnatagatune.cpp — MagnaTagATune files, splits and label vocabularies; see magnatagatune.h.
#include "data/datasets/magnatagatune.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <set>
#include <sstream>

#include "data/datasets/audio_folder.h"
#include "data/tags/refined_tags.h"
#include "engine/check.h"
#include "engine/io/npy.h"
#include "engine/io/safe_file.h"

namespace syn::mtt {

namespace fs = std::filesystem;

// Tables, five names a line (kRawTags in the file's column order).
// clang-format off
const std::array<const char*, kNumRawTags> kRawTags = {
    "no voice",        "singer",          "duet",            "plucking",        "hard rock",
    "world",           "bongos",          "harpsichord",     "female singing",  "clasical",
    "sitar",           "chorus",          "female opera",    "male vocal",      "vocals",
    "clarinet",        "heavy",           "silence",         "beats",           "men",
    "woodwind",        "funky",           "no strings",      "chimes",          "foreign",
    "no piano",        "horns",           "classical",       "female",          "no voices",
    "soft rock",       "eerie",           "spacey",          "jazz",            "guitar",
    "quiet",           "no beat",         "banjo",           "electric",        "solo",
    "violins",         "folk",            "female voice",    "wind",            "happy",
    "ambient",         "new age",         "synth",           "funk",            "no singing",
    "middle eastern",  "trumpet",         "percussion",      "drum",            "airy",
    "voice",           "repetitive",      "birds",           "space",           "strings",
    "bass",            "harpsicord",      "medieval",        "male voice",      "girl",
    "keyboard",        "acoustic",        "loud",            "classic",         "string",
    "drums",           "electronic",      "not classical",   "chanting",        "no violin",
    "not rock",        "no guitar",       "organ",           "no vocal",        "talking",
    "choral",          "weird",           "opera",           "soprano",         "fast",
    "acoustic guitar", "electric guitar", "male singer",     "man singing",     "classical guitar",
    "country",         "violin",          "electro",         "reggae",          "tribal",
    "dark",            "male opera",      "no vocals",       "irish",           "electronica",
    "horn",            "operatic",        "arabic",          "lol",             "low",
    "instrumental",    "trance",          "chant",           "strange",         "drone",
    "synthesizer",     "heavy metal",     "modern",          "disco",           "bells",
    "man",             "deep",            "fast beat",       "industrial",      "hard",
    "harp",            "no flute",        "jungle",          "pop",             "lute",
    "female vocal",    "oboe",            "mellow",          "orchestral",      "viola",
    "light",           "echo",            "piano",           "celtic",          "male vocals",
    "orchestra",       "eastern",         "old",             "flutes",          "punk",
    "spanish",         "sad",             "sax",             "slow",            "male",
    "blues",           "vocal",           "indian",          "no singer",       "scary",
    "india",           "woman",           "woman singing",   "rock",            "dance",
    "piano solo",      "guitars",         "no drums",        "jazzy",           "singing",
    "cello",           "calm",            "female vocals",   "voices",          "different",
    "techno",          "clapping",        "house",           "monks",           "flute",
    "not opera",       "not english",     "oriental",        "beat",            "upbeat",
    "soft",            "noise",           "choir",           "female singer",   "rap",
    "metal",           "hip hop",         "quick",           "water",           "baroque",
    "women",           "fiddle",          "english"};

const std::array<const char*, kNumTop50> kTop50Tags = {
    "guitar",      "classical",   "slow",        "techno",      "strings",
    "drums",       "electronic",  "rock",        "fast",        "piano",
    "ambient",     "beat",        "violin",      "vocal",       "synth",
    "female",      "indian",      "opera",       "male",        "singing",
    "vocals",      "no vocals",   "harpsichord", "loud",        "quiet",
    "flute",       "woman",       "male vocal",  "no vocal",    "pop",
    "soft",        "sitar",       "solo",        "man",         "classic",
    "choir",       "voice",       "new age",     "dance",       "male voice",
    "female vocal","beats",       "harp",        "cello",       "no voice",
    "weird",       "country",     "metal",       "female voice","choral"};
// clang-format on

const std::array<KnownBadClip, 3> kKnownBadClips = {{
    {35644, "6/norine_braun-now_and_zen-08-gently-117-146.mp3"},
    {55753,
     "8/jacob_heringman-josquin_des_prez_lute_settings-19-gintzler__pater_noster-204-233.mp3"},
    {57881,
     "9/american_baroque-dances_and_suites_of_rameau_and_couperin-25-le_petit_rien_xiveme_"
     "ordre_couperin-88-117.mp3"},
}};

namespace {

constexpr const char* kAnnotationsFile = "annotations_final.csv";
constexpr const char* kClipInfoFile = "clip_info_final.csv";

std::string read_text(const std::string& path, const std::string& what) {
  io::check_input_file(path, "MagnaTagATune file");  // a regular file: never a FIFO or device
  std::ifstream in(path, std::ios::binary);
  SYN_CHECK(in.good(), what, ": cannot open '", path, "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t k = i; k < s.size(); ++k)
    if (!std::isdigit((unsigned char)s[k])) return false;
  try {
    out = std::stoll(s);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// "noVocals", "no vocals", "no_vocals" → "novocals": the spellings of tag names in split files.
std::string normalize_tag(const std::string& s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c)) out += (char)std::tolower(c);
  return out;
}

std::vector<int> top50_columns() {
  std::vector<int> cols;
  for (const char* t : kTop50Tags) cols.push_back(raw_tag_index(t));
  return cols;
}

// The shard folder of an mp3_path ("f/x.mp3" → 15), or -1.
int folder_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return -1;
  char c = (char)std::tolower((unsigned char)path[slash - 1]);
  if (std::isdigit((unsigned char)c)) return c - '0';
  if (c >= 'a' && c <= 'f') return 10 + (c - 'a');
  return -1;
}

// Rows of the annotation file in one split, in split-file order.
struct SplitRows {
  std::array<std::vector<int64_t>, 3> rows;
  std::vector<std::string> notes;
};

// musicnn's "<id>\t[0.0, 1.0, ...]" files.
std::vector<int64_t> read_pons_file(const std::string& path, const Annotations& a,
                                    const std::vector<int>& top_cols) {
  SYN_CHECK(fs::exists(path), "MagnaTagATune split pons2017: missing '", path,
            "' (from jordipons/musicnn-training data/index/mtt/; data/download/magnatagatune.sh "
            "fetches it), or use --mtt_split folders");
  std::string text = read_text(path, "MagnaTagATune split");
  std::vector<int64_t> rows;
  std::set<int64_t> seen;
  std::istringstream in(text);
  std::string line;
  for (int64_t no = 1; std::getline(in, line); ++no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    size_t tab = line.find('\t');
    int64_t id = 0;
    SYN_CHECK(tab != std::string::npos && parse_int(line.substr(0, tab), id), "'", path, "' line ",
              no, ": expected '<clip_id>\\t[labels]'");
    std::string list = line.substr(tab + 1);
    SYN_CHECK(list.size() >= 2 && list.front() == '[' && list.back() == ']', "'", path, "' line ",
              no, ": labels must be a [..] list");
    std::vector<int> labels;
    std::stringstream ls(list.substr(1, list.size() - 2));
    for (std::string v; std::getline(ls, v, ',');) {
      size_t b = v.find_first_not_of(' '), e = v.find_last_not_of(' ');
      v = b == std::string::npos ? "" : v.substr(b, e - b + 1);
      SYN_CHECK(v == "0" || v == "1" || v == "0.0" || v == "1.0", "'", path, "' line ", no,
                ": label '", v, "' is not 0 or 1");
      labels.push_back(v[0] == '1');
    }
    SYN_CHECK(labels.size() == (size_t)kNumTop50, "'", path, "' line ", no, ": ", labels.size(),
              " labels, expected ", kNumTop50);
    int64_t r = a.find(id);
    SYN_CHECK(r >= 0, "'", path, "' line ", no, ": clip ", id, " is not in annotations_final.csv");
    SYN_CHECK(seen.insert(id).second, "'", path, "' line ", no, ": clip ", id, " is listed twice");
    std::span<const uint8_t> raw = a.row(r);
    for (int k = 0; k < kNumTop50; ++k)
      SYN_CHECK(labels[(size_t)k] == raw[(size_t)top_cols[(size_t)k]], "'", path, "' line ", no,
                ": clip ", id, " has '", kTop50Tags[(size_t)k], "' = ", labels[(size_t)k],
                " but annotations_final.csv says ", (int)raw[(size_t)top_cols[(size_t)k]],
                " (split file and annotations do not match)");
    rows.push_back(r);
  }
  return rows;
}

SplitRows split_pons2017(const std::string& dir, const Annotations& a) {
  SplitRows s;
  std::vector<int> cols = top50_columns();
  const char* files[3] = {"train_gt_mtt.tsv", "val_gt_mtt.tsv", "test_gt_mtt.tsv"};
  for (int k = 0; k < 3; ++k)
    s.rows[(size_t)k] = read_pons_file((fs::path(dir) / files[k]).string(), a, cols);
  return s;
}

SplitRows split_folders(const Annotations& a, const std::string& name) {
  SplitRows s;
  for (int64_t r = 0; r < a.num_clips(); ++r) {
    int f = folder_of(a.paths[(size_t)r]);
    SYN_CHECK(f >= 0, "'", name, "': clip ", a.clip_ids[(size_t)r], " has mp3_path '",
              a.paths[(size_t)r],
              "' without a 0-f shard folder, so --mtt_split folders cannot "
              "place it");
    s.rows[f < 12 ? 0 : f < 13 ? 1 : 2].push_back(r);
  }
  return s;
}

SplitRows split_won2020(const std::string& dir, const Annotations& a) {
  SplitRows s;
  const char* files[3] = {"train.npy", "valid.npy", "test.npy"};
  std::array<std::vector<int64_t>, 3> index;  // binary.npy row of each listed clip
  for (int k = 0; k < 3; ++k) {
    std::string path = (fs::path(dir) / files[k]).string();
    SYN_CHECK(fs::exists(path), "MagnaTagATune split won2020: missing '", path,
              "' (from minzwon/sota-music-tagging-models split/mtat/; "
              "data/download/magnatagatune.sh fetches it)");
    NpyArray arr = read_npy(path);
    SYN_CHECK(arr.shape.size() == 1 && arr.is_text(), "'", path,
              "': expected a 1-d string array, got dtype ", arr.descr, " with ", arr.shape.size(),
              " dimensions");
    std::set<int64_t> seen;
    std::vector<std::string> items = arr.strings();
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string& item = items[i];
      size_t tab = item.find('\t');
      int64_t ix = 0;
      SYN_CHECK(tab != std::string::npos && parse_int(item.substr(0, tab), ix) && ix >= 0, "'",
                path, "' element ", i, ": expected '<index>\\t<mp3_path>', got '", item, "'");
      std::string p = item.substr(tab + 1);
      int64_t r = a.find_path(p);
      SYN_CHECK(r >= 0, "'", path, "' element ", i, ": '", p,
                "' is not an mp3_path of annotations_final.csv");
      SYN_CHECK(seen.insert(r).second, "'", path, "' element ", i, ": '", p, "' is listed twice");
      s.rows[(size_t)k].push_back(r);
      index[(size_t)k].push_back(ix);
    }
  }
  // The stored labels: verified when both the matrix and its column names are there.
  std::string bin_path = (fs::path(dir) / "binary.npy").string();
  std::string tags_path = (fs::path(dir) / "tags.npy").string();
  if (!fs::exists(bin_path) || !fs::exists(tags_path)) {
    s.notes.push_back(
        "split won2020: labels in the split files not verified (binary.npy or "
        "tags.npy absent); labels come from annotations_final.csv");
    return s;
  }
  NpyArray bin = read_npy(bin_path), tags = read_npy(tags_path);
  SYN_CHECK(tags.is_text() && tags.shape.size() == 1, "'", tags_path,
            "': expected a 1-d string array of tag names, got dtype ", tags.descr);
  std::vector<std::string> names = tags.strings();
  SYN_CHECK(bin.shape.size() == 2 && !bin.is_text() && bin.shape[1] == (int64_t)names.size(), "'",
            bin_path, "': expected a [clips, ", names.size(),
            "] label matrix (one column per "
            "tags.npy entry), got dtype ",
            bin.descr, " shape ", shape_str(bin.shape));
  std::vector<int> cols;
  for (const std::string& n : names) {
    int c = -1;
    for (int t = 0; t < kNumRawTags; ++t)
      if (normalize_tag(kRawTags[(size_t)t]) == normalize_tag(n)) c = t;
    SYN_CHECK(c >= 0, "'", tags_path, "': '", n, "' is not a MagnaTagATune tag");
    cols.push_back(c);
  }
  std::vector<double> m = bin.numbers();
  int64_t width = bin.shape[1];
  for (int k = 0; k < 3; ++k)
    for (size_t i = 0; i < s.rows[(size_t)k].size(); ++i) {
      int64_t ix = index[(size_t)k][i], r = s.rows[(size_t)k][i];
      SYN_CHECK(ix < bin.shape[0], "'", files[k], "' element ", i, ": index ", ix,
                " is outside binary.npy's ", bin.shape[0], " rows");
      for (int64_t c = 0; c < width; ++c) {
        double v = m[(size_t)(ix * width + c)];
        int want = a.row(r)[(size_t)cols[(size_t)c]];
        SYN_CHECK(v == (double)want, "'", bin_path, "' row ", ix, " ('", a.paths[(size_t)r],
                  "'): '", names[(size_t)c], "' = ", v, " but annotations_final.csv says ", want,
                  " (split files and annotations do not match)");
      }
    }
  return s;
}

}  // namespace

int raw_tag_index(const std::string& name) {
  for (int i = 0; i < kNumRawTags; ++i)
    if (name == kRawTags[(size_t)i]) return i;
  return -1;
}

bool is_known_bad_clip(int64_t clip_id) {
  for (const KnownBadClip& k : kKnownBadClips)
    if (k.clip_id == clip_id) return true;
  return false;
}

const char* split_name(Split s) {
  switch (s) {
    case Split::Train:
      return "train";
    case Split::Valid:
      return "valid";
    case Split::Test:
      return "test";
  }
  return "?";
}

void for_each_tsv_row(const std::string& text, const std::string& name,
                      const std::function<void(const TsvRow&)>& fn) {
  TsvRow row;
  row.line = 1;
  int64_t line = 1;
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // One field, then its delimiter: a tab (next field), a line end or the end of the text.
    std::string field;
    if (text[i] == '"') {
      int64_t start_line = line;
      ++i;
      for (;;) {
        SYN_CHECK(i < n, "'", name, "' line ", start_line, ": unterminated quoted field");
        char c = text[i++];
        if (c == '"') {
          if (i < n && text[i] == '"') {
            field += '"';
            ++i;
            continue;
          }
          break;
        }
        if (c == '\n') ++line;
        field += c;
      }
    } else {
      while (i < n && text[i] != '\t' && text[i] != '\n' &&
             !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n'))
        field += text[i++];
    }
    row.fields.push_back(std::move(field));
    if (i < n && text[i] == '\t') {
      ++i;
      continue;
    }
    if (i < n && text[i] == '\r') ++i;
    SYN_CHECK(i == n || text[i] == '\n', "'", name, "' line ", line,
              ": text after a closing quote");
    if (i < n) ++i;
    // A blank line is one empty unquoted field: skip it.
    if (!(row.fields.size() == 1 && row.fields[0].empty())) fn(row);
    row = TsvRow{};
    row.line = ++line;
  }
  if (!row.fields.empty()) {  // the text ended right after a tab
    row.fields.emplace_back();
    fn(row);
  }
}

std::vector<TsvRow> parse_tsv(const std::string& text, const std::string& name) {
  std::vector<TsvRow> rows;
  for_each_tsv_row(text, name, [&](const TsvRow& r) { rows.push_back(r); });
  return rows;
}

std::span<const uint8_t> Annotations::row(int64_t i) const {
  SYN_CHECK(i >= 0 && i < num_clips(), "Annotations::row: ", i, " out of range [0, ", num_clips(),
            ")");
  return {labels.data() + (size_t)i * kNumRawTags, (size_t)kNumRawTags};
}

int64_t Annotations::find(int64_t clip_id) const {
  auto it = by_id.find(clip_id);
  return it == by_id.end() ? -1 : it->second;
}

int64_t Annotations::find_path(const std::string& p) const {
  auto it = by_path.find(p);
  return it == by_path.end() ? -1 : it->second;
}

std::vector<int64_t> Annotations::tag_counts() const {
  std::vector<int64_t> c(kNumRawTags, 0);
  for (size_t i = 0; i < labels.size(); ++i) c[i % kNumRawTags] += labels[i];
  return c;
}

Annotations parse_annotations(const std::string& text, const std::string& name) {
  // Rows are handled as they are parsed: the real file has ~4.9 million fields.
  const size_t width = kNumRawTags + 2;
  Annotations a;
  bool header = true;
  for_each_tsv_row(text, name, [&](const TsvRow& row) {
    const std::vector<std::string>& f = row.fields;
    if (header) {
      header = false;
      SYN_CHECK(f.size() == width, "'", name, "': header has ", f.size(), " columns, expected ",
                width,
                " (clip_id, the 188 MagnaTagATune tags, mp3_path) — is this "
                "annotations_final.csv?");
      SYN_CHECK(f[0] == "clip_id", "'", name, "': column 1 is '", f[0], "', expected 'clip_id'");
      for (int t = 0; t < kNumRawTags; ++t)
        SYN_CHECK(f[(size_t)t + 1] == kRawTags[(size_t)t], "'", name, "': column ", t + 2, " is '",
                  f[(size_t)t + 1], "', expected '", kRawTags[(size_t)t], "'");
      SYN_CHECK(f.back() == "mp3_path", "'", name, "': last column is '", f.back(),
                "', expected 'mp3_path'");
      return;
    }
    SYN_CHECK(f.size() == width, "'", name, "' line ", row.line, ": ", f.size(),
              " fields, expected ", width);
    int64_t id = 0;
    SYN_CHECK(parse_int(f[0], id) && id >= 0, "'", name, "' line ", row.line, ": clip_id '", f[0],
              "' is not a non-negative integer");
    for (int t = 0; t < kNumRawTags; ++t) {
      const std::string& v = f[(size_t)t + 1];
      SYN_CHECK(v == "0" || v == "1", "'", name, "' line ", row.line, ": tag '",
                kRawTags[(size_t)t], "' has value '", v, "', expected 0 or 1");
      a.labels.push_back(v == "1");
    }
    const std::string& p = f.back();
    SYN_CHECK(!p.empty(), "'", name, "' line ", row.line, ": clip ", id, " has no mp3_path");
    int64_t index = (int64_t)a.clip_ids.size();
    SYN_CHECK(a.by_id.emplace(id, index).second, "'", name, "' line ", row.line, ": clip_id ", id,
              " appears twice");
    SYN_CHECK(a.by_path.emplace(p, index).second, "'", name, "' line ", row.line, ": mp3_path '", p,
              "' appears twice");
    a.clip_ids.push_back(id);
    a.paths.push_back(p);
  });
  SYN_CHECK(!header, "'", name, "': empty annotation file");
  return a;
}

Annotations read_annotations(const std::string& path) {
  return parse_annotations(read_text(path, "MagnaTagATune annotations"), path);
}

std::vector<ClipInfo> read_clip_info(const std::string& path) {
  std::vector<TsvRow> rows = parse_tsv(read_text(path, "MagnaTagATune clip info"), path);
  SYN_CHECK(!rows.empty(), "'", path, "': empty clip info file");
  std::unordered_map<std::string, size_t> col;
  for (size_t c = 0; c < rows[0].fields.size(); ++c) col[rows[0].fields[c]] = c;
  for (const char* need : {"clip_id", "mp3_path"})
    SYN_CHECK(col.count(need), "'", path, "': no '", need,
              "' column in the header — is this clip_info_final.csv?");
  auto text = [&](const TsvRow& r, const char* key) -> std::string {
    auto it = col.find(key);
    return it == col.end() || it->second >= r.fields.size() ? "" : r.fields[it->second];
  };
  auto number = [&](const TsvRow& r, const char* key) -> int64_t {
    int64_t v = 0;
    std::string s = text(r, key);
    SYN_CHECK(s.empty() || parse_int(s, v), "'", path, "' line ", r.line, ": ", key, " '", s,
              "' is not an integer");
    return v;
  };
  std::vector<ClipInfo> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    const TsvRow& row = rows[r];
    SYN_CHECK(row.fields.size() == rows[0].fields.size(), "'", path, "' line ", row.line, ": ",
              row.fields.size(), " fields, the header has ", rows[0].fields.size());
    ClipInfo c;
    c.mp3_path = text(row, "mp3_path");
    if (c.mp3_path.empty()) continue;  // a clip that was never cut into the dataset
    SYN_CHECK(parse_int(text(row, "clip_id"), c.clip_id), "'", path, "' line ", row.line,
              ": bad clip_id '", text(row, "clip_id"), "'");
    c.track_number = number(row, "track_number");
    c.segment_start = number(row, "segmentStart");
    c.segment_end = number(row, "segmentEnd");
    c.title = text(row, "title");
    c.artist = text(row, "artist");
    c.album = text(row, "album");
    c.url = text(row, "url");
    c.original_url = text(row, "original_url");
    out.push_back(std::move(c));
  }
  return out;
}

std::span<const uint8_t> Subset::label_row(int64_t i) const {
  SYN_CHECK(i >= 0 && i < size(), "Subset::label_row: ", i, " out of range [0, ", size(), ")");
  return {labels.data() + (size_t)(i * num_tags), (size_t)num_tags};
}

Tensor Subset::label_tensor() const {
  SYN_CHECK(size() > 0, "Subset::label_tensor: the ", split_name(split), " split is empty");
  std::vector<float> v(labels.begin(), labels.end());
  return Tensor::from_vector(v, {size(), num_tags});
}

std::vector<int64_t> Subset::tag_counts() const {
  std::vector<int64_t> c((size_t)num_tags, 0);
  for (size_t i = 0; i < labels.size(); ++i) c[i % (size_t)num_tags] += labels[i];
  return c;
}

Dataset::Dataset(const DatasetOptions& options) : options_(options) {
  const std::string& root = options_.root;
  SYN_CHECK(fs::is_directory(root), "MagnaTagATune: dataset root '", root, "' is not a directory");
  std::string ann_path = (fs::path(root) / kAnnotationsFile).string();
  SYN_CHECK(fs::exists(ann_path), "MagnaTagATune: no '", ann_path,
            "' (download the dataset with data/download/magnatagatune.sh)");
  annotations_ = read_annotations(ann_path);
  std::string info_path = (fs::path(root) / kClipInfoFile).string();
  if (fs::exists(info_path)) {
    clip_info_ = read_clip_info(info_path);
    for (size_t i = 0; i < clip_info_.size(); ++i) info_by_id_[clip_info_[i].clip_id] = i;
  }

  // The vocabulary.
  const std::string& labels = options_.labels;
  if (labels == "top50") {
    raw_columns_ = top50_columns();
    for (const char* t : kTop50Tags) tag_names_.push_back(t);
  } else if (labels == "raw") {
    for (int t = 0; t < kNumRawTags; ++t) {
      raw_columns_.push_back(t);
      tag_names_.push_back(kRawTags[(size_t)t]);
    }
  } else if (labels == "refined") {
    TagRefiner refiner;
    std::vector<int64_t> counts = refiner.counts(annotations_.labels, annotations_.num_clips());
    refined_pick_ = top_by_count(counts, options_.refined_top_n);
    for (int j : refined_pick_) tag_names_.push_back(refiner.names()[(size_t)j]);
  } else {
    SYN_FAIL("MagnaTagATune: labels '", labels, "' is not one of top50, raw, refined");
  }

  // The split.
  std::string dir = options_.split_dir.empty() ? root : options_.split_dir;
  SplitRows rows;
  if (options_.split == "pons2017")
    rows = split_pons2017(dir, annotations_);
  else if (options_.split == "folders")
    rows = split_folders(annotations_, ann_path);
  else if (options_.split == "won2020")
    rows = split_won2020(dir, annotations_);
  else
    SYN_FAIL("MagnaTagATune: split '", options_.split,
             "' is not one of pons2017, folders, won2020");
  warnings_ = rows.notes;

  // Clips, skips and labels.
  TagRefiner refiner;
  int64_t checked = 0, found = 0;
  for (int k = 0; k < 3; ++k) {
    Subset& s = subsets_[(size_t)k];
    s.split = (Split)k;
    s.num_tags = (int64_t)tag_names_.size();
    for (int64_t r : rows.rows[(size_t)k]) {
      int64_t id = annotations_.clip_ids[(size_t)r];
      const std::string& p = annotations_.paths[(size_t)r];
      if (is_known_bad_clip(id)) {
        ++skips_.known_bad;
        warnings_.push_back(
            str_cat("skipping clip ", id, " '", p, "': a 0-byte file in the official archive"));
        continue;
      }
      if (options_.check_files) {
        std::error_code ec;
        uintmax_t bytes = fs::file_size(fs::path(root) / p, ec);
        ++checked;
        if (ec) {
          ++skips_.missing_file;
          warnings_.push_back(str_cat("skipping clip ", id, " '", p, "': file not found"));
          continue;
        }
        ++found;
        if (bytes == 0) {
          ++skips_.empty_file;
          warnings_.push_back(str_cat("skipping clip ", id, " '", p, "': empty file (0 bytes)"));
          continue;
        }
      }
      s.clip_ids.push_back(id);
      s.paths.push_back(p);
      std::span<const uint8_t> raw = annotations_.row(r);
      if (refined_pick_.empty()) {
        for (int c : raw_columns_) s.labels.push_back(raw[(size_t)c]);
      } else {
        std::vector<uint8_t> ref = refiner.refine_row(raw);
        for (int j : refined_pick_) s.labels.push_back(ref[(size_t)j]);
      }
    }
  }
  SYN_CHECK(!options_.check_files || checked == 0 || found > 0, "MagnaTagATune: none of the ",
            checked, " mp3 files of the split exist under '", root,
            "' (expected folders 0/ ... f/: join mp3.zip.001-003 and unzip into the root)");
}

const ClipInfo* Dataset::info(int64_t clip_id) const {
  auto it = info_by_id_.find(clip_id);
  return it == info_by_id_.end() ? nullptr : &clip_info_[it->second];
}

std::string Dataset::summary() const {
  return str_cat("MagnaTagATune '", options_.root, "': ", annotations_.num_clips(),
                 " annotated clips, split ", options_.split, " (train ",
                 subset(Split::Train).size(), ", valid ", subset(Split::Valid).size(), ", test ",
                 subset(Split::Test).size(), "), labels ", options_.labels, " (", tag_names_.size(),
                 " tags), skipped ", skips_.total(), " (", skips_.known_bad, " known-bad, ",
                 skips_.missing_file, " missing, ", skips_.empty_file, " empty)");
}

std::string label_statistics(const Dataset& ds) {
  std::ostringstream os;
  const auto& names = ds.tag_names();
  size_t w = 4;
  for (const auto& n : names) w = std::max(w, n.size());
  std::array<std::vector<int64_t>, 3> c;
  std::array<int64_t, 3> n{}, none{};
  for (int k = 0; k < 3; ++k) {
    const Subset& s = ds.subset((Split)k);
    c[(size_t)k] = s.tag_counts();
    n[(size_t)k] = s.size();
    for (int64_t i = 0; i < s.size(); ++i) {
      auto row = s.label_row(i);
      none[(size_t)k] += std::none_of(row.begin(), row.end(), [](uint8_t v) { return v != 0; });
    }
  }
  os << std::left << std::setw((int)w) << "tag" << std::right << std::setw(9) << "train"
     << std::setw(9) << "valid" << std::setw(9) << "test" << std::setw(9) << "total"
     << "\n";
  for (size_t t = 0; t < names.size(); ++t) {
    int64_t total = c[0][t] + c[1][t] + c[2][t];
    os << std::left << std::setw((int)w) << names[t] << std::right << std::setw(9) << c[0][t]
       << std::setw(9) << c[1][t] << std::setw(9) << c[2][t] << std::setw(9) << total << "\n";
  }
  os << std::left << std::setw((int)w) << "(clips)" << std::right << std::setw(9) << n[0]
     << std::setw(9) << n[1] << std::setw(9) << n[2] << std::setw(9) << n[0] + n[1] + n[2] << "\n";
  os << std::left << std::setw((int)w) << "(no tag)" << std::right << std::setw(9) << none[0]
     << std::setw(9) << none[1] << std::setw(9) << none[2] << std::setw(9)
     << none[0] + none[1] + none[2] << "\n";
  return os.str();
}

std::string refinement_report(const Annotations& a, int top_n) {
  TagRefiner refiner;
  const int64_t rows = a.num_clips();
  std::vector<int64_t> raw_counts = a.tag_counts();
  std::vector<int64_t> ref_counts = refiner.counts(a.labels, rows);
  std::vector<int> top50 = top50_columns();
  std::vector<int> all_raw(kNumRawTags);
  for (int t = 0; t < kNumRawTags; ++t) all_raw[(size_t)t] = t;
  std::vector<int> ref_all = top_by_count(ref_counts, 0);
  std::vector<int> ref_top = top_by_count(ref_counts, top_n);

  // Positives and clips with at least one tag, for a set of raw columns or refined tags.
  auto raw_line = [&](const std::string& label, const std::vector<int>& cols) {
    int64_t pos = 0, covered = 0;
    for (int64_t r = 0; r < rows; ++r) {
      auto row = a.row(r);
      int64_t here = 0;
      for (int c : cols) here += row[(size_t)c];
      pos += here;
      covered += here > 0;
    }
    return str_cat(label, ": ", cols.size(), " tags, ", pos, " positive labels, ", covered, " of ",
                   rows, " clips have at least one\n");
  };
  auto refined_line = [&](const std::string& label, const std::vector<int>& pick) {
    int64_t pos = 0, covered = 0;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<uint8_t> ref = refiner.refine_row(a.row(r));
      int64_t here = 0;
      for (int j : pick) here += ref[(size_t)j];
      pos += here;
      covered += here > 0;
    }
    return str_cat(label, ": ", pick.size(), " tags, ", pos, " positive labels, ", covered, " of ",
                   rows, " clips have at least one\n");
  };
  std::ostringstream os;
  os << "label counts before refinement\n";
  os << "  " << raw_line("raw vocabulary", all_raw);
  os << "  " << raw_line("standard top 50", top50);
  os << "label counts after refinement (" << dropped_tags().size() << " raw tags dropped)\n";
  os << "  " << refined_line("refined vocabulary", ref_all);
  os << "  " << refined_line(str_cat("refined top ", ref_top.size()), ref_top);
  os << "refined tags by count (largest single source column alongside: the gain of merging)\n";
  size_t w = 4;
  for (const auto& n : refiner.names()) w = std::max(w, n.size());
  for (size_t k = 0; k < ref_all.size(); ++k) {
    int j = ref_all[k];
    int64_t best = 0;
    std::string best_name;
    for (int c : refiner.sources(j))
      if (raw_counts[(size_t)c] >= best) {
        if (raw_counts[(size_t)c] > best || best_name.empty()) best_name = kRawTags[(size_t)c];
        best = raw_counts[(size_t)c];
      }
    os << "  " << std::setw(3) << k + 1 << (k < ref_top.size() ? " * " : "   ") << std::left
       << std::setw((int)w) << refiner.names()[(size_t)j] << std::right << std::setw(8)
       << ref_counts[(size_t)j] << "   (" << refiner.sources(j).size()
       << (refiner.sources(j).size() == 1 ? " source; '" : " sources; '") << best_name << "' alone "
       << best << ")\n";
  }
  os << "  (* = in the refined top " << ref_top.size() << ")\n";
  return os.str();
}

CacheSelection select_cached(const AudioFolderCache& cache, const Subset& subset) {
  std::unordered_map<std::string, int64_t> where;
  for (int64_t i = 0; i < cache.size(); ++i) where.emplace(cache.path(i), i);
  CacheSelection sel;
  for (int64_t i = 0; i < subset.size(); ++i) {
    auto it = where.find(subset.paths[(size_t)i]);
    if (it == where.end()) {
      ++sel.missing;
      sel.warnings.push_back(str_cat("skipping clip ", subset.clip_ids[(size_t)i], " '",
                                     subset.paths[(size_t)i],
                                     "': not in the audio cache (it did not decode or is too "
                                     "short; see the preprocess warnings)"));
      continue;
    }
    sel.cache_index.push_back(it->second);
    sel.subset_index.push_back(i);
  }
  return sel;
}

}  // namespace syn::mtt
