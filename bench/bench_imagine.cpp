// bench_imagine.cpp — how long does one picture take? apps/imagine's path after the weights are
// loaded (models::TextToImage::generate: prompt encoding, every sampler step with classifier-free
// guidance, the latent decode and the [0, 1] mapping) for one prompt, one picture, sampled as the
// weights advise (apps/pipeline/sampling_advice.h) unless --steps / --sampler / --guidance say
// otherwise. Issue 18's target: a 64-px picture of the latent model in at most 1 s on the 2 CPU
// cores. The weights' load is timed once and printed on its own line (a user's first picture
// pays it; the target does not include it).
//
//   cmake --build build --target bench_imagine && ./build/bench/bench_imagine
//       [--weights models/weights/latent_imagine.synckpt] [--compare FILE] [--threads 2]
//       [--rounds 7] [--warmup 1] [--prompt "red heart"] [--steps 0] [--sampler auto]
//       [--guidance 0]
//
// Each round times one picture per weights file; with --compare the two files alternate within
// every round (so both see the same machine load) and the ratio of their medians is printed.
// Wall time (the target) and process CPU time (all threads; steadier on a shared machine) are
// medians over the rounds after the warm-up; the split: "sample" runs from the start to the last
// network call (prompt encoding + every step), "decode" from there to the end (latent decode
// + mapping; near zero for a pixel-space model).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "apps/cli/app_config.h"
#include "apps/pipeline/sampling_advice.h"
#include "bench/bench_common.h"
#include "engine/thread_pool.h"
#include "models/text_to_image.h"

using namespace syn;

namespace {

// The 1, 5 and 15 minute load averages (the machine is shared: say the load with any time).
std::string load_average() {
  std::string out = "unknown";
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    double l1 = 0, l5 = 0, l15 = 0;
    if (std::fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", l1, l5, l15);
      out = buf;
    }
    std::fclose(f);
  }
  return out;
}

struct Args {
  std::string weights = "models/weights/latent_imagine.synckpt", compare, prompt = "red heart";
  std::string sampler = "auto";
  int threads = 2, rounds = 7, warmup = 1;
  int64_t steps = 0;
  float guidance = 0;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_imagine: %s\nusage: bench_imagine [--weights FILE] [--compare FILE] "
               "[--threads N] [--rounds R] [--warmup W] [--prompt TEXT] [--steps S] "
               "[--sampler auto|ddim|dpmpp_2m] [--guidance G]\n",
               why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) usage(k + " needs a value");
    const char* v = argv[++i];
    if (k == "--weights")
      a.weights = v;
    else if (k == "--compare")
      a.compare = v;
    else if (k == "--prompt")
      a.prompt = v;
    else if (k == "--sampler")
      a.sampler = v;
    else if (k == "--threads")
      a.threads = std::atoi(v);
    else if (k == "--rounds")
      a.rounds = std::atoi(v);
    else if (k == "--warmup")
      a.warmup = std::atoi(v);
    else if (k == "--steps")
      a.steps = std::atoll(v);
    else if (k == "--guidance")
      a.guidance = (float)std::atof(v);
    else
      usage("unknown argument '" + k + "'");
  }
  if (a.threads < 1) usage("--threads must be at least 1");
  if (a.rounds < 1) usage("--rounds must be at least 1");
  if (a.warmup < 0) usage("--warmup must be >= 0");
  return a;
}

// One weights file: loaded once, then one picture per call of run().
struct Subject {
  std::string path, name, prompt;
  std::unique_ptr<models::TextToImage> t2i;
  models::ImagineOptions options;
  double load_s = 0;
  std::vector<double> wall, cpu, sample, decode;

  Subject(const std::string& file, const Args& a) {
    path = app::resolve_source_path(file);
    name = std::filesystem::path(path).filename().string();
    if (!std::filesystem::exists(path)) usage("weights '" + path + "' do not exist");
    const double t0 = bench::wall_seconds();
    t2i = std::make_unique<models::TextToImage>(models::TextToImage::load(path));
    load_s = bench::wall_seconds() - t0;
    options.steps = a.steps;
    options.sampler = a.sampler;
    options.guidance_scale = a.guidance;
    options = app::with_advice(*t2i, options, path);
    prompt = a.prompt;
  }

  void run(bool keep) {
    double last_step = 0;
    models::ImagineOptions o = options;
    o.on_step = [&](int64_t, int64_t) { last_step = bench::wall_seconds(); };
    const double w0 = bench::wall_seconds(), c0 = bench::process_cpu_seconds();
    Tensor img = t2i->generate({prompt}, o);
    const double w1 = bench::wall_seconds(), c1 = bench::process_cpu_seconds();
    if (img.numel() == 0) usage("no picture was drawn");
    if (!keep) return;
    wall.push_back(w1 - w0), cpu.push_back(c1 - c0);
    sample.push_back(last_step - w0), decode.push_back(w1 - last_step);
  }
};

void print(const Subject& s) {
  std::printf("%-24s %4lld px  %-34s wall %6.3f s  cpu %6.3f s  (sample %6.3f s, decode %6.3f s)\n",
              s.name.c_str(), (long long)s.t2i->image_size(),
              app::describe_sampling(s.options).c_str(), bench::median(s.wall),
              bench::median(s.cpu), bench::median(s.sample), bench::median(s.decode));
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  set_num_threads(a.threads);
  std::vector<std::unique_ptr<Subject>> subjects;
  subjects.push_back(std::make_unique<Subject>(a.weights, a));
  if (!a.compare.empty()) subjects.push_back(std::make_unique<Subject>(a.compare, a));
  std::printf("one picture of \"%s\", %d thread%s, %d warm-up + %d rounds (%u cores, load %s)\n",
              a.prompt.c_str(), a.threads, a.threads == 1 ? "" : "s", a.warmup, a.rounds,
              std::thread::hardware_concurrency(), load_average().c_str());
  for (const auto& s : subjects)
    std::printf("load %-24s %.3f s (once; not in the figures below)\n", s->name.c_str(), s->load_s);
  for (int r = 0; r < a.warmup + a.rounds; ++r)
    for (auto& s : subjects) s->run(r >= a.warmup);
  std::printf("medians:\n");
  for (const auto& s : subjects) print(*s);
  if (subjects.size() == 2)
    std::printf("ratio %s / %s: wall %.2fx, cpu %.2fx\n", subjects[0]->name.c_str(),
                subjects[1]->name.c_str(),
                bench::median(subjects[0]->wall) / bench::median(subjects[1]->wall),
                bench::median(subjects[0]->cpu) / bench::median(subjects[1]->cpu));
  std::printf("load at the end: %s\n", load_average().c_str());
  return 0;
}
