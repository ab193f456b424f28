// mini_mtt.h — writes a miniature MagnaTagATune tree in the real file formats, for the dataset,
// preprocess and pretrain tests (header-only: tests include it directly).
//
// What it writes under `root` (formats as documented in data/datasets/magnatagatune.h):
//   annotations_final.csv   header "clip_id", the 188 tags, "mp3_path"; every field quoted (or
//                           not, with quoted=false), tab-separated, LF or CRLF line ends
//   clip_info_final.csv     the 10 real columns; a title with an escaped quote, one with a tab, and
//                           a row with an empty mp3_path (a clip never cut, as in the real file)
//   0/ ... f/*.mp3          16 kHz mono MPEG layer III written by libsndfile (its LAME encoder),
//                           3 s each (the real clips are 29.1 s at 16 kHz, 32 kbps)
//   train_gt_mtt.tsv, val_gt_mtt.tsv, test_gt_mtt.tsv   musicnn's split, "<id>\t[0.0, 1.0, ...]"
//   train.npy, valid.npy, test.npy, binary.npy, tags.npy   the sota-music-tagging-models split
//                           ("<row>\t<mp3_path>" unicode arrays, a float [rows, 50] matrix whose
//                           columns follow tags.npy, written in that repository's camelCase
//                           names and order)
// Clips cover every case the loader handles: each split, the known-bad clip 35644 (a 0-byte file,
// as in the real archive), another 0-byte clip, a clip whose mp3 is missing, a non-empty clip that
// does not decode, a clip with no tags, and synonyms/negations for the refined vocabulary.
#pragma once
#include <doctest/doctest.h>
#include <sndfile.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "data/datasets/magnatagatune.h"
#include "engine/io/npy.h"

