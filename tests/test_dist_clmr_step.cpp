// test_dist_clmr_step.cpp — one data-parallel CLMR step of the real SampleCNN (the demo's
// reduced width) against one process holding the whole batch, at the level of the gradients,
// where the comparison is not blurred by the optimiser (Adam turns rounding-level differences
// into ±lr steps; tests/test_dist_pretrain.sh compares whole runs). CTest runs it under
// `mpirun -np 2` (test_dist_mpi.sh): each rank computes the one-process reference at batch
// 2 × 4 itself, then its share at batch 4 with --sync_batchnorm 1 --gather_negatives 1 and the
// gradient averaging, and checks the loss, every gradient and the running statistics. Run
// alone (world 1) it checks that a world of one changes nothing.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include "apps/train/clmr_task.h"
#include "apps/train/trainer.h"
#include "engine/dist/collectives.h"
#include "engine/dist/launch.h"
#include "engine/dist/sync_batchnorm.h"

using namespace syn;

static dist::Communicator& comm() {
  static std::unique_ptr<dist::Communicator> c =
      dist::connect(dist::detect_launch(), /*cuda=*/false, /*timeout_seconds=*/120);
  return *c;
}

static Config demo_config(int64_t batch) {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/demo.yaml");
  cfg.set("synthetic_clips", "24");
  cfg.set("batch_size", std::to_string(batch));
  cfg.set("sync_batchnorm", "1");
  cfg.set("gather_negatives", "1");
  // Noise in every view: the synthetic clips have stretches of exact silence, where a
  // convolution's output is its bias and the batch norm after it puts thousands of equal values
  // next to the ReLU's kink; rounding then decides on which side they all fall, in one process
  // as in several. With noise the inputs are generic and the comparison measures the sums only.
  cfg.set("transforms_noise", "1.0");
  return cfg;
}

struct StepState {
  float loss = 0;
  NamedTensors grads, buffers;
};

// Step 0's loss, its gradients (averaged over the ranks when distributed) and the running
// statistics it left.
static StepState run_step(app::ClmrTask& task, dist::Communicator* c) {
  app::StepOutput out = task.training_step(0);
  StepState s;
  s.loss = out.loss.item();
  out.loss.backward();
  if (c) dist::average_gradients(task.model().parameters(), *c);
  for (auto& [name, p] : task.model().named_parameters()) s.grads.emplace_back(name, p.grad());
  for (auto& [name, b] : task.model().named_buffers()) s.buffers.emplace_back(name, b.clone());
  return s;
}

TEST_CASE("W ranks at batch b give one process's gradients at batch W x b") {
  dist::Communicator& c = comm();
  const int W = c.world();
  std::ostringstream log;
  dist::set_sync_batchnorm(nullptr);
  Config ref_cfg = demo_config(4 * W);
  app::ClmrTask reference(ref_cfg, app::make_clip_source(ref_cfg, log));
  const StepState want = run_step(reference, nullptr);

  Config cfg = demo_config(4);
  app::ClmrTask task(cfg, app::make_clip_source(cfg, log));
  task.set_distributed(c);
  const StepState got = run_step(task, &c);
  dist::set_sync_batchnorm(nullptr);

  // With gathered negatives every rank computes the loss of the whole global batch.
  CHECK(got.loss == doctest::Approx(want.loss).epsilon(1e-6));
  REQUIRE(got.grads.size() == want.grads.size());
  for (size_t i = 0; i < want.grads.size(); ++i) {
    const std::vector<float> a = got.grads[i].second.to_vector(),
                             b = want.grads[i].second.to_vector();
    double scale = 0, worst = 0;
    for (size_t k = 0; k < b.size(); ++k) scale = std::max(scale, (double)std::fabs(b[k]));
    for (size_t k = 0; k < b.size(); ++k) worst = std::max(worst, (double)std::fabs(a[k] - b[k]));
    // Relative to the tensor's largest gradient, with an absolute floor: a convolution's bias
    // before a batch norm has a zero gradient in exact arithmetic, and both runs hold rounding
    // noise there (a few 1e-6).
    INFO(want.grads[i].first, ": worst |difference| ", worst, ", largest |gradient| ", scale);
    CHECK(worst <= 1e-4 * scale + 1e-5);
  }
  for (size_t i = 0; i < want.buffers.size(); ++i) {
    const std::vector<float> a = got.buffers[i].second.to_vector(),
                             b = want.buffers[i].second.to_vector();
    double worst = 0;
    for (size_t k = 0; k < b.size(); ++k) worst = std::max(worst, (double)std::fabs(a[k] - b[k]));
    INFO(want.buffers[i].first, ": worst |difference| ", worst);
    CHECK(worst <= 1e-6);
  }
}
