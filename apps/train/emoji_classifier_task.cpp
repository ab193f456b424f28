// emoji_classifier_task.cpp — see emoji_classifier_task.h.
#include "apps/train/emoji_classifier_task.h"

#include <algorithm>
#include <chrono>

#include "apps/eval/image_quality.h"
#include "apps/train/trainer.h"
#include "engine/check.h"
#include "engine/ops/loss.h"

namespace syn::app {

namespace {

void check_labels(const models::EmojiClassifier& model, const Tensor& images,
                  const std::vector<int64_t>& labels, const char* what) {
  SYN_CHECK(images.dim() == 4 && images.size(1) == 3 && !images.is_cuda(), what,
            ": expected CPU images [N, 3, S, S], got ", images.describe());
  SYN_CHECK((int64_t)labels.size() == images.size(0) && !labels.empty(), what, ": ", labels.size(),
            " labels for images ", images.describe());
  for (size_t i = 0; i < labels.size(); ++i)
    SYN_CHECK(labels[i] >= 0 && labels[i] < model.config().num_classes, what, ": label ", labels[i],
              " of image ", i, " is not in [0, ", model.config().num_classes, ")");
}

// Copies images[idx[k]] into row k of a new [B, 3, S, S] tensor.
Tensor gather(const Tensor& images, const std::vector<int64_t>& idx) {
  const int64_t per = images.numel() / images.size(0);
  Shape shape = images.shape();
  shape[0] = (int64_t)idx.size();
  Tensor out = Tensor::empty(shape);
  for (size_t k = 0; k < idx.size(); ++k)
    std::copy(images.data() + idx[k] * per, images.data() + (idx[k] + 1) * per,
              out.data() + (int64_t)k * per);
  return out;
}

}  // namespace

ClassifierTrainOptions classifier_train_options(const Config& cfg, int background) {
  ClassifierTrainOptions o;
  o.steps = cfg.get_int("steps");
  o.batch_size = cfg.get_int("batch_size");
  o.learning_rate = cfg.get_float("learning_rate");
  o.weight_decay = cfg.get_float("weight_decay");
  o.warmup_steps = cfg.get_int("warmup_steps");
  o.log_every_seconds = cfg.get_float("log_every_seconds");
  o.seed = (uint64_t)cfg.get_int("seed") + 1;
  o.augment.max_shift = (int)cfg.get_int("max_shift");
  o.augment.scale_min = (float)cfg.get_float("scale_min");
  o.augment.scale_max = (float)cfg.get_float("scale_max");
  o.augment.brightness = (float)cfg.get_float("brightness");
  o.augment.contrast = (float)cfg.get_float("contrast");
  o.augment.noise_std = (float)cfg.get_float("noise_std");
  o.augment.blur_probability = (float)cfg.get_float("blur_probability");
  o.augment.fill = (float)background / 255.0f;
  return o;
}

EmojiClassifierTask::EmojiClassifierTask(models::EmojiClassifier& model, const Tensor& images,
                                         const std::vector<int64_t>& labels,
                                         const ClassifierTrainOptions& options)
    : model_(model), images_(images), labels_(labels), options_(options), rng_(options.seed) {
  check_labels(model, images, labels, "train_emoji_classifier");
  SYN_CHECK(options.steps > 0 && options.batch_size > 0, "train_emoji_classifier: steps ",
            options.steps, " and batch_size ", options.batch_size, " must be positive");
  AdamOptions adam;
  adam.lr = options.learning_rate;
  adam.weight_decay = options.weight_decay;
  adam.decoupled_weight_decay = true;
  optimizer_ = std::make_unique<Adam>(model.named_parameters(), adam);
  images_order_ = ShuffledCycle((size_t)images.size(0));
}

TrainerOptions EmojiClassifierTask::trainer_options() const {
  TrainerOptions o;
  o.max_steps = options_.steps;
  o.learning_rate = options_.learning_rate;
  o.warmup_steps = std::min(options_.warmup_steps, options_.steps - 1);
  o.progress.every_seconds = options_.log_every_seconds;
  o.progress.unit = "images";
  o.progress.prefix = "train";
  return o;
}

StepOutput EmojiClassifierTask::training_step(int64_t /*step*/) {
  model_.train();
  std::vector<int64_t> idx, targets;
  while ((int64_t)idx.size() < options_.batch_size) {
    idx.push_back((int64_t)images_order_.next(rng_));
    targets.push_back(labels_[(size_t)idx.back()]);
  }
  Tensor x = augment_batch(gather(images_, idx), options_.augment, rng_);
  Tensor logits = model_.forward(x);
  const quality::ClassifyResult acc = quality::score_logits(logits.detach(), targets);
  accuracies_.push_back(acc.top1);
  return {ops::cross_entropy(logits, targets), options_.batch_size, {{"acc", acc.top1}}};
}

ClassifierTrainReport train_emoji_classifier(models::EmojiClassifier& model, const Tensor& images,
                                             const std::vector<int64_t>& labels,
                                             const ClassifierTrainOptions& o, std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  EmojiClassifierTask task(model, images, labels, o);
  Trainer trainer(task);
  trainer.fit(log);
  ClassifierTrainReport r;
  r.steps = o.steps;
  const std::vector<float>& losses = trainer.losses();
  const std::vector<double>& accs = task.batch_accuracies();
  const size_t n = std::min<size_t>(50, losses.size());
  for (size_t i = losses.size() - n; i < losses.size(); ++i) {
    r.final_loss += losses[i] / (double)n;
    r.final_accuracy += accs[i] / (double)n;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

AugmentedAccuracy evaluate_augmented(models::EmojiClassifier& model, const Tensor& images,
                                     const std::vector<int64_t>& labels, int64_t views_per_image,
                                     const ImageAugmentOptions& augment, uint64_t seed) {
  check_labels(model, images, labels, "evaluate_augmented");
  SYN_CHECK(views_per_image > 0, "evaluate_augmented: views_per_image ", views_per_image,
            " must be positive");
  Rng rng(seed);
  AugmentedAccuracy r;
  double top1 = 0.0, top5 = 0.0;
  const size_t classes = (size_t)model.config().num_classes;
  std::vector<double> hits(classes, 0.0), seen(classes, 0.0);
  for (int64_t v = 0; v < views_per_image; ++v) {
    Tensor views = augment_batch(images, augment, rng);
    quality::ClassifyResult c = quality::classify(model, views, labels);
    top1 += c.top1 * (double)c.counted;
    top5 += c.top5 * (double)c.counted;
    r.views += c.counted;
    for (size_t i = 0; i < labels.size(); ++i) {
      seen[(size_t)labels[i]] += 1.0;
      hits[(size_t)labels[i]] += c.rank[i] == 0 ? 1.0 : 0.0;
    }
  }
  r.top1 = top1 / (double)r.views;
  r.top5 = top5 / (double)r.views;
  r.class_top1.assign(classes, -1.0);
  for (size_t k = 0; k < classes; ++k)
    if (seen[k] > 0.0) r.class_top1[k] = hits[k] / seen[k];
  r.clean_top1 = quality::classify(model, images, labels).top1;
  return r;
}

}  // namespace syn::app
