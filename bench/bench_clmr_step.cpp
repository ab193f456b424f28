// bench_clmr_step.cpp — one full CLMR training step on the CPU (issue 3) against PyTorch CPU in
// the same run: two views [B, 1, 59049] of random audio, the full SampleCNN encoder (9 blocks,
// CLMR's sizes) run once per view, the projector 512→512→ReLU→64 (no bias), NT-Xent (t = 0.5),
// loss.item(), backward, Adam (lr 3e-4, weight decay 1e-6) step and zero_grad — the step of
// apps/train/pretrainer.cpp minus the augmentations. Train mode (batch statistics).
//
//   cmake --build build --target bench_clmr_step && ./build/bench/bench_clmr_step
//       [--batch 8] [--threads 2] [--warmup 2] [--repeats 5] [--rounds 1] [--no-torch] [--ops]
//
// --ops: our time per CPU kernel (each kernel slot wrapped with a clock), then PyTorch's top ops
// by self CPU time from one extra step under its profiler. SYN_TORCH_PYTHON=/path/python picks
// another interpreter for the PyTorch twin (default /usr/bin/python3).
//
// Ours then PyTorch's twin (bench/torch_clmr_step.py, Debian's /usr/bin/python3, started right
// after ours so both see similar machine load): each warms up, then the median of the repeats.
// Both use the same number of threads (syn::set_num_threads / torch.set_num_threads). Phases of a
// step, timed inside the same steps: forward (both views, projector, loss, loss.item()),
// backward, optimizer (Adam step + zero_grad). Samples/s counts clips (B per step); CLMR's
// progress line counts views (2B per step).
//
// --rounds R alternates R times (ours, then a fresh PyTorch process) and reports the medians
// across rounds and the median of the rounds' ratios: use it on a loaded machine.
//
// Measured 2026-11-24 on this 2-core AMD EPYC VM (AVX-512), Debian torch 1.13.0 CPU (mkldnn),
// batch 8, 2 threads, median of 5 steps after 2 warm-up. Other helpers' builds and tests share
// the 2 cores; "load" is the 1-minute load average during the run.
//   run                       load    ours ms/step (fwd/bwd/opt)  PyTorch ms/step      ratio
//   --rounds 3 --ops          0.6-1.6 1416 (469/937/5)            2278 (900/1379/13)   0.60
//   --rounds 3                1.5-1.9 1374 (447/929/10)           2255 (895/1389/7)    0.63
//   --rounds 2 (per round)    1.4-2.1 1568, 1400                  2376, 2531           0.66, 0.55
//   --rounds 2 (per round)    1.4-2.0 1624, 1377                  2383, 2506           0.68, 0.55
//   --rounds 3 (heavy load)   40-168  5227                        9628                 0.54
//   --rounds 3, GLIBC_TUNABLES= 1.9   1309 (454/830/5)            1383 (602/777/5)     0.95
//     glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184 (freed memory is reused:
//     no page faults on fresh buffers, for both sides)
// i.e. ours ~5.7 clips/s (11.4 views/s) against PyTorch's ~3.5 clips/s. PyTorch suffers more
// from fresh-page faults than we do; with memory reuse on both sides we are ~0.95x, the conv
// kernels (~78% of our step) being ~1.08x PyTorch's and everything else at par or faster.
// The same binary on a quiet 16-core Intel Xeon VM (2 threads, torch 2.11 CPU through
// SYN_TORCH_PYTHON): 2099 vs 2747 ms (0.76); with the tunables above 1580 vs 1839 ms (0.86).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/bench_common.h"
#include "engine/autograd.h"
#include "engine/ops/batchnorm.h"
#include "engine/ops/conv1d.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linear.h"
#include "engine/ops/loss.h"
#include "engine/ops/pool.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/optim/adam.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "models/clmr.h"

using namespace syn;

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

using bench::median;

// --ops: every CPU kernel slot a CLMR step uses is wrapped so that its calls are timed (the
// kernels are called from the main thread, one at a time, so wall time per call is exact).
struct OpClock {
  const char* name = "";
  double ms = 0;
  int64_t calls = 0;
};

