// pretrain — CLMR contrastive self-supervised pretraining of SampleCNN.
//   pretrain --dataset audio --dataset_dir ~/music          your own folder of audio
//   pretrain --dataset magnatagatune --dataset_dir /data/mtt   MagnaTagATune's training split
//   pretrain --dataset magnatagatune --max_epochs 500 --gpus 1   CLMR's README flags
//   pretrain --config config/demo.yaml                      built-in synthetic instruments
//   pretrain --checkpoint_path runs/clmr/checkpoint_500.synt   resume exactly
//   mpirun -np 4 pretrain --batch_size 12 --sync_batchnorm 1   data-parallel, 4 processes (also
//                                         srun, or torchrun-style RANK / WORLD_SIZE with --device
//                                         cuda)
//   pretrain --help                                          every flag with its default
// Thin by design: config → launch → data → task (apps/train/clmr_task) → Trainer::fit → log.
#include <filesystem>
#include <iostream>
#include <memory>

#include "apps/cli/app_config.h"
#include "apps/cli/clmr_flags.h"
#include "apps/cli/flag_checks.h"
#include "apps/eval/linear_probe.h"
#include "apps/train/clmr_task.h"
#include "apps/train/trainer.h"
#include "data/audio/synthetic_audio.h"
#include "engine/dist/launch.h"
#include "engine/dist/sync_batchnorm.h"

using namespace syn;

// With --linear_probe 1 on synthetic data: do the learned features separate the timbres better
// than a random encoder's? Few labelled clips (10 per timbre) for the probe, 100 per timbre held
// out; none of them were seen in pretraining (other seeds).
static void report_linear_probe(const Config& cfg, app::ClmrTask& task) {
  int64_t length = cfg.get_int("audio_length");
  int rate = (int)cfg.get_int("sample_rate");
  uint64_t seed = (uint64_t)cfg.get_int("seed") + 1000;
  Device dev = cfg.get_string("device") == "cuda" ? Device::CUDA : Device::CPU;
  Rng rng(7);
  models::Clmr random_model(app::clmr_config_from(cfg), rng);
  random_model.to(dev);
  for (auto* enc : {&task.model().encoder(), &random_model.encoder()}) {
    auto r = app::synthetic_timbre_probe(*enc, length, rate, dev, 10, 100, seed);
    std::cout << "linear probe, " << (enc == &random_model.encoder() ? "random " : "trained")
              << " encoder: train accuracy " << r.train_accuracy << ", held-out accuracy "
              << r.test_accuracy << " (500 held-out clips, 5 timbres)\n";
  }
}

// Every flag, path and size rule, checked before the dataset is scanned; all problems at once.
static void check_flags(const Config& cfg) {
  app::FlagChecks c(cfg, "pretrain");
  c.one_of("device", {"cpu", "cuda"})
      .one_of("dataset", {"audio", "magnatagatune", "synthetic"})
      .one_of("optimizer", {"Adam", "LARS"})
      .one_of("lr_schedule", {"constant", "cosine"})
      .int_in("batch_size", 2, 1 << 20)
      .int_in("max_steps", 1, int64_t(1) << 40)
      .int_in("synthetic_clips", 1, 1 << 24)
      .int_in("projection_dim", 1, 1 << 16)
      .int_at_least("warmup_steps", 0)
      .int_at_least("checkpoint_every", 0)
      .float_in("learning_rate", 0, 1e3)
      .require(cfg.get_float("learning_rate") > 0, "--learning_rate must be positive")
      .float_in("weight_decay", 0, 1e3)
      .float_in("log_every_seconds", 0, 1e9)
      .int_in("sample_rate", 1000, 384000)
      .attempt([&] { app::clmr_config_from(cfg); })  // blocks, width, audio_length, temperature
      .input_file("checkpoint_path", /*optional=*/true)
      .output_folder("log_dir")
      .not_blank("run_name", "the run's sub-folder of --log_dir")
      .require(cfg.get_string("dataset") == "synthetic" ||
                   std::filesystem::is_directory(cfg.get_string("dataset_dir")),
               "--dataset_dir '" + cfg.get_string("dataset_dir") + "' is not a folder");
  for (const char* t : {"polarity", "noise", "gain", "filters", "delay", "pitch", "reverb"})
    c.float_in(std::string("transforms_") + t, 0, 1);
  app::check_pretrain_speed_flags(cfg, c);
  // Data-parallel keys; a config of the user's own may predate them (then: their defaults).
  if (cfg.has("sync_batchnorm")) c.int_in("sync_batchnorm", 0, 1);
  if (cfg.has("gather_negatives")) c.int_in("gather_negatives", 0, 1);
  if (cfg.has("dist_timeout_seconds")) c.float_in("dist_timeout_seconds", 1, 1e7);
  c.done();
}

int main(int argc, char** argv) {
  std::unique_ptr<dist::Communicator> comm;  // one process unless a launcher started several
  try {
    auto args = app::parse_app_args(argc, argv, "config.yaml", "pretrain [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "pretrain");
    Config& cfg = args.config;
    app::apply_clmr_infra_flags(cfg);
    check_flags(cfg);  // before the dataset scan, which can take minutes
    // Before anything touches a GPU: under NCCL, LOCAL_RANK picks this process's device.
    comm = dist::connect(
        dist::detect_launch(), cfg.get_string("device") == "cuda",
        cfg.has("dist_timeout_seconds") ? cfg.get_float("dist_timeout_seconds") : 300.0);
    std::ostream discarded(nullptr);
    std::ostream& log = comm->rank() == 0 ? std::cout : discarded;  // rank 0 speaks for the job
    std::shared_ptr<app::ClipSource> data = app::make_clip_source(cfg, log);
    app::apply_max_epochs(cfg, data->size(), log, comm->world());  // CLMR's epochs win
    app::ClmrTask task(cfg, data);
    task.set_distributed(*comm);
    app::Trainer trainer(task);
    trainer.set_communicator(comm.get());
    if (!cfg.get_string("checkpoint_path").empty()) {
      trainer.resume(cfg.get_string("checkpoint_path"));
      log << "resumed from " << cfg.get_string("checkpoint_path") << " at step " << trainer.step()
          << "\n";
      if (!task.resume_note().empty()) log << task.resume_note() << "\n";
    }
    trainer.fit(log);
    comm->barrier();
    dist::set_sync_batchnorm(nullptr);
    if (comm->rank() == 0 && cfg.get_int("linear_probe") &&
        cfg.get_string("dataset") == "synthetic")
      report_linear_probe(cfg, task);
    return 0;
  } catch (const std::exception& e) {
    if (comm && comm->world() > 1) {
      // The other ranks cannot know: end the whole job now rather than at their timeout.
      std::cerr << "pretrain: error: " << comm->where() << ": " << e.what() << std::endl;
      comm->abort(1);
    }
    std::cerr << "pretrain: error: " << e.what() << "\n";
    return 1;
  }
}
