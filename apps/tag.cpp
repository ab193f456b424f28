// tag — what does this music sound like? Clip-level tag probabilities, the top k, a taggram, and
// the refined profile (genre, mood, era, voice, instruments, tempo, loudness). Any length: the
// audio is streamed (memory does not grow with it); silence, noise or a single tone get a warning.
//   tag                                           the bundled clip (data/clips/), musicnn-MTT
//   tag song.mp3                                  musicnn-MTT (shipped weights, no download)
//   tag song.flac --model musicnn-msd --top_k 5
//   tag song.wav --json tags.json                 everything, machine-readable
//   tag song.ogg --model samplecnn --encoder_checkpoint clmr_checkpoint_10000.pt
//                --finetuner_checkpoint finetuner_checkpoint_200.pt
//   tag --help                                    every flag with its default
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/pipeline/tagger.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"

using namespace syn;

static void print_result(const app::TagResult& r, size_t k, bool taggram) {
  std::cout << r.file << ": " << std::fixed << std::setprecision(1) << r.duration_seconds
            << " s, model " << r.model << ", " << r.taggram.size() << " chunks\n";
  // Tags of silence or noise look as confident as any (issue 20): say so before them.
  if (!r.input_check.music) std::cout << "warning: " << r.input_check.warning << "\n";
  std::vector<size_t> top = app::top_k(r.clip, k);
  std::cout << "top " << top.size() << ":\n" << std::setprecision(4);
  for (size_t i : top)
    std::cout << "  " << std::setw(20) << std::left << r.labels[i] << std::right << " " << r.clip[i]
              << "\n";
  if (!taggram) return;
  std::cout << "taggram (start-end s:";
  for (size_t i : top) std::cout << " " << r.labels[i] << ",";
  std::cout << ")\n";
  for (size_t c = 0; c < r.taggram.size(); ++c) {
    std::cout << std::setprecision(2) << "  " << std::setw(6) << r.chunk_start[c] << "-"
              << std::setw(6) << r.chunk_end[c] << std::setprecision(3);
    for (size_t i : top) std::cout << " " << r.taggram[c][i];
    std::cout << "\n";
  }
}

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "tag.yaml", "tag FILE [--key value ...]");
    if (args.help) return 0;
    SYN_CHECK(args.positional.size() <= 1, "tag takes one audio file, got ", args.positional.size(),
              " (see tag --help)");
    const Config& cfg = args.config;
    std::string file;
    if (args.positional.empty()) {
      // No file: the bundled clip (real music shipped with its licence, data/clips/README.md).
      file = cfg.get_string("default_clip");
      if (!file.empty() && file[0] != '/') file = std::string(SYN_SOURCE_DIR) + "/" + file;
      std::cout << "no file given: tagging the bundled clip " << file << "\n";
    } else {
      file = args.positional[0];
    }
    const std::string model = cfg.get_string("model");
    // Every flag and path before the model loads and the audio is read; all problems at once.
    app::FlagChecks checks(cfg, "tag");
    checks.int_in("top_k", 1, 1 << 20)
        .one_of("model", {"musicnn-mtt", "musicnn-msd", "samplecnn"})
        .float_in("profile_threshold", 0, 1);
    if (cfg.get_string("json") != "-") checks.output_file("json");
    checks.done();

    auto t0 = std::chrono::steady_clock::now();
    auto tagger = app::make_tagger(cfg, model);
    auto t1 = std::chrono::steady_clock::now();
    app::TagResult r = tagger->tag(file);
    auto t2 = std::chrono::steady_clock::now();
    print_result(r, (size_t)cfg.get_int("top_k"), cfg.get_int("taggram") != 0);

    // The refined profile needs both musicnn models: run the other one too.
    std::vector<ProfileTag> profile;
    bool want_profile = cfg.get_int("profile") && model != "samplecnn";
    if (want_profile) {
      std::string other = model == "musicnn-mtt" ? "musicnn-msd" : "musicnn-mtt";
      app::TagResult r2 = app::make_tagger(cfg, other)->tag(file);
      TaggerOutput a = r.output(), b = r2.output();
      profile = model == "musicnn-mtt" ? tag_profile(&a, &b) : tag_profile(&b, &a);
      double threshold = cfg.get_float("profile_threshold");
      std::cout << "refined profile (probability >= " << threshold << "):\n";
      for (const auto& t : profile)
        if (t.probability >= threshold)
          std::cout << "  " << std::setw(20) << std::left << t.tag << std::setw(16) << t.group
                    << std::right << std::setprecision(4) << t.probability << "  (" << t.source
                    << ")\n";
    }
    auto t3 = std::chrono::steady_clock::now();
    auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::cout << std::setprecision(2) << "time: load " << secs(t0, t1) << " s, tag " << secs(t1, t2)
              << " s (" << std::setprecision(1) << r.duration_seconds / std::max(1e-9, secs(t1, t2))
              << "x real time)" << (want_profile ? ", profile " : "");
    if (want_profile) std::cout << std::setprecision(2) << secs(t2, t3) << " s";
    std::cout << "\n";

    const std::string& json = cfg.get_string("json");
    if (!json.empty()) {
      std::string text = app::tag_result_json(r, want_profile ? &profile : nullptr);
      if (json == "-") {
        std::cout << text;
      } else {
        const bool replaced = io::write_file_atomic(json, text, "--json");
        std::cout << "wrote " << json << (replaced ? " (replacing the existing file)" : "") << "\n";
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tag: error: " << e.what() << "\n";
    return 1;
  }
}
