// train_clip_judge — train the contrastive image-text judge (models/clip_judge.h) on the picture
// corpus and report its own quality on the corpus's held-out pictures, which it never trained on:
// concept top-1/top-5 and fixed-prompt retrieval recall@1/@5 (apps/train/clip_judge_task.h).
// Steps and settings are chosen on a validation split of the training pictures
// (data/pictures/validation_split.h): the weights of the best validation score are kept, and
// --evaluate_heldout false keeps a sweep from ever looking at the held-out pictures. Composed
// scenes of validation pictures are reported beside (caption recall among them), not chosen on.
//   build_picture_corpus                       runs/pictures/picture_corpus.ckpt (first)
//   train_clip_judge                           runs/judge/clip_judge.synckpt
//   train_clip_judge --steps 200               a quick run
//   train_clip_judge --scene_fraction 0.3      30 % of each batch composed scenes (music words)
//   train_clip_judge --measure J.synckpt       no training: judge J's validation and held-out
//   figures train_clip_judge --help                    every flag with its default
// Thin by design: config → corpus → model → task + Trainer → evaluation → file.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/eval/image_quality.h"
#include "apps/train/clip_judge_task.h"
#include "data/pictures/picture_corpus.h"
#include "data/pictures/scene_composer.h"
#include "data/pictures/validation_split.h"
#include "engine/check.h"
#include "engine/parallel.h"

using namespace syn;
namespace fs = std::filesystem;

static std::vector<int64_t> parse_widths(const std::string& text) {
  std::vector<int64_t> out;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    SYN_CHECK(!part.empty() && part.size() < 6 &&
                  part.find_first_not_of("0123456789") == std::string::npos,
              "--widths '", text, "': '", part, "' is not a whole number");
    out.push_back(std::stoll(part));
  }
  SYN_CHECK(!out.empty(), "--widths '", text, "' names no block");
  return out;
}

static std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

