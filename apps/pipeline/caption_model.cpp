// caption_model.cpp — see caption_model.h.
#include "apps/pipeline/caption_model.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "data/text/tag_constraints.h"
#include "data/text/tag_fidelity.h"
#include "data/text/tag_phrases.h"
#include "engine/check.h"
#include "models/constrained_beam.h"

namespace syn::app {

namespace {

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
  return s;
}

std::string collapse_spaces(const std::string& s) {
  std::string out;
  bool space = false;
  for (unsigned char c : s) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (char)c;
  }
  return out;
}

const std::string& meta_at(const std::map<std::string, std::string>& meta, const std::string& key,
                           const std::string& source) {
  auto it = meta.find(key);
  SYN_CHECK(it != meta.end(), "caption model '", source, "' has no metadata entry '", key, "'");
  return it->second;
}

int64_t meta_int(const std::map<std::string, std::string>& meta, const std::string& key,
                 const std::string& source) {
  const std::string& v = meta_at(meta, key, source);
  try {
    size_t used = 0;
    int64_t x = std::stoll(v, &used);
    if (used == v.size()) return x;
  } catch (const std::exception&) {
  }
  SYN_FAIL("caption model '", source, "': metadata '", key, "' = '", v, "' is not an integer");
}

}  // namespace

std::string normalise_tag(const std::string& tag, bool lowercase) {
  std::string t = collapse_spaces(tag);
  return lowercase ? ascii_lower(t) : t;
}

std::string normalise_caption(const std::string& caption, bool lowercase) {
  std::string t = collapse_spaces(caption);
  return lowercase ? ascii_lower(t) : t;
}

std::string finish_caption(const std::string& decoded, bool lowercase) {
  std::string s = collapse_spaces(decoded);
  if (!lowercase) return s;
  bool start = true;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (start && c >= 'a' && c <= 'z') s[i] = (char)(c - 'a' + 'A');
    if (std::isalnum((unsigned char)c)) start = false;
    if ((c == '.' || c == '!' || c == '?') && i + 1 < s.size() && s[i + 1] == ' ') start = true;
  }
  return s;
}

std::vector<int32_t> tag_tokens(const BpeTokenizer& tok, const std::string& tag, bool lowercase) {
  std::string t = normalise_tag(tag, lowercase);
  if (t.empty()) return {};
  return tok.encode(" " + t);
}

models::TagIds tag_ids_for(const BpeTokenizer& tok, const CaptionText& text,
                           const std::vector<std::vector<std::string>>& sets) {
  std::vector<std::vector<std::vector<int32_t>>> ids;
  for (const auto& set : sets) {
    auto& s = ids.emplace_back();
    for (const auto& tag : set) {
      if ((int64_t)s.size() >= text.max_tags) break;
      auto t = tag_tokens(tok, tag, text.lowercase);
      if (!t.empty()) s.push_back(std::move(t));
    }
  }
  return models::make_tag_ids(ids, BpeTokenizer::kPad, text.max_tag_tokens);
}

void write_caption_meta(std::map<std::string, std::string>& meta,
                        const models::CaptionDecoderConfig& c, const CaptionText& text,
                        const BpeTokenizer& tok) {
  meta["decoder.vocab_size"] = std::to_string(c.vocab_size);
  meta["decoder.d_model"] = std::to_string(c.d_model);
  meta["decoder.heads"] = std::to_string(c.heads);
  meta["decoder.layers"] = std::to_string(c.layers);
  meta["decoder.tag_layers"] = std::to_string(c.tag_layers);
  meta["decoder.ff_dim"] = std::to_string(c.ff_dim);
  meta["decoder.max_len"] = std::to_string(c.max_len);
  meta["decoder.token_memory"] = std::to_string(c.token_memory ? 1 : 0);
  meta["decoder.max_tag_tokens"] = std::to_string(c.max_tag_tokens);
  meta["text.lowercase"] = std::to_string(text.lowercase ? 1 : 0);
  meta["text.max_tags"] = std::to_string(text.max_tags);
  meta["text.max_tag_tokens"] = std::to_string(text.max_tag_tokens);
  meta["tokenizer"] = tok.to_text();
}

models::CaptionDecoderConfig read_decoder_config(const std::map<std::string, std::string>& meta,
                                                 const std::string& source) {
  models::CaptionDecoderConfig c;
  c.vocab_size = meta_int(meta, "decoder.vocab_size", source);
  c.d_model = meta_int(meta, "decoder.d_model", source);
  c.heads = meta_int(meta, "decoder.heads", source);
  c.layers = meta_int(meta, "decoder.layers", source);
  c.tag_layers = meta_int(meta, "decoder.tag_layers", source);
  c.ff_dim = meta_int(meta, "decoder.ff_dim", source);
  c.max_len = meta_int(meta, "decoder.max_len", source);
  // Files from before the token memory have per-tag memory rows.
  c.token_memory =
      meta.count("decoder.token_memory") && meta_int(meta, "decoder.token_memory", source);
  if (c.token_memory) c.max_tag_tokens = meta_int(meta, "decoder.max_tag_tokens", source);
  c.dropout = 0.0f;  // inference
  return c;
}

