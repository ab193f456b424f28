// tag_head.cpp — see tag_head.h.
#include "apps/pipeline/tag_head.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <ostream>

#include "engine/autograd.h"
#include "engine/ops/loss.h"
#include "engine/optim/adam.h"
#include "engine/optim/plateau.h"
#include "engine/progress.h"

namespace syn::app {

namespace {

// Rows `order[b0..b1)` of a [N, C] host matrix as a [b1-b0, C] tensor on `device`.
Tensor gather_rows(const std::vector<float>& m, int64_t cols, const std::vector<int64_t>& order,
                   size_t b0, size_t b1, Device device) {
  std::vector<float> out((b1 - b0) * (size_t)cols);
  for (size_t i = b0; i < b1; ++i)
    std::memcpy(&out[(i - b0) * (size_t)cols], &m[(size_t)order[i] * (size_t)cols],
                (size_t)cols * sizeof(float));
  return Tensor::from_vector(out, {(int64_t)(b1 - b0), cols}, device);
}

void check_xy(const Tensor& x, const Tensor& y, const char* what) {
  SYN_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(0) == y.size(0), what,
            ": features [N, D] and labels [N, T] must have the same N, got ", shape_str(x.shape()),
            " and ", shape_str(y.shape()));
  SYN_CHECK(x.size(0) > 0, what, ": no examples");
}

constexpr int64_t kEvalBatch = 4096;

}  // namespace

double head_loss(nn::Sequential& head, const Tensor& x, const Tensor& y, Device device) {
  check_xy(x, y, "head_loss");
  NoGradGuard no_grad;
  std::vector<float> xv = x.to_vector(), yv = y.to_vector();
  std::vector<int64_t> order((size_t)x.size(0));
  std::iota(order.begin(), order.end(), 0);
  double total = 0;
  for (size_t b0 = 0; b0 < order.size(); b0 += kEvalBatch) {
    size_t b1 = std::min(order.size(), b0 + (size_t)kEvalBatch);
    Tensor logits = head.forward(gather_rows(xv, x.size(1), order, b0, b1, device));
    Tensor loss = ops::bce_with_logits(logits, gather_rows(yv, y.size(1), order, b0, b1, device));
    total += (double)loss.item() * (double)(b1 - b0);
  }
  return total / (double)order.size();
}

Tensor head_probabilities(nn::Sequential& head, const Tensor& x, Device device) {
  SYN_CHECK(x.dim() == 2, "head_probabilities: features must be [N, D], got ",
            shape_str(x.shape()));
  NoGradGuard no_grad;
  bool was_training = head.is_training();
  head.eval();
  std::vector<float> xv = x.to_vector(), probs;
  std::vector<int64_t> order((size_t)x.size(0));
  std::iota(order.begin(), order.end(), 0);
  int64_t tags = 0;
  for (size_t b0 = 0; b0 < order.size(); b0 += kEvalBatch) {
    size_t b1 = std::min(order.size(), b0 + (size_t)kEvalBatch);
    Tensor logits = head.forward(gather_rows(xv, x.size(1), order, b0, b1, device));
    tags = logits.size(1);
    for (float z : logits.to_vector()) probs.push_back(1.0f / (1.0f + std::exp(-z)));
  }
  head.train(was_training);
  return Tensor::from_vector(probs, {x.size(0), tags});
}

HeadTrainingResult train_tag_head(nn::Sequential& head, const Tensor& train_x,
                                  const Tensor& train_y, const Tensor& valid_x,
                                  const Tensor& valid_y, const HeadTrainingOptions& o,
                                  std::ostream& log) {
  check_xy(train_x, train_y, "tag head training set");
  check_xy(valid_x, valid_y, "tag head validation set");
  SYN_CHECK(o.batch > 0 && o.max_epochs > 0, "tag head: batch and max_epochs must be positive");
  head.to(o.device);
  head.train();
  Adam opt(head.named_parameters(), {.lr = o.lr, .weight_decay = o.weight_decay});
  ReduceLrOnPlateau plateau({.factor = o.plateau_factor, .patience = o.plateau_patience});
  EarlyStopping stopper(o.early_stopping_patience);
  Rng rng(o.seed);

  std::vector<float> xv = train_x.to_vector(), yv = train_y.to_vector();
  std::vector<int64_t> order((size_t)train_x.size(0));
  std::iota(order.begin(), order.end(), 0);
  NamedTensors best_state;
  HeadTrainingResult r;
  Progress progress(o.max_epochs, log,
                    {.every_seconds = 0, .every_steps = 1, .unit = "examples", .prefix = "head"});
  for (int64_t epoch = 1; epoch <= o.max_epochs; ++epoch) {
    for (size_t i = order.size(); i > 1; --i)  // Fisher-Yates with our seeded generator
      std::swap(order[i - 1], order[(size_t)rng.randint((int64_t)i)]);
    double sum = 0;
    for (size_t b0 = 0; b0 < order.size(); b0 += (size_t)o.batch) {
      size_t b1 = std::min(order.size(), b0 + (size_t)o.batch);
      Tensor logits = head.forward(gather_rows(xv, train_x.size(1), order, b0, b1, o.device));
      Tensor loss =
          ops::bce_with_logits(logits, gather_rows(yv, train_y.size(1), order, b0, b1, o.device));
      loss.backward();
      opt.step();
      opt.zero_grad();
      sum += (double)loss.item() * (double)(b1 - b0);
    }
    head.eval();
    double valid = head_loss(head, valid_x, valid_y, o.device);
    head.train();
    SYN_CHECK(std::isfinite(valid), "tag head: validation loss is ", valid, " at epoch ", epoch,
              " (diverged; try a lower --finetuner_learning_rate)");
    r.train_loss.push_back(sum / (double)order.size());
    r.valid_loss.push_back(valid);
    r.lr.push_back(opt.lr());
    progress.update(epoch, (int64_t)order.size(),
                    {{"train_loss", r.train_loss.back()}, {"valid_loss", valid}, {"lr", opt.lr()}});
    bool stop = stopper.step(valid);
    if (stopper.improved()) {
      r.best_epoch = epoch;
      best_state.clear();
      for (auto& [name, t] : head.state_dict()) best_state.emplace_back(name, t.clone());
    }
    if (stop) {
      r.early_stopped = true;
      break;
    }
    opt.set_lr(plateau.step(valid, opt.lr()));
  }
  progress.finish();
  head.load_state_dict(best_state);
  head.eval();
  log << "tag head: " << r.train_loss.size() << " epochs"
      << (r.early_stopped ? " (early stop)" : "") << ", best validation loss "
      << r.valid_loss[(size_t)r.best_epoch - 1] << " at epoch " << r.best_epoch << "\n";
  return r;
}

}  // namespace syn::app
