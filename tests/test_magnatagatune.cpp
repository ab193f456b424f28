// test_magnatagatune.cpp — the MagnaTagATune loader on a miniature tree written in the real file
// formats (tests/support/mini_mtt.h): the annotation and clip-info parsers (quoting, CRLF,
// malformed files named with the line/column), the three splits (pons2017 = folders, won2020),
// label verification against the split files, the three vocabularies, counted skips (known-bad,
// missing, empty, undecodable), the audio cache join, the label reports, and pretrain's
// --dataset magnatagatune drawing only training clips.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "apps/train/clmr_task.h"
#include "data/datasets/audio_folder.h"
#include "data/datasets/magnatagatune.h"
#include "data/tags/refined_tags.h"
#include "engine/check.h"
#include "engine/io/npy.h"
#include "tests/support/error_text.h"
#include "tests/support/mini_mtt.h"

using namespace syn;
using syn::test::error_of;
using namespace syn::mtt;
namespace fs = std::filesystem;
using syn::test::MiniClip;

namespace {

struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("syn_test_mtt_" + std::to_string(getpid()));
  ScratchDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

fs::path scratch() {
  static ScratchDir dir;
  return dir.path;
}

// One miniature tree shared by the read-only cases (writing MP3s is the slow part).
const fs::path& mini_root() {
  static fs::path root = [] {
    fs::path r = scratch() / "mtt";
    test::write_mini_mtt(r);
    return r;
  }();
  return root;
}

// A fresh copy of the tree that a case may damage.
fs::path mini_copy(const std::string& name) {
  fs::path r = scratch() / name;
  fs::remove_all(r);
  fs::copy(mini_root(), r, fs::copy_options::recursive);
  return r;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const MiniClip& clip(int64_t id) {
  static const std::vector<MiniClip> clips = test::mini_mtt_clips();
  for (const MiniClip& c : clips)
    if (c.id == id) return c;
  FAIL("no mini clip " << id);
  throw;
}

Dataset open(const fs::path& root, const std::string& split = "pons2017",
             const std::string& labels = "top50", int top_n = 50) {
  DatasetOptions o;
  o.root = root.string();
  o.split = split;
  o.labels = labels;
  o.refined_top_n = top_n;
  return Dataset(o);
}

std::vector<int64_t> ids(const Subset& s) { return s.clip_ids; }

// Labels a clip must have under the top-50 vocabulary, from its raw tags.
std::vector<uint8_t> expected_top50(const MiniClip& c) {
  std::vector<uint8_t> raw = test::mini_raw_row(c), out;
  for (const char* t : kTop50Tags) out.push_back(raw[(size_t)raw_tag_index(t)]);
  return out;
}

}  // namespace

TEST_CASE("tab-separated parsing: quotes, escaped quotes, tabs and newlines inside quotes, CRLF") {
  std::vector<TsvRow> r =
      parse_tsv("\"a\"\t\"b \"\"q\"\"\"\t\"c\td\"\r\n\r\nx\t\t\"multi\nline\"\n\"last\"", "t");
  REQUIRE(r.size() == 3);
  CHECK(r[0].line == 1);
  CHECK(r[0].fields == std::vector<std::string>{"a", "b \"q\"", "c\td"});
  CHECK(r[1].line == 3);
  CHECK(r[1].fields == std::vector<std::string>{"x", "", "multi\nline"});
  CHECK(r[2].line == 5);
  CHECK(r[2].fields == std::vector<std::string>{"last"});
  CHECK(parse_tsv("a\t", "t")[0].fields == std::vector<std::string>{"a", ""});
  CHECK_THROWS_WITH_AS(parse_tsv("\"a\"\n\"open", "f.csv"),
                       doctest::Contains("'f.csv' line 2: unterminated quoted field"), Error);
  CHECK_THROWS_WITH_AS(parse_tsv("\"a\"x\tb", "f.csv"),
                       doctest::Contains("line 1: text after a closing quote"), Error);
}

TEST_CASE("annotations_final.csv in the real format is read exactly (quoted LF and plain CRLF)") {
  for (bool quoted : {true, false}) {
    CAPTURE(quoted);
    fs::path root = scratch() / (quoted ? "ann_q" : "ann_p");
    fs::remove_all(root);
    fs::create_directories(root);
    // Only the text files are needed here; the audio comes with the shared tree.
    test::MiniMttOptions o;
    o.quoted = quoted;
    o.crlf = !quoted;
    test::write_mini_mtt(root, o);
    Annotations a = read_annotations((root / "annotations_final.csv").string());
    std::vector<MiniClip> clips = test::mini_mtt_clips();
    REQUIRE(a.num_clips() == (int64_t)clips.size());
    std::vector<int64_t> counts(kNumRawTags, 0);
    for (size_t i = 0; i < clips.size(); ++i) {
      CHECK(a.clip_ids[i] == clips[i].id);
      CHECK(a.paths[i] == clips[i].path);
      std::vector<uint8_t> raw = test::mini_raw_row(clips[i]);
      auto row = a.row((int64_t)i);
      CHECK(std::equal(row.begin(), row.end(), raw.begin()));
      for (int t = 0; t < kNumRawTags; ++t) counts[(size_t)t] += raw[(size_t)t];
      CHECK(a.find(clips[i].id) == (int64_t)i);
      CHECK(a.find_path(clips[i].path) == (int64_t)i);
    }
    CHECK(a.tag_counts() == counts);
    CHECK(a.find(123456) == -1);
  }
}

TEST_CASE("malformed annotation files are rejected naming the file, line and column") {
  std::string good = read_all(mini_root() / "annotations_final.csv");
  auto err = [](const std::string& text) {
    return error_of([&] { parse_annotations(text, "ann.csv"); });
  };
  // A renamed tag column.
  std::string renamed = good;
  renamed.replace(renamed.find("\"clarinet\""), 10, "\"clarinets\"");
  CHECK(err(renamed).find("'ann.csv': column 17 is 'clarinets', expected 'clarinet'") !=
        std::string::npos);
  // A missing column.
  std::string fewer = good;
  fewer.erase(fewer.find("\t\"english\""), 10);
  CHECK(err(fewer).find("header has 189 columns, expected 190") != std::string::npos);
  // A label that is not 0/1 on the third data line (line 4).
  std::vector<std::string> lines;
  std::stringstream ss(good);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& l : v) s += l + "\n";
    return s;
  };
  std::vector<std::string> bad = lines;
  bad[3].replace(bad[3].find("\t\"0\""), 4, "\t\"2\"");
  CHECK(err(join(bad)).find("'ann.csv' line 4: tag 'no voice' has value '2'") != std::string::npos);
  bad = lines;
  bad[2] = bad[1];  // clip 2 twice
  CHECK(err(join(bad)).find("line 3: clip_id 2 appears twice") != std::string::npos);
  bad = lines;
  bad[1].erase(bad[1].rfind('\t'));  // no mp3_path column
  CHECK(err(join(bad)).find("line 2: 189 fields, expected 190") != std::string::npos);
  bad = lines;
  bad[1].replace(0, 3, "\"x\"");
  CHECK(err(join(bad)).find("line 2: clip_id 'x' is not a non-negative integer") !=
        std::string::npos);
  CHECK(err("").find("empty annotation file") != std::string::npos);
  CHECK(error_of([] {
          read_annotations("/no/such/annotations_final.csv");
        }).find("MagnaTagATune file '/no/such/annotations_final.csv': cannot open") !=
        std::string::npos);
}

