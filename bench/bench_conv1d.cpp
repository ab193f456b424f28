// bench_conv1d.cpp — our conv1d (forward, and forward + backward for input, weight and bias)
// against PyTorch CPU on every distinct conv layer of SampleCNN, both on the same threads.
//
//   ./build/bench/bench_conv1d [--batch 8] [--threads 2] [--warmup 3] [--repeats 10] [--no-torch]
//                              [--only I] [--phases]
// --phases also times our three CPU kernels on their own (forward, backward data, backward
// weight + bias), called through the kernel slots without autograd or allocation.
//
// Layers (ARCHITECTURE.md): conv(1->128, k3, s3) on 59,049 samples, then nine blocks of
// conv(k3, s1, p1) + BN + ReLU + maxpool(3) with output channels 128,128,256,256,256,256,256,
// 256,512 (block i sees length 19,683 / 3^(i-1)), then conv(512->512, k3, p1) at length 1.
// Per shape: median wall time over the repeats (after warm-up; --repeats is a minimum, small
// shapes repeat until a measurement spans ~0.3 s) for ours and for PyTorch
// (bench/torch_conv1d.py, run right after ours so both see similar machine load), the ratio
// ours / PyTorch, and our GFLOP/s (forward = 2*B*Cout*Lout*Cin*K; forward + backward = 3x that)
// with its share of the measured FMA peak of the CPU kernel level in use on the same threads
// (bench/peak.h; wall time over a CPU-time peak, so load from other processes lowers it).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/peak.h"
#include "engine/autograd.h"
#include "engine/cpu/cpu_level.h"
#include "engine/ops/conv1d.h"
#include "engine/parallel.h"
#include "engine/rng.h"

using namespace syn;

