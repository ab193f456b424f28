// bench_frontend.cpp — musicnn's CPU front end: how many seconds of audio per second of wall time
// decode + resample to 16 kHz + log-mel (+ patches) process, on a synthesised clip.
//
//   ./build/bench/bench_frontend [--seconds 30] [--repeats 7] [--threads 2]
//
// The clip (music-like: a bass line, chords, a noise hi-hat and a kick, stereo) is written to a
// temporary directory in the formats musicnn meets: 44.1 kHz stereo WAV (16-bit) and MP3, and a
// 16 kHz mono MP3 (MagnaTagATune's format: no resampling). Each stage is timed on its own
// (median over the repeats after one warm-up), then the whole path file → patches; the target
// (issue 6) is >= 100x real time for a 30 s clip on the 2-core machine.
#include <sndfile.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "data/audio/audio_io.h"
#include "data/audio/audio_to_musicnn.h"
#include "data/audio/resample.h"
#include "data/audio/spectrogram.h"
#include "engine/parallel.h"
#include "engine/rng.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

// Median wall seconds; `cpu` (optional) receives the median process CPU seconds of the same
// runs — on a shared, loaded machine the CPU time is the steadier number.
template <class F>
double median_s(int repeats, F&& f, double* cpu = nullptr) {
  f();  // warm-up (filter tables, page cache)
  std::vector<double> t, c;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    const double c0 = bench::process_cpu_seconds();
    f();
    c.push_back(bench::process_cpu_seconds() - c0);
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  if (cpu) *cpu = bench::median(c);
  return bench::median(t);
}

// Interleaved stereo at `rate`: the same musical content at any rate.
std::vector<float> synth_clip(double seconds, int rate, int channels) {
  const int64_t n = (int64_t)(seconds * rate);
  std::vector<float> out((size_t)(n * channels));
  Rng rng(11);
  const double bass[4] = {55.0, 65.41, 49.0, 73.42};
  for (int64_t i = 0; i < n; ++i) {
    const double t = (double)i / rate;
    const double beat = std::fmod(t, 0.5);  // 120 bpm
    const int bar = (int)(t / 2.0) % 4;
    double v = 0.25 * std::sin(2 * M_PI * bass[bar] * t);
    for (double mult : {4.0, 5.0, 6.0}) v += 0.06 * std::sin(2 * M_PI * bass[bar] * mult * t);
    v += 0.5 * std::exp(-beat * 30.0) * std::sin(2 * M_PI * 60.0 * beat);   // kick
    v += 0.05 * std::exp(-std::fmod(t + 0.25, 0.5) * 60.0) * rng.normal();  // hi-hat
    for (int c = 0; c < channels; ++c)
      out[(size_t)(i * channels + c)] = (float)(v * (c == 0 ? 1.0 : 0.9));
  }
  return out;
}

std::string write_clip(const fs::path& dir, const std::string& name, int format, int rate,
                       int channels, double seconds) {
  const std::string path = (dir / name).string();
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) {
    std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(), sf_strerror(nullptr));
    std::exit(1);
  }
  std::vector<float> x = synth_clip(seconds, rate, channels);
  sf_writef_float(f, x.data(), (sf_count_t)(x.size() / (size_t)channels));
  sf_close(f);
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 30.0;
  int repeats = 7, threads = 2;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seconds")
      seconds = std::atof(next());
    else if (a == "--repeats")
      repeats = std::atoi(next());
    else if (a == "--threads")
      threads = std::atoi(next());
    else {
      std::printf("usage: bench_frontend [--seconds 30] [--repeats 7] [--threads 2]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  set_num_threads(threads);
  const fs::path dir =
      fs::temp_directory_path() / ("syn_bench_frontend_" + std::to_string(getpid()));
  fs::create_directories(dir);
  struct Clip {
    const char* label;
    std::string path;
  };
  std::vector<Clip> clips = {
      {"WAV 44.1 kHz stereo",
       write_clip(dir, "clip44k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, seconds)},
      {"MP3 44.1 kHz stereo",
       write_clip(dir, "clip44k.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100, 2,
                  seconds)},
      {"MP3 16 kHz mono (MTT)",
       write_clip(dir, "clip16k.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 16000, 1,
                  seconds)},
  };
  std::printf("musicnn front end, CPU, %d thread(s), %.0f s clip, median of %d\n\n", num_threads(),
              seconds, repeats);
  std::printf("%-22s %8s %11s %12s %8s %8s %9s %9s %10s\n", "clip", "decode", "resample07",
              "resample(our)", "log-mel", "patches", "total", "total cpu", "x realtime");
  for (const Clip& c : clips) {
    DecodedAudio a = decode_audio(c.path);
    const double t_decode = median_s(repeats, [&] { decode_audio(c.path); });
    double t_res = 0.0, t_res_ours = 0.0;
    std::vector<float> y = a.samples;
    if (a.sample_rate != kMusicnnSampleRate) {
      t_res = median_s(repeats, [&] { resample_librosa07(a.samples, a.sample_rate, 16000); });
      t_res_ours = median_s(repeats, [&] { resample(a.samples, a.sample_rate, 16000); });
      y = resample_librosa07(a.samples, a.sample_rate, 16000);
    }
    const double t_mel = median_s(repeats, [&] { musicnn_log_mel(y.data(), (int64_t)y.size()); });
    Tensor lm = musicnn_log_mel(y.data(), (int64_t)y.size());
    const double t_patch = median_s(repeats, [&] { musicnn_patches(lm); });
    double cpu_total = 0.0;
    const double t_total = median_s(
        repeats, [&] { musicnn_input_from_file(c.path); }, &cpu_total);
    std::printf("%-22s %6.1fms %9.1fms %10.1fms %6.1fms %6.2fms %7.1fms %7.1fms %9.0fx\n", c.label,
                1e3 * t_decode, 1e3 * t_res, 1e3 * t_res_ours, 1e3 * t_mel, 1e3 * t_patch,
                1e3 * t_total, 1e3 * cpu_total, seconds / t_total);
  }
  std::printf(
      "\ntotal = musicnn_input_from_file (decode + librosa-0.7 resampling + log-mel + "
      "patches), wall time; total cpu = CPU time of all threads in those runs;\n"
      "x realtime = clip seconds / total wall seconds. Compare with `uptime`: on a loaded "
      "machine wall times stretch.\n");
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