TEST_CASE("clip_info_final.csv: quoted titles with quotes and tabs; never-cut clips skipped") {
  std::vector<ClipInfo> info = read_clip_info((mini_root() / "clip_info_final.csv").string());
  std::vector<MiniClip> clips = test::mini_mtt_clips();
  REQUIRE(info.size() == clips.size());  // the row with an empty mp3_path is not returned
  CHECK(info[0].clip_id == 2);
  CHECK(info[0].title == "BWV54 - I Aria");
  CHECK(info[1].title == "A \"quoted\" title");
  CHECK(info[2].title == "tab\tinside");
  CHECK(info[3].track_number == 4);
  CHECK(info[3].segment_start == 87);
  CHECK(info[3].segment_end == 116);
  CHECK(info[5].mp3_path == clips[5].path);
  Dataset ds = open(mini_root());
  REQUIRE(ds.info(6) != nullptr);
  CHECK(ds.info(6)->artist == "artist 1");
  CHECK(ds.info(99) == nullptr);
}

TEST_CASE("split pons2017: musicnn's files, labels checked, skips counted") {
  Dataset ds = open(mini_root());
  // Train: folders 0-b; 23 has no mp3 (skipped); the known-bad 35644 is not in musicnn's files;
  // 25 does not decode but is not empty, so it stays until the audio cache drops it.
  CHECK(ids(ds.subset(Split::Train)) ==
        std::vector<int64_t>{2, 6, 10, 11, 12, 20, 21, 22, 24, 25, 26});
  CHECK(ids(ds.subset(Split::Valid)) == std::vector<int64_t>{30, 31});
  CHECK(ids(ds.subset(Split::Test)) == std::vector<int64_t>{40, 41, 42, 43});  // 44 is empty
  CHECK(ds.skips().known_bad == 0);
  CHECK(ds.skips().missing_file == 1);
  CHECK(ds.skips().empty_file == 1);
  REQUIRE(ds.warnings().size() == 2);
  CHECK(ds.warnings()[0].find("clip 23 'b/artist_i-album_i-01-ballad-0-29.mp3': file not found") !=
        std::string::npos);
  CHECK(ds.warnings()[1].find("clip 44") != std::string::npos);
  CHECK(ds.warnings()[1].find("empty file (0 bytes)") != std::string::npos);
  CHECK(ds.summary() ==
        "MagnaTagATune '" + mini_root().string() +
            "': 20 annotated clips, split pons2017 (train 11, valid 2, test 4), labels top50 (50 "
            "tags), skipped 2 (0 known-bad, 1 missing, 1 empty)");
  // Labels: the top-50 columns of each clip, in kTop50Tags order.
  REQUIRE(ds.tag_names().size() == 50);
  CHECK(ds.tag_names()[0] == "guitar");
  CHECK(ds.tag_names()[49] == "choral");
  for (Split s : {Split::Train, Split::Valid, Split::Test}) {
    const Subset& sub = ds.subset(s);
    CHECK(sub.num_tags == 50);
    for (int64_t i = 0; i < sub.size(); ++i) {
      std::vector<uint8_t> want = expected_top50(clip(sub.clip_ids[(size_t)i]));
      auto got = sub.label_row(i);
      CHECK_MESSAGE(std::equal(got.begin(), got.end(), want.begin()), "clip ",
                    sub.clip_ids[(size_t)i]);
      CHECK(sub.paths[(size_t)i] == clip(sub.clip_ids[(size_t)i]).path);
    }
  }
  Tensor t = ds.subset(Split::Valid).label_tensor();
  CHECK(t.shape() == Shape{2, 50});
  std::vector<float> v = t.to_vector();
  CHECK(v[35] == 1.0f);       // clip 30 is tagged 'choir' (column 35)
  CHECK(v[50 + 47] == 1.0f);  // clip 31 is tagged 'metal' (column 47)
  CHECK(std::count(v.begin(), v.end(), 1.0f) ==
        6);  // choir, opera, female voice, choral; metal, loud
}

