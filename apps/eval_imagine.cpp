// eval_imagine — how good are a text-to-image model's pictures? Any text-to-image weights, and two
// baselines (uniform noise; the look-up of the nearest training picture), draw every prompt of a
// fixed list (objects, scenes, moods, music words, caption-decoder sentences); the picture judge
// (models/clip_judge.h) measures concept recognition, prompt fit, a Fréchet distance to held-out
// real pictures of the picture corpus (our FID, with its floor and ceiling), memorisation
// (distance to the nearest training picture) and diversity within a prompt; a concept
// classifier adds its own recognition when its file exists (apps/eval/imagine_eval.h).
//   eval_imagine                                        shipped latent model, noise and look-up
//   eval_imagine --image_model models/weights/unet_emoji.synckpt   the first-generation U-Net
//   eval_imagine --model lookup --samples_per_prompt 2  one baseline only (seconds)
//   eval_imagine --output runs/eval_imagine.json --grid runs/eval_sheets
//   eval_imagine --help                                 every flag with its default
// Needs the picture corpus (apps/build_picture_corpus) and the judge (apps/train_clip_judge).
// Thin by design: config → judge, corpus, prompts → pictures of each model → figures → outputs.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/eval/imagine_eval.h"
#include "apps/eval/imagine_report.h"
#include "apps/eval/judge_features.h"
#include "apps/pipeline/sampling_advice.h"
#include "engine/check.h"
#include "engine/parallel.h"
#include "engine/progress.h"
#include "models/text_to_image.h"

using namespace syn;

