// imagine_eval.cpp — see imagine_eval.h.
#include "apps/eval/imagine_eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <set>

#include "apps/eval/feature_metrics.h"
#include "apps/eval/frechet_distance.h"
#include "apps/eval/judge_features.h"
#include "engine/check.h"
#include "engine/ops/linear.h"
#include "engine/ops/shape.h"
#include "engine/rng.h"

namespace syn::quality {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int64_t index_of(const std::vector<std::string>& list, const std::string& s) {
  auto it = std::find(list.begin(), list.end(), s);
  return it == list.end() ? -1 : (int64_t)(it - list.begin());
}

// Rows of `concepts` equal to c.
std::vector<int64_t> rows_of(const std::vector<std::string>& concepts, const std::string& c) {
  std::vector<int64_t> rows;
  for (size_t i = 0; i < concepts.size(); ++i)
    if (concepts[i] == c) rows.push_back((int64_t)i);
  return rows;
}

// [N, D] features · [C, D] texts -> cosines [N, C].
Tensor cosines(const Tensor& features, const Tensor& texts) {
  return ops::matmul(features, ops::transpose(texts, 0, 1));
}

// Each of n pictures' own prompt's text feature, [P · n, D].
Tensor repeat_rows(const Tensor& t, int64_t n) {
  std::vector<int64_t> rows;
  for (int64_t p = 0; p < t.size(0); ++p)
    for (int64_t k = 0; k < n; ++k) rows.push_back(p);
  return select_rows(t, rows);
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double pos = q * (double)(v.size() - 1);
  const size_t lo = (size_t)std::floor(pos), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}

}  // namespace

ImagineEvalReference make_reference(models::ClipJudge& judge, const pictures::PictureCorpus& corpus,
                                    models::LoadedEmojiClassifier* classifier) {
  SYN_CHECK(!corpus.sizes.empty() && !corpus.items.empty(), "the picture corpus is empty");
  ImagineEvalReference ref;
  ref.size = judge.config().image_size;
  int from = corpus.sizes.back();
  for (int s : corpus.sizes)
    if (s == ref.size) from = s;
  std::vector<float> px = corpus.images_at(from).to_vector();
  for (float& v : px) v /= 255.0f;
  const Tensor all = resize_area(Tensor::from_vector(px, corpus.images_at(from).shape()), ref.size);
  std::vector<int64_t> train_rows, held_rows;
  std::set<std::string> concept_set;
  for (size_t i = 0; i < corpus.items.size(); ++i) {
    const auto& it = corpus.items[i];
    concept_set.insert(it.concept_id);
    (it.held_out ? held_rows : train_rows).push_back((int64_t)i);
    (it.held_out ? ref.held_concepts : ref.train_concepts).push_back(it.concept_id);
  }
  SYN_CHECK(train_rows.size() >= 2 && held_rows.size() >= 2, "the picture corpus has ",
            train_rows.size(), " training and ", held_rows.size(),
            " held-out pictures: the evaluation needs at least 2 of each");
  ref.concepts.assign(concept_set.begin(), concept_set.end());
  ref.train_pixels = select_rows(all, train_rows);
  ref.train_features = judge_image_features(judge, ref.train_pixels);
  const Tensor held_pixels = select_rows(all, held_rows);
  ref.held_features = judge_image_features(judge, held_pixels);
  ref.concept_features = judge_text_features(judge, ref.concepts);
  std::vector<int64_t> held_ids;
  for (const auto& c : ref.held_concepts) held_ids.push_back(index_of(ref.concepts, c));
  ref.held_judge = score_logits(cosines(ref.held_features, ref.concept_features), held_ids);
  ref.held_nearest_features = nearest_features(ref.held_features, ref.train_features);
  ref.held_nearest_pixels = nearest_images(held_pixels, ref.train_pixels);
  ref.held_copy_threshold = percentile(ref.held_nearest_pixels.distance, 0.05);
  if (classifier) {
    std::vector<int64_t> ids;
    for (const auto& c : ref.held_concepts) ids.push_back(index_of(classifier->concepts, c));
    ref.held_classifier = classify(
        *classifier->model, resize_area(held_pixels, classifier->model->config().image_size), ids);
  }
  return ref;
}