TEST_CASE("split folders equals pons2017, with the known-bad clip counted") {
  Dataset pons = open(mini_root(), "pons2017");
  Dataset folders = open(mini_root(), "folders");
  for (Split s : {Split::Train, Split::Valid, Split::Test}) {
    CHECK(ids(folders.subset(s)) == ids(pons.subset(s)));
    CHECK(folders.subset(s).labels == pons.subset(s).labels);
  }
  CHECK(folders.skips().known_bad == 1);
  CHECK(folders.skips().missing_file == 1);
  CHECK(folders.skips().empty_file == 1);
  CHECK(folders.warnings()[0].find("clip 35644 '6/norine_braun-now_and_zen-08-gently-117-146.mp3'"
                                   ": a 0-byte file in the official archive") != std::string::npos);
}

TEST_CASE("a split file that disagrees with the annotations is an error naming clip and tag") {
  fs::path root = mini_copy("tampered_tsv");
  std::string tsv = read_all(root / "val_gt_mtt.tsv");
  // Clip 30's first label ('guitar') flipped to 1.
  tsv.replace(tsv.find("30\t[0.0"), 7, "30\t[1.0");
  test::mini_write_text(root / "val_gt_mtt.tsv", tsv);
  CHECK(error_of([&] { open(root); })
            .find("val_gt_mtt.tsv' line 1: clip 30 has 'guitar' = 1 but annotations_final.csv "
                  "says 0") != std::string::npos);
  test::mini_write_text(root / "val_gt_mtt.tsv", "30\t[1.0, 0.0]\n");
  CHECK(error_of([&] { open(root); }).find("line 1: 2 labels, expected 50") != std::string::npos);
  test::mini_write_text(root / "val_gt_mtt.tsv", "777\t[" + std::string(49 * 5, ' ') + "]\n");
  CHECK(error_of([&] { open(root); }).find("is not 0 or 1") != std::string::npos);
  fs::remove(root / "val_gt_mtt.tsv");
  CHECK(error_of([&] { open(root); }).find("missing '") != std::string::npos);
  // --split folders needs no split file.
  CHECK(open(root, "folders").subset(Split::Valid).size() == 2);
}