namespace {

std::vector<std::string> split_models(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    const size_t a = part.find_first_not_of(' '), b = part.find_last_not_of(' ');
    part = a == std::string::npos ? "" : part.substr(a, b - a + 1);
    SYN_CHECK(part == "unet" || part == "noise" || part == "lookup", "--model '", text, "': '",
              part, "' is not a model (unet, noise or lookup, comma-separated)");
    out.push_back(part);
  }
  SYN_CHECK(!out.empty(), "--model '", text, "' names no model (unet, noise or lookup)");
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args =
        app::parse_app_args(argc, argv, "eval_imagine.yaml", "eval_imagine [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "eval_imagine");
    const Config& cfg = args.config;
    // Every flag and file before anything loads or samples; all problems at once.
    app::FlagChecks checks(cfg, "eval_imagine");
    std::vector<std::string> model_names;
    checks.attempt([&] { model_names = split_models(cfg.get_string("model")); });
    // Read from the raw list too, so a bad name beside "unet" still gets --image_model checked.
    const bool wants_unet =
        std::find(model_names.begin(), model_names.end(), "unet") != model_names.end() ||
        ("," + cfg.get_string("model") + ",").find(",unet,") != std::string::npos;
    if (wants_unet)
      checks.input_file("image_model", false,
                        "train it with apps/train_imagine, or pick --model "
                        "noise / lookup");
    checks.input_file("judge", false, "train it with apps/train_clip_judge")
        .input_file("corpus", false, "build it with apps/build_picture_corpus")
        .input_file("prompts")
        .int_in("samples_per_prompt", 1, 4096)
        .int_in("steps", 0, 1000)
        .one_of("sampler", {"auto", "ddim", "dpmpp_2m"})
        .float_in("guidance_scale", 0, 100)
        .output_file("output", /*app_creates_folder=*/true)
        .output_folder("grid");
    checks.done();

    const auto t_load = std::chrono::steady_clock::now();
    std::map<std::string, std::string> judge_meta;
    auto judge =
        models::load_clip_judge(app::resolve_source_path(cfg.get_string("judge")), &judge_meta);
    const std::string corpus_path = app::resolve_source_path(cfg.get_string("corpus"));
    pictures::PictureCorpus corpus = pictures::load_picture_corpus(corpus_path);
    const std::string prompts_path = app::resolve_source_path(cfg.get_string("prompts"));
    const std::vector<quality::EvalPrompt> prompts = quality::load_prompt_set(prompts_path);
    std::unique_ptr<models::LoadedEmojiClassifier> classifier;
    const std::string classifier_path = app::resolve_source_path(cfg.get_string("classifier"));
    if (!classifier_path.empty() && std::filesystem::exists(classifier_path))
      classifier = std::make_unique<models::LoadedEmojiClassifier>(
          models::load_emoji_classifier(classifier_path));
    else if (!classifier_path.empty())
      std::cout << "note: no concept classifier at '" << classifier_path
                << "': its columns are left out\n";
    quality::ImagineEvalReference ref = quality::make_reference(*judge, corpus, classifier.get());
    quality::check_prompts(prompts, ref, prompts_path);
    std::cout << "corpus " << corpus_path << ": " << ref.train_features.size(0) << " training, "
              << ref.held_features.size(0) << " held-out pictures, " << ref.concepts.size()
              << " concepts; judge " << cfg.get_string("judge") << " (" << ref.size << " px, "
              << ref.concept_features.size(1) << "-d features); " << prompts.size() << " prompts; "
              << num_threads() << " CPU threads; loaded and measured in " << std::fixed
              << std::setprecision(1) << seconds_since(t_load) << " s\n";

    quality::ImagineEvalOptions options;
    options.samples_per_prompt = cfg.get_int("samples_per_prompt");
    options.seed = (uint64_t)cfg.get_int("seed");
    const int64_t n = options.samples_per_prompt, P = (int64_t)prompts.size();
    std::vector<std::string> texts;
    for (const auto& p : prompts) texts.push_back(p.text);

    std::vector<quality::ModelFigures> figures;
    // --model unet's sampling as run (the weights' advice filled in); the flags' values otherwise.
    models::ImagineOptions ran;
    ran.steps = cfg.get_int("steps");
    ran.sampler = cfg.get_string("sampler");
    ran.guidance_scale = (float)cfg.get_float("guidance_scale");
    const std::string grid = cfg.get_string("grid");
    for (const std::string& name : model_names) {
      const auto t0 = std::chrono::steady_clock::now();
      Tensor pictures;
      std::string label = name;
      if (name == "unet") {
        const std::string path = app::resolve_source_path(cfg.get_string("image_model"));
        models::TextToImage t2i = models::TextToImage::load(path);
        models::ImagineOptions o;
        // 0 steps, sampler "auto" and guidance 0: what the weights advise (sampling_advice.h),
        // named here so the log and the JSON say what ran.
        o.steps = cfg.get_int("steps");
        o.sampler = cfg.get_string("sampler");
        o.guidance_scale = (float)cfg.get_float("guidance_scale");
        o = app::with_advice(t2i, o, path);
        ran = o;
        o.seed = options.seed;
        o.batch = n;
        Progress progress(o.steps, std::cout,
                          {.every_seconds = 30.0, .unit = "", .prefix = "sampling"});
        o.on_step = [&](int64_t done, int64_t) { progress.update(done); };
        pictures = t2i.generate(texts, o);
        label = "unet " + std::filesystem::path(path).filename().string();
        std::cout << "unet: " << P << " prompts x " << n << " samples, " << o.steps << " steps of "
                  << o.sampler << ", guidance " << o.guidance_scale << ", seed " << o.seed << ", "
                  << pictures.size(2) << " px: " << std::setprecision(1) << seconds_since(t0)
                  << " s\n";
      } else if (name == "noise") {
        pictures = quality::noise_images(P * n, options.seed, ref.size);
      } else {
        pictures = quality::lookup_pictures(prompts, *judge, ref, n);
      }
      const double picture_seconds = seconds_since(t0);
      figures.push_back(quality::measure_pictures(label, pictures, prompts, *judge, ref,
                                                  classifier.get(), options));
      figures.back().seconds_pictures = picture_seconds;
      if (!grid.empty())
        for (const auto& path : quality::write_contact_sheets(grid, name, pictures, prompts, n))
          std::cout << "wrote " << path << "\n";
    }

    std::cout << "\n";
    quality::print_imagine_table(std::cout, figures, ref, classifier != nullptr);
    std::cout << "\n";
    quality::print_kind_table(std::cout, figures);
    if (cfg.get_bool("per_prompt"))
      for (const auto& m : figures)
        if (m.model.rfind("unet", 0) == 0) {
          std::cout << "\n";
          quality::print_prompt_lines(std::cout, m, prompts, n);
        }
    const std::string output = cfg.get_string("output");
    if (!output.empty()) {
      const auto parent = std::filesystem::path(output).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
      app::Json run = {{"judge", cfg.get_string("judge")},
                       {"corpus", cfg.get_string("corpus")},
                       {"prompts", cfg.get_string("prompts")},
                       {"image_model", wants_unet ? cfg.get_string("image_model") : ""},
                       {"classifier", classifier ? classifier_path : ""},
                       {"samples_per_prompt", n},
                       {"steps", ran.steps},
                       {"sampler", ran.sampler},
                       {"guidance_scale", app::json_number(ran.guidance_scale)},
                       {"seed", cfg.get_int("seed")},
                       {"threads", num_threads()}};
      app::write_json_file(output, quality::imagine_json(run, figures, ref, prompts));
      std::cout << "\nwrote " << output << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "eval_imagine: error: " << e.what() << "\n";
    return 1;
  }
}
