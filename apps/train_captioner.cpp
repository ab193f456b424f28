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
    const std::string csv = cfg.get_string("musiccaps_csv");
    MusicCapsSplit split = split_musiccaps(load_musiccaps(csv));
    app::CaptionSplit data =
        app::split_training_rows(split.train, cfg.get_int("val_rows"), (uint64_t)cfg.get_int("seed"));
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
      prov["final_train_loss"] = std::to_string(trainer.losses().empty() ? 0.0f : trainer.losses().back());
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
