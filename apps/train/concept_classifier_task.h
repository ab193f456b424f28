// concept_classifier_task.h — the concept classifier across all styles of the picture corpus
// (data/pictures/picture_corpus.h): models/emoji_classifier.h's CNN with one class per concept,
// trained on the corpus's training pictures by the emoji classifier's task (augmented shuffled
// passes, cross-entropy, AdamW) plus a validation hook, so the number of steps is chosen on the
// validation split (data/pictures/validation_split.h) and the held-out pictures are measured
// once, on weights they did not choose. Shared by apps/train_concept_classifier and its test.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <vector>

#include "apps/train/emoji_classifier_task.h"

namespace syn::app {

// Pictures [N, 3, S, S] in [0, 1] with their class (concept index).
struct ConceptEvalSet {
  Tensor images;
  std::vector<int64_t> labels;
};

struct ConceptValidationPoint {
  int64_t step = 0;
  double top1 = 0, top5 = 0;
};

struct ConceptTrainReport {
  ClassifierTrainReport training;
  std::vector<ConceptValidationPoint> curve;
  int64_t best_step = -1;  // the step whose weights the model holds (-1: no validation)
};

// The emoji classifier's task with a validation every val_every steps and at the end; it keeps a
// copy of the weights of the best validation top-1 (ties: top-5).
class ConceptClassifierTask : public EmojiClassifierTask {
 public:
  ConceptClassifierTask(models::EmojiClassifier& model, const Tensor& images,
                        const std::vector<int64_t>& labels, const ClassifierTrainOptions& options,
                        const ConceptEvalSet& validation);

  std::string name() const override { return "train_concept_classifier"; }
  bool has_validation() const override { return true; }
  void validation(std::ostream& log, SummaryWriter* tb) override;

  const std::vector<ConceptValidationPoint>& curve() const { return curve_; }
  int64_t restore_best();  // puts the best weights back; returns their step

 private:
  models::EmojiClassifier& classifier_;
  const ConceptEvalSet& validation_;
  std::vector<ConceptValidationPoint> curve_;
  NamedTensors best_state_;
  ConceptValidationPoint best_;
  int64_t best_step_ = -1;
};

// Trains with validation every `val_every` steps; with keep_best the model ends with the weights
// of the best validation point, else with the last ones. `validation` must not be empty.
ConceptTrainReport train_concept_classifier(models::EmojiClassifier& model, const Tensor& images,
                                            const std::vector<int64_t>& labels,
                                            const ClassifierTrainOptions& options,
                                            const ConceptEvalSet& validation, int64_t val_every,
                                            bool keep_best, std::ostream& log);

}  // namespace syn::app
