// caption_metrics.cpp — see caption_metrics.h.
#include "apps/eval/caption_metrics.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "data/text/caption_tokenizers.h"
#include "data/text/porter_stemmer.h"
#include "engine/check.h"
#include "engine/thread_pool.h"

namespace syn {

namespace {

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
  return s;
}

}  // namespace

// ---------- BLEU ----------

namespace {

// n-gram counts of orders 1..max_order, keyed by the tokens joined with '\x1f'.
std::unordered_map<std::string, int64_t> ngram_counts(const std::vector<std::string>& toks,
                                                      int max_order) {
  std::unordered_map<std::string, int64_t> counts;
  for (int order = 1; order <= max_order; ++order)
    for (size_t i = 0; i + order <= toks.size(); ++i) {
      std::string key = std::to_string(order);
      for (int k = 0; k < order; ++k) key += '\x1f' + toks[i + k];
      ++counts[key];
    }
  return counts;
}

struct BleuStats {
  std::vector<int64_t> matches, possible;
  int64_t hyp_len = 0, ref_len = 0;
};

BleuStats bleu_stats(const std::vector<std::string>& hyp, const std::vector<std::string>& ref,
                     int max_order) {
  BleuStats st;
  st.matches.assign(max_order, 0);
  st.possible.assign(max_order, 0);
  st.hyp_len = (int64_t)hyp.size();
  st.ref_len = (int64_t)ref.size();
  auto h = ngram_counts(hyp, max_order), r = ngram_counts(ref, max_order);
  for (const auto& [key, c] : h) {
    auto it = r.find(key);
    if (it == r.end()) continue;
    int order = std::stoi(key.substr(0, key.find('\x1f')));
    st.matches[order - 1] += std::min(c, it->second);
  }
  for (int order = 1; order <= max_order; ++order) {
    int64_t possible = (int64_t)hyp.size() - order + 1;
    if (possible > 0) st.possible[order - 1] += possible;
  }
  return st;
}

BleuResult finish_bleu(const BleuStats& st, int max_order, bool smooth) {
  BleuResult r;
  r.translation_length = st.hyp_len;
  r.reference_length = st.ref_len;
  r.precisions.assign(max_order, 0.0);
  for (int i = 0; i < max_order; ++i) {
    if (smooth)
      r.precisions[i] = (st.matches[i] + 1.0) / (st.possible[i] + 1.0);
    else if (st.possible[i] > 0)
      r.precisions[i] = (double)st.matches[i] / (double)st.possible[i];
  }
  double geo_mean = 0;
  if (*std::min_element(r.precisions.begin(), r.precisions.end()) > 0) {
    double log_sum = 0;
    for (double p : r.precisions) log_sum += (1.0 / max_order) * std::log(p);
    geo_mean = std::exp(log_sum);
  }
  SYN_CHECK(st.ref_len > 0, "BLEU: the references have no tokens at all");
  r.length_ratio = (double)st.hyp_len / (double)st.ref_len;
  // tensorflow/nmt divides by the ratio; an empty candidate set (ratio 0) scores 0 here.
  r.brevity_penalty = r.length_ratio > 1.0   ? 1.0
                      : r.length_ratio > 0.0 ? std::exp(1.0 - 1.0 / r.length_ratio)
                                             : 0.0;
  r.bleu = geo_mean * r.brevity_penalty;
  return r;
}

void add_stats(BleuStats& into, const BleuStats& s) {
  if (into.matches.empty()) {
    into.matches.assign(s.matches.size(), 0);
    into.possible.assign(s.possible.size(), 0);
  }
  for (size_t i = 0; i < s.matches.size(); ++i) {
    into.matches[i] += s.matches[i];
    into.possible[i] += s.possible[i];
  }
  into.hyp_len += s.hyp_len;
  into.ref_len += s.ref_len;
}

}  // namespace

BleuResult corpus_bleu(const std::vector<std::string>& predictions,
                       const std::vector<std::string>& references, int max_order, bool smooth) {
  SYN_CHECK(predictions.size() == references.size(), "BLEU: ", predictions.size(),
            " predictions but ", references.size(), " references");
  SYN_CHECK(max_order >= 1, "BLEU: max_order must be >= 1, got ", max_order);
  std::vector<BleuStats> per(predictions.size());
  const int64_t n = (int64_t)predictions.size();
  run_chunks((n + 15) / 16, [&](int64_t b) {  // blocks of 16, claimed as threads free up
    for (int64_t i = b * 16; i < std::min(n, b * 16 + 16); ++i)
      per[i] = bleu_stats(tokenize_13a(predictions[i]), tokenize_13a(references[i]), max_order);
  });
  BleuStats total;
  total.matches.assign(max_order, 0);
  total.possible.assign(max_order, 0);
  for (const auto& s : per) add_stats(total, s);
  return finish_bleu(total, max_order, smooth);
}

// ---------- METEOR ----------

