// emoji_classifier_training.cpp — see emoji_classifier_training.h.
#include "apps/train/emoji_classifier_training.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <numeric>

#include "apps/eval/image_quality.h"
#include "engine/check.h"
#include "engine/ops/loss.h"
#include "engine/optim/adam.h"
#include "engine/optim/schedule.h"
#include "engine/progress.h"

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

ClassifierTrainReport train_emoji_classifier(models::EmojiClassifier& model, const Tensor& images,
                                             const std::vector<int64_t>& labels,
                                             const ClassifierTrainOptions& o, std::ostream& log) {
  check_labels(model, images, labels, "train_emoji_classifier");
  SYN_CHECK(o.steps > 0 && o.batch_size > 0, "train_emoji_classifier: steps ", o.steps,
            " and batch_size ", o.batch_size, " must be positive");
  const auto start = std::chrono::steady_clock::now();
  const int64_t N = images.size(0);
  Rng rng(o.seed);
  model.train();
  AdamOptions adam;
  adam.lr = o.learning_rate;
  adam.weight_decay = o.weight_decay;
  adam.decoupled_weight_decay = true;
  Adam opt(model.named_parameters(), adam);
  CosineSchedule schedule{o.learning_rate, 0.0, std::min(o.warmup_steps, o.steps - 1), o.steps};

  ProgressOptions po;
  po.every_seconds = o.log_every_seconds;
  po.unit = "images";
  po.prefix = "train";
  Progress progress(o.steps, log, po);

  std::vector<int64_t> order((size_t)N);
  std::iota(order.begin(), order.end(), 0);
  size_t cursor = order.size();                  // forces a shuffle before the first batch
  std::deque<std::pair<double, double>> recent;  // (loss, batch accuracy) of the last 50 steps
  for (int64_t step = 0; step < o.steps; ++step) {
    std::vector<int64_t> idx, targets;
    while ((int64_t)idx.size() < o.batch_size) {
      if (cursor == order.size()) {
        for (size_t i = order.size(); i > 1; --i)
          std::swap(order[i - 1], order[(size_t)rng.randint((int64_t)i)]);
        cursor = 0;
      }
      idx.push_back(order[cursor++]);
      targets.push_back(labels[(size_t)idx.back()]);
    }
    Tensor x = augment_batch(gather(images, idx), o.augment, rng);
    Tensor logits = model.forward(x);
    Tensor loss = ops::cross_entropy(logits, targets);
    opt.set_lr(schedule.lr(step));
    loss.backward();
    opt.step();
    opt.zero_grad();

    const quality::ClassifyResult acc = quality::score_logits(logits.detach(), targets);
    recent.emplace_back(loss.item(), acc.top1);
    if (recent.size() > 50) recent.pop_front();
    progress.update(step + 1, o.batch_size,
                    {{"loss", loss.item()}, {"acc", acc.top1}, {"lr", opt.lr()}});
  }
  progress.finish();
  ClassifierTrainReport r;
  r.steps = o.steps;
  for (auto& [l, a] : recent) {
    r.final_loss += l / (double)recent.size();
    r.final_accuracy += a / (double)recent.size();
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
