// bench_tag.cpp — how fast is tagging? Seconds of audio tagged per second of wall time by
// musicnn (MTT and MSD) on the CPU (and on the GPU where one is present), model load excluded:
// the whole path file → decode → resample → log-mel → patches → model → clip tags, and the model
// alone; then both models on the clip (the pipeline's tag stage), as two tag() calls and from one
// front end (app::tag_musicnn_shared). Target (issue 16): at least 150x real time for a 30 s clip
// on the 2-core AVX-512 machine (40x on 2 AVX2 cores; SYN_CPU=avx2 forces that kernel level).
// Wall time is noisy when other jobs share the cores, so the process CPU time of each measured
// stretch is printed too (idle pool workers spin up to SYN_SPIN_US, 50 µs, before sleeping:
// CPU time includes that); SYN_THREADS=1 (or OMP_NUM_THREADS=1) gives a single-thread run.
// --profile adds the front end's stages (decode, resample, log-mel + patches) and the model's
// branches, each a median over the repeats.
//
//   ./build/bench/bench_tag [--seconds 30] [--repeats 5] [--profile]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/pipeline/tagger.h"
#include "bench/bench_common.h"
#include "data/audio/audio_io.h"
#include "data/audio/audio_to_musicnn.h"
#include "data/audio/synthetic_audio.h"
#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/shape.h"
#include "engine/parallel.h"
#include "models/musicnn.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

// Wall and CPU medians of named stages.
struct Stages {
  std::vector<std::string> names;
  std::vector<std::vector<double>> wall, cpu;
  void add(const std::string& name, double w, double c) {
    size_t i = 0;
    while (i < names.size() && names[i] != name) ++i;
    if (i == names.size()) names.push_back(name), wall.emplace_back(), cpu.emplace_back();
    wall[i].push_back(w), cpu[i].push_back(c);
  }
  void print() const {
    for (size_t i = 0; i < names.size(); ++i)
      std::printf("    %-28s %7.1f ms wall %7.1f ms cpu\n", names[i].c_str(),
                  1e3 * bench::median(wall[i]), 1e3 * bench::median(cpu[i]));
  }
};

// Times f() into `st` under `name` (when st is not null) and returns its result.
template <class F>
auto timed(Stages* st, const std::string& name, F&& f) {
  const double w0 = bench::wall_seconds(), c0 = bench::process_cpu_seconds();
  auto r = f();
  if (st) st->add(name, bench::wall_seconds() - w0, bench::process_cpu_seconds() - c0);
  return r;
}