std::vector<OpClock*>& op_clocks() {
  static std::vector<OpClock*> all;
  return all;
}

template <auto* Slot, class Fn>
struct Timed;

template <auto* Slot, class... A>
struct Timed<Slot, void(A...)> {
  static inline void (*original)(A...) = nullptr;
  static inline OpClock clock;
  static void call(A... a) {
    auto t0 = Clock::now();
    original(a...);
    clock.ms += ms_between(t0, Clock::now());
    ++clock.calls;
  }
  static void install() {
    original = Slot->cpu;
    Slot->cpu = &call;
    clock.name = Slot->name;
    op_clocks().push_back(&clock);
  }
};

template <auto* Slot>
void time_kernel() {
  Timed<Slot, std::remove_pointer_t<decltype(Slot->cpu)>>::install();
}

void time_all_kernels() {
  time_kernel<&conv1d_forward_kernel>();
  time_kernel<&conv1d_backward_data_kernel>();
  time_kernel<&conv1d_backward_weight_kernel>();
  time_kernel<&batchnorm_train_forward_kernel>();
  time_kernel<&batchnorm_backward_kernel>();
  time_kernel<&relu_kernel>();
  time_kernel<&relu_backward_kernel>();
  time_kernel<&maxpool1d_forward_kernel>();
  time_kernel<&maxpool1d_backward_kernel>();
  time_kernel<&add_kernel>();
  time_kernel<&sub_kernel>();
  time_kernel<&mul_kernel>();
  time_kernel<&affine_kernel>();
  time_kernel<&gemm_kernel>();
  time_kernel<&row_fill_kernel>();
  time_kernel<&column_sum_kernel>();
  time_kernel<&l2_normalize_kernel>();
  time_kernel<&l2_normalize_backward_kernel>();
  time_kernel<&nt_xent_kernel>();
  time_kernel<&nt_xent_backward_kernel>();
  time_kernel<&reduce_sum_kernel>();
  time_kernel<&reduce_broadcast_kernel>();
  time_kernel<&copy2d_kernel>();
  time_kernel<&transpose_kernel>();
  time_kernel<&adam_update_kernel>();
}

// Medians over the timed steps: whole step and its three phases.
struct StepTimes {
  double step = 0, forward = 0, backward = 0, optimizer = 0;
};

// One line of PyTorch's profile (--ops): self CPU time of an op over one profiled step.
struct TorchOp {
  std::string name;
  double ms;
  long long calls;
};

// Runs the PyTorch twin; false when python/torch is unavailable (its stderr is dropped, as in
// bench_conv1d: a missing torch then shows as one clear line instead of a traceback).
bool torch_times(int64_t B, int threads, int warmup, int repeats, bool ops, StepTimes& t,
                 float& loss, std::vector<TorchOp>& profile) {
  const char* python = std::getenv("SYN_TORCH_PYTHON");  // default: Debian's, with torch 1.13
  std::string cmd = std::string(python && *python ? python : "/usr/bin/python3") +
                    " " SYN_SOURCE_DIR "/bench/torch_clmr_step.py --batch " + std::to_string(B) +
                    " --threads " + std::to_string(threads) + " --warmup " +
                    std::to_string(warmup) + " --repeats " + std::to_string(repeats) +
                    (ops ? " --ops" : "") + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return false;
  char line[512];
  bool ok = false;
  while (std::fgets(line, sizeof line, p)) {
    TorchOp op;
    int name_at = 0;
    if (std::sscanf(line, "RESULT %lf %lf %lf %lf %f", &t.step, &t.forward, &t.backward,
                    &t.optimizer, &loss) == 5)
      ok = true;
    else if (std::sscanf(line, "OP %lf %lld %n", &op.ms, &op.calls, &name_at) == 2 && name_at > 0) {
      op.name = line + name_at;
      while (!op.name.empty() && (op.name.back() == '\n' || op.name.back() == '\r'))
        op.name.pop_back();
      profile.push_back(op);
    }
  }
  pclose(p);
  return ok;
}

