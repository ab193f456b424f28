// caption_decode.cpp — greedy, top-p and beam decoding over the decoder's KV cache (see
// caption_decode.h). The logits of each step come to the host once ([rows, V]); choosing tokens
// is host work, as is the bookkeeping of hypotheses. Rows that finish are dropped from the cache
// (reorder), so a batch gets cheaper as its sentences end.
#include "models/caption_decode.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/rng.h"

namespace syn::models {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

void check_options(const CaptionDecoder& model, const DecodeOptions& o) {
  const auto& c = model.config();
  SYN_CHECK(o.max_tokens >= 1, "decode: max_tokens must be at least 1, got ", o.max_tokens);
  SYN_CHECK(o.beam >= 1, "decode: beam must be at least 1, got ", o.beam);
  SYN_CHECK(o.top_p >= 0 && o.top_p <= 1, "decode: top_p must be in [0, 1], got ", o.top_p);
  SYN_CHECK(o.top_p == 0 || o.beam == 1, "decode: top_p sampling and beam search (beam ", o.beam,
            ") do not combine; use one");
  SYN_CHECK(o.temperature > 0, "decode: temperature must be positive, got ", o.temperature);
  SYN_CHECK(o.no_repeat_ngram >= 0, "decode: no_repeat_ngram must be >= 0");
  SYN_CHECK(o.eos_id >= 0 && o.eos_id < c.vocab_size && o.bos_id >= 0 && o.bos_id < c.vocab_size,
            "decode: bos/eos ids outside the ", c.vocab_size, "-token vocabulary");
}

int64_t step_limit(const CaptionDecoder& model, const DecodeOptions& o) {
  return std::min(o.max_tokens, model.config().max_len);
}

int64_t argmax(const std::vector<double>& lp) {
  return (int64_t)(std::max_element(lp.begin(), lp.end()) - lp.begin());  // first maximum
}

int64_t sample_top_p(const std::vector<double>& lp, double top_p, double temperature, Rng& rng) {
  std::vector<int64_t> order(lp.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> p(lp.size());
  double mx = kNegInf;
  for (double v : lp) mx = std::max(mx, v / temperature);
  double z = 0;
  for (size_t i = 0; i < lp.size(); ++i)
    z += p[i] = lp[i] == kNegInf ? 0.0 : std::exp(lp[i] / temperature - mx);
  for (double& v : p) v /= z;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return p[(size_t)a] > p[(size_t)b]; });
  double kept = 0;
  size_t n = 0;
  while (n < order.size() && (n == 0 || kept < top_p) && p[(size_t)order[n]] > 0)
    kept += p[(size_t)order[n++]];
  double u = (double)rng.uniform() * kept, acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += p[(size_t)order[i]];
    if (u < acc) return order[i];
  }
  return order[n - 1];
}

uint64_t set_seed(uint64_t seed, int64_t index) {
  return seed * 0x9E3779B97F4A7C15ull ^ ((uint64_t)index + 1) * 0xD1B54A32D192ED03ull;
}

TagMemory encode(CaptionDecoder& model, const TagIds& tags) {
  NoGradGuard no_grad;
  model.eval();
  return model.encode_tags(tags);
}

}  // namespace

// Row r's logits (a host copy of the step's [R, V]) with the never-generated tokens and the
// n-gram repeats set to -inf, as log-probabilities (double).
void step_log_probs(const float* logits, int64_t V, const std::vector<int64_t>& seq,
                    const DecodeOptions& o, std::vector<double>& lp) {
  lp.assign(logits, logits + V);
  for (int64_t s = 0; s < std::min(o.num_special, V); ++s)
    if (s != o.eos_id) lp[(size_t)s] = kNegInf;
  const int64_t n = o.no_repeat_ngram, len = (int64_t)seq.size();
  if (n > 0 && len >= n - 1) {
    // Any earlier window whose first n-1 tokens equal the last n-1 bans its n-th token.
    for (int64_t i = 0; i + n - 1 < len; ++i) {
      bool same = true;
      for (int64_t j = 0; j < n - 1 && same; ++j)
        same = seq[(size_t)(i + j)] == seq[(size_t)(len - n + 1 + j)];
      if (same) lp[(size_t)seq[(size_t)(i + n - 1)]] = kNegInf;
    }
  }
  double mx = kNegInf;
  for (double v : lp) mx = std::max(mx, v);
  double sum = 0;
  for (double v : lp) sum += v == kNegInf ? 0.0 : std::exp(v - mx);
  const double lse = mx + std::log(sum);
  for (double& v : lp) v = v == kNegInf ? kNegInf : v - lse;
}

