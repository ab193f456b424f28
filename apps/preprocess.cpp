// preprocess — decode and resample a dataset's clips once into the audio cache
// (data/datasets/audio_folder.h) that pretrain and linear_evaluation read, and print its label
// statistics.
//   preprocess --dataset_dir /data/mtt                         MagnaTagATune: check, stats, decode
//   preprocess --dataset_dir /data/mtt --decode 0 --labels refined   label counts only
//   preprocess --dataset audio --dataset_dir ~/music            any folder of audio files
//   preprocess --help                                           every flag with its default
// Thin by design: config → dataset → statistics → cache; the work lives in data/.
#include <filesystem>
#include <iostream>
#include <optional>

#include "apps/cli/app_config.h"
#include "data/datasets/audio_folder.h"
#include "data/datasets/magnatagatune.h"
#include "engine/check.h"

using namespace syn;
namespace fs = std::filesystem;

// Prints up to `max` warnings (0 = all) and counts the rest.
static void print_warnings(const std::vector<std::string>& warnings, int64_t max) {
  size_t shown = max > 0 ? std::min(warnings.size(), (size_t)max) : warnings.size();
  for (size_t i = 0; i < shown; ++i) std::cerr << "warning: " << warnings[i] << "\n";
  if (shown < warnings.size())
    std::cerr << "warning: ... and " << warnings.size() - shown
              << " more (--max_warnings 0 shows all)\n";
}

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "preprocess.yaml", "preprocess [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "preprocess");
    const Config& cfg = args.config;
    const std::string& kind = cfg.get_string("dataset");
    SYN_CHECK(kind == "magnatagatune" || kind == "audio", "--dataset '", kind,
              "' is not supported (use magnatagatune or audio)");
    const std::string& dir = cfg.get_string("dataset_dir");
    SYN_CHECK(fs::is_directory(dir), "--dataset_dir '", dir, "' is not a directory");
    int64_t max_warnings = cfg.get_int("max_warnings");

    std::optional<mtt::Dataset> ds;
    if (kind == "magnatagatune") {
      mtt::DatasetOptions o;
      o.root = dir;
      o.split = cfg.get_string("split");
      o.split_dir = cfg.get_string("split_dir");
      o.labels = cfg.get_string("labels");
      o.refined_top_n = (int)cfg.get_int("refined_top_n");
      ds.emplace(o);
      print_warnings(ds->warnings(), max_warnings);
      std::cout << ds->summary() << "\n\n";
      std::cout << "positives per tag (" << o.labels << ", split " << o.split << "):\n"
                << mtt::label_statistics(*ds) << "\n";
      std::cout << mtt::refinement_report(ds->annotations(), o.refined_top_n) << "\n";
    }

    if (cfg.get_int("decode")) {
      std::string cache_dir = cfg.get_string("cache_dir");
      if (cache_dir.empty()) cache_dir = (fs::path(dir) / ".synesthesia_cache").string();
      AudioCacheOptions co;
      co.sample_rate = (int)cfg.get_int("sample_rate");
      co.min_samples = cfg.get_int("audio_length");
      PreprocessSummary s = preprocess_audio_folder(dir, cache_dir, co);  // prints its summary
      SYN_CHECK(s.cached > 0, "no usable audio in '", dir, "': ", s.to_string());
      if (ds) {
        AudioFolderCache cache(cache_dir, co.sample_rate);
        for (mtt::Split split : {mtt::Split::Train, mtt::Split::Valid, mtt::Split::Test}) {
          mtt::CacheSelection sel = mtt::select_cached(cache, ds->subset(split));
          print_warnings(sel.warnings, max_warnings);
          std::cout << mtt::split_name(split) << ": " << sel.cache_index.size() << " of "
                    << ds->subset(split).size() << " clips in the cache (" << sel.missing
                    << " did not decode or are too short)\n";
        }
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "preprocess: error: " << e.what() << "\n";
    return 1;
  }
}