namespace syn::test {

struct MiniClip {
  enum Audio { kGood, kEmpty, kCorrupt, kMissing };
  int64_t id;
  std::string path;
  std::vector<std::string> tags;  // raw MTT tags
  Audio audio = kGood;
};

inline std::vector<MiniClip> mini_mtt_clips() {
  using C = MiniClip;
  return {
      {2,
       "0/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54__i_aria-30-59.mp3",
       {"classical", "strings", "violin", "opera", "female opera", "soprano"}},
      {6, "1/artist_b-album_b-02-song_b-0-29.mp3", {"woman", "female vocal", "piano", "slow"}},
      {10, "2/artist_c-album_c-03-song_c-29-58.mp3", {"clasical", "violins", "no vocals", "quiet"}},
      {11, "4/artist_d-album_d-01-song_d-0-29.mp3", {"techno", "electronic", "beat", "fast"}},
      {12,
       "5/artist_e-album_e-05-song_e-58-87.mp3",
       {"classic", "harpsicord", "no voice", "no piano"}},
      {35644, "6/norine_braun-now_and_zen-08-gently-117-146.mp3", {"female", "new age"}, C::kEmpty},
      {20, "7/artist_f-album_f-02-raga-0-29.mp3", {"sitar", "indian", "india", "no beat"}},
      {21, "9/artist_g-album_g-01-nocturne-0-29.mp3", {"piano solo", "piano", "quiet", "calm"}},
      {22, "a/artist_h-album_h-04-hit-29-58.mp3", {"girl", "singing", "pop", "female singer"}},
      {23,
       "b/artist_i-album_i-01-ballad-0-29.mp3",
       {"man singing", "guitars", "country"},
       C::kMissing},
      {24, "3/artist_j-album_j-02-untagged-0-29.mp3", {}},
      {25, "8/artist_k-album_k-03-broken-0-29.mp3", {"drums", "rock"}, C::kCorrupt},
      {26, "b/artist_l-album_l-07-quiet_one-0-29.mp3", {"no singer", "weird", "not rock"}},
      {30, "c/artist_m-album_m-01-aria-0-29.mp3", {"female voice", "opera", "choral", "choir"}},
      {31, "c/artist_n-album_n-02-riff-29-58.mp3", {"drum", "metal", "heavy metal", "loud"}},
      {40, "d/artist_o-album_o-01-song_o-0-29.mp3", {"male", "vocals", "guitar", "rock"}},
      {41, "e/artist_p-album_p-02-breeze-0-29.mp3", {"flute", "woodwind", "calm"}},
      {42, "f/artist_q-album_q-03-pads-58-87.mp3", {"synthesizer", "synth", "ambient", "weird"}},
      {43, "f/artist_r-album_r-04-duo-0-29.mp3", {"cello", "classical guitar", "not rock"}},
      {44, "e/artist_s-album_s-05-empty-0-29.mp3", {"harp", "solo"}, C::kEmpty},
  };
}

// Which standard split a mini clip is in (by shard folder, as musicnn does).
inline int mini_split_of(const MiniClip& c) {
  int f = std::stoi(c.path.substr(0, 1), nullptr, 16);
  return f < 12 ? 0 : f < 13 ? 1 : 2;
}

inline std::vector<uint8_t> mini_raw_row(const MiniClip& c) {
  std::vector<uint8_t> row(mtt::kNumRawTags, 0);
  for (const std::string& t : c.tags) {
    int k = mtt::raw_tag_index(t);
    REQUIRE_MESSAGE(k >= 0, "mini_mtt: '", t, "' is not an MTT tag");
    row[(size_t)k] = 1;
  }
  return row;
}

inline void mini_write_text(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

// A 3 s, 16 kHz mono MP3 whose tone depends on `seed`.
inline void mini_write_mp3(const std::filesystem::path& p, int seed) {
  std::filesystem::create_directories(p.parent_path());
  SF_INFO info{};
  info.samplerate = 16000;
  info.channels = 1;
  info.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
  SNDFILE* f = sf_open(p.c_str(), SFM_WRITE, &info);
  REQUIRE_MESSAGE(f != nullptr, "cannot write MP3 '", p.string(), "': ", sf_strerror(nullptr));
  std::vector<float> x(3 * 16000);
  double freq = 220.0 + 37.0 * seed;
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (float)(0.3 * std::sin(2 * 3.14159265358979 * freq * (double)i / 16000.0));
  REQUIRE(sf_writef_float(f, x.data(), (sf_count_t)x.size()) == (sf_count_t)x.size());
  sf_close(f);
}

struct MiniMttOptions {
  bool quoted = true;  // the real file quotes every field
  bool crlf = false;
};

inline std::string mini_field(const std::string& s, bool quoted) {
  if (!quoted) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

inline void write_mini_mtt(const std::filesystem::path& root, const MiniMttOptions& o = {}) {
  namespace fs = std::filesystem;
  fs::remove_all(root);
  fs::create_directories(root);
  const std::vector<MiniClip> clips = mini_mtt_clips();
  const std::string eol = o.crlf ? "\r\n" : "\n";

  // annotations_final.csv
  std::string ann = mini_field("clip_id", o.quoted);
  // (Appending piecewise: gcc 12 warns falsely about "\t" + std::string.)
  for (const char* t : mtt::kRawTags) {
    ann += '\t';
    ann += mini_field(t, o.quoted);
  }
  ann += '\t';
  ann += mini_field("mp3_path", o.quoted);
  ann += eol;
  for (const MiniClip& c : clips) {
    ann += mini_field(std::to_string(c.id), o.quoted);
    for (uint8_t v : mini_raw_row(c)) {
      ann += '\t';
      ann += mini_field(v ? "1" : "0", o.quoted);
    }
    ann += '\t';
    ann += mini_field(c.path, o.quoted);
    ann += eol;
  }
  mini_write_text(root / "annotations_final.csv", ann);

  // clip_info_final.csv (always quoted: titles hold tabs and quotes)
  std::string info;
  for (const char* h : {"clip_id", "track_number", "title", "artist", "album", "url",
                        "segmentStart", "segmentEnd", "original_url", "mp3_path"}) {
    if (!info.empty()) info += '\t';
    info += mini_field(h, true);
  }
  info += eol;
  int n = 0;
  for (const MiniClip& c : clips) {
    std::string title = n == 0   ? "BWV54 - I Aria"
                        : n == 1 ? "A \"quoted\" title"
                        : n == 2 ? "tab\tinside"
                                 : "song " + std::to_string(n);
    std::vector<std::string> f = {std::to_string(c.id),
                                  std::to_string(n % 9 + 1),
                                  title,
                                  "artist " + std::to_string(n),
                                  "album " + std::to_string(n),
                                  "http://magnatune.com/artists/albums/x" + std::to_string(n) + "/",
                                  std::to_string(29 * n),
                                  std::to_string(29 * n + 29),
                                  "http://he3.magnatune.com/all/x.mp3",
                                  c.path};
    for (size_t k = 0; k < f.size(); ++k) {
      if (k) info += '\t';
      info += mini_field(f[k], true);
    }
    info += eol;
    ++n;
  }
  info += "\"99\"\t\"1\"\t\"never cut\"\t\"a\"\t\"b\"\t\"u\"\t\"0\"\t\"29\"\t\"\"\t\"\"" + eol;
  mini_write_text(root / "clip_info_final.csv", info);

  // The audio.
  int seed = 0;
  for (const MiniClip& c : clips) {
    fs::path p = root / c.path;
    switch (c.audio) {
      case MiniClip::kGood:
        mini_write_mp3(p, seed++);
        break;
      case MiniClip::kEmpty:
        mini_write_text(p, "");
        break;
      case MiniClip::kCorrupt:
        mini_write_text(p, std::string(4000, 'z'));
        break;
      case MiniClip::kMissing:
        break;
    }
  }

  // musicnn's split (pons2017): every clip but the known-bad ones, labels in kTop50Tags order.
  std::vector<int> top_cols;
  for (const char* t : mtt::kTop50Tags) top_cols.push_back(mtt::raw_tag_index(t));
  std::string tsv[3];
  for (const MiniClip& c : clips) {
    if (mtt::is_known_bad_clip(c.id)) continue;
    std::vector<uint8_t> raw = mini_raw_row(c);
    std::string line = std::to_string(c.id) + "\t[";
    for (size_t k = 0; k < top_cols.size(); ++k)
      line += (k ? ", " : "") + std::string(raw[(size_t)top_cols[k]] ? "1.0" : "0.0");
    tsv[mini_split_of(c)] += line + "]\n";
  }
  mini_write_text(root / "train_gt_mtt.tsv", tsv[0]);
  mini_write_text(root / "val_gt_mtt.tsv", tsv[1]);
  mini_write_text(root / "test_gt_mtt.tsv", tsv[2]);

  // The sota-music-tagging-models split (won2020): clips with at least one top-50 tag; the index
  // is the clip's annotation row; binary.npy rows follow the annotation file.
  const std::vector<std::string> sota_tags = {
      "guitar",   "classical",   "slow",    "techno",  "strings",   "drums",       "electronic",
      "rock",     "fast",        "piano",   "ambient", "beat",      "violin",      "vocal",
      "synth",    "female",      "indian",  "opera",   "male",      "singing",     "vocals",
      "noVocals", "harpsichord", "loud",    "quiet",   "flute",     "woman",       "maleVocal",
      "noVocal",  "pop",         "soft",    "sitar",   "solo",      "man",         "classic",
      "choir",    "voice",       "newAge",  "dance",   "maleVoice", "femaleVocal", "beats",
      "harp",     "cello",       "noVoice", "weird",   "country",   "femaleVoice", "metal",
      "choral"};
  std::vector<float> binary;
  std::vector<std::string> lists[3];
  for (size_t r = 0; r < clips.size(); ++r) {
    std::vector<uint8_t> raw = mini_raw_row(clips[r]);
    bool any = false;
    for (const std::string& t : sota_tags) {
      int col = -1;
      for (const char* name : mtt::kTop50Tags) {
        std::string a, b = t;
        for (char ch : std::string(name))
          if (ch != ' ') a += (char)std::tolower((unsigned char)ch);
        for (char& ch : b) ch = (char)std::tolower((unsigned char)ch);
        if (a == b) col = mtt::raw_tag_index(name);
      }
      REQUIRE(col >= 0);
      binary.push_back(raw[(size_t)col]);
      any |= raw[(size_t)col] != 0;
    }
    if (any && !mtt::is_known_bad_clip(clips[r].id))
      lists[mini_split_of(clips[r])].push_back(std::to_string(r) + "\t" + clips[r].path);
  }
  save_npy((root / "train.npy").string(), lists[0]);
  save_npy((root / "valid.npy").string(), lists[1]);
  save_npy((root / "test.npy").string(), lists[2]);
  save_npy((root / "binary.npy").string(), binary, {(int64_t)clips.size(), 50});
  save_npy((root / "tags.npy").string(), sota_tags);
}

}  // namespace syn::test
