// bench_ops.cpp — the perf mode of the op-case list (tests/support/op_case.h): times the cases
// declared for timing (kModePerf; every case with --all) on each available device and prints
// the forward and forward+backward times and the forward's GFLOP/s or GB/s (on the CPU with
// its share of the measured FMA peak of the kernel level in use on all threads, bench/peak.h;
// wall time over CPU-time peak, so a loaded machine lowers the share); then, per kernel
// slot, which timed cases ran it, so a slot nothing times stands out. The cases are the ones the
// op checks use (tests/test_ops.cpp, tests/test_cuda_ops.cpp): production and benchmark share
// the declarations. On CUDA it also times every kernel version behind the slots
// (bench/bench_op_versions.h). Timings are never unit tests: nothing here is registered with
// CTest.
//
//   ./build/bench/bench_ops [--device cpu|cuda|all] [--filter TEXT] [--all] [--seconds 0.3]
//
// Each measurement is the median of repeats after one warm-up call, repeating until --seconds
// of wall time have passed (at least 3 repeats). CUDA is synchronised before every clock read.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/peak.h"
#include "engine/autograd.h"
#include "engine/cpu/cpu_level.h"
#include "engine/device.h"
#include "engine/dispatch.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "tests/support/op_case.h"

#ifdef SYN_WITH_CUDA
#include <cuda_runtime.h>

#include "bench/bench_op_versions.h"
#endif

using namespace syn;
using test::OpCase;
using test::Tensors;

namespace {

struct Args {
  std::vector<Device> devices;
  std::string filter;
  bool all = false;
  double seconds = 0.3;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "bench_ops: %s\nusage: bench_ops [--device cpu|cuda|all] [--filter TEXT] [--all] "
               "[--seconds S]\n",
               why);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  std::string device = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("flag " + f + " needs a value").c_str());
      return argv[++i];
    };
    if (f == "--device") {
      device = value();
    } else if (f == "--filter") {
      a.filter = value();
    } else if (f == "--all") {
      a.all = true;
    } else if (f == "--seconds") {
      a.seconds = std::atof(value().c_str());
      if (!(a.seconds > 0)) usage("--seconds must be a positive number");
    } else {
      usage(("unknown flag " + f).c_str());
    }
  }
  if (device != "cpu" && device != "cuda" && device != "all")
    usage(("--device must be cpu, cuda or all, not " + device).c_str());
  if (device != "cuda") a.devices.push_back(Device::CPU);
  if (device != "cpu") {
    if (cuda_available())
      a.devices.push_back(Device::CUDA);
    else if (device == "cuda")
      usage("--device cuda: no CUDA device (or a CPU-only build)");
  }
  return a;
}

void sync(Device d) {
#ifdef SYN_WITH_CUDA
  if (d == Device::CUDA) cudaDeviceSynchronize();
#else
  (void)d;
#endif
}

