// train_captioner — train the tags → sentence decoder on MusicCaps' training rows.
//   train_captioner                                         config/train_captioner.yaml defaults
//   train_captioner --max_steps 200 --run_name quick        a short run
//   train_captioner --checkpoint_path runs/captioner/checkpoint_500.synt   resume exactly
//   train_captioner --export_path models/weights/caption_decoder.synckpt  ship fp16 weights
//   train_captioner --help                                  every flag with its default
// Thin by design: config → data (data/datasets/musiccaps: training rows only, a held-out slice of
// them for validation) → task (apps/train/caption_task) → Trainer::fit → log and export.
#include <iostream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/train/caption_task.h"
#include "apps/train/trainer.h"
#include "engine/checkpoint.h"

using namespace syn;

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "train_captioner.yaml",
                                    "train_captioner [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "train_captioner");
    const Config& cfg = args.config;
    // Every flag and path before MusicCaps loads; all problems at once.
    app::FlagChecks checks(cfg, "train_captioner");
    checks.one_of("device", {"cpu", "cuda"})
        .input_file("checkpoint_path", /*optional=*/true)
        .int_in("batch_size", 1, 1 << 16)
        .int_in("max_steps", 1, int64_t(1) << 40)
        .int_in("vocab_size", 260, 1 << 20)
        .int_at_least("val_rows", 0)
        .float_in("learning_rate", 0, 1e3)
        .require(cfg.get_float("learning_rate") > 0, "--learning_rate must be positive")
        .float_in("min_learning_rate", 0, 1e3)
        .int_at_least("warmup_steps", 0)
        .float_in("weight_decay", 0, 1e3)
        .float_in("grad_clip", 0, 1e9)
        .float_in("dropout", 0, 1)
        .float_in("tag_drop_prob", 0, 1)
        .int_at_least("checkpoint_every", 0)
        .int_at_least("val_every", 0)
        .output_folder("log_dir")
        .not_blank("run_name", "the run's sub-folder of --log_dir")
        .output_file("export_path", /*app_creates_folder=*/true);
    checks.done();
    const std::string csv = cfg.get_string("musiccaps_csv");
    MusicCapsSplit split = split_musiccaps(load_musiccaps(csv));
    app::CaptionSplit data = app::split_training_rows(split.train, cfg.get_int("val_rows"),
                                                      (uint64_t)cfg.get_int("seed"));
    std::cout << "MusicCaps: " << split.train.size() << " training rows (" << data.train.size()
              << " trained on, " << data.val.size() << " held out for validation); the "
              << split.eval.size() << " evaluation rows are not used\n";

    // A resumed run keeps the tokenizer its checkpoint recorded.
    std::optional<BpeTokenizer> tokenizer;
    const std::string resume = cfg.get_string("checkpoint_path");
    if (!resume.empty()) {
      Checkpoint ck = load_checkpoint(resume);
      SYN_CHECK(ck.meta.count("tokenizer"), "'", resume, "' records no tokenizer");
      tokenizer = BpeTokenizer::from_text(ck.meta["tokenizer"], resume + ":tokenizer");
    }
    app::CaptionTask task(cfg, data.train, data.val, tokenizer);
    app::Trainer trainer(task);
    if (!resume.empty()) {
      trainer.resume(resume);
      std::cout << "resumed from " << resume << " at step " << trainer.step() << "\n";
    }
    trainer.fit(std::cout);

    const std::string out = cfg.get_string("export_path");
    if (!out.empty()) {
      std::string command;
      for (int i = 0; i < argc; ++i) {
        if (i) command += ' ';
        command += argv[i];
      }
      std::map<std::string, std::string> prov;
      prov["data"] = "MusicCaps by Google LLC, CC BY-SA 4.0: " + csv + ", the " +
                     std::to_string(data.train.size()) +
                     " training rows (is_audioset_eval=False) less the validation slice";
      prov["license"] = "weights derived from MusicCaps (CC BY-SA 4.0)";
      prov["command"] = command;
      prov["config"] = cfg.to_yaml();
      prov["train_seconds"] = std::to_string(trainer.train_seconds());
      prov["final_train_loss"] =
          std::to_string(trainer.losses().empty() ? 0.0f : trainer.losses().back());
      prov["final_val_loss"] =
          std::to_string(task.val_losses().empty() ? 0.0 : task.val_losses().back());
      task.export_weights(out, prov);
      std::cout << "exported fp16 weights to " << out << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train_captioner: error: " << e.what() << "\n";
    return 1;
  }
}