// The model's forward pass (as Musicnn::forward_all, inference) stage by stage.
void profile_model(models::Musicnn& m, const Tensor& patches, Stages* st) {
  NoGradGuard no_grad;
  const int64_t P = patches.size(0), T = patches.size(1), F = patches.size(2);
  Tensor x = timed(st, "model: input_bn", [&] {
    return m.input_bn->forward(ops::reshape(patches, {P, 1, T, F}));
  });
  std::vector<Tensor> fr;
  const char* names[] = {"timbral1", "timbral2", "temporal1", "temporal2", "temporal3"};
  models::MusicnnFrontBranch* br[] = {m.timbral1.get(), m.timbral2.get(), m.temporal1.get(),
                                      m.temporal2.get(), m.temporal3.get()};
  for (int i = 0; i < 5; ++i)
    fr.push_back(timed(st, std::string("model: ") + names[i], [&] { return br[i]->forward(x); }));
  timed(st, "model: mid-end + back end", [&] {
    Tensor front = ops::concat(fr, 1);
    Tensor c1 = m.midend1->forward(front);
    Tensor c2 = ops::add(m.midend2->forward(c1), c1);
    Tensor c3 = ops::add(m.midend3->forward(c2), c2);
    return ops::concat({front, c1, c2, c3}, 1);
  });
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
  bool profile = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--profile")) profile = true;
    if (i + 1 < argc && !std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[++i]);
    if (i + 1 < argc && !std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[++i]);
  }
  fs::path wav = fs::temp_directory_path() / "syn_bench_tag.wav";
  write_wav(wav.string(), music_like(seconds, 44100), 44100);
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/tag.yaml");
  std::printf("bench_tag: %.0f s clip (44.1 kHz wav), %d threads, median of %d runs\n", seconds,
              num_threads(), repeats);
  for (const char* model : {"musicnn-mtt", "musicnn-msd"}) {
    auto tagger = app::make_tagger(cfg, model);
    std::vector<double> whole, front, net, whole_cpu, front_cpu, net_cpu;
    Stages st;
    for (int r = 0; r <= repeats; ++r) {  // run 0 warms up
      double t0 = bench::wall_seconds(), c0 = bench::process_cpu_seconds();
      app::TagResult res = tagger->tag(wav.string());
      double t1 = bench::wall_seconds(), c1 = bench::process_cpu_seconds();
      MusicnnInput in = musicnn_input_from_file(wav.string());
      double t2 = bench::wall_seconds(), c2 = bench::process_cpu_seconds();
      models::LoadedMusicnn m = models::load_musicnn(
          std::string(SYN_SOURCE_DIR) + "/models/weights/" +
          (std::string(model) == "musicnn-mtt" ? "musicnn_mtt.synckpt" : "musicnn_msd.synckpt"));
      double t3 = bench::wall_seconds(), c3 = bench::process_cpu_seconds();
      models::musicnn_predict(*m.model, in.patches);
      double t4 = bench::wall_seconds(), c4 = bench::process_cpu_seconds();
      if (profile) {
        Stages* s = r == 0 ? nullptr : &st;
        DecodedAudio a = timed(s, "front: decode", [&] { return decode_audio(wav.string()); });
        std::vector<float> y = timed(s, "front: resample_librosa07", [&] {
          return resample_librosa07(a.samples, a.sample_rate, kMusicnnSampleRate);
        });
        timed(s, "front: log-mel + patches",
              [&] { return musicnn_input_from_audio(y, {}, "bench"); });
        profile_model(*m.model, in.patches, s);
      }
      if (r == 0) continue;
      whole.push_back(t1 - t0), whole_cpu.push_back(c1 - c0);
      front.push_back(t2 - t1), front_cpu.push_back(c2 - c1);
      net.push_back(t4 - t3), net_cpu.push_back(c4 - c3);
    }
    double w = bench::median(whole), f = bench::median(front), n = bench::median(net);
    std::printf(
        "%-12s whole %7.1f ms (%6.1fx real time) | front end %6.1f ms | model %7.1f ms "
        "(%6.1fx real time)\n",
        model, 1e3 * w, seconds / w, 1e3 * f, 1e3 * n, seconds / n);
    std::printf("%-12s cpu   %7.1f ms (%6.1fx real time) | front end %6.1f ms | model %7.1f ms\n",
                "", 1e3 * bench::median(whole_cpu), seconds / bench::median(whole_cpu),
                1e3 * bench::median(front_cpu), 1e3 * bench::median(net_cpu));
    if (profile) st.print();
  }
  {
    // The pipeline's tag stage: both models on the clip, as two tag() calls and from one front
    // end (app::tag_musicnn_shared).
    auto mtt = app::make_tagger(cfg, "musicnn-mtt"), msd = app::make_tagger(cfg, "musicnn-msd");
    std::vector<double> apart, shared, apart_cpu, shared_cpu;
    for (int r = 0; r <= repeats; ++r) {
      double t0 = bench::wall_seconds(), c0 = bench::process_cpu_seconds();
      mtt->tag(wav.string());
      msd->tag(wav.string());
      double t1 = bench::wall_seconds(), c1 = bench::process_cpu_seconds();
      app::tag_musicnn_shared({mtt.get(), msd.get()}, wav.string());
      double t2 = bench::wall_seconds(), c2 = bench::process_cpu_seconds();
      if (r == 0) continue;
      apart.push_back(t1 - t0), apart_cpu.push_back(c1 - c0);
      shared.push_back(t2 - t1), shared_cpu.push_back(c2 - c1);
    }
    std::printf(
        "both models  apart %7.1f ms (%6.1fx real time, cpu %7.1f ms) | one front end %7.1f ms "
        "(%6.1fx real time, cpu %7.1f ms)\n",
        1e3 * bench::median(apart), seconds / bench::median(apart), 1e3 * bench::median(apart_cpu),
        1e3 * bench::median(shared), seconds / bench::median(shared),
        1e3 * bench::median(shared_cpu));
  }
  fs::remove(wav);
  return 0;
}
