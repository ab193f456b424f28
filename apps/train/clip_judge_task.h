// clip_judge_task.h — training the contrastive judge (models/clip_judge.h) on the picture corpus
// (data/pictures/picture_corpus.h) as a Task of the Trainer, and the judge's own quality on
// held-out real pictures; shared by apps/train_clip_judge and its tests.
//
// A step draws batch_size DISTINCT concepts of the training split (a shuffled pass over them,
// reshuffled each epoch), one random training picture of each under fresh augmentation
// (data/images/image_augment.h), and its text: the picture's caption, or with probability
// concept_text_share the concept id itself (so bare concept names, the shape of the fixed
// prompts, are texts the judge has seen). Distinct concepts keep the batch free of false
// negatives (two guitars from two sets). Loss: the symmetric InfoNCE; AdamW, warmup + cosine.
//
// Composed scenes (data/pictures/scene_composer.h), with scene_fraction > 0: that share of each
// batch's pairs are scenes with their captions, so the text tower learns the words of the music
// (moods, energies, genres, settings, colours). The scenes of step k are a function of (k, seed)
// alone: scene i of the batch is compose_scene(scene_seed(seed, k * batch_size + i)), skipping a
// scene whose caption repeats an earlier one of the batch, so a run that resumes at step k
// composes the same scenes. Positives stay unambiguous: the batch's single pictures are drawn
// only from concepts that none of its scenes shows (a guitar scene's caption names "guitar").
//
// Quality (evaluate_clip_judge), on pictures the judge never trained on:
//   concept top-1 / top-5   each picture against the texts of every concept id; a hit when its
//                           own concept ranks first / in the first five
//   retrieval recall@1 / @5 each fixed prompt against every evaluated picture; a hit when a
//                           picture of the prompt's concept ranks first / in the first five
//                           (prompts whose concept has no evaluated picture are not counted)
//
// Model selection (data/pictures/validation_split.h): with a validation set, the task measures it
// every val_every steps and at the end, logs the curve, and keeps the weights of the best
// validation score (the mean of top-1, top-5, recall@1 and recall@5); with keep_best they are
// restored after training, so the held-out set is measured once, on a model it did not choose.
// With a scene validation set (scenes of validation-split objects) each validation also reports
// caption retrieval among those scenes (evaluate_scene_retrieval); it does not enter the score,
// so steps are chosen on the same measure as a judge trained without scenes.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "apps/train/shuffled_cycle.h"
#include "apps/train/task.h"
#include "data/images/image_augment.h"
#include "data/pictures/scene_composer.h"
#include "engine/optim/adam.h"
#include "models/clip_judge.h"

namespace syn::app {

// Composed scenes and their captions, for training (one step's share) or scene validation.
struct SceneBatch {
  Tensor images;  // [n, 3, S, S] in [0, 1]
  std::vector<std::string> captions;
  std::vector<std::string> concepts;  // every object concept of the scenes (sorted, unique)
};
// The scenes of `step`: up to `wanted` scenes of distinct captions among scene_seed(seed,
// step * batch_size + i), i < batch_size (fewer when captions repeat). The index's scene size
// is the picture size.
SceneBatch step_scenes(const pictures::SceneIndex& index, uint64_t seed, int64_t step,
                       int64_t batch_size, int64_t wanted);
// A fixed set of n scenes (scene_seed(seed, i), distinct captions) for validation.
SceneBatch scene_set(const pictures::SceneIndex& index, uint64_t seed, int64_t n);

// Pictures the judge is measured on (validation or held out) and the names it chooses among.
struct JudgeEvalSet {
  Tensor images;                                      // [N, 3, S, S] in [0, 1]
  std::vector<std::string> concepts;                  // of each image
  std::vector<std::string> concept_names;             // every concept id of the corpus
  std::vector<std::string> prompts, prompt_concepts;  // the fixed prompts and their concepts
};

struct ClipJudgeTrainOptions {
  int64_t steps = 1000;
  int64_t batch_size = 64;
  double learning_rate = 2e-3;
  double weight_decay = 1e-4;
  int64_t warmup_steps = 50;
  double concept_text_share = 0.5;
  ImageAugmentOptions augment;
  uint64_t seed = 1;
  double log_every_seconds = 10.0;
  const JudgeEvalSet* validation = nullptr;      // none: no validation, the last weights are kept
  int64_t val_every = 250;                       // steps between validations (and at the end)
  bool keep_best = true;                         // restore the weights of the best validation score
  const pictures::SceneIndex* scenes = nullptr;  // training scenes' objects (with scene_fraction)
  double scene_fraction = 0;                     // share of each batch that is composed scenes
  uint64_t scene_seed = 1;                       // the training scenes' set seed
  const SceneBatch* scene_validation = nullptr;  // reported at each validation, not chosen on
};

// One point of the validation curve.
struct JudgeValidationPoint {
  int64_t step = 0;
  double top1 = 0, top5 = 0, recall1 = 0, recall5 = 0, score = 0;
  double scene_recall1 = -1, scene_recall5 = -1;  // -1: no scene validation
};

struct JudgeTrainReport {
  double final_loss = 0;  // mean loss of the last min(50, steps) steps
  std::vector<JudgeValidationPoint> curve;
  int64_t best_step = -1;  // the step whose weights the model holds (-1: no validation)
};

// One picture of the training set: its row in the images tensor, concept and caption.
struct JudgeExample {
  int64_t row = 0;
  std::string concept_id, caption;
};

class ClipJudgeTask : public Task {
 public:
  // images [N, 3, S, S] in [0, 1] on the CPU; `model`, `images` and `examples` must outlive it.
  ClipJudgeTask(models::ClipJudge& model, const Tensor& images,
                const std::vector<JudgeExample>& examples, const ClipJudgeTrainOptions& options);

