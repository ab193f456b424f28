// eval_imagine — is the prompt's concept in the picture? The text-to-image model's samples for a
// fixed prompt list, read by the emoji classifier, against two baselines; plus the memorisation
// check (each sample's distance to its nearest training image).
//   eval_imagine                                    the shipped weights, config/imagine_prompts.txt
//   eval_imagine --samples 16 --guidance_scale 5 --grid runs/eval_grid.png
//   eval_imagine --help                             every flag with its default
// Needs the emoji dataset file (apps/build_emoji_dataset writes it in 0.4 s).
// Thin by design: config → prompts, dataset, models → samples → apps/eval/image_quality → table.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/eval/image_quality.h"
#include "apps/pipeline/image_grid.h"
#include "data/datasets/emoji_dataset.h"
#include "data/images/png_image.h"
#include "engine/check.h"
#include "engine/ops/elementwise.h"
#include "engine/progress.h"
#include "models/emoji_classifier.h"
#include "models/text_to_image.h"

using namespace syn;

namespace {

void print_row(const std::string& name, const quality::ClassifyResult& c,
               const quality::NearestResult* nearest) {
  std::cout << std::left << std::setw(34) << name << std::right << std::fixed
            << std::setprecision(1) << std::setw(8) << 100 * c.top1 << "%" << std::setw(8)
            << 100 * c.top5 << "%" << std::setw(8) << c.counted;
  if (nearest)
    std::cout << std::setprecision(3) << std::setw(10) << nearest->mean_distance << std::setw(8)
              << nearest->min_distance;
  std::cout << "\n";
}

// Each factor×factor block of [N, C, S, S] averaged: a 64-px latent model's pictures read by the
// 32-px classifier and compared with the 32-px emoji as the classifier sees them.
Tensor box_downsample(const Tensor& x, int64_t factor) {
  if (factor == 1) return x;
  const int64_t N = x.size(0), C = x.size(1), S = x.size(2), s = S / factor;
  std::vector<float> v = x.to_vector(), out((size_t)(N * C * s * s), 0.0f);
  for (int64_t p = 0; p < N * C; ++p)
    for (int64_t y = 0; y < S; ++y)
      for (int64_t xx = 0; xx < S; ++xx)
        out[(size_t)((p * s + y / factor) * s + xx / factor)] +=
            v[(size_t)((p * S + y) * S + xx)] / (float)(factor * factor);
  return Tensor::from_vector(out, {N, C, s, s});
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args =
        app::parse_app_args(argc, argv, "eval_imagine.yaml", "eval_imagine [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "eval_imagine");
    const Config& cfg = args.config;
    // Every flag and file before the models load and sampling starts; all problems at once.
    app::FlagChecks checks(cfg, "eval_imagine");
    checks.input_file("image_model", false, "train it with apps/train_imagine")
        .input_file("classifier", false, "train it with apps/train_emoji_classifier")
        .input_file("dataset", false, "build it with apps/build_emoji_dataset")
        .input_file("prompts")
        .int_in("samples", 1, 4096)
        .int_in("steps", 0, 1000)
        .one_of("sampler", {"auto", "ddim", "dpmpp_2m"})
        .float_in("guidance_scale", 0, 100)
        .output_file("grid", /*app_creates_folder=*/true);
    checks.done();
    const std::string dataset_path = app::resolve_source_path(cfg.get_string("dataset"));
    SYN_CHECK(std::filesystem::exists(dataset_path), "dataset '", dataset_path,
              "' does not exist: build it with apps/build_emoji_dataset");
    EmojiDataset ds = load_emoji_dataset(dataset_path);
    auto prompts = quality::load_prompts(app::resolve_source_path(cfg.get_string("prompts")));
    auto classifier =
        models::load_emoji_classifier(app::resolve_source_path(cfg.get_string("classifier")));
    models::TextToImage t2i =
        models::TextToImage::load(app::resolve_source_path(cfg.get_string("image_model")));
    // The classifier's resolution: a larger model's pictures are box-filtered down to it.
    const int64_t S = classifier.model->config().image_size, n = cfg.get_int("samples");
    SYN_CHECK(n > 0, "--samples must be positive");
    SYN_CHECK(t2i.image_size() % S == 0, "the image model's ", t2i.image_size(),
              "-px pictures are not a multiple of the classifier's ", S, " px");

    // A split of the dataset in [0, 1], and its captions: the training split is what the U-Net
    // saw; the held-out split gives the distances real, unseen emoji have to it.
    const std::vector<float> all = ds.images_at((int)S).to_vector();
    auto split_images = [&](bool held_out, std::vector<std::string>* captions) {
      std::vector<int64_t> rows = ds.indices(held_out);
      std::vector<float> pixels;
      const int64_t per = 3 * S * S;
      for (int64_t i : rows) {
        for (int64_t k = 0; k < per; ++k) pixels.push_back(all[i * per + k] / 255.0f);
        if (captions) captions->push_back(ds.items[i].caption);
      }
      return Tensor::from_vector(pixels, {(int64_t)rows.size(), 3, S, S});
    };
    std::vector<std::string> train_captions;
    Tensor reference = split_images(false, &train_captions);
    Tensor held_out = split_images(true, nullptr);

    // Each prompt's concept, repeated for its n samples (generate() is prompt-major).
    std::vector<int64_t> prompt_concepts, sample_concepts;
    for (const auto& p : prompts) {
      int64_t c = quality::concept_of(p, classifier.concepts);
      SYN_CHECK(c >= 0, "prompt '", p, "' names no concept of the classifier");
      prompt_concepts.push_back(c);
      for (int64_t k = 0; k < n; ++k) sample_concepts.push_back(c);
    }

    models::ImagineOptions o;
    o.steps = cfg.get_int("steps") == 0 ? t2i.default_steps() : cfg.get_int("steps");
    o.sampler = cfg.get_string("sampler");
    o.guidance_scale = (float)cfg.get_float("guidance_scale");
    o.seed = (uint64_t)cfg.get_int("seed");
    o.batch = n;
    // All prompts are denoised together, so progress is per DDIM step (a few minutes on a CPU).
    Progress progress(o.steps, std::cout,
                      {.every_seconds = 20.0, .unit = "", .prefix = "sampling"});
    o.on_step = [&](int64_t done, int64_t) { progress.update(done); };
    auto t0 = std::chrono::steady_clock::now();
    Tensor native = t2i.generate(prompts, o);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << prompts.size() << " prompts × " << n << " samples, " << o.steps << " "
              << t2i.resolved(o).sampler << " steps, guidance " << o.guidance_scale << ", seed "
              << o.seed << ": " << std::fixed << std::setprecision(1) << secs << " s\n";
    if (!cfg.get_string("grid").empty()) {
      write_png(cfg.get_string("grid"), app::image_grid(native, n, 2));
      std::cout << "wrote " << cfg.get_string("grid") << "\n";
    }
    Tensor samples = box_downsample(native, t2i.image_size() / S);

    auto generated = quality::classify(*classifier.model, samples, sample_concepts);
    auto nearest = quality::nearest_images(samples, reference);
    Tensor noise = quality::noise_images((int64_t)sample_concepts.size(), o.seed, S);
    auto noise_c = quality::classify(*classifier.model, noise, sample_concepts);
    auto noise_nearest = quality::nearest_images(noise, reference);
    Tensor lookup = quality::retrieval_images(prompts, train_captions, reference);
    auto lookup_c = quality::classify(*classifier.model, lookup, prompt_concepts);
    auto lookup_nearest = quality::nearest_images(lookup, reference);

    std::cout << "\n"
              << std::left << std::setw(34) << "" << std::right << std::setw(9) << "top-1"
              << std::setw(9) << "top-5" << std::setw(8) << "images" << std::setw(10) << "mean RMS"
              << std::setw(8) << "min"
              << "   (distance to the nearest training image)\n";
    print_row("generated (ours)", generated, &nearest);
    print_row("baseline: uniform noise", noise_c, &noise_nearest);
    print_row("baseline: look-up by caption", lookup_c, &lookup_nearest);
    // Not classified: the classifier was trained on every real emoji, held-out ones included.
    auto held_out_nearest = quality::nearest_images(held_out, reference);
    std::cout << std::left << std::setw(34) << "reference: held-out real emoji" << std::right
              << std::setw(9) << "-" << std::setw(9) << "-" << std::setw(8) << held_out.size(0)
              << std::setprecision(3) << std::setw(10) << held_out_nearest.mean_distance
              << std::setw(8) << held_out_nearest.min_distance << "\n";
    std::cout << "chance: top-1 " << std::setprecision(2) << 100.0 / classifier.concepts.size()
              << "%, top-5 " << 500.0 / classifier.concepts.size() << "% ("
              << classifier.concepts.size() << " concepts)\n\nper prompt (top-1 hits of " << n
              << ", mean distance to the nearest training image, what the classifier read most):\n";
    for (size_t p = 0; p < prompts.size(); ++p) {
      int64_t hits = 0;
      double dist = 0;
      std::map<int64_t, int64_t> votes;
      for (int64_t k = 0; k < n; ++k) {
        const size_t i = p * (size_t)n + (size_t)k;
        hits += generated.rank[i] == 0;
        dist += nearest.distance[i];
        ++votes[generated.predicted[i]];
      }
      auto most = std::max_element(votes.begin(), votes.end(),
                                   [](auto& a, auto& b) { return a.second < b.second; });
      std::cout << "  " << std::left << std::setw(20) << prompts[p] << std::right << std::setw(3)
                << hits << "/" << n << std::setprecision(3) << std::setw(8) << dist / n << "   "
                << classifier.concepts[most->first] << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "eval_imagine: error: " << e.what() << "\n";
    return 1;
  }
}