TEST_CASE("split won2020: the sota-music-tagging-models .npy files, verified via tags.npy") {
  Dataset ds = open(mini_root(), "won2020");
  // The clips with at least one top-50 tag: the untagged clip 24 is not in these files.
  CHECK(ids(ds.subset(Split::Train)) == std::vector<int64_t>{2, 6, 10, 11, 12, 20, 21, 22, 25, 26});
  CHECK(ids(ds.subset(Split::Valid)) == std::vector<int64_t>{30, 31});
  CHECK(ids(ds.subset(Split::Test)) == std::vector<int64_t>{40, 41, 42, 43});
  CHECK(ds.skips().missing_file == 1);  // clip 23
  CHECK(ds.skips().empty_file == 1);    // clip 44
  Dataset pons = open(mini_root());
  CHECK(ds.subset(Split::Test).labels == pons.subset(Split::Test).labels);

  fs::path root = mini_copy("tampered_npy");
  // binary.npy row 1 (clip 6), column 2 ('slow' in the sota order) cleared.
  NpyArray bin = read_npy((root / "binary.npy").string());
  std::vector<double> m = bin.numbers();
  REQUIRE(m[1 * 50 + 2] == 1.0);
  m[1 * 50 + 2] = 0;
  save_npy((root / "binary.npy").string(), std::vector<float>(m.begin(), m.end()), bin.shape);
  CHECK(error_of([&] { open(root, "won2020"); })
            .find("binary.npy' row 1 ('1/artist_b-album_b-02-song_b-0-29.mp3'): 'slow' = 0 but "
                  "annotations_final.csv says 1") != std::string::npos);
  // Without binary.npy the labels still come from the annotations; a note says so.
  fs::remove(root / "binary.npy");
  Dataset unverified = open(root, "won2020");
  CHECK(unverified.subset(Split::Train).size() == 10);
  CHECK(unverified.warnings()[0].find("not verified") != std::string::npos);
  // An entry whose path is not annotated.
  save_npy((root / "valid.npy").string(), std::vector<std::string>{"3\tc/not_a_clip.mp3"});
  CHECK(error_of([&] {
          open(root, "won2020");
        }).find("valid.npy' element 0: 'c/not_a_clip.mp3' is not an mp3_path") !=
        std::string::npos);
  save_npy((root / "valid.npy").string(), std::vector<float>{1, 2}, {2});
  CHECK(error_of([&] { open(root, "won2020"); }).find("expected a 1-d string array") !=
        std::string::npos);
}

