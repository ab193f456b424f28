// prompt_encoder.cpp — word (+ byte fallback) tokenizer and transformer prompt encoder
// (see prompt_encoder.h).
//
// Initialisation: embeddings ~ N(0, 0.02) (GPT-2's; N(0, 1) would swamp the positions and
// make the first LayerNorm's job harder), Linear layers keep PyTorch's default.
#include "models/prompt_encoder.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "engine/check.h"
#include "engine/ops/attention.h"
#include "engine/ops/elementwise.h"

namespace syn::models {

std::vector<std::string> PromptTokenizer::words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = (unsigned char)text[i];
    // U+2019 RIGHT SINGLE QUOTATION MARK (E2 80 99), as in CLDR's "woman’s hat": a separator.
    if (c == 0xE2 && i + 2 < text.size() && (unsigned char)text[i + 1] == 0x80 &&
        (unsigned char)text[i + 2] == 0x99) {
      flush();
      i += 2;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
      cur += (char)c;
    else if (c >= 'A' && c <= 'Z')
      cur += (char)(c - 'A' + 'a');
    else
      flush();
  }
  flush();
  return out;
}

PromptTokenizer PromptTokenizer::build(const std::vector<std::string>& texts, bool byte_fallback) {
  std::set<std::string> all;
  for (const auto& t : texts)
    for (auto& w : words(t)) all.insert(w);
  PromptTokenizer tok;
  tok.words_.assign(all.begin(), all.end());
  tok.byte_fallback_ = byte_fallback;
  return tok;
}

bool PromptTokenizer::parse_scheme(const std::string& name, const std::string& source) {
  SYN_CHECK(name == "words" || name == "words+bytes", source, ": prompt tokenizer scheme '", name,
            "' is not known (words or words+bytes)");
  return name == "words+bytes";
}

PromptTokenizer PromptTokenizer::from_text(const std::string& text, const std::string& source,
                                           bool byte_fallback) {
  PromptTokenizer tok;
  tok.byte_fallback_ = byte_fallback;
  std::istringstream is(text);
  std::string line;
  int n = 0;
  while (std::getline(is, line)) {
    ++n;
    if (line.empty()) continue;
    SYN_CHECK(words(line).size() == 1 && words(line)[0] == line, source, ": line ", n, " '", line,
              "' is not a single lower-case word");
    SYN_CHECK(tok.words_.empty() || tok.words_.back() < line, source, ": line ", n, " '", line,
              "' is out of order or repeated (the vocabulary is sorted and unique)");
    tok.words_.push_back(line);
  }
  return tok;
}

std::string PromptTokenizer::to_text() const {
  std::string s;
  for (const auto& w : words_) s += w + "\n";
  return s;
}

int64_t PromptTokenizer::id(const std::string& word) const {
  auto it = std::lower_bound(words_.begin(), words_.end(), word);
  if (it == words_.end() || *it != word) return kUnk;
  return first_word() + (int64_t)(it - words_.begin());
}

void PromptTokenizer::append_word(const std::string& word, bool spell,
                                  std::vector<int64_t>& ids) const {
  const int64_t known = id(word);
  if (!byte_fallback_ || (known != kUnk && !spell)) {
    ids.push_back(known);
    return;
  }
  for (size_t i = 0; i < word.size(); ++i)
    ids.push_back((i == 0 ? kWordByte : kNextByte) + (int64_t)(unsigned char)word[i]);
}

bool PromptTokenizer::is_function_word(const std::string& word) {
  static const std::set<std::string> kFunctionWords{
      "a",    "an",   "and",  "are",   "as",   "at", "be",  "being", "by",   "for",
      "from", "has",  "have", "in",    "is",   "it", "its", "of",    "on",   "or",
      "over", "that", "the",  "there", "this", "to", "was", "were",  "with", "while"};
  return kFunctionWords.count(word) > 0;
}

int64_t PromptTokenizer::word_cost(const std::string& word) const {
  return byte_fallback_ && id(word) == kUnk ? (int64_t)word.size() : 1;
}

std::vector<std::string> PromptTokenizer::fitted_words(const std::string& text,
                                                       int64_t max_len) const {
  SYN_CHECK(max_len >= 1, "prompt tokenizer: max_len must be at least 1, got ", max_len);
  std::vector<std::string> all = words(text);
  int64_t total = 1;  // <bos>
  for (const auto& w : all) total += word_cost(w);
  if (total <= max_len) return all;
  // Tier 0: known content words, 1: known function words, 2: unknown words; repeats never.
  auto tier = [&](const std::string& w) { return id(w) == kUnk ? 2 : is_function_word(w) ? 1 : 0; };
  std::vector<char> keep(all.size(), 0);
  std::set<std::string> taken;
  int64_t used = 1;
  for (int t = 0; t < 3; ++t)
    for (size_t i = 0; i < all.size(); ++i) {
      if (tier(all[i]) != t || taken.count(all[i])) continue;
      const int64_t c = word_cost(all[i]);
      if (used + c > max_len) continue;  // whole words only; a shorter one later may still fit
      used += c;
      keep[i] = 1;
      taken.insert(all[i]);
    }
  std::vector<std::string> out;
  for (size_t i = 0; i < all.size(); ++i)
    if (keep[i]) out.push_back(all[i]);
  return out;
}

std::vector<int64_t> PromptTokenizer::encode(const std::string& text, int64_t max_len) const {
  std::vector<int64_t> ids{kBos};
  for (const auto& w : fitted_words(text, max_len)) append_word(w, false, ids);
  return ids;
}