void print_row(const char* who, const StepTimes& t, int64_t B) {
  std::printf("%-8s %10.1f %10.1f %10.1f %10.1f | %9.2f %9.2f\n", who, t.step, t.forward,
              t.backward, t.optimizer, B / t.step * 1e3, 2 * B / t.step * 1e3);
}

// Our kernels' time per step (mean over the timed steps), then PyTorch's top ops by self time.
void print_ops(const std::vector<double>& steps, int repeats, const std::vector<TorchOp>& profile) {
  double mean_step = 0, in_kernels = 0;
  for (double v : steps) mean_step += v / (double)steps.size();
  std::vector<OpClock*> clocks = op_clocks();
  std::sort(clocks.begin(), clocks.end(), [](auto* a, auto* b) { return a->ms > b->ms; });
  std::printf("\nours per kernel (mean step %.1f ms):\n%-32s %9s %7s %6s\n", mean_step, "kernel",
              "ms/step", "calls", "%");
  for (const OpClock* c : clocks) {
    if (c->calls == 0) continue;
    double ms = c->ms / repeats;
    in_kernels += ms;
    std::printf("%-32s %9.1f %7lld %6.1f\n", c->name, ms, (long long)(c->calls / repeats),
                100 * ms / mean_step);
  }
  std::printf("%-32s %9.1f %7s %6.1f\n", "(outside kernels: autograd, free)",
              mean_step - in_kernels, "", 100 * (mean_step - in_kernels) / mean_step);
  if (profile.empty()) return;
  std::printf(
      "\nPyTorch top ops by self CPU time, one profiled step (profiler overhead included):\n"
      "%-56s %9s %7s\n",
      "op", "ms", "calls");
  for (const TorchOp& t : profile)
    std::printf("%-56s %9.1f %7lld\n", t.name.substr(0, 56).c_str(), t.ms, t.calls);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t B = 8;
  int threads = 2, warmup = 2, repeats = 5, rounds = 1;
  bool use_torch = true, ops = false;
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
    else if (a == "--rounds")
      rounds = next();
    else if (a == "--no-torch")
      use_torch = false;
    else if (a == "--ops")
      ops = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--batch 8] [--threads 2] [--warmup 2] [--repeats 5] [--rounds 1] "
                   "[--no-torch] [--ops]\n",
                   argv[0]);
      return 2;
    }
  }
  if (B < 2 || threads < 1 || warmup < 0 || repeats < 1 || rounds < 1) {
    std::fprintf(stderr,
                 "bench_clmr_step: need --batch >= 2, --threads >= 1, --repeats >= 1, "
                 "--rounds >= 1\n");
    return 2;
  }
  set_num_threads(threads);

  models::ClmrConfig cfg;  // CLMR's sizes: SampleCNN 128,128,256x6,512; projection 64; t 0.5
  const int64_t L = cfg.encoder.input_samples();
  Rng rng(0);
  models::Clmr model(cfg, rng);
  model.train();
  AdamOptions o;
  o.lr = 3e-4;
  o.weight_decay = 1e-6;
  Adam opt(model.named_parameters(), o);
  Tensor x_i = Tensor::randn({B, 1, L}, rng), x_j = Tensor::randn({B, 1, L}, rng);

  std::printf(
      "CLMR training step, CPU fp32: batch %lld x 2 views x %lld samples, SampleCNN + projector "
      "(%lld parameters) + NT-Xent + Adam; %d threads (ours: %d), median of %d steps after %d "
      "warm-up, %d round(s)\n",
      (long long)B, (long long)L, (long long)model.num_parameters(), threads, num_threads(),
      repeats, warmup, rounds);
  std::fflush(stdout);

  if (ops) time_all_kernels();
  // Our steps: the warm-up once, then `repeats` timed steps per round; each round is followed by
  // a fresh PyTorch process (its own warm-up), so both sides of a round see similar load.
  std::vector<double> all_steps;  // every timed step, for --ops
  float last_loss = 0;
  auto run_ours = [&](int warm, StepTimes& t) -> bool {
    std::vector<double> st, fw, bw, op;
    for (int it = 0; it < warm + repeats; ++it) {
      if (it == warm && all_steps.empty())
        for (OpClock* c : op_clocks()) c->ms = 0, c->calls = 0;
      auto t0 = Clock::now();
      models::ClmrOutput out = model.forward(x_i, x_j);
      const float loss = out.loss.item();
      auto t1 = Clock::now();
      out.loss.backward();
      out = {};  // release the step's activations; counted with the backward pass
      auto t2 = Clock::now();
      opt.step();
      opt.zero_grad();
      auto t3 = Clock::now();
      if (it >= warm) {
        fw.push_back(ms_between(t0, t1)), bw.push_back(ms_between(t1, t2));
        op.push_back(ms_between(t2, t3)), st.push_back(ms_between(t0, t3));
        all_steps.push_back(st.back());
      }
      if (!std::isfinite(loss)) {
        std::fprintf(stderr, "bench_clmr_step: loss is %g at step %d\n", loss, it + 1);
        return false;
      }
      last_loss = loss;
    }
    t = {median(st), median(fw), median(bw), median(op)};
    return true;
  };

  std::vector<StepTimes> ours_r, torch_r;
  std::vector<double> ratios;
  std::vector<TorchOp> profile;
  float torch_loss = 0;
  bool have = use_torch;
  for (int r = 0; r < rounds; ++r) {
    StepTimes ours, torch;
    if (!run_ours(r == 0 ? warmup : 0, ours)) return 1;
    ours_r.push_back(ours);
    if (have) {
      std::vector<TorchOp> prof;
      have = torch_times(B, threads, warmup, repeats, ops && r == 0, torch, torch_loss, prof);
      if (r == 0) profile = prof;
      if (have) torch_r.push_back(torch), ratios.push_back(ours.step / torch.step);
    }
    if (rounds > 1) {
      if (have)
        std::printf("round %d: ours %.1f ms, PyTorch %.1f ms, ratio %.2f\n", r + 1, ours.step,
                    torch.step, ours.step / torch.step);
      else
        std::printf("round %d: ours %.1f ms\n", r + 1, ours.step);
      std::fflush(stdout);
    }
  }
  // Across rounds: the median of each column (and of the per-round ratios).
  auto across = [](const std::vector<StepTimes>& v) {
    std::vector<double> a, b, c, d;
    for (const StepTimes& t : v)
      a.push_back(t.step), b.push_back(t.forward), c.push_back(t.backward),
          d.push_back(t.optimizer);
    return StepTimes{median(a), median(b), median(c), median(d)};
  };
  StepTimes ours = across(ours_r);

  std::printf("%-8s %10s %10s %10s %10s | %9s %9s\n", "", "step ms", "forward", "backward",
              "optimizer", "clips/s", "views/s");
  print_row("ours", ours, B);
  if (have) {
    StepTimes torch = across(torch_r);
    print_row("pytorch", torch, B);
    std::printf("ratio ours/PyTorch: step %.2f (forward %.2f, backward %.2f, optimizer %.2f)%s\n",
                rounds > 1 ? median(ratios) : ours.step / torch.step, ours.forward / torch.forward,
                ours.backward / torch.backward, ours.optimizer / torch.optimizer,
                rounds > 1 ? "; step ratio = median of the rounds' ratios" : "");
    std::printf("last loss: ours %.4f, PyTorch %.4f (different random weights and inputs)\n",
                last_loss, torch_loss);
  } else {
    std::printf("last loss: ours %.4f\n", last_loss);
    if (use_torch)
      std::printf(
          "PyTorch reference unavailable (python with torch not found: /usr/bin/python3 or "
          "$SYN_TORCH_PYTHON): only our times are shown\n");
  }
  if (ops) print_ops(all_steps, rounds * repeats, profile);
  return 0;
}
