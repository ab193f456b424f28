// train_autoencoder — train the picture autoencoder of latent diffusion (models/autoencoder.h) on
// the picture corpus's TRAIN split, or evaluate a trained one (--evaluate).
//   train_autoencoder --corpus runs/pictures/picture_corpus.ckpt --export_path ae.synckpt
//   train_autoencoder --max_steps 50 --run_name quick                      a short run
//   train_autoencoder --checkpoint_path runs/autoencoder/checkpoint_500.synt   resume exactly
//   train_autoencoder --evaluate ae.synckpt --judge clip_judge.synckpt --sheet_path sheet.png
//   train_autoencoder --help                                   every flag with its default
// The evaluation (printed after training too): held-out PSNR, and with --judge the judge's
// zero-shot concept top-1 on the held-out originals and on their reconstructions.
// SIGINT / SIGTERM stop the run cleanly after the current step: checkpoint, sheet, export.
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <set>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/train/autoencoder_task.h"
#include "apps/train/trainer.h"
#include "engine/parallel.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

std::string pct(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100.0 * v << " %";
  return s.str();
}

void print_quality(const app::AeQuality& q, std::ostream& out) {
  out << std::fixed << std::setprecision(2) << "held-out pictures (" << q.pictures << "): PSNR "
      << q.psnr << " dB (mean per picture " << q.mean_psnr << " dB), L1 " << std::setprecision(4)
      << q.l1 << ", latent std " << q.latent_std << "\n";
  const double n = (double)std::max<int64_t>(1, q.pictures);
  out << std::setprecision(1) << "speed: encode " << n / q.encode_wall << " pictures/s ("
      << 1e3 * q.encode_cpu / n << " ms CPU each), decode " << n / q.decode_wall << " pictures/s ("
      << 1e3 * q.decode_cpu / n << " ms CPU each), " << num_threads() << " threads\n";
  if (q.judge_top1_original >= 0)
    out << "judge concept top-1 (among " << q.judge_concepts << " concepts): originals "
        << pct(q.judge_top1_original) << ", reconstructions " << pct(q.judge_top1_reconstruction)
        << "; top-5 " << pct(q.judge_top5_original) << " -> " << pct(q.judge_top5_reconstruction)
        << "\n";
}

