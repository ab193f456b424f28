// train_concept_classifier — the concept classifier across all styles: models/emoji_classifier.h's
// CNN with one class per concept of the picture corpus (apps/build_picture_corpus), trained on its
// training pictures of every source (apps/train/concept_classifier_task.h), the step kept chosen on
// the validation split (data/pictures/validation_split.h), then measured once on the held-out
// pictures (clean, unaugmented): concept top-1/top-5, beside the CLIP-style judge used as a
// zero-shot classifier on the same pictures (prompt = the concept name) when --judge names one.
//   train_concept_classifier                     models/weights/concept_classifier.synckpt
//   train_concept_classifier --steps 300 --output /tmp/c.synckpt   a quick run
//   train_concept_classifier --measure C.synckpt --judge J.synckpt   no training: C's validation
//                                                and held-out figures beside judge J's
//   train_concept_classifier --help              every flag with its default
// Thin by design: config → corpus and splits → model → task + Trainer → evaluation → file.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/eval/image_quality.h"
#include "apps/train/clip_judge_task.h"
#include "apps/train/concept_classifier_task.h"
#include "data/pictures/picture_corpus.h"
#include "data/pictures/validation_split.h"
#include "engine/check.h"
#include "engine/parallel.h"

using namespace syn;
namespace fs = std::filesystem;

static std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

static std::vector<int64_t> parse_widths(const std::string& text) {
  std::vector<int64_t> out;
  for (const std::string& part : split_list(text)) {
    SYN_CHECK(part.size() < 6 && part.find_first_not_of("0123456789") == std::string::npos,
              "--widths '", text, "': '", part, "' is not a whole number");
    out.push_back(std::stoll(part));
  }
  SYN_CHECK(!out.empty(), "--widths '", text, "' names no block");
  return out;
}

static std::string pct(double v) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << 100.0 * v << "%";
  return os.str();
}

