// emoji_classifier_task.h — the emoji concept classifier's training (models/emoji_classifier.h)
// as a Task of the Trainer, and its robustness evaluation, shared by
// apps/train_emoji_classifier and tests/test_emoji_classifier.cpp.
//
// With about one picture per concept there is nothing to hold out, so the classifier is trained
// on every real image under strong augmentation (data/images/image_augment.h): each step draws a
// batch of images from a shuffled pass over the set (reshuffled each epoch) and a fresh augmented
// view of each; loss = cross-entropy; AdamW with a linear-warmup cosine schedule. Its accuracy is
// then measured on augmented views drawn from a DIFFERENT seed: that measures robustness to the
// augmentations (shift, scale, blur, noise, colour), not generalisation to unseen emoji — the
// classifier has seen every concept's picture.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "apps/train/shuffled_cycle.h"
#include "apps/train/task.h"
#include "data/images/image_augment.h"
#include "engine/config.h"
#include "engine/optim/adam.h"
#include "models/emoji_classifier.h"

namespace syn::app {

struct ClassifierTrainOptions {
  int64_t steps = 600;
  int64_t batch_size = 64;
  double learning_rate = 3e-3;  // AdamW peak
  double weight_decay = 1e-4;   // AdamW decoupled decay
  int64_t warmup_steps = 50;
  ImageAugmentOptions augment;
  uint64_t seed = 1;  // shuffling and augmentation
  double log_every_seconds = 10.0;
};

// The options from the keys train_emoji_classifier and train_concept_classifier share: steps,
// batch_size, learning_rate, weight_decay, warmup_steps, log_every_seconds, the augmentation's
// max_shift, scale_min/max, brightness, contrast, noise_std, blur_probability; the seed is
// `seed` + 1 (the initialisation uses `seed` itself); `background` (0..255) fills shifted-in
// borders.
ClassifierTrainOptions classifier_train_options(const Config& cfg, int background);

struct ClassifierTrainReport {
  int64_t steps = 0;
  double seconds = 0.0;
  double final_loss = 0.0;      // mean training loss over the last min(50, steps) steps
  double final_accuracy = 0.0;  // training-batch top-1 over the same steps (augmented views)
};

// One training step: the next batch_size images of a shuffled pass over the set (reshuffled
// each epoch) under fresh augmentation. Its generator runs on from step to step (seeded once),
// so this task cannot resume mid-run: the Trainer gets no run directory and writes no file.
class EmojiClassifierTask : public Task {
 public:
  // `model`, `images` and `labels` must outlive the task; errors name a bad label or shape.
  EmojiClassifierTask(models::EmojiClassifier& model, const Tensor& images,
                      const std::vector<int64_t>& labels, const ClassifierTrainOptions& options);

  std::string name() const override { return "train_emoji_classifier"; }
  const Config& config() const override { return cfg_; }
  TrainerOptions trainer_options() const override;
  std::string summary() const override { return ""; }  // the app prints its own header
  std::string device_description() const override { return "cpu"; }
  Module& trained_module() override { return model_; }
  Optimizer& optimizer() override { return *optimizer_; }
  // The cross-entropy of the batch; metric "acc": its top-1.
  StepOutput training_step(int64_t step) override;

  const std::vector<double>& batch_accuracies() const { return accuracies_; }

 private:
  models::EmojiClassifier& model_;
  const Tensor& images_;
  const std::vector<int64_t>& labels_;
  ClassifierTrainOptions options_;
  Config cfg_;  // empty: the options come from the app's config, which it records itself
  std::unique_ptr<Adam> optimizer_;
  Rng rng_;
  ShuffledCycle images_order_;  // one image after another, each pass in a new order
  std::vector<double> accuracies_;
};

// Trains `model` on images [N, 3, S, S] in [0, 1] with class labels (one per image, each in
// [0, num_classes)). Progress lines go to `log`. The model is left in training mode.
ClassifierTrainReport train_emoji_classifier(models::EmojiClassifier& model, const Tensor& images,
                                             const std::vector<int64_t>& labels,
                                             const ClassifierTrainOptions& options,
                                             std::ostream& log);

struct AugmentedAccuracy {
  double top1 = 0.0, top5 = 0.0;
  int64_t views = 0;
  double clean_top1 = 0.0;  // on the unaugmented images themselves
  // Per class: top-1 over the augmented views of its images (-1 for a class with no image).
  std::vector<double> class_top1;
};

// Top-1 / top-5 on `views_per_image` augmented views of every image, drawn with `seed` (use a
// seed the training did not), and top-1 on the clean images.
AugmentedAccuracy evaluate_augmented(models::EmojiClassifier& model, const Tensor& images,
                                     const std::vector<int64_t>& labels, int64_t views_per_image,
                                     const ImageAugmentOptions& augment, uint64_t seed);

}  // namespace syn::app