void check_prompts(const std::vector<EvalPrompt>& prompts, const ImagineEvalReference& ref,
                   const std::string& source) {
  for (const auto& p : prompts) {
    if (p.concept_id.empty()) continue;
    SYN_CHECK(index_of(ref.concepts, p.concept_id) >= 0, "'", source, "': the prompt '", p.text,
              "' names concept '", p.concept_id, "', which the picture corpus does not have");
    SYN_CHECK(p.kind != "object" || !rows_of(ref.held_concepts, p.concept_id).empty(), "'", source,
              "': the object prompt '", p.text, "' names concept '", p.concept_id,
              "', which has no held-out picture in the corpus (no real reference)");
  }
}

Tensor lookup_pictures(const std::vector<EvalPrompt>& prompts, models::ClipJudge& judge,
                       const ImagineEvalReference& ref, int64_t n) {
  std::vector<std::string> texts;
  for (const auto& p : prompts) texts.push_back(p.text);
  const std::vector<float> cos =
      cosines(ref.train_features, judge_text_features(judge, texts)).to_vector();
  const int64_t P = (int64_t)prompts.size();
  std::vector<int64_t> chosen;
  for (int64_t p = 0; p < P; ++p) {
    std::vector<int64_t> rows = rows_of(ref.train_concepts, prompts[(size_t)p].concept_id);
    if (prompts[(size_t)p].concept_id.empty() || rows.empty()) {
      rows.resize(ref.train_concepts.size());
      std::iota(rows.begin(), rows.end(), 0);
    }
    std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) {
      return cos[(size_t)(a * P + p)] > cos[(size_t)(b * P + p)];
    });
    for (int64_t k = 0; k < n; ++k) chosen.push_back(rows[(size_t)k % rows.size()]);
  }
  return select_rows(ref.train_pixels, chosen);
}