  std::string name() const override { return "train_clip_judge"; }
  const Config& config() const override { return cfg_; }
  TrainerOptions trainer_options() const override;
  std::string summary() const override { return ""; }
  std::string device_description() const override { return "cpu"; }
  Module& trained_module() override { return model_; }
  Optimizer& optimizer() override { return *optimizer_; }
  StepOutput training_step(int64_t step) override;
  bool has_validation() const override { return options_.validation != nullptr; }
  void validation(std::ostream& log, SummaryWriter* tb) override;

  const std::vector<JudgeValidationPoint>& curve() const { return curve_; }
  // Puts the best validation weights back into the model; returns their step (-1: none).
  int64_t restore_best();
  // The texts of the last training step: its single pictures' first, then its scenes' captions.
  const std::vector<std::string>& last_texts() const { return last_texts_; }

 private:
  models::ClipJudge& model_;
  const Tensor& images_;
  const std::vector<JudgeExample>& examples_;
  ClipJudgeTrainOptions options_;
  Config cfg_;
  std::unique_ptr<Adam> optimizer_;
  Rng rng_;
  std::vector<std::vector<size_t>> by_concept_;  // example indices of each concept
  ShuffledCycle concepts_;  // one concept after another, each pass in a new order
  std::vector<JudgeValidationPoint> curve_;
  NamedTensors best_state_;  // copies of the best weights (and batch-norm statistics)
  int64_t best_step_ = -1;
  double best_score_ = 0;
  std::vector<std::string> last_texts_;
};

// The texts the judge's vocabulary is built from (PromptTokenizer::build): every training
// caption and concept id, and with `scenes` every word a scene caption can use
// (pictures::scene_caption_words()) and every concept's plural ("two dancers").
std::vector<std::string> judge_vocabulary_texts(const std::vector<JudgeExample>& train,
                                                const std::vector<std::string>& concept_names,
                                                bool scenes);

// Trains with the Trainer; returns the mean loss of the last min(50, steps) steps. With
// options.validation, `report` (when given) receives the curve and the step kept.
double train_clip_judge(models::ClipJudge& model, const Tensor& images,
                        const std::vector<JudgeExample>& examples,
                        const ClipJudgeTrainOptions& options, std::ostream& log,
                        JudgeTrainReport* report = nullptr);

struct JudgeQuality {
  double concept_top1 = 0, concept_top5 = 0;  // over `pictures`
  int64_t pictures = 0, concepts = 0;
  double recall1 = 0, recall5 = 0;  // over `prompts` counted
  int64_t prompts = 0;
};
// images [N, 3, S, S] in [0, 1]; concept_of_image[i] the concept of image i; concept_names every
// concept id the judge is asked to choose among; prompts with their concepts.
JudgeQuality evaluate_clip_judge(models::ClipJudge& model, const Tensor& images,
                                 const std::vector<std::string>& concept_of_image,
                                 const std::vector<std::string>& concept_names,
                                 const std::vector<std::string>& prompts,
                                 const std::vector<std::string>& prompt_concepts);
JudgeQuality evaluate_clip_judge(models::ClipJudge& model, const JudgeEvalSet& set);

// Caption retrieval among scenes: each scene's image against every caption of the set; a hit
// at k when fewer than k other captions score above its own.
struct SceneRetrieval {
  double recall1 = 0, recall5 = 0;
  int64_t scenes = 0;
};
SceneRetrieval evaluate_scene_retrieval(models::ClipJudge& model, const SceneBatch& set);

}  // namespace syn::app
