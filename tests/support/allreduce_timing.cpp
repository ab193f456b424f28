// allreduce_timing — the time of one gradient all-reduce of CLMR's SampleCNN (2.66 M floats,
// 10.7 MB by default) through the communicator of this launch, for the README's figures:
//   mpirun -np 2 ./build/tests/allreduce_timing [floats] [repetitions]
// Rank 0 prints the median and the fastest wall time per all_reduce_mean over the repetitions
// (after two warm-up rounds) and the bus bandwidth of a ring, 2 (n - 1) / n x bytes / time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine/dist/launch.h"

using namespace syn;

int main(int argc, char** argv) {
  try {
    const int64_t floats = argc > 1 ? std::atoll(argv[1]) : 2660000;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 30;
    auto comm = dist::connect(dist::detect_launch(), /*cuda=*/false, 120);
    Tensor grad = Tensor::full({floats}, 1.0f);
    for (int i = 0; i < 2; ++i) comm->all_reduce_mean(grad);
    std::vector<double> ms;
    for (int i = 0; i < reps; ++i) {
      comm->barrier();
      const auto t0 = std::chrono::steady_clock::now();
      comm->all_reduce_mean(grad);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const double bytes = (double)floats * 4, n = comm->world();
    if (comm->rank() == 0)
      std::printf(
          "%s, world %d: all_reduce_mean of %.1f MB: median %.2f ms, fastest %.2f ms "
          "(%d repetitions); ring bus bandwidth at the median %.2f GB/s\n",
          comm->backend().c_str(), comm->world(), bytes / 1e6, ms[ms.size() / 2], ms[0], reps,
          2 * (n - 1) / n * bytes / (ms[ms.size() / 2] * 1e-3) / 1e9);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allreduce_timing: error: %s\n", e.what());
    return 1;
  }
}
