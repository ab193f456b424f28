// bench_caption — time per sentence and fidelity of the caption decoders on the fixed tag sets
// (tests/fixtures/caption_tag_sets.txt, mapped by data/text/tag_phrases as apps/caption maps
// them), one set at a time as apps/caption and the pipeline decode, model loading excluded:
//   greedy          beam 1
//   beam8+coverage  the previous default: beam 8, length penalty 1.5, no_repeat_ngram 3,
//                   re-ranked by tag coverage (weight 2)
//   constr. b8 fs4  lexically constrained beam search (beam 8, same keys) with 4 of the 8 slots
//                   free (free_slots 4) and length penalty 0.7: the default before deferred forcing
//   constr. defer   the default now: the same with the tags' phrases offered only once the model
//                   has wanted to end the sentence (defer_forcing)
// Prints ms per sentence (wall: mean and median; CPU: the process's CPU time over all threads,
// mean, which a loaded shared machine inflates less than wall time), words per sentence, tags
// expressed, contradicting sentences, sentences with a repeated word pair, with an ungrounded
// claim, with a tag list (data/text/caption_fluency.h), and every miss of the constrained decoders.
//   cmake --build build --target bench_caption
//   SYN_THREADS=2 ./build/bench/bench_caption
// (Before the engine's own thread pool this needed OMP_WAIT_POLICY=passive: on a machine shared
// with other jobs, spinning OpenMP workers cost more than the small per-step matrix products
// they share. The pool sleeps after a short spin, so no setting is needed.)
//   bench_caption [SETS_FILE [MAX_SETS [CONSTRAINED_BEAM]]]   (the constrained decoder's beam: 8)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "apps/pipeline/caption_model.h"
#include "data/text/caption_fluency.h"
#include "data/text/tag_constraints.h"
#include "data/text/tag_phrases.h"

using namespace syn;

namespace {

std::vector<std::vector<std::string>> read_sets(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("bench_caption: cannot open tag-set file '" + path + "'");
  std::vector<std::vector<std::string>> sets;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> tags;
    size_t start = 0;
    while (start <= line.size()) {
      size_t comma = std::min(line.find(',', start), line.size());
      std::string t = app::normalise_tag(line.substr(start, comma - start), false);
      if (!t.empty()) tags.push_back(t);
      start = comma + 1;
    }
    if (!tags.empty()) sets.push_back(tags_to_phrases(tags));
  }
  return sets;
}

struct Run {
  std::string name;
  models::DecodeOptions options;
  double coverage_weight = 0;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string src = SYN_SOURCE_DIR;
    const std::string file = argc > 1 ? argv[1] : src + "/tests/fixtures/caption_tag_sets.txt";
    auto sets = read_sets(file);
    if (argc > 2) sets.resize(std::min(sets.size(), (size_t)std::stoul(argv[2])));
    app::CaptionModel model =
        app::load_caption_model(src + "/models/weights/caption_decoder.synckpt");
    models::DecodeOptions beam8;
    beam8.beam = 8;
    beam8.length_penalty = 1.5;
    beam8.no_repeat_ngram = 3;
    models::DecodeOptions greedy = beam8, constrained = beam8;
    greedy.beam = 1;
    constrained.constrained = true;
    constrained.free_slots = 4;
    constrained.length_penalty = 0.7;
    if (argc > 3) constrained.beam = std::stol(argv[3]);
    models::DecodeOptions deferred = constrained;  // config/caption.yaml's defaults
    deferred.defer_forcing = true;
    const std::vector<Run> runs = {
        {"greedy", greedy, 0},
        {"beam8+coverage", beam8, 2.0},
        {"constr. b" + std::to_string(constrained.beam) + " fs4", constrained, 0},
        {"constr. defer", deferred, 0}};
    std::printf("%zu tag sets from %s\n", sets.size(), file.c_str());
    std::printf("%-16s %9s %9s %9s %6s %9s %9s %9s %10s %9s\n", "decoder", "ms mean", "ms median",
                "CPU ms", "words", "expressed", "contra.", "repeated", "ungrounded", "tag list");
    for (const Run& run : runs) {
      std::vector<double> ms;
      double cpu_ms = 0;
      int64_t tags = 0, expressed = 0, contra = 0, repeated = 0, ungrounded = 0, listed = 0;
      double words = 0;
      std::vector<std::string> misses;
      for (const auto& set : sets) {
        auto t0 = std::chrono::steady_clock::now();
        const std::clock_t c0 = std::clock();
        std::string s = model.caption({set}, run.options, run.coverage_weight)[0];
        cpu_ms += 1000.0 * (double)(std::clock() - c0) / CLOCKS_PER_SEC;
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        ConstraintReport r = check_constraints(set, s);
        listed += tag_list_run(set, s).empty() ? 0 : 1;
        for (size_t i = 0; i < s.size(); ++i)  // whitespace-separated words
          words += (s[i] != ' ' && (i == 0 || s[i - 1] == ' ')) ? 1 : 0;
        tags += (int64_t)set.size();
        expressed += (int64_t)(set.size() - r.missed.size());
        bool c = false, rep = false, ung = false;
        for (const auto& f : r.faults) {
          c |= f.find(" vs tag ") != std::string::npos;
          rep |= f.rfind("repeated", 0) == 0;
          ung |= f.rfind("ungrounded", 0) == 0;
        }
        contra += c, repeated += rep, ungrounded += ung;
        if (run.options.constrained && (!r.missed.empty() || !r.faults.empty())) {
          std::string m = "  [";
          for (size_t i = 0; i < set.size(); ++i) m += (i ? ", " : "") + set[i];
          m += "] \"" + s + "\":";
          for (const auto& x : r.missed) m += " missed '" + x + "';";
          for (const auto& x : r.faults) m += " " + x + ";";
          misses.push_back(m);
        }
      }
      double mean = 0;
      for (double x : ms) mean += x / (double)ms.size();
      std::sort(ms.begin(), ms.end());
      const double n = (double)sets.size();
      std::printf("%-16s %9.0f %9.0f %9.0f %6.1f %8.1f%% %8.1f%% %8.1f%% %9.1f%% %8.1f%%\n",
                  run.name.c_str(), mean, ms[ms.size() / 2], cpu_ms / n, words / n,
                  100.0 * (double)expressed / (double)tags, 100.0 * (double)contra / n,
                  100.0 * (double)repeated / n, 100.0 * (double)ungrounded / n,
                  100.0 * (double)listed / n);
      if (run.options.constrained) {
        std::printf("constrained decoder: %zu sets with a miss or fault\n", misses.size());
        for (const auto& m : misses) std::printf("%s\n", m.c_str());
      }
      std::fflush(stdout);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_caption: error: " << e.what() << "\n";
    return 1;
  }
}