void best_tokens(const std::vector<double>& lp, int64_t take, std::vector<int64_t>& ids) {
  ids.resize(lp.size());
  std::iota(ids.begin(), ids.end(), 0);
  take = std::min<int64_t>(take, (int64_t)lp.size());
  std::partial_sort(ids.begin(), ids.begin() + take, ids.end(), [&](int64_t a, int64_t c) {
    return lp[(size_t)a] > lp[(size_t)c] || (lp[(size_t)a] == lp[(size_t)c] && a < c);
  });
  ids.resize((size_t)take);
}

TagIds slice_tag_ids(const TagIds& t, int64_t begin, int64_t end) {
  SYN_CHECK(0 <= begin && begin <= end && end <= t.B, "slice_tag_ids: [", begin, ", ", end, ") of ",
            t.B, " sets");
  TagIds s;
  s.B = end - begin;
  s.S = t.S;
  s.W = t.W;
  s.ids.assign(t.ids.begin() + begin * t.S * t.W, t.ids.begin() + end * t.S * t.W);
  s.tags_per_set.assign(t.tags_per_set.begin() + begin, t.tags_per_set.begin() + end);
  s.tokens_per_tag.assign(t.tokens_per_tag.begin() + begin * t.S,
                          t.tokens_per_tag.begin() + end * t.S);
  return s;
}

std::vector<std::vector<int64_t>> greedy_or_sample(CaptionDecoder& model, const TagIds& tags,
                                                   const DecodeOptions& o) {
  check_options(model, o);
  const int64_t B = tags.B, V = model.config().vocab_size, limit = step_limit(model, o);
  std::vector<std::vector<int64_t>> out((size_t)B);
  std::vector<Rng> rngs;
  for (int64_t b = 0; b < B; ++b) rngs.emplace_back(set_seed(o.seed, o.first_index + b));
  DecoderCache cache = model.start(encode(model, tags));
  std::vector<int64_t> live((size_t)B), feed((size_t)B, o.bos_id);  // row -> set
  std::iota(live.begin(), live.end(), 0);
  std::vector<double> lp;
  for (int64_t t = 0; t < limit && !live.empty(); ++t) {
    std::vector<float> logits = model.step(cache, feed).to_vector();
    std::vector<int64_t> keep, next_live, next_feed;
    for (size_t r = 0; r < live.size(); ++r) {
      auto& seq = out[(size_t)live[r]];
      step_log_probs(logits.data() + r * V, V, seq, o, lp);
      int64_t tok = o.top_p > 0 ? sample_top_p(lp, o.top_p, o.temperature, rngs[(size_t)live[r]])
                                : argmax(lp);
      if (tok == o.eos_id) continue;
      seq.push_back(tok);
      keep.push_back((int64_t)r);
      next_live.push_back(live[r]);
      next_feed.push_back(tok);
    }
    if (next_live.empty()) break;
    if (next_live.size() != live.size()) model.reorder(cache, keep);
    live = std::move(next_live);
    feed = std::move(next_feed);
  }
  return out;
}