CaptionText read_caption_text(const std::map<std::string, std::string>& meta,
                              const std::string& source) {
  CaptionText t;
  t.lowercase = meta_int(meta, "text.lowercase", source) != 0;
  t.max_tags = meta_int(meta, "text.max_tags", source);
  t.max_tag_tokens = meta_int(meta, "text.max_tag_tokens", source);
  return t;
}

std::vector<std::string> CaptionModel::caption(const std::vector<std::vector<std::string>>& sets,
                                               models::DecodeOptions options,
                                               double coverage_weight) {
  // The sentence is written from the confident tags; borderline ones ("possibly <tag>") follow
  // as one "Possibly also ..." clause (data/text/tag_constraints.h).
  std::vector<std::vector<std::string>> confident(sets.size()), borderline(sets.size());
  for (size_t b = 0; b < sets.size(); ++b)
    for (const auto& tag : sets[b])
      (is_borderline(tag) ? borderline[b] : confident[b]).push_back(unmarked_tag(tag));
  std::vector<std::string> out = decode(confident, options, coverage_weight, borderline);
  for (size_t b = 0; b < out.size(); ++b) {
    std::vector<std::string> used;
    for (const auto& t : confident[b]) used.push_back(normalise_tag(t, text.lowercase));
    std::vector<std::string> maybe;
    for (const auto& t : borderline[b]) {
      std::string n = normalise_tag(t, text.lowercase);
      if (!n.empty()) maybe.push_back(n);
    }
    const std::string clause = possibly_clause(possible_additions(used, maybe, out[b]));
    if (!clause.empty()) out[b] += (out[b].empty() ? "" : " ") + clause;
  }
  return out;
}

std::vector<std::string> CaptionModel::decode(const std::vector<std::vector<std::string>>& sets,
                                              models::DecodeOptions options, double coverage_weight,
                                              const std::vector<std::vector<std::string>>& avoid) {
  options.bos_id = BpeTokenizer::kBos;
  options.eos_id = BpeTokenizer::kEos;
  options.num_special = BpeTokenizer::kNumSpecial;
  auto to_text = [&](const std::vector<int64_t>& seq) {
    std::vector<int32_t> s(seq.begin(), seq.end());
    return finish_caption(tokenizer.decode(s), text.lowercase);
  };
  models::TagIds ids = tag_ids_for(tokenizer, text, sets);
  std::vector<std::string> out;
  if (options.constrained) {
    // The judges see each set as the decoder does: normalised, empties dropped, max_tags.
    std::vector<TagJudge> judges;
    for (size_t b = 0; b < sets.size(); ++b) {
      std::vector<std::string> used, banned;
      for (const auto& tag : sets[b]) {
        if ((int64_t)used.size() >= text.max_tags) break;
        std::string t = normalise_tag(tag, text.lowercase);
        if (!t.empty()) used.push_back(t);
      }
      if (b < avoid.size())
        for (const auto& tag : avoid[b])
          if (std::string t = normalise_tag(tag, text.lowercase); !t.empty()) banned.push_back(t);
      judges.emplace_back(std::move(used), tokenizer, std::move(banned));
    }
    std::vector<const models::SentenceJudge*> judge_ptrs;
    for (const auto& j : judges) judge_ptrs.push_back(&j);
    std::vector<std::string> pieces;
    for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) pieces.push_back(tokenizer.piece(id));
    for (const auto& hyps :
         models::constrained_beam_search(*decoder, ids, options, judge_ptrs, pieces))
      out.push_back(hyps.empty() ? std::string() : to_text(hyps.front().tokens));
    return out;
  }
  if (coverage_weight > 0 && options.beam > 1) {
    auto nbest = models::decode_nbest(*decoder, ids, options);
    for (size_t b = 0; b < nbest.size(); ++b) {
      std::string best;
      double best_score = -std::numeric_limits<double>::infinity();
      for (const auto& h : nbest[b]) {
        std::string sentence = to_text(h.tokens);
        TagCheck c = check_tags(sets[b], sentence);
        double expressed = 0;
        for (bool e : c.expressed) expressed += e ? 1 : 0;
        double share = c.expressed.empty() ? 0 : expressed / (double)c.expressed.size();
        double score = h.score + coverage_weight * (share - (c.conflicts.empty() ? 0.0 : 1.0));
        if (score > best_score) best_score = score, best = std::move(sentence);
      }
      out.push_back(std::move(best));
    }
    return out;
  }
  for (const auto& seq : models::decode_captions(*decoder, ids, options))
    out.push_back(to_text(seq));
  return out;
}