static std::string pct(double v) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << 100.0 * v << "%";
  return os.str();
}

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "train_clip_judge.yaml",
                                    "train_clip_judge [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "train_clip_judge");
    const Config& cfg = args.config;
    app::FlagChecks checks(cfg, "train_clip_judge");
    checks.input_file("corpus", false, "build it with apps/build_picture_corpus")
        .input_file("concepts")
        .input_file("prompts")
        .input_file("measure", /*optional=*/true)
        .int_in("steps", 1, int64_t(1) << 40)
        .int_in("batch_size", 2, 1 << 16)
        .int_in("embed_dim", 1, 1 << 16)
        .int_in("text_hidden", 1, 1 << 16)
        .float_in("temperature", 1e-4, 100)
        .float_in("learning_rate", 1e-9, 1e3)
        .float_in("weight_decay", 0, 1e3)
        .int_at_least("warmup_steps", 0)
        .float_in("concept_text_share", 0, 1)
        .float_in("scene_fraction", 0, 0.9)
        .int_in("scene_validation_count", 0, 1 << 16)
        .int_in("validation_percent", 0, 99)
        .int_in("val_every", 1, int64_t(1) << 40)
        .output_file("output", /*app_creates_folder=*/true);
    checks.attempt([&] { parse_widths(cfg.get_string("widths")); });
    checks.done();

    pictures::PictureCorpus corpus =
        pictures::load_picture_corpus(app::resolve_source_path(cfg.get_string("corpus")));
    pictures::ConceptVocabulary vocab =
        pictures::ConceptVocabulary::load(app::resolve_source_path(cfg.get_string("concepts")));
    std::vector<std::string> prompts =
        quality::load_prompts(app::resolve_source_path(cfg.get_string("prompts")));
    std::vector<std::string> prompt_concepts;
    for (const std::string& p : prompts)
      prompt_concepts.push_back(pictures::emoji_concept(vocab, p));
    const pictures::CorpusSplits splits = pictures::split_with_validation(
        corpus.items, (int)cfg.get_int("validation_percent"), prompt_concepts);
    const std::vector<std::string> dropped_licences =
        split_list(cfg.get_string("train_exclude_licences"));

    const int64_t S = cfg.get_int("image_size");
    std::vector<float> px = corpus.images_at((int)S).to_vector();
    for (float& v : px) v /= 255.0f;
    Tensor images = Tensor::from_vector(px, corpus.images_at((int)S).shape());
    std::vector<app::JudgeExample> train;
    std::set<std::string> concept_set, train_licences;
    for (const pictures::CorpusItem& it : corpus.items) concept_set.insert(it.concept_id);
    for (int64_t i : splits.train) {
      const pictures::CorpusItem& it = corpus.items[(size_t)i];
      if (std::find(dropped_licences.begin(), dropped_licences.end(), it.licence) !=
          dropped_licences.end())
        continue;
      train.push_back({i, it.concept_id, it.caption});
      train_licences.insert(it.licence);
    }
    SYN_CHECK(!train.empty(), "train_clip_judge: --train_exclude_licences '",
              cfg.get_string("train_exclude_licences"), "' leaves no training picture");
    const std::vector<std::string> concept_names(concept_set.begin(), concept_set.end());

    // Composed scenes: training ones from the training pictures only, validation ones from the
    // validation pictures only (a copy of the corpus whose other pictures count as held out; the
    // image tensors are shared, not copied).
    const double scene_fraction = cfg.get_float("scene_fraction");
    auto scene_corpus = [&](const std::vector<int64_t>& rows) {
      pictures::PictureCorpus c = corpus;
      for (pictures::CorpusItem& it : c.items) it.held_out = true;
      for (int64_t r : rows) c.items[(size_t)r].held_out = false;
      return c;
    };
    std::vector<int64_t> train_rows;
    for (const app::JudgeExample& e : train) train_rows.push_back(e.row);
    pictures::SceneOptions scene_options;
    scene_options.size = (int)S;
    const pictures::PictureCorpus scene_train_corpus = scene_corpus(train_rows);
    const pictures::PictureCorpus scene_val_corpus = scene_corpus(splits.validation);
    std::unique_ptr<pictures::SceneIndex> scene_index;
    app::SceneBatch scene_validation;
    if (scene_fraction > 0) {
      scene_index = std::make_unique<pictures::SceneIndex>(scene_train_corpus, scene_options);
    }
    const int64_t scene_val_count = cfg.get_int("scene_validation_count");
    if (scene_val_count > 0 && !splits.validation.empty()) {
      pictures::SceneIndex val_index(scene_val_corpus, scene_options);
      scene_validation = app::scene_set(val_index, (uint64_t)cfg.get_int("scene_validation_seed"),
                                        scene_val_count);
    }
    auto eval_set = [&](const std::vector<int64_t>& rows) {
      app::JudgeEvalSet e;
      std::vector<float> sel;
      const int64_t per = 3 * S * S;
      for (int64_t r : rows) {
        sel.insert(sel.end(), px.begin() + r * per, px.begin() + (r + 1) * per);
        e.concepts.push_back(corpus.items[(size_t)r].concept_id);
      }
      e.images = Tensor::from_vector(sel, {(int64_t)rows.size(), 3, S, S});
      e.concept_names = concept_names;
      e.prompts = prompts;
      e.prompt_concepts = prompt_concepts;
      return e;
    };
    const app::JudgeEvalSet validation = eval_set(splits.validation);
    std::cout << "corpus: " << corpus.items.size() << " pictures (" << train.size() << " train"
              << (dropped_licences.empty() ? "" : " after --train_exclude_licences") << ", "
              << splits.validation.size() << " validation, " << splits.heldout.size()
              << " held out), " << concept_set.size() << " concepts, " << S << " px\n";
    for (const std::string& c : splits.uncovered)
      std::cout << "  note: fixed-prompt concept with no unseen style in validation: " << c << "\n";

    const std::string measure = cfg.get_string("measure");
    if (!measure.empty()) {  // no training: the validation and held-out figures of a judge file
      auto judge = models::load_clip_judge(app::resolve_source_path(measure));
      SYN_CHECK(judge->config().image_size == S, "--measure '", measure, "' takes ",
                judge->config().image_size, " px pictures, not --image_size ", S);
      for (const auto& [what, rows] :
           {std::pair<const char*, const std::vector<int64_t>*>{"validation", &splits.validation},
            {"held-out", &splits.heldout}}) {
        app::JudgeQuality q = app::evaluate_clip_judge(*judge, eval_set(*rows));
        std::cout << what << " pictures (" << q.pictures << ", among " << q.concepts
                  << " concepts): concept top-1 " << pct(q.concept_top1) << ", top-5 "
                  << pct(q.concept_top5) << "; fixed-prompt retrieval (" << q.prompts
                  << " prompts): recall@1 " << pct(q.recall1) << ", recall@5 " << pct(q.recall5)
                  << "\n";
      }
      if (!scene_validation.captions.empty()) {
        app::SceneRetrieval r = app::evaluate_scene_retrieval(*judge, scene_validation);
        std::cout << "validation scenes (" << r.scenes << "): caption recall@1 " << pct(r.recall1)
                  << ", recall@5 " << pct(r.recall5) << "\n";
      }
      return 0;
    }

    Rng rng((uint64_t)cfg.get_int("seed"));
    models::ClipJudgeConfig mc;
    mc.widths = parse_widths(cfg.get_string("widths"));
    mc.image_size = S;
    mc.embed_dim = cfg.get_int("embed_dim");
    mc.text_hidden = cfg.get_int("text_hidden");
    mc.temperature = cfg.get_float("temperature");
    models::ClipJudge judge(mc,
                            models::PromptTokenizer::build(app::judge_vocabulary_texts(
                                train, concept_names, scene_fraction > 0)),
                            rng);
    std::cout << "judge: " << judge.num_parameters() << " parameters, text vocabulary "
              << judge.tokenizer().vocab_size() << " words, " << num_threads() << " CPU threads\n";

    app::ClipJudgeTrainOptions o;
    o.steps = cfg.get_int("steps");
    o.batch_size = cfg.get_int("batch_size");
    o.learning_rate = cfg.get_float("learning_rate");
    o.weight_decay = cfg.get_float("weight_decay");
    o.warmup_steps = cfg.get_int("warmup_steps");
    o.concept_text_share = cfg.get_float("concept_text_share");
    o.log_every_seconds = cfg.get_float("log_every_seconds");
    o.seed = (uint64_t)cfg.get_int("seed") + 1;
    o.augment.fill = (float)corpus.background / 255.0f;
    o.validation = splits.validation.empty() ? nullptr : &validation;
    o.val_every = cfg.get_int("val_every");
    o.keep_best = cfg.get_bool("keep_best");
    o.scenes = scene_index.get();
    o.scene_fraction = scene_fraction;
    o.scene_seed = (uint64_t)cfg.get_int("scene_seed");
    o.scene_validation = scene_validation.captions.empty() ? nullptr : &scene_validation;
    const auto start = std::chrono::steady_clock::now();
    app::JudgeTrainReport report;
    double loss = app::train_clip_judge(judge, images, train, o, std::cout, &report);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "trained " << o.steps << " steps in " << std::fixed << std::setprecision(1)
              << seconds << " s; mean loss of the last 50 steps " << std::setprecision(4) << loss
              << " (chance: ln " << o.batch_size << " = " << std::log((double)o.batch_size)
              << ")\n";
    std::map<std::string, std::string> meta{{"corpus", cfg.get_string("corpus")},
                                            {"steps", std::to_string(o.steps)},
                                            {"config", cfg.to_yaml()},
                                            {"training_seconds", std::to_string(seconds)}};
    std::string licences;
    for (const std::string& l : train_licences) licences += (licences.empty() ? "" : ",") + l;
    meta["training_licences"] = licences;
    meta["splits"] = std::to_string(train.size()) + " train, " +
                     std::to_string(splits.validation.size()) + " validation, " +
                     std::to_string(splits.heldout.size()) + " held out";
    if (report.best_step >= 0) {
      const app::JudgeValidationPoint* kept = &report.curve.back();
      for (const app::JudgeValidationPoint& p : report.curve)
        if (p.step == report.best_step) kept = &p;
      std::cout << "kept the weights of step " << report.best_step << " (validation top-1 "
                << pct(kept->top1) << ", top-5 " << pct(kept->top5) << ", recall@1 "
                << pct(kept->recall1) << ", recall@5 " << pct(kept->recall5) << ")";
      if (kept->scene_recall1 >= 0)
        std::cout << "; validation scenes (" << scene_validation.captions.size()
                  << "): caption recall@1 " << pct(kept->scene_recall1) << ", recall@5 "
                  << pct(kept->scene_recall5);
      std::cout << "\n";
      meta["selected_step"] = std::to_string(report.best_step);
      meta["validation"] = "top1 " + pct(kept->top1) + ", top5 " + pct(kept->top5) + ", recall1 " +
                           pct(kept->recall1) + ", recall5 " + pct(kept->recall5);
      if (kept->scene_recall1 >= 0)
        meta["validation_scenes"] = std::to_string(scene_validation.captions.size()) +
                                    " scenes of validation pictures, caption recall1 " +
                                    pct(kept->scene_recall1) + ", recall5 " +
                                    pct(kept->scene_recall5);
    }

    if (cfg.get_bool("evaluate_heldout")) {
      app::JudgeQuality q = app::evaluate_clip_judge(judge, eval_set(splits.heldout));
      std::cout << "held-out pictures (" << q.pictures << ", among " << q.concepts
                << " concepts): concept top-1 " << pct(q.concept_top1) << ", top-5 "
                << pct(q.concept_top5) << " (chance " << pct(1.0 / (double)q.concepts) << ")\n"
                << "fixed-prompt retrieval (" << q.prompts << " prompts with held-out pictures): "
                << "recall@1 " << pct(q.recall1) << ", recall@5 " << pct(q.recall5) << "\n";
      std::ostringstream m1, m5;
      m1 << q.concept_top1;
      m5 << q.recall5;
      meta["heldout_concept_top1"] = m1.str();
      meta["heldout_prompt_recall5"] = m5.str();
      meta["heldout"] = "top1 " + pct(q.concept_top1) + ", top5 " + pct(q.concept_top5) +
                        ", recall1 " + pct(q.recall1) + ", recall5 " + pct(q.recall5);
    }

    const std::string out = cfg.get_string("output");
    if (!fs::path(out).parent_path().empty()) fs::create_directories(fs::path(out).parent_path());
    models::save_clip_judge(out, judge, meta, cfg.get_bool("fp16"));
    std::cout << "wrote " << out << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train_clip_judge: error: " << e.what() << "\n";
    return 1;
  }
}
