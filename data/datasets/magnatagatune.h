// magnatagatune.h — the MagnaTagATune dataset (Law et al. 2009) read from its official files,
// with the standard train/valid/test splits and three label vocabularies (the standard top 50,
// all 188 raw tags, or the refined vocabulary of refined_tags.h).
//
// The dataset root (data/download/magnatagatune.sh fills it) holds:
//   annotations_final.csv   tab-separated, fields double-quoted (unquoted is read too). Header:
//                           "clip_id", the 188 tags in kRawTags order, "mp3_path". One row per
//                           clip (25,863): the clip id, 188 values "0"/"1", the clip's path, e.g.
//                           "f/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54__i_aria-
//                           30-59.mp3" (one path, wrapped here)
//   clip_info_final.csv     tab-separated, quoted: clip_id, track_number, title, artist, album,
//                           url, segmentStart, segmentEnd, original_url, mp3_path (optional; rows
//                           with an empty mp3_path are clips that were never cut and are ignored)
//   0/ ... f/               the clips: 29.1 s, 16 kHz, 32 kbps mono MP3 (mp3.zip.001-003 joined
//                           and unzipped), sharded by the last hex digit of a hash of the album
//   split files             in the root or in split_dir, depending on the split (below)
//
// Splits (DatasetOptions::split):
//   "pons2017"  the split of musicnn (Pons et al., "End-to-end learning for music audio tagging
//               at scale", arXiv 2017 / ISMIR 2018; jordipons/musicnn-training data/index/mtt/,
//               made by aux/mtt/partition_gt.py) and CLMR's default (Spijkervet/CLMR
//               clmr/datasets/magnatagatune.py, split="pons2017"): folders 0-b train (18,706
//               clips), c valid (1,825), d-f test (5,329); the three known-bad clips are left
//               out. Files:
//               train_gt_mtt.tsv, val_gt_mtt.tsv, test_gt_mtt.tsv — one line per clip,
//               "<clip_id>\t[0.0, 1.0, ...]" with the 50 top-tag labels in kTop50Tags order.
//   "folders"   the same partition derived from the mp3 folder names, without split files. It
//               equals pons2017: applied to musicnn's index_mtt.tsv it reproduces the published
//               val/test files clip for clip, and tests/test_magnatagatune.cpp checks it on a
//               miniature tree.
//   "won2020"   the split of Lee et al. 2017 as distributed by minzwon/sota-music-tagging-models
//               split/mtat/ (CLMR's other option): train.npy, valid.npy, test.npy are 1-d NumPy
//               unicode arrays of "<index>\t<mp3_path>" (15,247 / 1,529 / 4,332 clips as counted
//               in that repository's issue #25: clips with at least one top-50 tag); binary.npy
//               is a label matrix whose row <index> holds the clip's top-50 labels in the column
//               order named by tags.npy (names may be camelCase, e.g. "noVocals").
// Labels always come from annotations_final.csv; the labels stored in the split files are checked
// against it (an error names the first clip and tag that disagree), so a split file from another
// annotation version cannot silently mislabel an evaluation.
//
// Skipped clips, each counted and reported as a warning: the three clips that are 0-byte files in
// the official archive (kKnownBadClips, also left out by musicnn and CLMR), and — when
// check_files is on — clips whose mp3 is missing or empty on disk. Clips that exist but do not
// decode are found by the audio cache (preprocess_audio_folder counts them) and dropped when a
// subset is matched to the cache (select_cached).
//
//   mtt::DatasetOptions o;
//   o.root = "/data/mtt";
//   o.labels = "refined";
//   mtt::Dataset ds(o);
//   const mtt::Subset& train = ds.subset(mtt::Split::Train);   // paths + [N, T] labels
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/tensor.h"

namespace syn {
class AudioFolderCache;
}

namespace syn::mtt {

constexpr int kNumRawTags = 188;
// The 188 tag columns of annotations_final.csv, in file order.
extern const std::array<const char*, kNumRawTags> kRawTags;
// The standard 50 most frequent tags, in the label order of musicnn and CLMR (most frequent
// first).
constexpr int kNumTop50 = 50;
extern const std::array<const char*, kNumTop50> kTop50Tags;
// Column of `name` in kRawTags, or -1.
int raw_tag_index(const std::string& name);

// Clips whose mp3 is a 0-byte file in the official archive (musicnn-training
// aux/mtt/partition_gt.py lists the same ids as IDS_ERROR).
struct KnownBadClip {
  int64_t clip_id;
  const char* path;
};
extern const std::array<KnownBadClip, 3> kKnownBadClips;
bool is_known_bad_clip(int64_t clip_id);

// Tab-separated text with optional double quotes around fields ("" inside quotes is a quote; a
// quoted field may hold tabs and newlines). CRLF line ends are accepted; blank lines are skipped.
// Each row is returned with its 1-based starting line number. Errors name `name` and the line.
struct TsvRow {
  int64_t line = 0;
  std::vector<std::string> fields;
};
std::vector<TsvRow> parse_tsv(const std::string& text, const std::string& name);
// The same, one row at a time (no copy of the whole table).
void for_each_tsv_row(const std::string& text, const std::string& name,
                      const std::function<void(const TsvRow&)>& fn);

struct Annotations {
  std::vector<int64_t> clip_ids;   // file order
  std::vector<std::string> paths;  // mp3_path of each clip
  std::vector<uint8_t> labels;     // [num_clips x 188], 0/1, columns in kRawTags order