std::vector<std::vector<Hypothesis>> beam_search_nbest(CaptionDecoder& model, const TagIds& tags,
                                                       const DecodeOptions& o) {
  check_options(model, o);
  const int64_t B = tags.B, V = model.config().vocab_size, K = o.beam, limit = step_limit(model, o);
  struct Hyp {
    std::vector<int64_t> tokens;
    double logp = 0;
  };
  using Done = Hypothesis;
  auto normalised = [&](double logp, int64_t length) {
    return logp / std::pow((double)std::max<int64_t>(1, length), o.length_penalty);
  };
  std::vector<std::vector<Hyp>> live((size_t)B, std::vector<Hyp>(1));  // one empty hyp per set
  std::vector<std::vector<Done>> done((size_t)B);
  std::vector<bool> finished((size_t)B, false);
  DecoderCache cache = model.start(encode(model, tags));
  std::vector<int64_t> feed((size_t)B, o.bos_id);
  std::vector<double> lp;
  struct Cand {
    double score;
    int64_t beam, token;
  };
  std::vector<int64_t> ids;
  for (int64_t t = 0; t < limit; ++t) {
    std::vector<float> logits = model.step(cache, feed).to_vector();
    NextRows rows;
    int64_t row = 0;  // cache rows are the live hyps of unfinished sets, in set order
    for (int64_t b = 0; b < B; ++b) {
      if (finished[(size_t)b]) continue;
      auto& hyps = live[(size_t)b];
      std::vector<Cand> cands;
      for (int64_t h = 0; h < (int64_t)hyps.size(); ++h) {
        step_log_probs(logits.data() + (row + h) * V, V, hyps[(size_t)h].tokens, o, lp);
        best_tokens(lp, 2 * K, ids);
        for (int64_t id : ids)
          if (lp[(size_t)id] != kNegInf)
            cands.push_back({hyps[(size_t)h].logp + lp[(size_t)id], h, id});
      }
      std::stable_sort(cands.begin(), cands.end(),
                       [](const Cand& a, const Cand& c) { return a.score > c.score; });
      std::vector<Hyp> next;
      for (int64_t rank = 0; rank < (int64_t)cands.size() && (int64_t)next.size() < K; ++rank) {
        const Cand& c = cands[(size_t)rank];
        const auto& parent = hyps[(size_t)c.beam].tokens;
        if (c.token == o.eos_id) {
          if (rank < K)
            done[(size_t)b].push_back({parent, normalised(c.score, (int64_t)parent.size() + 1)});
          continue;
        }
        Hyp h{parent, c.score};
        h.tokens.push_back(c.token);
        next.push_back(std::move(h));
        rows.add(row + c.beam, c.token);
      }
      row += (int64_t)hyps.size();
      const bool last = t + 1 == limit;
      // Done when `beam` hypotheses have finished and no live one scores above the beam-th best
      // of them (as live hypotheses stand now; with beam 1 this stops exactly where greedy does).
      bool enough = false;
      auto& fin = done[(size_t)b];
      if ((int64_t)fin.size() >= K) {
        std::vector<double> scores;
        for (const auto& d : fin) scores.push_back(d.score);
        std::nth_element(scores.begin(), scores.begin() + (K - 1), scores.end(), std::greater<>());
        double best_live = kNegInf;
        for (const auto& h : next)
          best_live = std::max(best_live, normalised(h.logp, (int64_t)h.tokens.size()));
        enough = best_live <= scores[(size_t)(K - 1)];
      }
      if (enough || next.empty() || last) {
        if (last || done[(size_t)b].empty())
          for (auto& h : next)
            done[(size_t)b].push_back({h.tokens, normalised(h.logp, (int64_t)h.tokens.size())});
        finished[(size_t)b] = true;
        rows.retire(next.size());
        next.clear();
      }
      hyps = std::move(next);
    }
    if (rows.parents.empty()) break;
    model.reorder(cache, rows.parents);
    feed = std::move(rows.feed);
  }
  for (auto& d : done)
    std::stable_sort(d.begin(), d.end(),
                     [](const Done& a, const Done& c) { return a.score > c.score; });
  return done;
}

std::vector<std::vector<int64_t>> beam_search(CaptionDecoder& model, const TagIds& tags,
                                              const DecodeOptions& o) {
  std::vector<std::vector<int64_t>> out;
  for (auto& d : beam_search_nbest(model, tags, o))
    out.push_back(d.empty() ? std::vector<int64_t>{} : std::move(d.front().tokens));
  return out;
}

std::vector<std::vector<Hypothesis>> decode_nbest(CaptionDecoder& model, const TagIds& tags,
                                                  const DecodeOptions& o) {
  SYN_CHECK(o.batch >= 1, "decode: batch must be at least 1, got ", o.batch);
  SYN_CHECK(o.beam > 1, "decode_nbest: needs beam search (beam > 1), got beam ", o.beam);
  std::vector<std::vector<Hypothesis>> out;
  for (int64_t begin = 0; begin < tags.B; begin += o.batch) {
    const int64_t end = std::min(tags.B, begin + o.batch);
    for (auto& s : beam_search_nbest(model, slice_tag_ids(tags, begin, end), o))
      out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::vector<int64_t>> decode_captions(CaptionDecoder& model, const TagIds& tags,
                                                  const DecodeOptions& o) {
  SYN_CHECK(o.batch >= 1, "decode: batch must be at least 1, got ", o.batch);
  std::vector<std::vector<int64_t>> out;
  for (int64_t begin = 0; begin < tags.B; begin += o.batch) {
    const int64_t end = std::min(tags.B, begin + o.batch);
    DecodeOptions part = o;
    part.first_index = o.first_index + begin;
    TagIds chunk = slice_tag_ids(tags, begin, end);
    auto r = o.beam > 1 ? beam_search(model, chunk, part) : greedy_or_sample(model, chunk, part);
    for (auto& s : r) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace syn::models
