// bench_cuda_clmr_step.cpp — the whole CLMR training step on the GPU (issue 4) against PyTorch
// on the same GPU in the same run: two views [48, 1, 59049], SampleCNN (CLMR sizes) run once per
// view, projector 512→512→64, NT-Xent (t = 0.5), loss.item(), backward, Adam step, zero_grad.
// --precision fp32 (default) | tf32 | bf16 on both sides: ours through engine/precision.h,
// PyTorch with TF32 off / on, or bf16 autocast (--channels-last: its Conv2d twin in channels-last
// memory); cudnn.benchmark on.
//
//   ./build/bench/bench_cuda_clmr_step [--batch 48] [--repeats 10] [--no-torch] [--compile]
//       [--precision fp32|tf32|bf16] [--channels-last] [--peak-tflops T]
//
// Prints our median ms/step, PyTorch eager's (and torch.compile's with --compile), the ratios,
// samples/s, TFLOP/s (3 × 3.46 GFLOP per view for forward + backward) and MFU: the share of the
// peak for the precision (--peak-tflops; default the H100/H200 SXM dense peaks, 67 fp32,
// 495 TF32, 989 bf16 TFLOP/s).
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "engine/optim/adam.h"
#include "engine/precision.h"
#include "models/clmr.h"

using namespace syn;

using bench::median;

int main(int argc, char** argv) {
  int64_t batch = 48;
  int repeats = 10;
  bool torch = true, compile = false, channels_last = false;
  std::string precision = "fp32";
  double peak = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--batch") && i + 1 < argc)
      batch = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc)
      repeats = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--no-torch"))
      torch = false;
    else if (!std::strcmp(argv[i], "--compile"))
      compile = true;
    else if (!std::strcmp(argv[i], "--channels-last"))
      channels_last = true;
    else if (!std::strcmp(argv[i], "--precision") && i + 1 < argc)
      precision = argv[++i];
    else if (!std::strcmp(argv[i], "--peak-tflops") && i + 1 < argc)
      peak = std::atof(argv[++i]);
  }
  const MathPrecision mp = parse_math_precision(precision);
  if (peak <= 0)
    peak = mp == MathPrecision::Bf16 ? 989.0 : mp == MathPrecision::Tf32 ? 495.0 : 67.0;
  set_math_precision(mp);
  if (!cuda_available()) {
    std::printf("no CUDA device: nothing to measure\n");
    return 0;
  }
  try {
    Rng rng(0);
    models::ClmrConfig cfg;
    models::Clmr model(cfg, rng);
    model.to(Device::CUDA);
    model.train();
    AdamOptions o;
    o.lr = 3e-4;
    o.weight_decay = 1e-6;
    Adam opt(model.named_parameters(), o);
    int64_t len = cfg.encoder.input_samples();
    Tensor x_i = Tensor::randn({batch, 1, len}, rng, 1.0f, Device::CUDA);
    Tensor x_j = Tensor::randn({batch, 1, len}, rng, 1.0f, Device::CUDA);
    auto step = [&] {
      auto out = model.forward(x_i, x_j);
      out.loss.item();
      out.loss.backward();
      opt.step();
      opt.zero_grad();
    };
    for (int i = 0; i < 3; ++i) step();
    cudaDeviceSynchronize();
    std::vector<double> ms;
    for (int i = 0; i < repeats; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      step();
      cudaDeviceSynchronize();
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    double ours = median(ms);
    double tflops = 3.0 * 3.46e9 * 2.0 * (double)batch / (ours * 1e-3) / 1e12;
    std::printf("CLMR step, batch %lld (x2 views), %s, MFU against %.0f TFLOP/s\n",
                (long long)batch, precision.c_str(), peak);
    std::printf("  ours           %9.2f ms/step  %8.1f clips/s  %.1f TFLOP/s  MFU %.1f %%\n", ours,
                batch / (ours * 1e-3), tflops, 100.0 * tflops / peak);
    if (!torch) return 0;
    std::string cmd = std::string("python3 ") + SYN_SOURCE_DIR +
                      "/bench/torch_cuda_clmr_step.py --batch " + std::to_string(batch) +
                      " --repeats " + std::to_string(repeats) + (compile ? " --compile" : "") +
                      " --precision " + precision + (channels_last ? " --channels-last" : "") +
                      " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    char line[512];
    bool any = false;
    while (p && std::fgets(line, sizeof line, p)) {
      char mode[64];
      double t;
      if (std::sscanf(line, "mode %63s ms %lf", mode, &t) == 2) {
        any = true;
        const double tt = 3.0 * 3.46e9 * 2.0 * (double)batch / (t * 1e-3) / 1e12;
        std::printf(
            "  PyTorch %-14s%9.2f ms/step  %8.1f clips/s  %.1f TFLOP/s  MFU %.1f %%  ours/PyTorch "
            "%.2fx (speed-up %.2fx)\n",
            mode, t, batch / (t * 1e-3), tt, 100.0 * tt / peak, ours / t, t / ours);
      } else if (!any) {
        std::fputs(line, stdout);
      }
    }
    if (p) pclose(p);
    if (!any) std::printf("  PyTorch reference unavailable\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cuda_clmr_step: %s\n", e.what());
    return 1;
  }
  return 0;
}