  int64_t num_clips() const { return (int64_t)clip_ids.size(); }
  std::span<const uint8_t> row(int64_t i) const;
  int64_t find(int64_t clip_id) const;            // row index, or -1
  int64_t find_path(const std::string& p) const;  // row index, or -1
  std::vector<int64_t> tag_counts() const;        // positives per raw tag

  std::unordered_map<int64_t, int64_t> by_id;
  std::unordered_map<std::string, int64_t> by_path;
};
// Errors name the file and line: a header that is not exactly clip_id + kRawTags + mp3_path, a
// row with another number of fields, a label other than 0/1, a bad or repeated clip id, an empty
// or repeated mp3_path.
Annotations read_annotations(const std::string& path);
Annotations parse_annotations(const std::string& text, const std::string& name);

struct ClipInfo {
  int64_t clip_id = 0;
  std::string title, artist, album, url, original_url, mp3_path;
  int64_t track_number = 0, segment_start = 0, segment_end = 0;
};
// Rows with an empty mp3_path are skipped. Needs the clip_id and mp3_path columns; the others are
// read when present.
std::vector<ClipInfo> read_clip_info(const std::string& path);

enum class Split { Train, Valid, Test };
const char* split_name(Split s);  // "train", "valid", "test"

// One split's clips with their labels under the dataset's vocabulary.
struct Subset {
  Split split = Split::Train;
  std::vector<int64_t> clip_ids;
  std::vector<std::string> paths;  // relative to the dataset root
  std::vector<uint8_t> labels;     // [size() x num_tags], 0/1
  int64_t num_tags = 0;

  int64_t size() const { return (int64_t)clip_ids.size(); }
  std::span<const uint8_t> label_row(int64_t i) const;
  Tensor label_tensor() const;  // [N, T] float (0/1), CPU
  std::vector<int64_t> tag_counts() const;
};

struct DatasetOptions {
  std::string root;                // folder with annotations_final.csv and the mp3 folders 0..f
  std::string split = "pons2017";  // pons2017 | folders | won2020
  std::string split_dir;           // folder with the split files ("" = root)
  std::string labels = "top50";    // top50 | raw (all 188) | refined
  int refined_top_n = 50;          // labels=refined: keep the N most frequent (<= 0: all)
  bool check_files = true;         // skip clips whose mp3 is missing or 0 bytes
};

struct SkipCounts {
  int64_t known_bad = 0;     // kKnownBadClips present in the split
  int64_t missing_file = 0;  // mp3 not on disk
  int64_t empty_file = 0;    // mp3 of 0 bytes
  int64_t total() const { return known_bad + missing_file + empty_file; }
};

class Dataset {
 public:
  // Reads the annotations, the split and (when present) clip_info_final.csv. Throws naming the
  // file for anything malformed, for an unknown split or label kind, and when check_files finds
  // none of the split's mp3 files (the archive was probably not unzipped into root).
  explicit Dataset(const DatasetOptions& options);

  const DatasetOptions& options() const { return options_; }
  const Annotations& annotations() const { return annotations_; }
  const std::vector<std::string>& tag_names() const { return tag_names_; }
  const Subset& subset(Split s) const { return subsets_[(size_t)s]; }
  const SkipCounts& skips() const { return skips_; }
  // One line per skipped clip (and per note, e.g. split labels not verified).
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Metadata of a clip from clip_info_final.csv, or nullptr (file absent or clip not listed).
  const ClipInfo* info(int64_t clip_id) const;
  // "MagnaTagATune '<root>': 25863 annotated clips, split pons2017 (train 18706, valid 1825,
  //  test 5329), labels top50 (50 tags), skipped 0"
  std::string summary() const;

 private:
  DatasetOptions options_;
  Annotations annotations_;
  std::vector<std::string> tag_names_;
  std::vector<int> raw_columns_;   // labels top50/raw: annotation column per tag
  std::vector<int> refined_pick_;  // labels refined: refined tag index per tag
  std::array<Subset, 3> subsets_;
  SkipCounts skips_;
  std::vector<std::string> warnings_;
  std::vector<ClipInfo> clip_info_;
  std::unordered_map<int64_t, size_t> info_by_id_;
};

// Per-tag positives in each split of the dataset's vocabulary, as a printable table.
std::string label_statistics(const Dataset& ds);
// Label counts before and after refinement over a whole annotation file: the raw vocabulary, the
// standard top 50, the refined vocabulary and its top N — tags, positive labels, clips with at
// least one tag — then each refined tag's count next to its largest single source column.
std::string refinement_report(const Annotations& a, int top_n);

// Matches a subset to an audio cache built over the dataset root (same relative paths).
struct CacheSelection {
  std::vector<int64_t> cache_index;   // per kept clip: its index in the cache
  std::vector<int64_t> subset_index;  // per kept clip: its index in the subset
  int64_t missing = 0;                // subset clips absent from the cache (undecodable, short)
  std::vector<std::string> warnings;  // one line per missing clip
};
CacheSelection select_cached(const AudioFolderCache& cache, const Subset& subset);

}  // namespace syn::mtt
