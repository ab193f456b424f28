// concept_classifier_task.cpp — see concept_classifier_task.h.
#include "apps/train/concept_classifier_task.h"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <ostream>

#include "apps/eval/image_quality.h"
#include "apps/train/trainer.h"
#include "engine/check.h"

namespace syn::app {

ConceptClassifierTask::ConceptClassifierTask(models::EmojiClassifier& model, const Tensor& images,
                                             const std::vector<int64_t>& labels,
                                             const ClassifierTrainOptions& options,
                                             const ConceptEvalSet& validation)
    : EmojiClassifierTask(model, images, labels, options),
      classifier_(model),
      validation_(validation) {
  SYN_CHECK(!validation.labels.empty() && validation.images.dim() == 4 &&
                validation.images.size(0) == (int64_t)validation.labels.size(),
            "train_concept_classifier: the validation images do not match its ",
            validation.labels.size(), " labels (or there are none)");
}

void ConceptClassifierTask::validation(std::ostream& log, SummaryWriter* /*tb*/) {
  const quality::ClassifyResult r =
      quality::classify(classifier_, validation_.images, validation_.labels);
  ConceptValidationPoint p{step(), r.top1, r.top5};
  const bool best =
      best_step_ < 0 || p.top1 > best_.top1 || (p.top1 == best_.top1 && p.top5 > best_.top5);
  curve_.push_back(p);
  if (best) {
    best_ = p;
    best_step_ = p.step;
    best_state_.clear();
    for (auto& [name, t] : classifier_.state_dict()) best_state_.emplace_back(name, t.clone());
  }
  log << "validation step " << p.step << ": top-1 " << std::fixed << std::setprecision(1)
      << 100 * p.top1 << "%, top-5 " << 100 * p.top5 << "%" << (best ? " (best so far)" : "")
      << "\n";
}

int64_t ConceptClassifierTask::restore_best() {
  if (best_step_ >= 0) classifier_.load_state_dict(best_state_);
  return best_step_;
}

ConceptTrainReport train_concept_classifier(models::EmojiClassifier& model, const Tensor& images,
                                            const std::vector<int64_t>& labels,
                                            const ClassifierTrainOptions& options,
                                            const ConceptEvalSet& validation, int64_t val_every,
                                            bool keep_best, std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  ConceptClassifierTask task(model, images, labels, options, validation);
  TrainerOptions to = task.trainer_options();
  to.val_every = val_every;
  Trainer trainer(task, to);
  trainer.fit(log);
  ConceptTrainReport r;
  r.training.steps = options.steps;
  const std::vector<float>& losses = trainer.losses();
  const std::vector<double>& accs = task.batch_accuracies();
  const size_t n = std::min<size_t>(50, losses.size());
  for (size_t i = losses.size() - n; i < losses.size(); ++i) {
    r.training.final_loss += losses[i] / (double)n;
    r.training.final_accuracy += accs[i] / (double)n;
  }
  r.training.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.curve = task.curve();
  r.best_step = keep_best ? task.restore_best() : task.step();
  return r;
}

}  // namespace syn::app
