// train_emoji_classifier — train the emoji concept classifier that scores generated pictures:
// one class per concept (split key: skin-tone variants are one concept), trained on EVERY real
// emoji image (train and held-out split alike: there is about one picture per concept) under
// strong augmentation, then scored on augmented views drawn with a different seed. That score
// measures robustness to the augmentations, not generalisation to unseen emoji.
//   build_emoji_dataset                         runs/emoji/emoji_dataset.ckpt (first)
//   train_emoji_classifier                      models/weights/emoji_classifier.synckpt
//   train_emoji_classifier --steps 300 --output /tmp/c.synckpt   a quick run
//   train_emoji_classifier --help               every flag with its default
// Thin by design: config → dataset → model → task + Trainer (apps/train/emoji_classifier_task) →
// evaluation → file.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/eval/image_quality.h"
#include "apps/train/emoji_classifier_task.h"
#include "data/datasets/emoji_dataset.h"
#include "engine/check.h"
#include "engine/parallel.h"

using namespace syn;
namespace fs = std::filesystem;

static std::vector<int64_t> parse_widths(const std::string& text) {
  std::vector<int64_t> out;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    SYN_CHECK(!part.empty() && part.find_first_not_of("0123456789") == std::string::npos,
              "--widths '", text, "': '", part, "' is not a whole number");
    out.push_back(std::stoll(part));
  }
  SYN_CHECK(!out.empty(), "--widths '", text, "' names no block");
  return out;
}

static std::string fixed(double v, int digits) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << v;
  return os.str();
}

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "train_emoji_classifier.yaml",
                                    "train_emoji_classifier [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "train_emoji_classifier");
    const Config& cfg = args.config;
    // Every flag and path before the dataset loads; all problems at once.
    app::FlagChecks checks(cfg, "train_emoji_classifier");
    checks.input_file("dataset", false, "build it with apps/build_emoji_dataset")
        .int_in("steps", 1, int64_t(1) << 40)
        .int_in("batch_size", 1, 1 << 16)
        .float_in("learning_rate", 0, 1e3)
        .require(cfg.get_float("learning_rate") > 0, "--learning_rate must be positive")
        .float_in("weight_decay", 0, 1e3)
        .int_at_least("warmup_steps", 0)
        .float_in("blur_probability", 0, 1)
        .int_in("eval_views", 1, 1 << 16)
        .output_file("output", /*app_creates_folder=*/true);
    checks.done();

    // data: every image, one class per concept
    const std::string& data_path = cfg.get_string("dataset");
    SYN_CHECK(fs::exists(data_path), "--dataset '", data_path,
              "' does not exist (run build_emoji_dataset first)");
    EmojiDataset ds = load_emoji_dataset(data_path);
    const int64_t size = cfg.get_int("image_size");
    Tensor images = unit_images(ds.images_at((int)size));
    std::vector<std::string> captions;
    for (const EmojiItem& it : ds.items) captions.push_back(it.caption);
    const std::vector<std::string> concepts = quality::concept_list(captions);
    const std::vector<int64_t> labels = quality::concept_ids(captions, concepts);
    std::cout << "dataset " << data_path << ": " << images.size(0) << " images "
              << shape_str(images.shape()) << " (" << ds.indices(false).size() << " train, "
              << ds.indices(true).size() << " held out; all are used), " << concepts.size()
              << " concepts (split keys)\n";

    // model
    Rng rng((uint64_t)cfg.get_int("seed"));
    models::EmojiClassifierConfig mc;
    mc.num_classes = (int64_t)concepts.size();
    mc.widths = parse_widths(cfg.get_string("widths"));
    mc.image_size = size;
    models::EmojiClassifier model(mc, rng);
    std::cout << "model: blocks " << cfg.get_string("widths") << ", " << model.num_parameters()
              << " parameters, " << num_threads() << " CPU threads\n";

    // training
    const app::ClassifierTrainOptions o = app::classifier_train_options(cfg, ds.background);
    app::ClassifierTrainReport tr =
        app::train_emoji_classifier(model, images, labels, o, std::cout);
    std::cout << "trained " << tr.steps << " steps in " << fixed(tr.seconds, 1)
              << " s; last 50 steps: loss " << fixed(tr.final_loss, 4) << ", batch top-1 "
              << fixed(100.0 * tr.final_accuracy, 1) << "%\n";

    // evaluation on fresh augmented views
    const uint64_t eval_seed = (uint64_t)cfg.get_int("eval_seed");
    SYN_CHECK(eval_seed != (uint64_t)cfg.get_int("seed") + 1,
              "--eval_seed must differ from the training augmentation seed (seed + 1)");
    const int64_t views = cfg.get_int("eval_views");
    app::AugmentedAccuracy acc =
        app::evaluate_augmented(model, images, labels, views, o.augment, eval_seed);
    std::cout << "augmented views (seed " << eval_seed << ", " << acc.views << " views): top-1 "
              << fixed(100.0 * acc.top1, 2) << "%, top-5 " << fixed(100.0 * acc.top5, 2)
              << "%; clean images top-1 " << fixed(100.0 * acc.clean_top1, 2)
              << "% (robustness to the augmentations: every concept was trained on)\n";
    std::vector<size_t> order(concepts.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return acc.class_top1[a] < acc.class_top1[b]; });
    std::cout << "weakest concepts (augmented top-1):";
    for (size_t k = 0; k < std::min<size_t>(10, order.size()); ++k)
      std::cout << (k ? ", " : " ") << concepts[order[k]] << " "
                << fixed(100.0 * acc.class_top1[order[k]], 0) << "%";
    std::cout << "\n";

    // output with provenance
    std::string command;
    for (int i = 0; i < argc; ++i) {
      if (i) command += ' ';
      command += argv[i];
    }
    std::map<std::string, std::string> meta;
    meta["model"] = "emoji concept classifier (models/emoji_classifier.h)";
    meta["data"] =
        data_path + " (" + std::to_string(images.size(0)) + " images " + shape_str(images.shape()) +
        ", train and held-out splits both used; " + std::to_string(concepts.size()) +
        " concepts = split keys); " +
        (ds.meta.count("sources") ? ds.meta.at("sources") : std::string("sources unknown"));
    meta["licence"] = emoji_licence_notes();
    meta["command"] = command;
    meta["config"] = cfg.to_yaml();
    meta["steps"] = std::to_string(tr.steps);
    meta["batch_size"] = std::to_string(o.batch_size);
    meta["device"] = "cpu (" + std::to_string(num_threads()) + " threads)";
    meta["training_seconds"] = fixed(tr.seconds, 1);
    meta["accuracy"] = "augmented views (eval_seed " + std::to_string(eval_seed) + ", " +
                       std::to_string(acc.views) + " views): top-1 " + fixed(acc.top1, 4) +
                       ", top-5 " + fixed(acc.top5, 4) + "; clean top-1 " +
                       fixed(acc.clean_top1, 4) +
                       " (robustness, not generalisation: every concept is in the training set)";
    const std::string& out = cfg.get_string("output");
    if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
    models::save_emoji_classifier(out, model, concepts, meta, cfg.get_bool("fp16"));
    std::cout << "wrote " << out << " (" << fs::file_size(out) << " bytes)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train_emoji_classifier: error: " << e.what() << "\n";
    return 1;
  }
}
