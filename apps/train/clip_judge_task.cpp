// clip_judge_task.cpp — see clip_judge_task.h.
#include "apps/train/clip_judge_task.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "apps/train/trainer.h"
#include "data/pictures/scene_caption.h"
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

// Scenes of the seeds drawn by `seed_of(i)`, i < tries, until `wanted` of distinct captions.
template <class SeedOf>
SceneBatch compose_scenes(const pictures::SceneIndex& index, SeedOf seed_of, int64_t tries,
                          int64_t wanted) {
  const int64_t S = index.options().size;
  SceneBatch out;
  std::vector<float> px;
  std::set<std::string> captions, concepts;
  for (int64_t i = 0; i < tries && (int64_t)out.captions.size() < wanted; ++i) {
    pictures::Scene scene = pictures::compose_scene(index, seed_of(i));
    if (!captions.insert(scene.caption).second) continue;  // two equal texts: no single positive
    out.captions.push_back(scene.caption);
    for (const pictures::SceneObject& o : scene.objects) concepts.insert(o.concept_id);
    for (float v : scene.image.px) px.push_back(std::clamp(v, 0.0f, 255.0f) / 255.0f);
  }
  out.images = Tensor::from_vector(px, {(int64_t)out.captions.size(), 3, S, S});
  out.concepts.assign(concepts.begin(), concepts.end());
  return out;
}

}  // namespace

SceneBatch step_scenes(const pictures::SceneIndex& index, uint64_t seed, int64_t step,
                       int64_t batch_size, int64_t wanted) {
  return compose_scenes(
      index, [&](int64_t i) { return pictures::scene_seed(seed, step * batch_size + i); },
      batch_size, wanted);
}

SceneBatch scene_set(const pictures::SceneIndex& index, uint64_t seed, int64_t n) {
  return compose_scenes(
      index, [&](int64_t i) { return pictures::scene_seed(seed, i); }, 4 * n, n);
}

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
  SYN_CHECK(options.scene_fraction >= 0 && options.scene_fraction < 1 &&
                (options.scene_fraction == 0 || options.scenes != nullptr),
            "train_clip_judge: scene_fraction ", options.scene_fraction,
            " must be in [0, 1), and needs a scene index when positive");
  SYN_CHECK(!options.scenes || options.scenes->options().size == images.size(2),
            "train_clip_judge: scenes of ", options.scenes ? options.scenes->options().size : 0,
            " px for pictures of ", images.size(2), " px");
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

StepOutput ClipJudgeTask::training_step(int64_t step) {
  model_.train();
  SceneBatch scenes;
  const int64_t wanted = std::min<int64_t>(
      std::llround(options_.scene_fraction * (double)options_.batch_size), options_.batch_size - 1);
  if (wanted > 0)
    scenes = step_scenes(*options_.scenes, options_.scene_seed, step, options_.batch_size, wanted);
  const int64_t n_scenes = (int64_t)scenes.captions.size();
  std::vector<int64_t> rows;
  std::vector<std::string> texts;
  // A concept a scene shows is skipped (its caption names it); after a whole pass of skips the
  // draw is kept, so a training set of few concepts still fills the batch.
  int64_t skipped = 0;
  while ((int64_t)rows.size() + n_scenes < options_.batch_size) {
    const size_t c = concepts_.next(rng_);
    const std::vector<size_t>& pics = by_concept_[c];
    const JudgeExample& ex0 = examples_[pics.front()];
    if (n_scenes > 0 && skipped < (int64_t)by_concept_.size() &&
        std::binary_search(scenes.concepts.begin(), scenes.concepts.end(), ex0.concept_id)) {
      ++skipped;
      continue;
    }
    const JudgeExample& ex = examples_[pics[(size_t)rng_.randint((int64_t)pics.size())]];
    rows.push_back(ex.row);
    texts.push_back(rng_.uniform() < options_.concept_text_share ? ex.concept_id : ex.caption);
  }
  Tensor x = gather(images_, rows);
  if (n_scenes > 0) {  // the scenes after the single pictures, under the same augmentation
    std::vector<float> all = x.to_vector(), sc = scenes.images.to_vector();
    all.insert(all.end(), sc.begin(), sc.end());
    Shape shape = x.shape();
    shape[0] = options_.batch_size;
    x = Tensor::from_vector(all, shape);
    texts.insert(texts.end(), scenes.captions.begin(), scenes.captions.end());
  }
  x = augment_batch(x, options_.augment, rng_);
  last_texts_ = texts;
  return {model_.contrastive_loss(x, texts), options_.batch_size, {}};
}

void ClipJudgeTask::validation(std::ostream& log, SummaryWriter* /*tb*/) {
  JudgeQuality q = evaluate_clip_judge(model_, *options_.validation);
  JudgeValidationPoint p{step(), q.concept_top1, q.concept_top5, q.recall1, q.recall5, 0};
  p.score = (p.top1 + p.top5 + p.recall1 + p.recall5) / 4;
  if (options_.scene_validation) {
    SceneRetrieval r = evaluate_scene_retrieval(model_, *options_.scene_validation);
    p.scene_recall1 = r.recall1;
    p.scene_recall5 = r.recall5;
  }
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
      << "%, score " << pct(p.score) << (best ? " (best so far)" : "");
  if (p.scene_recall1 >= 0)
    log << "; scenes (" << options_.scene_validation->captions.size() << "): caption recall@1 "
        << pct(p.scene_recall1) << "%, recall@5 " << pct(p.scene_recall5) << "%";
  log << "\n";
}

int64_t ClipJudgeTask::restore_best() {
  if (best_step_ >= 0) model_.load_state_dict(best_state_);
  return best_step_;
}

std::vector<std::string> judge_vocabulary_texts(const std::vector<JudgeExample>& train,
                                                const std::vector<std::string>& concept_names,
                                                bool scenes) {
  std::vector<std::string> texts;
  for (const JudgeExample& e : train) {
    texts.push_back(e.caption);
    texts.push_back(e.concept_id);
  }
  if (scenes) {
    for (const std::string& w : pictures::scene_caption_words()) texts.push_back(w);
    for (const std::string& c : concept_names) texts.push_back(pictures::plural(c));
  }
  return texts;
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

SceneRetrieval evaluate_scene_retrieval(models::ClipJudge& model, const SceneBatch& set) {
  const int64_t N = (int64_t)set.captions.size();
  SYN_CHECK(set.images.dim() == 4 && set.images.size(0) == N, "evaluate_scene_retrieval: ", N,
            " captions for images ", set.images.describe());
  SceneRetrieval r;
  r.scenes = N;
  if (N == 0) return r;
  model.eval();
  const int64_t D = model.config().embed_dim;
  const std::vector<float> img = image_embeddings(model, set.images);
  const std::vector<float> txt = model.encode_texts(set.captions).detach().to_vector();
  for (int64_t i = 0; i < N; ++i) {
    std::vector<double> s((size_t)N, 0.0);
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < D; ++k)
        s[(size_t)j] += (double)img[(size_t)(i * D + k)] * txt[(size_t)(j * D + k)];
    int64_t above = 0;
    for (int64_t j = 0; j < N; ++j) above += s[(size_t)j] > s[(size_t)i];
    r.recall1 += above == 0;
    r.recall5 += above < 5;
  }
  r.recall1 /= (double)N;
  r.recall5 /= (double)N;
  return r;
}

}  // namespace syn::app