// Rows of the corpus images at `size`, scaled to [0, 1].
static Tensor unit_rows(const pictures::PictureCorpus& corpus, int size,
                        const std::vector<int64_t>& rows) {
  const Tensor& all = corpus.images_at(size);
  const int64_t per = 3 * (int64_t)size * size;
  std::vector<float> out;
  out.reserve(rows.size() * (size_t)per);
  for (int64_t r : rows)
    for (int64_t k = 0; k < per; ++k) out.push_back(all.data()[r * per + k] / 255.0f);
  return Tensor::from_vector(out, {(int64_t)rows.size(), 3, size, size});
}

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "train_concept_classifier.yaml",
                                    "train_concept_classifier [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "train_concept_classifier");
    const Config& cfg = args.config;
    app::FlagChecks checks(cfg, "train_concept_classifier");
    checks.input_file("corpus", false, "build it with apps/build_picture_corpus")
        .input_file("concepts")
        .input_file("prompts")
        .input_file("judge", /*optional=*/true)
        .input_file("measure", /*optional=*/true)
        .int_in("steps", 1, int64_t(1) << 40)
        .int_in("batch_size", 1, 1 << 16)
        .float_in("learning_rate", 1e-9, 1e3)
        .float_in("weight_decay", 0, 1e3)
        .int_at_least("warmup_steps", 0)
        .float_in("blur_probability", 0, 1)
        .int_in("validation_percent", 1, 99)
        .int_in("val_every", 1, int64_t(1) << 40)
        .output_file("output", /*app_creates_folder=*/true);
    checks.attempt([&] { parse_widths(cfg.get_string("widths")); });
    checks.done();

    const pictures::PictureCorpus corpus =
        pictures::load_picture_corpus(app::resolve_source_path(cfg.get_string("corpus")));
    const pictures::ConceptVocabulary vocab =
        pictures::ConceptVocabulary::load(app::resolve_source_path(cfg.get_string("concepts")));
    const std::vector<std::string> prompts =
        quality::load_prompts(app::resolve_source_path(cfg.get_string("prompts")));
    std::vector<std::string> prompt_concepts;
    for (const std::string& p : prompts)
      prompt_concepts.push_back(pictures::emoji_concept(vocab, p));
    const pictures::CorpusSplits splits = pictures::split_with_validation(
        corpus.items, (int)cfg.get_int("validation_percent"), prompt_concepts);
    SYN_CHECK(!splits.validation.empty() && !splits.heldout.empty(), "train_concept_classifier: '",
              cfg.get_string("corpus"), "' has no validation or no held-out picture");

    // classes: every concept of the corpus, sorted; the held-out concepts are among them
    std::set<std::string> concept_set;
    for (const pictures::CorpusItem& it : corpus.items) concept_set.insert(it.concept_id);
    const std::vector<std::string> concepts(concept_set.begin(), concept_set.end());
    auto labels_of = [&](const std::vector<int64_t>& rows) {
      std::vector<int64_t> out;
      for (int64_t r : rows)
        out.push_back(
            std::lower_bound(concepts.begin(), concepts.end(), corpus.items[(size_t)r].concept_id) -
            concepts.begin());
      return out;
    };
    const std::vector<std::string> dropped = split_list(cfg.get_string("train_exclude_licences"));
    std::vector<int64_t> train_rows;
    std::set<std::string> train_licences;
    for (int64_t r : splits.train) {
      const std::string& l = corpus.items[(size_t)r].licence;
      if (std::find(dropped.begin(), dropped.end(), l) != dropped.end()) continue;
      train_rows.push_back(r);
      train_licences.insert(l);
    }
    SYN_CHECK(!train_rows.empty(), "train_concept_classifier: --train_exclude_licences '",
              cfg.get_string("train_exclude_licences"), "' leaves no training picture");
    const int size = (int)cfg.get_int("image_size");
    const Tensor images = unit_rows(corpus, size, train_rows);
    const std::vector<int64_t> labels = labels_of(train_rows);
    const app::ConceptEvalSet validation{unit_rows(corpus, size, splits.validation),
                                         labels_of(splits.validation)};
    std::cout << "corpus " << cfg.get_string("corpus") << ": " << corpus.items.size()
              << " pictures (" << train_rows.size() << " train, " << splits.validation.size()
              << " validation, " << splits.heldout.size() << " held out), " << concepts.size()
              << " concepts, " << size << " px\n";

    // The held-out figures (once, at the end): the classifier, and the judge as a zero-shot one.
    auto heldout_figures = [&](models::EmojiClassifier& model, int px,
                               std::map<std::string, std::string>& meta) {
      model.eval();
      const quality::ClassifyResult h = quality::classify(
          model, unit_rows(corpus, px, splits.heldout), labels_of(splits.heldout));
      std::cout << "held-out pictures (" << h.counted << ", among " << concepts.size()
                << " concepts): classifier top-1 " << pct(h.top1) << ", top-5 " << pct(h.top5)
                << "\n";
      meta["heldout"] = "top1 " + pct(h.top1) + ", top5 " + pct(h.top5);
      const std::string judge_path = cfg.get_string("judge");
      if (judge_path.empty()) return;
      auto judge = models::load_clip_judge(app::resolve_source_path(judge_path));
      const int js = (int)judge->config().image_size;
      app::JudgeEvalSet set;
      set.images = unit_rows(corpus, js, splits.heldout);
      for (int64_t r : splits.heldout) set.concepts.push_back(corpus.items[(size_t)r].concept_id);
      set.concept_names = concepts;
      app::JudgeQuality q = app::evaluate_clip_judge(*judge, set);
      std::cout << "the judge " << judge_path << " as a zero-shot classifier (prompt = concept "
                << "name) on the same pictures: top-1 " << pct(q.concept_top1) << ", top-5 "
                << pct(q.concept_top5) << "\n";
      meta["heldout_judge_zero_shot"] =
          "top1 " + pct(q.concept_top1) + ", top5 " + pct(q.concept_top5);
    };
    const std::string measure = cfg.get_string("measure");
    if (!measure.empty()) {  // no training: the validation and held-out figures of a file
      models::LoadedEmojiClassifier c =
          models::load_emoji_classifier(app::resolve_source_path(measure));
      SYN_CHECK(c.concepts == concepts, "--measure '", measure, "' classifies ", c.concepts.size(),
                " concepts, not the ", concepts.size(), " of the corpus");
      const int cs = (int)c.model->config().image_size;
      const quality::ClassifyResult v = quality::classify(
          *c.model, unit_rows(corpus, cs, splits.validation), labels_of(splits.validation));
      std::cout << "validation pictures (" << v.counted << "): classifier top-1 " << pct(v.top1)
                << ", top-5 " << pct(v.top5) << "\n";
      std::map<std::string, std::string> figures;
      heldout_figures(*c.model, cs, figures);
      return 0;
    }

    Rng rng((uint64_t)cfg.get_int("seed"));
    models::EmojiClassifierConfig mc;
    mc.num_classes = (int64_t)concepts.size();
    mc.widths = parse_widths(cfg.get_string("widths"));
    mc.image_size = size;
    models::EmojiClassifier model(mc, rng);
    std::cout << "model: blocks " << cfg.get_string("widths") << ", " << model.num_parameters()
              << " parameters, " << num_threads() << " CPU threads\n";

    const app::ClassifierTrainOptions o = app::classifier_train_options(cfg, corpus.background);
    const app::ConceptTrainReport tr = app::train_concept_classifier(
        model, images, labels, o, validation, cfg.get_int("val_every"), cfg.get_bool("keep_best"),
        std::cout);
    model.eval();
    const app::ConceptValidationPoint* kept = &tr.curve.back();
    for (const app::ConceptValidationPoint& p : tr.curve)
      if (p.step == tr.best_step) kept = &p;
    std::cout << "trained " << tr.training.steps << " steps in " << std::fixed
              << std::setprecision(1) << tr.training.seconds << " s; kept step " << kept->step
              << " (validation top-1 " << pct(kept->top1) << ", top-5 " << pct(kept->top5) << ")\n";

    std::map<std::string, std::string> meta;
    meta["model"] = "concept classifier across all styles (models/emoji_classifier.h)";
    std::string licences;
    for (const std::string& l : train_licences) licences += (licences.empty() ? "" : ",") + l;
    meta["training_licences"] = licences;
    meta["data"] = cfg.get_string("corpus") + " (" + std::to_string(train_rows.size()) +
                   " train, " + std::to_string(splits.validation.size()) + " validation, " +
                   std::to_string(splits.heldout.size()) + " held out; " +
                   std::to_string(concepts.size()) + " concepts)";
    meta["config"] = cfg.to_yaml();
    meta["steps"] = std::to_string(tr.training.steps);
    meta["selected_step"] = std::to_string(kept->step);
    meta["training_seconds"] = std::to_string(tr.training.seconds);
    meta["validation"] = "top1 " + pct(kept->top1) + ", top5 " + pct(kept->top5);
    if (cfg.get_bool("evaluate_heldout")) heldout_figures(model, size, meta);
    const std::string& out = cfg.get_string("output");
    if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
    models::save_emoji_classifier(out, model, concepts, meta, cfg.get_bool("fp16"));
    std::cout << "wrote " << out << " (" << fs::file_size(out) << " bytes)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train_concept_classifier: error: " << e.what() << "\n";
    return 1;
  }
}
