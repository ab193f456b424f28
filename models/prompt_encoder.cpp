// prompt_encoder.cpp — word tokenizer and transformer prompt encoder (see prompt_encoder.h).
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

PromptTokenizer PromptTokenizer::build(const std::vector<std::string>& texts) {
  std::set<std::string> all;
  for (const auto& t : texts)
    for (auto& w : words(t)) all.insert(w);
  PromptTokenizer tok;
  tok.words_.assign(all.begin(), all.end());
  return tok;
}

PromptTokenizer PromptTokenizer::from_text(const std::string& text, const std::string& source) {
  PromptTokenizer tok;
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
  return kFirstWord + (int64_t)(it - words_.begin());
}

std::vector<int64_t> PromptTokenizer::encode(const std::string& text, int64_t max_len) const {
  SYN_CHECK(max_len >= 1, "prompt tokenizer: max_len must be at least 1, got ", max_len);
  std::vector<int64_t> ids{kBos};
  for (const auto& w : words(text)) {
    if ((int64_t)ids.size() >= max_len) break;
    ids.push_back(id(w));
  }
  return ids;
}

PromptIds encode_prompts(const PromptTokenizer& tok, const std::vector<std::string>& prompts,
                         int64_t max_len) {
  PromptIds p;
  p.B = (int64_t)prompts.size();
  SYN_CHECK(p.B >= 1, "encode_prompts: no prompts");
  std::vector<std::vector<int64_t>> rows;
  for (const auto& s : prompts) {
    rows.push_back(tok.encode(s, max_len));
    p.T = std::max<int64_t>(p.T, (int64_t)rows.back().size());
    p.lengths.push_back((int64_t)rows.back().size());
  }
  p.ids.assign((size_t)(p.B * p.T), PromptTokenizer::kPad);
  for (int64_t b = 0; b < p.B; ++b)
    std::copy(rows[(size_t)b].begin(), rows[(size_t)b].end(), p.ids.begin() + b * p.T);
  return p;
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