namespace {

using Layer = bench::ConvLayerShape;

template <class F>
double median_ms(int warmup, int repeats, F&& f) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Runs the PyTorch twin for one shape; false when python/torch is unavailable.
bool torch_times(const Layer& l, int64_t B, int threads, int warmup, int repeats, double& fwd,
                 double& fb) {
  std::string cmd = "/usr/bin/python3 " SYN_SOURCE_DIR "/bench/torch_conv1d.py --threads " +
                    std::to_string(threads) + " --warmup " + std::to_string(warmup) +
                    " --repeats " + std::to_string(repeats) + " " + std::to_string(B) + "," +
                    std::to_string(l.Cin) + "," + std::to_string(l.Cout) + "," +
                    std::to_string(l.L) + "," + std::to_string(l.K) + "," +
                    std::to_string(l.stride) + "," + std::to_string(l.pad) + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return false;
  char line[512];
  bool ok = false;
  while (std::fgets(line, sizeof line, p)) {
    long long v[7];
    if (std::sscanf(line, "RESULT %lld %lld %lld %lld %lld %lld %lld %lf %lf", &v[0], &v[1], &v[2],
                    &v[3], &v[4], &v[5], &v[6], &fwd, &fb) == 9)
      ok = true;
  }
  pclose(p);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t B = 8;
  int threads = 2, warmup = 3, repeats = 10, only = -1;
  bool use_torch = true, phases = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--batch")
      B = next();
    else if (a == "--threads")
      threads = next();
    else if (a == "--warmup")
      warmup = next();
    else if (a == "--repeats")
      repeats = next();
    else if (a == "--only")
      only = next();
    else if (a == "--no-torch")
      use_torch = false;
    else if (a == "--phases")
      phases = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--batch 8] [--threads 2] [--warmup 3] [--repeats 10] "
                   "[--no-torch] [--only I] [--phases]\n",
                   argv[0]);
      return 2;
    }
  }
  set_num_threads(threads);
  std::printf(
      "conv1d fp32, batch %lld, %d threads (ours: %d), median of >= %d repeats (>= 0.3 s) after "
      "%d warm-up\n",
      (long long)B, threads, num_threads(), repeats, warmup);
  const cpu::CpuLevel level = cpu::cpu_kernel_level();
  const bench::Peak peak = bench::measure_peak(level, num_threads());
  std::printf("CPU kernel level %s: measured FMA peak %.1f GFLOP/s on %d threads\n",
              cpu::cpu_level_name(level), peak.all_threads, peak.threads);
  std::printf("%-3s %-14s %-10s %6s | %9s %9s %6s | %9s %9s %6s | %7s %7s | %5s %5s\n", "#",
              "layer", "Cin->Cout", "L", "fwd ms", "torch ms", "ratio", "f+b ms", "torch ms",
              "ratio", "GF/s f", "GF/s fb", "%pk f", "%pk fb");
  bool torch_missing = false;
  double sum[4] = {0, 0, 0, 0};
  std::vector<Layer> layers = bench::samplecnn_conv_layers();
  Rng rng(0);
  for (int li = 0; li < (int)layers.size(); ++li) {
    if (only >= 0 && li != only) continue;
    const Layer& l = layers[(size_t)li];
    Tensor x = Tensor::randn({B, l.Cin, l.L}, rng).set_requires_grad();
    Tensor w = Tensor::randn({l.Cout, l.Cin, l.K}, rng, 1.0f / std::sqrt((float)(l.Cin * l.K)))
                   .set_requires_grad();
    Tensor b = Tensor::zeros({l.Cout}).set_requires_grad();
    const int64_t Lout = (l.L + 2 * l.pad - l.K) / l.stride + 1;
    Tensor gy = Tensor::full({B, l.Cout, Lout}, 1.0f);
    auto fwd_step = [&] {
      NoGradGuard ng;
      Tensor y = ops::conv1d(x, w, b, l.stride, l.pad);
    };
    auto fb_step = [&] {
      x.zero_grad(), w.zero_grad(), b.zero_grad();
      Tensor y = ops::conv1d(x, w, b, l.stride, l.pad);
      y.backward(gy);
    };
    // Small shapes get more repeats (>= ~0.3 s per measurement) so that one burst of load
    // from other processes cannot move the median.
    const double estimate = median_ms(1, 1, fb_step);
    const int reps = (int)std::clamp(300.0 / std::max(estimate, 1e-3), (double)repeats, 2000.0);
    double fwd = median_ms(warmup, reps, fwd_step);
    double fb = median_ms(warmup, reps, fb_step);
    double tf = 0, tfb = 0;
    bool have = use_torch && !torch_missing && torch_times(l, B, threads, warmup, reps, tf, tfb);
    if (use_torch && !have) torch_missing = true;
    const double gflop = 2.0 * B * l.Cout * Lout * l.Cin * l.K / 1e9;
    char cio[32];
    std::snprintf(cio, sizeof cio, "%lld->%lld", (long long)l.Cin, (long long)l.Cout);
    const double gf_f = gflop / fwd * 1e3, gf_fb = 3 * gflop / fb * 1e3;
    const double pk_f = 100 * gf_f / peak.all_threads, pk_fb = 100 * gf_fb / peak.all_threads;
    if (have) {
      std::printf(
          "%-3d %-14s %-10s %6lld | %9.3f %9.3f %6.2f | %9.3f %9.3f %6.2f | %7.1f %7.1f | %4.0f%% "
          "%4.0f%%\n",
          li, l.name, cio, (long long)l.L, fwd, tf, fwd / tf, fb, tfb, fb / tfb, gf_f, gf_fb, pk_f,
          pk_fb);
      sum[2] += tf, sum[3] += tfb;
    } else {
      std::printf(
          "%-3d %-14s %-10s %6lld | %9.3f %9s %6s | %9.3f %9s %6s | %7.1f %7.1f | %4.0f%% "
          "%4.0f%%\n",
          li, l.name, cio, (long long)l.L, fwd, "-", "-", fb, "-", "-", gf_f, gf_fb, pk_f, pk_fb);
    }
    sum[0] += fwd, sum[1] += fb;
    if (phases) {
      Conv1dShape cs{B, l.Cin, l.Cout, l.L, l.K, l.stride, l.pad, Lout};
      Tensor y = Tensor::empty(gy.shape()), dx = Tensor::empty(x.shape());
      Tensor dw = Tensor::empty(w.shape()), db = Tensor::empty(b.shape());
      double pf = median_ms(warmup, reps, [&] {
        conv1d_forward_kernel.cpu(cs, x.data(), w.data(), b.data(), y.data());
      });
      double pd = median_ms(warmup, reps, [&] {
        conv1d_backward_data_kernel.cpu(cs, gy.data(), w.data(), dx.data());
      });
      double pw = median_ms(warmup, reps, [&] {
        conv1d_backward_weight_kernel.cpu(cs, x.data(), gy.data(), dw.data(), db.data());
      });
      std::printf(
          "    kernels only: forward %.3f ms (%.1f GF/s), backward data %.3f ms (%.1f GF/s), "
          "backward weight+bias %.3f ms (%.1f GF/s)\n",
          pf, gflop / pf * 1e3, pd, gflop / pd * 1e3, pw, gflop / pw * 1e3);
    }
    std::fflush(stdout);
  }
  if (torch_missing)
    std::printf(
        "PyTorch reference unavailable (/usr/bin/python3 with torch not found): only our "
        "times are shown\n");
  if (sum[2] > 0)
    std::printf("%-3s %-14s %-10s %6s | %9.3f %9.3f %6.2f | %9.3f %9.3f %6.2f |\n", "", "total", "",
                "", sum[0], sum[2], sum[0] / sum[2], sum[1], sum[3], sum[1] / sum[3]);
  else
    std::printf("%-3s %-14s %-10s %6s | %9.3f %9s %6s | %9.3f %9s %6s |\n", "", "total", "", "",
                sum[0], "-", "-", sum[1], "-", "-");
  return 0;
}