// "CC-BY-4.0: 1200 pictures, ..." over the pictures the weights were trained on.
std::string licence_counts(const pictures::PictureCorpus& corpus) {
  std::map<std::string, int64_t> n;
  for (const auto& it : corpus.items)
    if (!it.held_out) n[it.licence] += 1;
  std::string s;
  for (const auto& [licence, count] : n)
    s += (s.empty() ? "" : ", ") + licence + ": " + std::to_string(count) + " pictures";
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "train_autoencoder.yaml",
                                    "train_autoencoder [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "train_autoencoder");
    const Config& cfg = args.config;
    const bool evaluate_only = !cfg.get_string("evaluate").empty();
    // Every flag and path before the corpus loads; all problems at once.
    app::FlagChecks checks(cfg, "train_autoencoder");
    checks.one_of("device", {"cpu", "cuda"})
        .input_file("corpus", false, "build it with apps/build_picture_corpus")
        .input_file("checkpoint_path", /*optional=*/true)
        .input_file("judge", /*optional=*/true)
        .input_file("evaluate", /*optional=*/true)
        .int_in("image_size", 8, 1024)
        .float_in("flip_prob", 0, 1)
        .int_in("latent_channels", 1, 1024)
        .int_in("base_channels", 1, 4096)
        .int_in("norm_groups", 1, 4096)
        .float_in("l1_weight", 0, 1e6)
        .float_in("mse_weight", 0, 1e6)
        .float_in("latent_l2", 0, 1e6)
        .float_in("perceptual_weight", 0, 1e6)
        .require(cfg.get_float("perceptual_weight") == 0 || !cfg.get_string("judge").empty(),
                 "--perceptual_weight needs --judge (a clip judge weights file)")
        .int_in("batch_size", 1, 1 << 16)
        .int_in("max_steps", 1, int64_t(1) << 40)
        .float_in("max_seconds", 0, 1e9)
        .float_in("learning_rate", 0, 1e3)
        .require(cfg.get_float("learning_rate") > 0, "--learning_rate must be positive")
        .float_in("min_learning_rate", 0, 1e3)
        .int_at_least("warmup_steps", 0)
        .float_in("weight_decay", 0, 1e3)
        .float_in("adam_beta1", 0, 1)
        .float_in("adam_beta2", 0, 1)
        .float_in("grad_clip", 0, 1e9)
        .int_at_least("val_every", 0)
        .int_at_least("val_pictures", 1)
        .int_at_least("sheet_every", -1)
        .int_at_least("sheet_pictures", 0)
        .int_at_least("latent_scale_pictures", 1)
        .int_at_least("checkpoint_every", 0)
        .int_at_least("keep_checkpoints", 0)
        .output_folder("log_dir")
        .not_blank("run_name", "the run's sub-folder of --log_dir")
        .output_file("export_path", /*app_creates_folder=*/true)
        .output_file("sheet_path", /*app_creates_folder=*/true)
        .attempt([&] {
          Rng r(0);  // the sizes' own checks (a small net: its parameters cost milliseconds)
          models::Autoencoder probe(app::autoencoder_config_from(cfg), r);
        });
    checks.done();

    const std::string corpus_path = app::resolve_source_path(cfg.get_string("corpus"));
    pictures::PictureCorpus corpus = pictures::load_picture_corpus(corpus_path);
    const int size = (int)cfg.get_int("image_size");
    app::AutoencoderData train = app::autoencoder_data(corpus, size, false);
    app::AutoencoderData val = app::autoencoder_data(corpus, size, true);
    std::cout << "picture corpus " << corpus_path << ": " << train.size() << " training pictures, "
              << val.size() << " held out (validation and evaluation only), " << size << " px, "
              << num_threads() << " CPU threads\n";

    std::shared_ptr<models::ClipJudge> judge;
    if (!cfg.get_string("judge").empty()) {
      judge = models::load_clip_judge(app::resolve_source_path(cfg.get_string("judge")));
      std::cout << "judge " << cfg.get_string("judge") << ": " << judge->config().image_size
                << " px image tower\n";
    }
    std::vector<std::string> concepts;
    if (!cfg.get_string("concepts").empty()) {
      std::stringstream ss(cfg.get_string("concepts"));
      std::string c;
      while (std::getline(ss, c, ',')) concepts.push_back(c);
    } else {
      std::set<std::string> all;
      for (const auto& it : corpus.items) all.insert(it.concept_id);
      concepts.assign(all.begin(), all.end());
    }
    const int64_t batch = cfg.get_int("batch_size");

    if (evaluate_only) {
      const std::string path = app::resolve_source_path(cfg.get_string("evaluate"));
      auto ae = models::load_autoencoder(path);
      std::cout << "autoencoder " << path << ": " << ae->num_parameters()
                << " parameters, latent_scale " << ae->latent_scale() << "\n";
      app::AeQuality q = app::evaluate_autoencoder(*ae, val, batch, judge.get(), concepts);
      print_quality(q, std::cout);
      const std::string sheet = cfg.get_string("sheet_path");
      if (!sheet.empty()) {
        if (!fs::path(sheet).parent_path().empty())
          fs::create_directories(fs::path(sheet).parent_path());
        std::vector<float> v = val.images.to_vector();
        for (float& f : v) f = (f + 1.0f) * 0.5f;
        app::write_contact_sheet(sheet, Tensor::from_vector(v, val.images.shape()),
                                 q.reconstructions, cfg.get_int("sheet_pictures"), 8, 1);
        std::cout << "contact sheet (held-out originals | reconstructions) " << sheet << "\n";
      }
      return 0;
    }

    app::AutoencoderTask task(cfg, train, val, judge.get());
    app::Trainer trainer(task);
    const std::string resume = cfg.get_string("checkpoint_path");
    if (!resume.empty()) {
      trainer.resume(resume);
      std::cout << "resumed from " << resume << " at step " << trainer.step() << "\n";
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    trainer.fit(std::cout, &g_stop);

    const double z_std = task.measure_latent_scale(cfg.get_int("latent_scale_pictures"));
    std::cout << "training latents: std " << z_std << " -> latent_scale "
              << task.autoencoder().latent_scale() << "\n";
    app::AeQuality q =
        app::evaluate_autoencoder(task.autoencoder(), val, batch, judge.get(), concepts);
    print_quality(q, std::cout);

    const std::string out = cfg.get_string("export_path");
    if (!out.empty()) {
      std::string command;
      for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
      std::map<std::string, std::string> prov;
      prov["data"] = "picture corpus " + corpus_path + ": the " + std::to_string(train.size()) +
                     " training pictures at " + std::to_string(size) +
                     " px (left-right flips); the " + std::to_string(val.size()) +
                     " held-out pictures never trained on";
      prov["license"] =
          "trained on open-licence pictures (" + licence_counts(corpus) +
          "); per-picture attributions in the corpus manifest (apps/build_picture_corpus)";
      prov["command"] = command;
      prov["config"] = cfg.to_yaml();
      prov["steps"] = std::to_string(trainer.step());
      prov["device"] = task.device_description();
      prov["train_seconds"] = std::to_string(trainer.train_seconds());
      prov["heldout_psnr_db"] = std::to_string(q.psnr);
      if (q.judge_top1_original >= 0)
        prov["judge_top1"] = "originals " + pct(q.judge_top1_original) + ", reconstructions " +
                             pct(q.judge_top1_reconstruction) + " (" + cfg.get_string("judge") +
                             ")";
      task.export_weights(out, prov);
      std::cout << "exported fp16 weights to " << out << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train_autoencoder: error: " << e.what() << "\n";
    return 1;
  }
}
