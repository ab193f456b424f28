// bench_peak.cpp — the measured FMA peak of each kernel level this CPU has (bench/peak.h: one
// thread and all threads), then the GEMM and convolution kernels at each level on one thread,
// in GFLOP/s and as a share of that level's one-thread peak. Everything is timed by thread CPU
// time (the median of repeats), so a loaded shared machine shows in wall time only.
//
//   ./build/bench/bench_peak [--levels generic,avx2,avx512] [--seconds 0.5] [--peak-only]
//                            [--filter TEXT]
//
// Kernels: cpu::gemm 512^3, 1024^3 and linear's 256x512x512 (B transposed); conv1d forward on
// SampleCNN's block 2 (batch 16) and block 1 (batch 8); conv2d forward on musicnn's timbral
// 7x38 and 7x67 branches (batch 8 patches of 187 frames x 96 mels) and the U-Net's 3x3 convs
// (32 px, 32 channels; 16 px, 64 channels; batch 16), and the latent U-Net's 3x3 convs (64
// channels at 16 px, 128 at 8 and 4 px: forward, data and weight gradients at batch 32, forward
// at the sampling batch 16; its stride-2 downsampling forward and weight gradient).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/peak.h"
#include "engine/cpu/cpu_level.h"
#include "engine/cpu/gemm.h"
#include "engine/ops/conv1d.h"
#include "engine/ops/conv2d.h"
#include "engine/parallel.h"
#include "engine/rng.h"

using namespace syn;
using cpu::CpuLevel;