// Median milliseconds of `fn` (one warm-up call first).
template <class F>
double time_ms(Device d, double seconds, F fn) {
  using clock = std::chrono::steady_clock;
  fn();
  sync(d);
  std::vector<double> ms;
  const auto start = clock::now();
  while (ms.size() < 3 || std::chrono::duration<double>(clock::now() - start).count() < seconds) {
    const auto t0 = clock::now();
    fn();
    sync(d);
    ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    if (ms.size() >= 1000) break;
  }
  return bench::median(ms);
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::map<std::string, std::set<std::string>> timed_by;  // slot -> "case on device"
  const cpu::CpuLevel level = cpu::cpu_kernel_level();
  const bench::Peak peak = bench::measure_peak(level, num_threads());
  std::printf("CPU kernel level %s: measured FMA peak %.1f GFLOP/s on 1 thread, %.1f on %d\n",
              cpu::cpu_level_name(level), peak.one_thread, peak.all_threads, peak.threads);
  std::printf("%-52s %-5s %10s %12s %14s %6s  %s\n", "case", "dev", "fwd ms", "fwd+bwd ms", "rate",
              "%peak", "slots");
  for (const OpCase& c : test::op_cases()) {
    if (!args.all && !(c.modes & test::kModePerf)) continue;
    if (!args.filter.empty() && c.name.find(args.filter) == std::string::npos) continue;
    if (!c.inputs) continue;  // fixture-only declarations have no sizes to time
    const Tensors raw = c.inputs();
    bool any_grad = false;
    for (size_t i = 0; i < raw.size(); ++i) any_grad = any_grad || (c.grad[i] && raw[i].defined());
    for (Device d : args.devices) {
      Tensors in = test::case_leaves(c, raw, d);
      double fwd = 0, both = 0;
      try {
        fwd = time_ms(d, args.seconds, [&] {
          NoGradGuard no_grad;
          c.forward(in);
        });
        if (any_grad) {
          Rng rng(c.upstream_seed);
          Tensor dy;
          both = time_ms(d, args.seconds, [&] {
            for (Tensor& t : in)
              if (t.defined() && t.requires_grad()) t.zero_grad();
            Tensor y = c.forward(in).at(0);
            if (!dy.defined()) dy = Tensor::randn(y.shape(), rng).to(d);
            y.backward(dy);
          });
        }
      } catch (const Error& e) {
        std::printf("%-52s %-5s  failed: %s\n", c.name.c_str(), device_name(d), e.what());
        continue;
      }
      char rate[32] = "";
      if (c.work.flops > 0)
        std::snprintf(rate, sizeof rate, "%.1f GFLOP/s", c.work.flops / (fwd * 1e6));
      else if (c.work.bytes > 0)
        std::snprintf(rate, sizeof rate, "%.1f GB/s", c.work.bytes / (fwd * 1e6));
      char share[16] = "-";
      if (c.work.flops > 0 && d == Device::CPU)
        std::snprintf(share, sizeof share, "%.0f%%",
                      100.0 * c.work.flops / (fwd * 1e6) / peak.all_threads);
      char both_s[32] = "-";
      if (any_grad) std::snprintf(both_s, sizeof both_s, "%.3f", both);
      std::printf("%-52s %-5s %10.3f %12s %14s %6s  %s\n", c.name.c_str(), device_name(d), fwd,
                  both_s, rate, share, join(c.slots).c_str());
      std::fflush(stdout);
      for (const std::string& s : c.slots) timed_by[s].insert(device_name(d));
    }
  }
#ifdef SYN_WITH_CUDA
  if (std::find(args.devices.begin(), args.devices.end(), Device::CUDA) != args.devices.end()) {
    std::printf("\nCUDA kernel versions (bench/bench_op_versions.h):\n");
    std::printf("%-18s %3s %-32s %10s %12s\n", "slot", "v", "size", "ms", "rate");
    for (const bench::OpVersion& v : bench::cuda_op_versions()) {
      if (!args.filter.empty() && v.slot.find(args.filter) == std::string::npos) continue;
      const double ms = time_ms(Device::CUDA, args.seconds, v.run);
      std::printf("%-18s %3d %-32s %10.3f %9.1f GB/s\n", v.slot.c_str(), v.version, v.size.c_str(),
                  ms, v.bytes / (ms * 1e6));
    }
  }
#endif
  std::printf("\nslot coverage (devices the slot was timed on):\n");
  int missing = 0;
  for (const KernelInfo& k : kernel_registry_view()) {
    auto it = timed_by.find(k.name);
    std::string devs;
    if (it != timed_by.end())
      for (const std::string& d : it->second) devs += (devs.empty() ? "" : ", ") + d;
    if (devs.empty()) ++missing;
    std::printf("  %-28s %s\n", k.name, devs.empty() ? "(not timed)" : devs.c_str());
  }
  if (missing) std::printf("%d slot(s) not timed by the selected cases\n", missing);
  return 0;
}