TEST_CASE("vocabularies: raw (188) and refined (top N by frequency)") {
  Dataset raw = open(mini_root(), "pons2017", "raw");
  REQUIRE(raw.tag_names().size() == 188);
  CHECK(raw.tag_names()[0] == "no voice");
  const Subset& rt = raw.subset(Split::Train);
  for (int64_t i = 0; i < rt.size(); ++i) {
    std::vector<uint8_t> want = test::mini_raw_row(clip(rt.clip_ids[(size_t)i]));
    CHECK(std::vector<uint8_t>(rt.label_row(i).begin(), rt.label_row(i).end()) == want);
  }

  // Refined, all tags: each clip's labels are refine_row of its raw tags.
  TagRefiner refiner;
  Dataset all = open(mini_root(), "pons2017", "refined", 0);
  REQUIRE(all.tag_names().size() == (size_t)refiner.num_tags());
  // Refined top 5: the five most frequent refined tags over the 20 annotated clips.
  std::vector<MiniClip> clips = test::mini_mtt_clips();
  std::vector<uint8_t> m;
  for (const MiniClip& c : clips) {
    std::vector<uint8_t> r = test::mini_raw_row(c);
    m.insert(m.end(), r.begin(), r.end());
  }
  std::vector<int64_t> counts = refiner.counts(m, (int64_t)clips.size());
  Dataset top5 = open(mini_root(), "pons2017", "refined", 5);
  REQUIRE(top5.tag_names().size() == 5);
  // vocal: clips 2, 6, 22, 23, 30, 35644, 40 → 7; the others are checked against the counts.
  CHECK(top5.tag_names()[0] == "vocal");
  for (size_t k = 0; k + 1 < 5; ++k) {
    auto pos = [&](const std::string& n) {
      return counts[(size_t)(std::find(refiner.names().begin(), refiner.names().end(), n) -
                             refiner.names().begin())];
    };
    CHECK(pos(top5.tag_names()[k]) >= pos(top5.tag_names()[k + 1]));
  }
  const Subset& t5 = top5.subset(Split::Train);
  for (int64_t i = 0; i < t5.size(); ++i) {
    std::vector<uint8_t> ref = refiner.refine_row(test::mini_raw_row(clip(t5.clip_ids[(size_t)i])));
    for (int k = 0; k < 5; ++k) {
      size_t j = (size_t)(std::find(refiner.names().begin(), refiner.names().end(),
                                    top5.tag_names()[(size_t)k]) -
                          refiner.names().begin());
      CHECK(t5.label_row(i)[(size_t)k] == ref[j]);
    }
  }
  // Clip 6 ("woman", "female vocal", "piano", "slow") is female and vocal under refinement,
  // which the standard top 50 splits over 'woman' and 'female vocal'.
  const Subset& at = all.subset(Split::Train);
  auto col = [&](const std::string& n) {
    return (size_t)(std::find(all.tag_names().begin(), all.tag_names().end(), n) -
                    all.tag_names().begin());
  };
  CHECK(at.label_row(1)[col("female")] == 1);
  CHECK(at.label_row(1)[col("vocal")] == 1);
  CHECK(at.label_row(1)[col("keyboards")] == 1);
  CHECK(at.label_row(1)[col("male")] == 0);
}

TEST_CASE("bad options and a tree without audio are clear errors") {
  CHECK(error_of([] { open(mini_root(), "random"); }).find("split 'random' is not one of") !=
        std::string::npos);
  CHECK(error_of([] {
          open(mini_root(), "pons2017", "top10");
        }).find("labels 'top10' is not one of top50, raw, refined") != std::string::npos);
  CHECK(error_of([] { open("/no/such/root"); }).find("is not a directory") != std::string::npos);
  fs::path root = scratch() / "no_audio";
  fs::remove_all(root);
  fs::create_directories(root);
  for (const char* f :
       {"annotations_final.csv", "train_gt_mtt.tsv", "val_gt_mtt.tsv", "test_gt_mtt.tsv"})
    fs::copy_file(mini_root() / f, root / f);
  std::string no_audio = error_of([&] { open(root); });
  CAPTURE(no_audio);
  CHECK(no_audio.find("none of the 19 mp3 files of the split exist") != std::string::npos);
  DatasetOptions o;
  o.root = root.string();
  o.check_files = false;  // labels only: no file checks
  CHECK(Dataset(o).subset(Split::Train).size() == 12);
  fs::remove(root / "annotations_final.csv");
  CHECK(error_of([&] { open(root); }).find("download the dataset with") != std::string::npos);
}

