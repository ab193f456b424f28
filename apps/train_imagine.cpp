// train_imagine — train the text-to-image diffusion model (prompt encoder + U-Net) on the
// emoji dataset's TRAIN split (the held-out emoji are only used for the validation loss).
//   build_emoji_dataset                                   once: writes
//   runs/emoji/emoji_dataset.ckpt train_imagine config/train_imagine.yaml defaults train_imagine
//   --max_steps 50 --run_name quick         a short run train_imagine --max_seconds 4200
//   --export_path models/weights/unet_emoji.synckpt train_imagine --checkpoint_path
//   runs/imagine/checkpoint_2000.synt   resume exactly train_imagine --help every flag with its
//   default
// SIGINT / SIGTERM stop the run cleanly after the current step: checkpoint, samples, export.
// Latent model (issue 18): --picture_corpus FILE --autoencoder FILE --image_size 64 (the 64-px
// corpus pictures encoded once to latents); config/train_imagine_latent.yaml holds the recipe.
// Thin by design: config → data (data/datasets/emoji_dataset or data/pictures/picture_corpus,
// encoded by the autoencoder for a latent model) → task (apps/train/imagine_task) →
// Trainer::fit → log and export.
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/train/imagine_task.h"
#include "apps/train/trainer.h"
#include "engine/checkpoint.h"
#include "models/latent_codec.h"

using namespace syn;

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