CaptionModel load_caption_model(const std::string& path) {
  Checkpoint ck = load_checkpoint(path);
  const std::string kind = ck.meta.count("kind") ? ck.meta["kind"] : "";
  SYN_CHECK(kind == "caption-decoder" || kind == "caption-train", "'", path,
            "' is not a caption decoder (its kind is '", kind,
            "'; expected caption-decoder or caption-train)");
  CaptionModel m;
  m.config = read_decoder_config(ck.meta, path);
  m.text = read_caption_text(ck.meta, path);
  m.tokenizer = BpeTokenizer::from_text(meta_at(ck.meta, "tokenizer", path), path + ":tokenizer");
  SYN_CHECK(m.tokenizer.vocab_size() == m.config.vocab_size, "caption model '", path,
            "': the tokenizer has ", m.tokenizer.vocab_size(), " tokens but the decoder ",
            m.config.vocab_size);
  Rng rng(0);  // every value is overwritten below, so the initialisation is skipped
  m.decoder = std::make_unique<models::CaptionDecoder>(m.config, rng, /*init=*/false);
  NamedTensors state;
  for (auto& [name, t] : ck.tensors)
    if (name.rfind("model.", 0) == 0) state.emplace_back(name.substr(6), t);
  try {
    m.decoder->load_state_dict(state);
  } catch (const Error& e) {
    throw Error(str_cat("caption model '", path, "': ", e.what()));
  }
  m.decoder->eval();
  m.decoder->freeze_for_inference();  // the loaded weights are final
  m.meta = std::move(ck.meta);
  return m;
}

std::vector<std::string> phrases_keeping_marks(const std::vector<std::string>& tags) {
  std::vector<std::string> confident, borderline;
  for (const auto& t : tags) (is_borderline(t) ? borderline : confident).push_back(t);
  std::vector<std::string> out = tags_to_phrases(confident);
  for (const auto& t : borderline) {
    const std::string p = tag_to_phrase(unmarked_tag(t));
    if (p.empty() || std::find(out.begin(), out.end(), p) != out.end()) continue;
    const std::string marked = borderline_tag(p);
    if (std::find(out.begin(), out.end(), marked) == out.end()) out.push_back(marked);
  }
  return out;
}

std::vector<std::string> caption_tags_from(const TagFile& f, const CaptionTagRule& rule) {
  std::vector<std::string> confident =
      confident_tags(f, rule.refined_threshold, rule.tag_threshold, rule.max_tags);
  std::vector<std::string> tags = confident;
  // Only while fewer than max_tags are confident: then every confident tag is in the list and
  // whatever the lower threshold adds lies below the confident one.
  if (rule.max_borderline > 0 && (int)confident.size() < rule.max_tags) {
    // The same rule at the lower threshold, without its "at least one" (the top tag is
    // confident already): what it adds below the confident threshold is borderline.
    const double b = rule.borderline_threshold;
    int added = 0;
    for (const auto& t :
         confident_tags(f, std::min(b, rule.refined_threshold), std::min(b, rule.tag_threshold),
                        rule.max_tags + rule.max_borderline)) {
      if (added >= rule.max_borderline) break;
      if (std::find(confident.begin(), confident.end(), t) != confident.end()) continue;
      tags.push_back(borderline_tag(t));
      ++added;
    }
  }
  return rule.map_phrases ? phrases_keeping_marks(tags) : tags;
}

models::DecodeOptions decode_options_from(const Config& cfg) {
  models::DecodeOptions o;
  o.beam = cfg.get_int("beam");
  o.length_penalty = cfg.get_float("length_penalty");
  o.top_p = cfg.get_float("top_p");
  o.temperature = cfg.get_float("temperature");
  o.seed = (uint64_t)cfg.get_int("seed");
  o.no_repeat_ngram = cfg.get_int("no_repeat_ngram");
  o.max_tokens = cfg.get_int("max_tokens");
  // Configs from before the constrained decoder have no key: they keep their decoder.
  o.constrained = cfg.has("constrained") && cfg.get_bool("constrained");
  if (cfg.has("free_slots")) o.free_slots = cfg.get_int("free_slots");
  if (cfg.has("defer_forcing")) o.defer_forcing = cfg.get_bool("defer_forcing");
  return o;
}

}  // namespace syn::app