TEST_CASE("label statistics and the before/after refinement report (known answers)") {
  Dataset ds = open(mini_root());
  std::string stats = label_statistics(ds);
  CAPTURE(stats);
  // 'classical': clip 2 (train); 'quiet': 10 and 21 (train); 'metal': 31 (valid).
  CHECK(stats.find("classical           1        0        0        1") != std::string::npos);
  CHECK(stats.find("quiet               2        0        0        2") != std::string::npos);
  CHECK(stats.find("metal               0        1        0        1") != std::string::npos);
  CHECK(stats.find("(clips)            11        2        4       17") != std::string::npos);
  // Train clips without a top-50 tag: 24 (no tags at all).
  CHECK(stats.find("(no tag)            1        0        0        1") != std::string::npos);

  std::string rep = refinement_report(ds.annotations(), 5);
  CAPTURE(rep);
  int64_t raw_pos = 0;
  for (const MiniClip& c : test::mini_mtt_clips()) raw_pos += (int64_t)c.tags.size();
  CHECK(rep.find("raw vocabulary: 188 tags, " + std::to_string(raw_pos) +
                 " positive labels, 19 of 20 clips have at least one") != std::string::npos);
  CHECK(rep.find("refined vocabulary: 97 tags,") != std::string::npos);
  CHECK(rep.find("refined top 5: 5 tags,") != std::string::npos);
  CHECK(rep.find("(24 raw tags dropped)") != std::string::npos);
  // 'vocal' is on for 7 clips (2, 6, 22, 23, 30, 35644, 40) while its largest single source
  // column, 'opera', has 2; 'female' is on for 5 clips, each raw spelling for at most 1.
  CHECK(rep.find("1 * vocal                    7   (37 sources; 'opera' alone 2)") !=
        std::string::npos);
  CHECK(rep.find("3 * female                   5   (12 sources; 'female' alone 1)") !=
        std::string::npos);
  CHECK(rep.find("17   calm                     2   (1 source; 'calm' alone 2)") !=
        std::string::npos);
  CHECK(rep.find("refined vocabulary: 97 tags, 75 positive labels, 19 of 20 clips") !=
        std::string::npos);
}

TEST_CASE("the audio cache: MP3s decoded once, undecodable clips dropped from the split") {
  fs::path root = mini_copy("cache");
  fs::path cache_dir = root / ".synesthesia_cache";
  AudioCacheOptions co;
  co.verbose = false;
  co.threads = 2;
  PreprocessSummary s = preprocess_audio_folder(root.string(), cache_dir.string(), co);
  CHECK(s.scanned == 19);  // 20 clips, one missing on disk
  CHECK(s.cached == 16);
  CHECK(s.skipped_bad == 3);  // two 0-byte files and one that is not audio
  AudioFolderCache cache(cache_dir.string(), kClmrSampleRate);
  // A 3 s clip at 16 kHz, resampled to 22,050 Hz (the MP3 decoder's length, give or take
  // the encoder's padding).
  CHECK(std::abs(cache.num_samples(0) - 3 * 22050) < 2000);

  Dataset ds = open(root);
  CacheSelection sel = select_cached(cache, ds.subset(Split::Train));
  CHECK(sel.missing == 1);
  REQUIRE(sel.warnings.size() == 1);
  CHECK(sel.warnings[0].find("clip 25 '8/artist_k-album_k-03-broken-0-29.mp3': not in the audio "
                             "cache") != std::string::npos);
  REQUIRE(sel.cache_index.size() == 10);
  for (size_t k = 0; k < sel.cache_index.size(); ++k)
    CHECK(cache.path(sel.cache_index[k]) ==
          ds.subset(Split::Train).paths[(size_t)sel.subset_index[k]]);
  CHECK(select_cached(cache, ds.subset(Split::Test)).cache_index.size() == 4);
}

TEST_CASE("pretrain --dataset magnatagatune draws only from the cached training clips") {
  fs::path root = mini_copy("pretrain");
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/config.yaml");
  cfg.set("dataset", "magnatagatune");
  cfg.set("dataset_dir", root.string());
  std::ostringstream log;
  std::shared_ptr<app::ClipSource> src = app::make_clip_source(cfg, log);
  REQUIRE(src->size() == 10);  // train (11) minus the clip that does not decode
  Dataset ds = open(root);
  std::set<std::string> train(ds.subset(Split::Train).paths.begin(),
                              ds.subset(Split::Train).paths.end());
  for (int64_t i = 0; i < src->size(); ++i) {
    CHECK_MESSAGE(train.count(src->name(i)), src->name(i));
    CHECK(src->clip(i).size() >= (size_t)kClmrInputSamples);
  }
  CHECK(log.str().find("dataset: 10 clips of the MagnaTagATune train split (1 not in the audio "
                       "cache)") != std::string::npos);
  // The app configs document every key (--help prints them).
  CHECK(Config::load(std::string(SYN_SOURCE_DIR) + "/config/preprocess.yaml")
            .undocumented_keys()
            .empty());
  cfg.set("split", "nonsense");
  CHECK_THROWS_WITH_AS(app::make_clip_source(cfg, log), doctest::Contains("split 'nonsense'"),
                       Error);
}
