// bench_tag.cpp — how fast is tagging? Seconds of audio tagged per second of wall time by
// musicnn (MTT and MSD) on the CPU (and on the GPU where one is present), model load excluded:
// the whole path file → decode → resample → log-mel → patches → model → clip tags, and the model
// alone. Target (issue 6): at least 100x real time for a 30 s clip on the 2-core machine.
//
//   ./build/bench/bench_tag [--seconds 30] [--repeats 5]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/common/tagger.h"
#include "bench/bench_common.h"
#include "data/audio_to_musicnn.h"
#include "data/synthetic_audio.h"
#include "engine/parallel.h"
#include "models/musicnn.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A music-like 44.1 kHz clip: bass line, chords and a noise hi-hat.
std::vector<float> music_like(double seconds, int rate) {
  std::vector<float> x((size_t)(seconds * rate));
  uint64_t s = 1;
  for (size_t i = 0; i < x.size(); ++i) {
    double t = (double)i / rate;
    int bar = (int)(t * 2) % 4;
    double root = 55.0 * std::pow(2.0, (double[]){0, 5, 7, 3}[bar] / 12.0);
    double v = 0.3 * std::sin(2 * M_PI * root * t);
    for (double r : {4.0, 5.0, 6.0}) v += 0.08 * std::sin(2 * M_PI * root * r * t);
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double noise = ((double)(s >> 11) / 9007199254740992.0 - 0.5);
    if (std::fmod(t, 0.25) < 0.03) v += 0.3 * noise;
    x[i] = (float)v;
  }
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 30;
  int repeats = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
  }
  fs::path wav = fs::temp_directory_path() / "syn_bench_tag.wav";
  write_wav(wav.string(), music_like(seconds, 44100), 44100);
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/tag.yaml");
  std::printf("bench_tag: %.0f s clip (44.1 kHz wav), %d threads, median of %d runs\n", seconds,
              num_threads(), repeats);
  for (const char* model : {"musicnn-mtt", "musicnn-msd"}) {
    auto tagger = app::make_tagger(cfg, model);
    std::vector<double> whole, front, net;
    for (int r = 0; r <= repeats; ++r) {  // run 0 warms up
      double t0 = now();
      app::TagResult res = tagger->tag(wav.string());
      double t1 = now();
      MusicnnInput in = musicnn_input_from_file(wav.string());
      double t2 = now();
      models::LoadedMusicnn m = models::load_musicnn(std::string(SYN_SOURCE_DIR) +
                                                     "/models/weights/" +
                                                     (std::string(model) == "musicnn-mtt"
                                                          ? "musicnn_mtt.synckpt"
                                                          : "musicnn_msd.synckpt"));
      double t3 = now();
      models::musicnn_predict(*m.model, in.patches);
      double t4 = now();
      if (r == 0) continue;
      whole.push_back(t1 - t0);
      front.push_back(t2 - t1);
      net.push_back(t4 - t3);
    }
    double w = bench::median(whole), f = bench::median(front), n = bench::median(net);
    std::printf("%-12s whole %7.1f ms (%6.1fx real time) | front end %6.1f ms | model %7.1f ms "
                "(%6.1fx real time)\n",
                model, 1e3 * w, seconds / w, 1e3 * f, 1e3 * n, seconds / n);
  }
  fs::remove(wav);
  return 0;
}