namespace {

struct Job {
  std::string name;
  double flops;
  std::function<void()> run;
};

std::vector<float> random_vector(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v((size_t)n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

// Buffers live as long as the job (captured by shared_ptr).
Job gemm_job(int64_t M, int64_t N, int64_t K, bool trans_b) {
  auto a = std::make_shared<std::vector<float>>(random_vector(M * K, 1));
  auto b = std::make_shared<std::vector<float>>(random_vector(K * N, 2));
  auto c = std::make_shared<std::vector<float>>((size_t)(M * N));
  char name[96];
  std::snprintf(name, sizeof name, "gemm %lldx%lldx%lld%s", (long long)M, (long long)N,
                (long long)K, trans_b ? " (B^T)" : "");
  return {name, 2.0 * M * N * K, [=] {
            cpu::gemm(false, trans_b, M, N, K, 1.0f, a->data(), K, b->data(), trans_b ? K : N, 0.0f,
                      c->data(), N);
          }};
}

Job conv1d_job(const char* what, Conv1dShape s) {
  s.Lout = (s.L + 2 * s.padding - s.K) / s.stride + 1;
  auto x = std::make_shared<std::vector<float>>(random_vector(s.B * s.Cin * s.L, 3));
  auto w = std::make_shared<std::vector<float>>(random_vector(s.Cout * s.Cin * s.K, 4));
  auto bias = std::make_shared<std::vector<float>>(random_vector(s.Cout, 5));
  auto y = std::make_shared<std::vector<float>>((size_t)(s.B * s.Cout * s.Lout));
  char name[96];
  std::snprintf(name, sizeof name, "conv1d %s B%lld %lld->%lld L%lld k%lld", what, (long long)s.B,
                (long long)s.Cin, (long long)s.Cout, (long long)s.L, (long long)s.K);
  return {name, 2.0 * s.B * s.Cout * s.Lout * s.Cin * s.K,
          [=] { conv1d_forward_kernel.cpu(s, x->data(), w->data(), bias->data(), y->data()); }};
}

// Which of conv2d's three kernels a job times.
enum class Pass { forward, backward_data, backward_weight };

Job conv2d_job(const char* what, int64_t B, int64_t Cin, int64_t Cout, int64_t H, int64_t W,
               int64_t kh, int64_t kw, Padding2d pad, Pass pass = Pass::forward,
               int64_t stride = 1) {
  Conv2dShape s;
  s.B = B, s.Cin = Cin, s.Cout = Cout, s.H = H, s.W = W, s.kh = kh, s.kw = kw;
  s.sh = s.sw = stride;
  s.top = pad.top, s.bottom = pad.bottom, s.left = pad.left, s.right = pad.right;
  s.Hout = (H + pad.top + pad.bottom - kh) / stride + 1;
  s.Wout = (W + pad.left + pad.right - kw) / stride + 1;
  auto x = std::make_shared<std::vector<float>>(random_vector(B * Cin * H * W, 6));
  auto w = std::make_shared<std::vector<float>>(random_vector(Cout * Cin * kh * kw, 7));
  auto bias = std::make_shared<std::vector<float>>(random_vector(Cout, 8));
  auto y = std::make_shared<std::vector<float>>(random_vector(B * Cout * s.Hout * s.Wout, 9));
  auto dx = std::make_shared<std::vector<float>>((size_t)(B * Cin * H * W));
  auto dw = std::make_shared<std::vector<float>>((size_t)(Cout * Cin * kh * kw));
  const char* pass_name = pass == Pass::forward         ? ""
                          : pass == Pass::backward_data ? " bwd-data"
                                                        : " bwd-weight";
  char name[96];
  std::snprintf(name, sizeof name, "conv2d %s B%lld %lld->%lld %lldx%lld k%lldx%lld%s%s", what,
                (long long)B, (long long)Cin, (long long)Cout, (long long)H, (long long)W,
                (long long)kh, (long long)kw, stride == 2 ? " s2" : "", pass_name);
  const double flops = 2.0 * B * Cout * s.Hout * s.Wout * Cin * kh * kw;
  switch (pass) {
    case Pass::backward_data:  // dx from dy (held in y)
      return {name, flops,
              [=] { conv2d_backward_data_kernel.cpu(s, y->data(), w->data(), dx->data()); }};
    case Pass::backward_weight:  // dw only (the bias gradient is a cheap sum, timed elsewhere)
      return {name, flops, [=] {
                conv2d_backward_weight_kernel.cpu(s, x->data(), y->data(), dw->data(), nullptr);
              }};
    case Pass::forward:
      break;
  }
  return {name, flops,
          [=] { conv2d_forward_kernel.cpu(s, x->data(), w->data(), bias->data(), y->data()); }};
}

std::vector<Job> jobs() {
  std::vector<Job> v;
  v.push_back(gemm_job(512, 512, 512, false));
  v.push_back(gemm_job(1024, 1024, 1024, false));
  v.push_back(gemm_job(256, 512, 512, true));
  v.push_back(conv1d_job("samplecnn block2", {16, 128, 128, 2187, 3, 1, 1, 0}));
  v.push_back(conv1d_job("samplecnn block1", {8, 128, 128, 6561, 3, 1, 1, 0}));
  v.push_back(conv2d_job("musicnn timbral", 8, 1, 204, 187, 96, 7, 38, {3, 3, 0, 0}));
  v.push_back(conv2d_job("musicnn timbral", 8, 1, 204, 187, 96, 7, 67, {3, 3, 0, 0}));
  v.push_back(conv2d_job("unet", 16, 32, 32, 32, 32, 3, 3, Padding2d::symmetric(1, 1)));
  v.push_back(conv2d_job("unet", 16, 64, 64, 16, 16, 3, 3, Padding2d::symmetric(1, 1)));
  // The latent U-Net (config/train_imagine_latent.yaml: 64 channels at 16 px, 128 at 8 and 4 px):
  // training batch 32 (all three passes), sampling batch 16 (8 prompts x 2 for guidance).
  const Padding2d same = Padding2d::symmetric(1, 1);
  for (Pass pass : {Pass::forward, Pass::backward_data, Pass::backward_weight}) {
    v.push_back(conv2d_job("latent", 32, 64, 64, 16, 16, 3, 3, same, pass));
    v.push_back(conv2d_job("latent", 32, 128, 128, 8, 8, 3, 3, same, pass));
    v.push_back(conv2d_job("latent", 32, 128, 128, 4, 4, 3, 3, same, pass));
  }
  // its downsampling 3x3 convolutions, stride 2 (16 -> 8 px at 64 channels, 8 -> 4 at 128)
  for (Pass pass : {Pass::forward, Pass::backward_weight}) {
    v.push_back(conv2d_job("latent", 32, 64, 64, 16, 16, 3, 3, same, pass, 2));
    v.push_back(conv2d_job("latent", 32, 128, 128, 8, 8, 3, 3, same, pass, 2));
  }
  v.push_back(conv2d_job("latent", 16, 64, 64, 16, 16, 3, 3, same));
  v.push_back(conv2d_job("latent", 16, 128, 128, 8, 8, 3, 3, same));
  v.push_back(conv2d_job("latent", 16, 128, 128, 4, 4, 3, 3, same));
  return v;
}

// Median thread-CPU seconds of `fn` after one warm-up, repeating for about `seconds`.
double median_cpu_seconds(const std::function<void()>& fn, double seconds) {
  fn();
  std::vector<double> t;
  double total = 0;
  while (t.size() < 3 || (total < seconds && t.size() < 200)) {
    const double t0 = bench::thread_cpu_seconds();
    fn();
    t.push_back(bench::thread_cpu_seconds() - t0);
    total += t.back();
  }
  return bench::median(t);
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "bench_peak: %s\nusage: bench_peak [--levels generic,avx2,avx512] [--seconds S] "
               "[--peak-only] [--filter TEXT]\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<CpuLevel> levels;
  double seconds = 0.5;
  bool peak_only = false;
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("flag " + f + " needs a value").c_str());
      return argv[++i];
    };
    if (f == "--levels") {
      std::string list = value() + ",";
      for (size_t at = 0, comma; (comma = list.find(',', at)) != std::string::npos; at = comma + 1)
        if (comma > at) {
          try {
            levels.push_back(cpu::parse_cpu_level(list.substr(at, comma - at), "--levels"));
          } catch (const Error& e) {
            usage(e.what());
          }
        }
    } else if (f == "--seconds") {
      seconds = std::atof(value().c_str());
      if (!(seconds > 0)) usage("--seconds must be a positive number");
    } else if (f == "--peak-only") {
      peak_only = true;
    } else if (f == "--filter") {
      filter = value();
    } else {
      usage(("unknown flag " + f).c_str());
    }
  }
  if (levels.empty()) levels = {CpuLevel::generic, CpuLevel::avx2, CpuLevel::avx512};
  const int threads = num_threads();
  std::printf("FMA peak by level (thread CPU time, best of 3), %d threads:\n", threads);
  std::printf("  %-8s %14s %18s\n", "level", "1 thread GF/s", "all threads GF/s");
  std::vector<std::pair<CpuLevel, bench::Peak>> peaks;
  for (CpuLevel l : levels) {
    if (!cpu::cpu_has_level(l)) {
      std::printf("  %-8s (not on this CPU)\n", cpu::cpu_level_name(l));
      continue;
    }
    const bench::Peak p = bench::measure_peak(l, threads);
    peaks.push_back({l, p});
    std::printf("  %-8s %14.1f %18.1f\n", cpu::cpu_level_name(l), p.one_thread, p.all_threads);
  }
  if (peak_only) return 0;
  set_num_threads(1);
  std::printf(
      "\nKernels on 1 thread (median thread CPU time), share of the level's 1-thread peak\n");
  std::printf("%-50s %-8s %10s %9s %7s\n", "kernel", "level", "ms", "GFLOP/s", "% peak");
  std::vector<Job> all = jobs();
  for (const Job& j : all) {
    if (!filter.empty() && j.name.find(filter) == std::string::npos) continue;
    for (const auto& [l, p] : peaks) {
      cpu::set_cpu_kernel_level(l);
      const double s = median_cpu_seconds(j.run, seconds);
      const double gf = j.flops / s * 1e-9;
      std::printf("%-50s %-8s %10.3f %9.1f %6.1f%%\n", j.name.c_str(), cpu::cpu_level_name(l),
                  s * 1e3, gf, 100.0 * gf / p.one_thread);
      std::fflush(stdout);
    }
  }
  return 0;
}