// "Apache-2.0 (2130), CC-BY-4.0 (880), ...": pictures per licence, for the provenance.
std::string licence_counts(const pictures::PictureCorpus& corpus) {
  std::map<std::string, int64_t> n;
  for (const auto& it : corpus.items) ++n[it.licence];
  std::string s;
  for (auto& [l, k] : n) s += (s.empty() ? "" : ", ") + l + " (" + std::to_string(k) + ")";
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    auto args =
        app::parse_app_args(argc, argv, "train_imagine.yaml", "train_imagine [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "train_imagine");
    const Config& cfg = args.config;
    // Every flag and path before the dataset loads; all problems at once.
    app::FlagChecks checks(cfg, "train_imagine");
    const bool use_corpus = !cfg.get_string("picture_corpus").empty();
    checks.one_of("device", {"cpu", "cuda"})
        .one_of("prediction", {"eps", "v"})
        .one_of("loss_weighting", {"none", "min_snr"})
        .one_of("tokenizer", {"words", "words+bytes"})
        .one_of("sample_sampler", {"ddim", "dpmpp_2m"})
        .float_in("min_snr_gamma", 1e-6, 1e6)
        .float_in("spell_prob", 0, 1)
        .input_file("picture_corpus", /*optional=*/true)
        .input_file("scene_corpus", /*optional=*/true)
        .require(cfg.get_string("scene_corpus").empty() || use_corpus,
                 "--scene_corpus adds to --picture_corpus: give both")
        .input_file("autoencoder", /*optional=*/true)
        .require(cfg.get_string("autoencoder").empty() || cfg.get_int("max_shift") == 0,
                 "--max_shift must be 0 with --autoencoder (latents are encoded once)");
    if (!use_corpus) checks.input_file("dataset", false, "build it with apps/build_emoji_dataset");
    checks.input_file("checkpoint_path", /*optional=*/true)
        .int_in("batch_size", 1, 1 << 16)
        .int_in("max_steps", 1, int64_t(1) << 40)
        .float_in("max_seconds", 0, 1e9)
        .float_in("learning_rate", 0, 1e3)
        .require(cfg.get_float("learning_rate") > 0, "--learning_rate must be positive")
        .float_in("min_learning_rate", 0, 1e3)
        .int_at_least("warmup_steps", 0)
        .float_in("weight_decay", 0, 1e3)
        .float_in("grad_clip", 0, 1e9)
        .float_in("ema_decay", 0, 1)
        .float_in("cond_drop_prob", 0, 1)
        .float_in("focus_prob", 0, 1)
        .require(cfg.get_float("focus_prob") == 0 || !cfg.get_string("focus_concepts").empty(),
                 "--focus_prob needs --focus_concepts (motifs or '|'-separated concept names)")
        .int_in("timesteps", 1, 100000)
        .int_at_least("checkpoint_every", 0)
        .int_at_least("val_every", 0)
        .int_at_least("sample_every", 0)
        .output_folder("log_dir")
        .not_blank("run_name", "the run's sub-folder of --log_dir")
        .output_file("export_path", /*app_creates_folder=*/true);
    checks.done();
    const int size = (int)cfg.get_int("image_size");
    app::ImagineData train, val;
    std::string data_text, licence_text;
    if (use_corpus) {
      const std::string path = cfg.get_string("picture_corpus");
      pictures::PictureCorpus corpus = pictures::load_picture_corpus(path);
      train = app::corpus_split(corpus, size, false);
      val = app::corpus_split(corpus, size, true);
      licence_text = "trained on the picture corpus's pictures under " + licence_counts(corpus) +
                     "; attributions in its file's meta/attributions and manifest";
      data_text = "picture corpus " + path;
      const std::string scenes = cfg.get_string("scene_corpus");
      if (!scenes.empty()) {  // composed scenes (data/pictures/scene_set.h): training only
        pictures::PictureCorpus set = pictures::load_picture_corpus(scenes);
        app::ImagineData extra = app::corpus_split(set, size, false);
        train.single_pictures = train.size();
        app::append_imagine_data(train, extra);
        data_text += " + " + std::to_string(extra.size()) + " composed scenes of " + scenes;
        licence_text += "; scenes composed of its pictures, under " + licence_counts(set);
      }
    } else {
      const std::string path = cfg.get_string("dataset");
      EmojiDataset ds = load_emoji_dataset(path);
      train = app::emoji_split(ds, size, false);
      val = app::emoji_split(ds, size, true);
      licence_text = emoji_licence_notes();
      data_text = "emoji dataset " + path + " (" + ds.meta["sources"] + ")";
    }
    std::cout << data_text << ": " << train.size() << " training images, " << val.size()
              << " held out (validation only), " << size << " px\n";
    // A latent model trains on the scaled latents, encoded once (models/latent_codec.h).
    std::shared_ptr<models::Autoencoder> ae;
    if (!cfg.get_string("autoencoder").empty()) {
      ae = models::load_autoencoder(cfg.get_string("autoencoder"));
      SYN_CHECK(ae->config().image_size == size, "--image_size ", size, " differs from the ",
                "autoencoder's ", ae->config().image_size, " px (", cfg.get_string("autoencoder"),
                ")");
      train.images = models::encode_to_latents(*ae, train.images);
      val.images = models::encode_to_latents(*ae, val.images);
      std::cout << "encoded to latents " << shape_str(train.images.shape()) << " with "
                << cfg.get_string("autoencoder") << " (latent_scale " << ae->latent_scale()
                << ")\n";
    }

    // A resumed run keeps the vocabulary its checkpoint recorded.
    std::optional<models::PromptTokenizer> tokenizer;
    const std::string resume = cfg.get_string("checkpoint_path");
    if (!resume.empty()) {
      Checkpoint ck = load_checkpoint(resume);
      SYN_CHECK(ck.meta.count("vocabulary"), "'", resume, "' records no prompt vocabulary");
      tokenizer = models::PromptTokenizer::from_text(
          ck.meta["vocabulary"], resume + ":vocabulary",
          ck.meta.count("tokenizer") && ck.meta["tokenizer"] == "words+bytes");
    }
    app::ImagineTask task(cfg, train, val, tokenizer, ae);
    app::Trainer trainer(task);
    if (!resume.empty()) {
      trainer.resume(resume);
      std::cout << "resumed from " << resume << " at step " << trainer.step() << "\n";
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    trainer.fit(std::cout, &g_stop);

    const std::string out = cfg.get_string("export_path");
    if (!out.empty()) {
      std::string command;
      for (int i = 0; i < argc; ++i) {
        if (i) command += ' ';
        command += argv[i];
      }
      std::map<std::string, std::string> prov;
      prov["data"] = data_text + ": the " + std::to_string(train.size()) + " training images at " +
                     std::to_string(size) + " px" +
                     (ae ? " (as latents of " + cfg.get_string("autoencoder") + ")" : "") +
                     "; the " + std::to_string(val.size()) + " held-out images never trained on";
      prov["license"] = licence_text;
      prov["command"] = command;
      prov["config"] = cfg.to_yaml();
      prov["steps"] = std::to_string(trainer.step());
      prov["device"] = task.device_description();
      prov["train_seconds"] = std::to_string(trainer.train_seconds());
      double avg = 0;
      const auto& l = trainer.losses();
      const size_t n = std::min<size_t>(100, l.size());
      for (size_t i = l.size() - n; i < l.size(); ++i) avg += l[i];
      prov["final_train_loss"] = n ? std::to_string(avg / (double)n) + " (mean of the last " +
                                         std::to_string(n) + " steps of this process)"
                                   : "none: no step ran in this process (an export of " +
                                         cfg.get_string("checkpoint_path") +
                                         "; its run's log has the losses)";
      prov["final_val_loss"] =
          std::to_string(task.val_losses().empty() ? 0.0 : task.val_losses().back()) +
          " (EMA weights, held-out images, fixed t and noise)";
      task.export_weights(out, prov);
      std::cout << "exported fp16 EMA weights to " << out << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train_imagine: error: " << e.what() << "\n";
    return 1;
  }
}