namespace {

using Enum = std::vector<std::pair<int, std::string>>;  // (position, word)

// NLTK's _match_enums: hypothesis words from the last, each paired with the last equal
// reference word still unmatched; both leave their lists.
void match_enums(Enum& hyp, Enum& ref, std::vector<std::pair<int, int>>& matches) {
  for (long i = (long)hyp.size() - 1; i >= 0; --i) {
    for (long j = (long)ref.size() - 1; j >= 0; --j) {
      if (hyp[i].second == ref[j].second) {
        matches.emplace_back(hyp[i].first, ref[j].first);
        hyp.erase(hyp.begin() + i);
        ref.erase(ref.begin() + j);
        break;
      }
    }
  }
}

// Porter stems repeat across captions: one cache per thread (cleared when it grows large).
const std::string& cached_stem(const std::string& w) {
  thread_local std::unordered_map<std::string, std::string> cache;
  auto it = cache.find(w);
  if (it != cache.end()) return it->second;
  if (cache.size() > 200000) cache.clear();
  return cache.emplace(w, porter_stem(w)).first->second;
}

}  // namespace

double meteor_tokens(const std::vector<std::string>& reference,
                     const std::vector<std::string>& hypothesis, const MeteorParams& p) {
  Enum hyp, ref;
  for (size_t i = 0; i < hypothesis.size(); ++i)
    hyp.emplace_back((int)i, lower_ascii(hypothesis[i]));
  for (size_t j = 0; j < reference.size(); ++j) ref.emplace_back((int)j, lower_ascii(reference[j]));
  size_t hyp_len = hyp.size(), ref_len = ref.size();
  std::vector<std::pair<int, int>> matches;
  match_enums(hyp, ref, matches);
  // Stem stage on what is left, with the original positions.
  Enum hyp_stems, ref_stems;
  for (auto& [pos, w] : hyp) hyp_stems.emplace_back(pos, cached_stem(w));
  for (auto& [pos, w] : ref) ref_stems.emplace_back(pos, cached_stem(w));
  match_enums(hyp_stems, ref_stems, matches);
  // (NLTK's third stage, WordNet synonyms, would run here.)
  if (matches.empty() || hyp_len == 0 || ref_len == 0) return 0.0;
  std::sort(matches.begin(), matches.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  int chunks = 1;
  for (size_t i = 0; i + 1 < matches.size(); ++i)
    if (!(matches[i + 1].first == matches[i].first + 1 &&
          matches[i + 1].second == matches[i].second + 1))
      ++chunks;
  double m = (double)matches.size();
  double precision = m / (double)hyp_len, recall = m / (double)ref_len;
  double fmean = (precision * recall) / (p.alpha * precision + (1 - p.alpha) * recall);
  double frag = (double)chunks / m;
  double penalty = p.gamma * std::pow(frag, p.beta);
  return (1 - penalty) * fmean;
}

double meteor_sentence(const std::string& reference, const std::string& hypothesis,
                       const MeteorParams& p) {
  return meteor_tokens(nltk_word_tokenize(reference), nltk_word_tokenize(hypothesis), p);
}

// ---------- ROUGE-L ----------

RougeScore rouge_l_sentence(const std::string& reference, const std::string& prediction) {
  std::vector<std::string> ref = tokenize_rouge(reference), can = tokenize_rouge(prediction);
  RougeScore s;
  if (ref.empty() || can.empty()) return s;
  std::vector<int> prev(can.size() + 1, 0), cur(can.size() + 1, 0);
  for (size_t i = 1; i <= ref.size(); ++i) {
    for (size_t j = 1; j <= can.size(); ++j)
      cur[j] = ref[i - 1] == can[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  double lcs = prev[can.size()];
  s.precision = lcs / (double)can.size();
  s.recall = lcs / (double)ref.size();
  s.fmeasure =
      s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
  return s;
}

// ---------- everything at once ----------

CaptionScores score_captions(const std::vector<std::string>& predictions,
                             const std::vector<std::string>& references) {
  SYN_CHECK(predictions.size() == references.size(), "score_captions: ", predictions.size(),
            " predictions but ", references.size(), " references");
  SYN_CHECK(!predictions.empty(), "score_captions: no captions to score");
  size_t n = predictions.size();
  std::vector<BleuStats> bleu(n);
  std::vector<double> meteor(n), rouge(n), words(n);
  run_chunks(((int64_t)n + 7) / 8, [&](int64_t b) {  // blocks of 8, claimed as threads free up
    for (size_t i = (size_t)b * 8; i < std::min(n, (size_t)b * 8 + 8); ++i) {
      bleu[i] = bleu_stats(tokenize_13a(predictions[i]), tokenize_13a(references[i]), 4);
      meteor[i] = meteor_sentence(references[i], predictions[i]);
      rouge[i] = rouge_l_sentence(references[i], predictions[i]).fmeasure;
      words[i] = (double)python_split(predictions[i]).size();
    }
  });
  CaptionScores out;
  out.count = (int64_t)n;
  for (int order = 1; order <= 4; ++order) {
    BleuStats total;
    total.matches.assign(order, 0);
    total.possible.assign(order, 0);
    for (const auto& s : bleu) {
      for (int k = 0; k < order; ++k) {
        total.matches[k] += s.matches[k];
        total.possible[k] += s.possible[k];
      }
      total.hyp_len += s.hyp_len;
      total.ref_len += s.ref_len;
    }
    out.bleu[order - 1] = finish_bleu(total, order, false).bleu;
  }
  for (size_t i = 0; i < n; ++i) {
    out.meteor += meteor[i];
    out.rouge_l += rouge[i];
    out.mean_words += words[i];
  }
  out.meteor /= (double)n;
  out.rouge_l /= (double)n;
  out.mean_words /= (double)n;
  return out;
}

}  // namespace syn