ModelFigures measure_pictures(const std::string& model, const Tensor& pictures,
                              const std::vector<EvalPrompt>& prompts, models::ClipJudge& judge,
                              const ImagineEvalReference& ref,
                              models::LoadedEmojiClassifier* classifier,
                              const ImagineEvalOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t n = options.samples_per_prompt, P = (int64_t)prompts.size(), N = P * n;
  SYN_CHECK(pictures.dim() == 4 && pictures.size(0) == N && pictures.size(1) == 3, model,
            ": expected ", N, " pictures [", N, ", 3, S, S], got ", pictures.describe());
  ModelFigures m;
  m.model = model;
  m.pictures = N;
  const Tensor small = resize_area(pictures, ref.size);
  const Tensor features = judge_image_features(judge, small);

  // Concept recognition, by the judge and by the classifier.
  std::vector<int64_t> judge_ids, classifier_ids;
  for (const auto& p : prompts)
    for (int64_t k = 0; k < n; ++k) {
      judge_ids.push_back(p.concept_id.empty() ? -1 : index_of(ref.concepts, p.concept_id));
      classifier_ids.push_back(
          classifier && !p.concept_id.empty() ? index_of(classifier->concepts, p.concept_id) : -1);
    }
  m.judge = score_logits(cosines(features, ref.concept_features), judge_ids);
  if (classifier) {
    const int64_t cs = classifier->model->config().image_size;
    m.classifier = classify(*classifier->model, resize_area(pictures, cs), classifier_ids);
  }

  // Prompt fit, and the real pictures' fit with the same prompts.
  std::vector<std::string> texts;
  for (const auto& p : prompts) texts.push_back(p.text);
  const Tensor text_features = judge_text_features(judge, texts);
  const std::vector<double> fit = row_dots(features, repeat_rows(text_features, n));
  const std::vector<float> held_cos = cosines(ref.held_features, text_features).to_vector();
  m.fit = mean_of(fit);

  // Memorisation.
  m.nearest_features = nearest_features(features, ref.train_features);
  m.nearest_pixels = nearest_images(small, ref.train_pixels);
  for (double d : m.nearest_pixels.distance) m.near_copies += d < ref.held_copy_threshold;
  m.near_copies /= (double)std::max<int64_t>(1, N);

  // Per prompt: hits, fit, diversity, distances.
  std::map<std::string, std::vector<double>> kind_fit;
  std::map<std::string, std::pair<int64_t, int64_t>> kind_hits;  // hits, counted
  std::vector<double> diversities, real_diversities, matched_fit, matched_real;
  for (int64_t p = 0; p < P; ++p) {
    const EvalPrompt& prompt = prompts[(size_t)p];
    PromptFigures f;
    std::map<int64_t, int64_t> votes;
    std::vector<double> prompt_fit;
    for (int64_t k = 0; k < n; ++k) {
      const size_t i = (size_t)(p * n + k);
      f.judge_hits1 += m.judge.rank[i] == 0;
      f.judge_hits5 += m.judge.rank[i] >= 0 && m.judge.rank[i] < 5;
      prompt_fit.push_back(fit[i]);
      f.nearest_feature += m.nearest_features.distance[i] / (double)n;
      f.nearest_rms += m.nearest_pixels.distance[i] / (double)n;
      ++votes[m.judge.predicted[i]];
    }
    f.fit = mean_of(prompt_fit);
    f.judge_read =
        ref.concepts[(size_t)std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) {
                       return a.second < b.second;
                     })->first];
    kind_fit[prompt.kind].push_back(f.fit);
    if (!prompt.concept_id.empty()) {
      kind_hits[prompt.kind].first += f.judge_hits1;
      kind_hits[prompt.kind].second += n;
    }
    const std::vector<int64_t> held = rows_of(ref.held_concepts, prompt.concept_id);
    if (!prompt.concept_id.empty() && !held.empty()) {
      std::vector<double> real;
      for (int64_t r : held) real.push_back(held_cos[(size_t)(r * P + p)]);
      f.real_fit = mean_of(real);
      matched_fit.push_back(f.fit);
      matched_real.push_back(f.real_fit);
      if (held.size() >= 2) {
        f.real_diversity = mean_pairwise_distance(select_rows(ref.held_features, held));
        real_diversities.push_back(f.real_diversity);
      }
    }
    if (n >= 2) {
      std::vector<int64_t> rows((size_t)n);
      std::iota(rows.begin(), rows.end(), p * n);
      f.diversity = mean_pairwise_distance(select_rows(features, rows));
      diversities.push_back(f.diversity);
    }
    m.per_prompt.push_back(f);
  }
  m.fit_prompts = (int64_t)matched_fit.size();
  m.fit_matched = mean_of(matched_fit);
  m.real_fit = mean_of(matched_real);
  m.fit_share = m.real_fit != 0 ? m.fit_matched / m.real_fit : 0.0;
  if (!diversities.empty()) m.diversity = mean_of(diversities);
  if (!real_diversities.empty()) m.real_diversity = mean_of(real_diversities);
  for (const auto& [kind, v] : kind_fit) m.kind_fit[kind] = mean_of(v);
  for (const auto& kind : prompt_kinds()) {
    auto it = kind_hits.find(kind);
    m.kind_top1[kind] = it == kind_hits.end() || it->second.second == 0
                            ? NAN
                            : (double)it->second.first / (double)it->second.second;
  }

  // Distribution: FD against the held-out pictures, with its floor and ceiling at the same count.
  if (N >= 2) {
    m.fd = frechet_distance(features, ref.held_features);
    const int64_t T = ref.train_features.size(0);
    std::vector<int64_t> order((size_t)T);
    std::iota(order.begin(), order.end(), 0);
    Rng rng(options.seed + 7);
    for (int64_t i = T - 1; i > 0; --i)
      std::swap(order[(size_t)i], order[(size_t)(rng.next_u64() % (uint64_t)(i + 1))]);
    order.resize((size_t)std::min(T, N));
    m.fd_floor = frechet_distance(select_rows(ref.train_features, order), ref.held_features);
    m.fd_ceiling =
        frechet_distance(judge_image_features(judge, noise_images(N, options.seed + 11, ref.size)),
                         ref.held_features);
  }
  m.seconds_measure = seconds_since(t0);
  return m;
}

}  // namespace syn::quality