std::vector<int64_t> PromptTokenizer::encode(const std::string& text, int64_t max_len, Rng& rng,
                                             double spell_prob) const {
  SYN_CHECK(max_len >= 1, "prompt tokenizer: max_len must be at least 1, got ", max_len);
  std::vector<int64_t> ids{kBos};
  for (const auto& w : words(text)) {
    if ((int64_t)ids.size() >= max_len) break;
    // One draw per word whatever the scheme, so the stream of draws does not depend on it.
    const bool spell = rng.bernoulli((float)spell_prob);
    append_word(w, spell && byte_fallback_, ids);
  }
  if ((int64_t)ids.size() > max_len) ids.resize((size_t)max_len);
  return ids;
}

std::string PromptTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  auto start_word = [&] {
    if (!out.empty()) out += ' ';
  };
  for (int64_t i : ids) {
    SYN_CHECK(i >= 0 && i < vocab_size(), "prompt tokenizer: id ", i, " is outside the ",
              vocab_size(), "-id vocabulary");
    if (i == kPad || i == kBos) continue;
    if (i == kUnk) {
      start_word();
      out += "<unk>";
    } else if (byte_fallback_ && i < kFirstWordBytes) {
      if (i < kNextByte) start_word();
      out += (char)(unsigned char)((i - kWordByte) % 256);
    } else {
      start_word();
      out += words_[(size_t)(i - first_word())];
    }
  }
  return out;
}

namespace {
PromptIds pack_rows(std::vector<std::vector<int64_t>> rows) {
  PromptIds p;
  p.B = (int64_t)rows.size();
  SYN_CHECK(p.B >= 1, "encode_prompts: no prompts");
  for (const auto& r : rows) {
    p.T = std::max<int64_t>(p.T, (int64_t)r.size());
    p.lengths.push_back((int64_t)r.size());
  }
  p.ids.assign((size_t)(p.B * p.T), PromptTokenizer::kPad);
  for (int64_t b = 0; b < p.B; ++b)
    std::copy(rows[(size_t)b].begin(), rows[(size_t)b].end(), p.ids.begin() + b * p.T);
  return p;
}
}  // namespace

PromptIds encode_prompts(const PromptTokenizer& tok, const std::vector<std::string>& prompts,
                         int64_t max_len, Rng& rng, double spell_prob) {
  std::vector<std::vector<int64_t>> rows;
  for (const auto& s : prompts) rows.push_back(tok.encode(s, max_len, rng, spell_prob));
  return pack_rows(std::move(rows));
}

PromptIds encode_prompts(const PromptTokenizer& tok, const std::vector<std::string>& prompts,
                         int64_t max_len) {
  std::vector<std::vector<int64_t>> rows;
  for (const auto& s : prompts) rows.push_back(tok.encode(s, max_len));
  return pack_rows(std::move(rows));
}

PromptEncoder::PromptEncoder(const PromptEncoderConfig& c, Rng& rng) : cfg_(c) {
  SYN_CHECK(c.vocab_size > PromptTokenizer::kBos && c.dim > 0 && c.layers >= 0 && c.max_len >= 1 &&
                c.ff_mult >= 1,
            "prompt encoder: invalid sizes (vocab ", c.vocab_size, ", dim ", c.dim, ", layers ",
            c.layers, ", max_len ", c.max_len, ")");
  SYN_CHECK(c.heads > 0 && c.dim % c.heads == 0, "prompt encoder: dim ", c.dim,
            " is not divisible by heads ", c.heads);
  tok_emb_ = register_module("tok_emb", std::make_shared<nn::Embedding>(c.vocab_size, c.dim, rng));
  pos_emb_ = register_module("pos_emb", std::make_shared<nn::Embedding>(c.max_len, c.dim, rng));
  tok_emb_->weight.copy_(Tensor::randn(tok_emb_->weight.shape(), rng, 0.02f));
  pos_emb_->weight.copy_(Tensor::randn(pos_emb_->weight.shape(), rng, 0.02f));
  for (int64_t i = 0; i < c.layers; ++i)
    blocks_.push_back(register_module(
        "blocks." + std::to_string(i),
        std::make_shared<TransformerBlock>(c.dim, c.dim, c.heads, c.ff_mult, false, rng)));
  final_norm_ = register_module("final_norm", std::make_shared<nn::LayerNorm>(c.dim));
}

PromptTokens PromptEncoder::forward(const PromptIds& p) {
  SYN_CHECK(p.B >= 1 && p.T >= 1 && (int64_t)p.ids.size() == p.B * p.T &&
                (int64_t)p.lengths.size() == p.B,
            "prompt encoder: inconsistent PromptIds (B ", p.B, ", T ", p.T, ", ", p.ids.size(),
            " ids)");
  SYN_CHECK(p.T <= cfg_.max_len, "prompt encoder: ", p.T, " tokens exceed max_len ", cfg_.max_len);
  for (size_t i = 0; i < p.ids.size(); ++i)
    SYN_CHECK(p.ids[i] >= 0 && p.ids[i] < cfg_.vocab_size, "prompt encoder: id ", p.ids[i],
              " at position ", i, " is outside the ", cfg_.vocab_size, "-word vocabulary");
  const Device dev = tok_emb_->weight.device();
  std::vector<int64_t> pos((size_t)(p.B * p.T));
  for (int64_t i = 0; i < p.B * p.T; ++i) pos[(size_t)i] = i % p.T;
  Tensor x = ops::add(tok_emb_->forward(p.ids, {p.B, p.T}), pos_emb_->forward(pos, {p.B, p.T}));
  PromptTokens out;
  out.key_padding = ops::key_padding_from_lengths(p.lengths, p.T, dev);
  for (auto& b : blocks_) x = b->forward(x, Tensor(), Tensor(), out.key_padding);
  out.tokens = final_norm_->forward(x);
  return out;
}

}  // namespace syn::models
