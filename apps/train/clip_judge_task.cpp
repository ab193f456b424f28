// clip_judge_task.cpp — see clip_judge_task.h.
#include "apps/train/clip_judge_task.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

#include "apps/train/trainer.h"
#include "engine/check.h"

namespace syn::app {

namespace {

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

// Unit embeddings of all images, 256 at a time (eval mode).
std::vector<float> image_embeddings(models::ClipJudge& model, const Tensor& images) {
  std::vector<float> out;
  for (int64_t a = 0; a < images.size(0); a += 256) {
    std::vector<int64_t> idx;
    for (int64_t i = a; i < std::min(images.size(0), a + 256); ++i) idx.push_back(i);
    std::vector<float> e = model.encode_images(gather(images, idx)).detach().to_vector();
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

}  // namespace

ClipJudgeTask::ClipJudgeTask(models::ClipJudge& model, const Tensor& images,
                             const std::vector<JudgeExample>& examples,
                             const ClipJudgeTrainOptions& options)
    : model_(model), images_(images), examples_(examples), options_(options), rng_(options.seed) {
  SYN_CHECK(images.dim() == 4 && images.size(1) == 3 && !images.is_cuda(),
            "train_clip_judge: expected CPU images [N, 3, S, S], got ", images.describe());
  SYN_CHECK(options.steps > 0 && options.batch_size > 1, "train_clip_judge: steps ", options.steps,
            " must be positive and batch_size ", options.batch_size, " at least 2");
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < examples.size(); ++i) {
    SYN_CHECK(examples[i].row >= 0 && examples[i].row < images.size(0), "train_clip_judge: row ",
              examples[i].row, " is not an image of ", images.describe());
    auto [it, added] = index.emplace(examples[i].concept_id, by_concept_.size());
    if (added) by_concept_.emplace_back();
    by_concept_[it->second].push_back(i);
  }
  SYN_CHECK((int64_t)by_concept_.size() >= options.batch_size, "train_clip_judge: batch_size ",
            options.batch_size, " is more than the ", by_concept_.size(),
            " concepts of the training set");
  AdamOptions adam;
  adam.lr = options.learning_rate;
  adam.weight_decay = options.weight_decay;
  adam.decoupled_weight_decay = true;
  optimizer_ = std::make_unique<Adam>(model.named_parameters(), adam);
  concepts_ = ShuffledCycle(by_concept_.size());
}

TrainerOptions ClipJudgeTask::trainer_options() const {
  TrainerOptions o;
  o.max_steps = options_.steps;
  o.learning_rate = options_.learning_rate;
  o.warmup_steps = std::min(options_.warmup_steps, options_.steps - 1);
  o.progress.every_seconds = options_.log_every_seconds;
  o.val_every = options_.validation ? options_.val_every : 0;
  o.progress.unit = "pairs";
  o.progress.prefix = "train";
  return o;
}

StepOutput ClipJudgeTask::training_step(int64_t /*step*/) {
  model_.train();
  std::vector<int64_t> rows;
  std::vector<std::string> texts;
  while ((int64_t)rows.size() < options_.batch_size) {
    const std::vector<size_t>& pics = by_concept_[concepts_.next(rng_)];
    const JudgeExample& ex = examples_[pics[(size_t)rng_.randint((int64_t)pics.size())]];
    rows.push_back(ex.row);
    texts.push_back(rng_.uniform() < options_.concept_text_share ? ex.concept_id : ex.caption);
  }
  Tensor x = augment_batch(gather(images_, rows), options_.augment, rng_);
  return {model_.contrastive_loss(x, texts), options_.batch_size, {}};
}

void ClipJudgeTask::validation(std::ostream& log, SummaryWriter* /*tb*/) {
  JudgeQuality q = evaluate_clip_judge(model_, *options_.validation);
  JudgeValidationPoint p{step(), q.concept_top1, q.concept_top5, q.recall1, q.recall5, 0};
  p.score = (p.top1 + p.top5 + p.recall1 + p.recall5) / 4;
  curve_.push_back(p);
  const bool best = best_step_ < 0 || p.score > best_score_;
  if (best) {
    best_score_ = p.score;
    best_step_ = p.step;
    best_state_.clear();
    for (auto& [name, t] : model_.state_dict()) best_state_.emplace_back(name, t.clone());
  }
  auto pct = [](double v) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(1) << 100 * v;
    return os.str();
  };
  log << "validation step " << p.step << ": concept top-1 " << pct(p.top1) << "%, top-5 "
      << pct(p.top5) << "%, recall@1 " << pct(p.recall1) << "%, recall@5 " << pct(p.recall5)
      << "%, score " << pct(p.score) << (best ? " (best so far)" : "") << "\n";
}

int64_t ClipJudgeTask::restore_best() {
  if (best_step_ >= 0) model_.load_state_dict(best_state_);
  return best_step_;
}

double train_clip_judge(models::ClipJudge& model, const Tensor& images,
                        const std::vector<JudgeExample>& examples,
                        const ClipJudgeTrainOptions& options, std::ostream& log,
                        JudgeTrainReport* report) {
  ClipJudgeTask task(model, images, examples, options);
  Trainer trainer(task);
  trainer.fit(log);
  const std::vector<float>& losses = trainer.losses();
  const size_t n = std::min<size_t>(50, losses.size());
  double mean = 0;
  for (size_t i = losses.size() - n; i < losses.size(); ++i) mean += losses[i] / (double)n;
  const int64_t kept = options.keep_best ? task.restore_best() : -1;
  if (report) {
    report->final_loss = mean;
    report->curve = task.curve();
    report->best_step = kept >= 0 ? kept : (task.curve().empty() ? -1 : task.step());
  }
  return mean;
}

JudgeQuality evaluate_clip_judge(models::ClipJudge& model, const JudgeEvalSet& set) {
  return evaluate_clip_judge(model, set.images, set.concepts, set.concept_names, set.prompts,
                             set.prompt_concepts);
}

JudgeQuality evaluate_clip_judge(models::ClipJudge& model, const Tensor& images,
                                 const std::vector<std::string>& concept_of_image,
                                 const std::vector<std::string>& concept_names,
                                 const std::vector<std::string>& prompts,
                                 const std::vector<std::string>& prompt_concepts) {
  SYN_CHECK((int64_t)concept_of_image.size() == images.size(0) && !concept_names.empty() &&
                prompts.size() == prompt_concepts.size(),
            "evaluate_clip_judge: ", concept_of_image.size(), " concepts for images ",
            images.describe(), ", ", prompts.size(), " prompts, ", prompt_concepts.size(),
            " prompt concepts");
  model.eval();
  const int64_t N = images.size(0), D = model.config().embed_dim;
  const std::vector<float> img = image_embeddings(model, images);
  auto dot = [&](const std::vector<float>& t, int64_t i, int64_t j) {
    double s = 0;
    for (int64_t k = 0; k < D; ++k) s += (double)img[(size_t)(i * D + k)] * t[(size_t)(j * D + k)];
    return s;
  };
  JudgeQuality q;
  q.pictures = N;
  q.concepts = (int64_t)concept_names.size();
  const std::vector<float> names = model.encode_texts(concept_names).detach().to_vector();
  std::map<std::string, int64_t> name_index;
  for (size_t j = 0; j < concept_names.size(); ++j) name_index[concept_names[j]] = (int64_t)j;
  for (int64_t i = 0; i < N; ++i) {
    auto it = name_index.find(concept_of_image[(size_t)i]);
    SYN_CHECK(it != name_index.end(), "evaluate_clip_judge: concept '", concept_of_image[(size_t)i],
              "' of image ", i, " is not among the concept names");
    const double own = dot(names, i, it->second);
    int64_t above = 0;
    for (int64_t j = 0; j < (int64_t)concept_names.size(); ++j) above += dot(names, i, j) > own;
    q.concept_top1 += above == 0;
    q.concept_top5 += above < 5;
  }
  if (N > 0) {
    q.concept_top1 /= (double)N;
    q.concept_top5 /= (double)N;
  }
  if (!prompts.empty()) {
    const std::vector<float> p = model.encode_texts(prompts).detach().to_vector();
    for (size_t j = 0; j < prompts.size(); ++j) {
      std::vector<std::pair<double, int64_t>> ranked;
      bool any = false;
      for (int64_t i = 0; i < N; ++i) {
        ranked.emplace_back(-dot(p, i, (int64_t)j), i);
        any |= concept_of_image[(size_t)i] == prompt_concepts[j];
      }
      if (!any) continue;
      std::sort(ranked.begin(), ranked.end());
      q.prompts += 1;
      for (size_t r = 0; r < std::min<size_t>(5, ranked.size()); ++r)
        if (concept_of_image[(size_t)ranked[r].second] == prompt_concepts[j]) {
          q.recall1 += r == 0;
          q.recall5 += 1;
          break;
        }
    }
    if (q.prompts > 0) {
      q.recall1 /= (double)q.prompts;
      q.recall5 /= (double)q.prompts;
    }
  }
  return q;
}

}  // namespace syn::app
