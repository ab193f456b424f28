// test_prompt_encoder.cpp — models/prompt_encoder.h: word splitting, the vocabulary and its
// text form, unknown words and empty prompts, padding that never changes a prompt's tokens,
// and the encoder's shapes and errors.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "models/prompt_encoder.h"

using namespace syn;
using namespace syn::models;

TEST_CASE("prompt words: lower-case, split at punctuation, UTF-8 kept, ’ splits") {
  using V = std::vector<std::string>;
  CHECK(PromptTokenizer::words("Woman Dancing: medium-light skin tone") ==
        V{"woman", "dancing", "medium", "light", "skin", "tone"});
  CHECK(PromptTokenizer::words("woman’s hat") == V{"woman", "s", "hat"});
  CHECK(PromptTokenizer::words("piñata  8-ball!") == V{"piñata", "8", "ball"});
  CHECK(PromptTokenizer::words("  ,;  ").empty());
}

TEST_CASE("tokenizer: sorted vocabulary, <bos> first, unknown words -> <unk>, cut to max_len") {
  PromptTokenizer tok =
      PromptTokenizer::build({"guitar", "red heart", "musical instrument", "Guitar"});
  CHECK(tok.vocabulary() ==
        std::vector<std::string>{"guitar", "heart", "instrument", "musical", "red"});
  CHECK(tok.vocab_size() == 8);
  CHECK(tok.encode("Red guitar", 16) == std::vector<int64_t>{PromptTokenizer::kBos, 7, 3});
  CHECK(tok.encode("purple guitar zzz", 16) ==
        std::vector<int64_t>{2, PromptTokenizer::kUnk, 3, PromptTokenizer::kUnk});
  CHECK(tok.encode("", 16) == std::vector<int64_t>{PromptTokenizer::kBos});  // unconditional
  // Too long for the window: each known word once, then what still fits.
  CHECK(tok.encode("red red red red", 3) == std::vector<int64_t>{2, 7});
  CHECK(tok.encode("red guitar red heart", 3) == std::vector<int64_t>{2, 7, 3});
  PromptTokenizer back = PromptTokenizer::from_text(tok.to_text(), "test");
  CHECK(back.vocabulary() == tok.vocabulary());
  CHECK_THROWS_WITH_AS(PromptTokenizer::from_text("red\nguitar\n", "vocab.txt"),
                       doctest::Contains("vocab.txt: line 2"), Error);
  CHECK_THROWS_WITH_AS(PromptTokenizer::from_text("two words\n", "v"), doctest::Contains("single"),
                       Error);
}

TEST_CASE("prompt encoder: shapes, padding mask, batch-independent tokens") {
  PromptTokenizer tok = PromptTokenizer::build({"guitar", "red heart", "musical instrument"});
  PromptEncoderConfig c;
  c.vocab_size = tok.vocab_size();
  c.dim = 16;
  c.heads = 2;
  c.layers = 2;
  c.max_len = 6;
  Rng rng(3);
  PromptEncoder enc(c, rng);
  NoGradGuard ng;
  PromptIds ids =
      encode_prompts(tok, {"red heart", "", "unknown words everywhere guitar"}, c.max_len);
  CHECK(ids.T == 5);
  CHECK(ids.lengths == std::vector<int64_t>{3, 1, 5});
  PromptTokens out = enc.forward(ids);
  CHECK(out.tokens.shape() == Shape{3, 5, 16});
  CHECK(out.key_padding.to_vector() ==
        std::vector<float>{0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0});
  for (float v : out.tokens.to_vector()) REQUIRE(std::isfinite(v));
  // The padding positions never influence the real ones: "red heart" alone gives the same tokens.
  PromptTokens alone = enc.forward(encode_prompts(tok, {"red heart"}, c.max_len));
  auto a = alone.tokens.to_vector(), b = out.tokens.to_vector();
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-5));
  // Different prompts give different tokens.
  PromptTokens other = enc.forward(encode_prompts(tok, {"guitar"}, c.max_len));
  CHECK(std::fabs(other.tokens.to_vector()[16] - a[16]) > 1e-4);
  PromptIds bad = ids;
  bad.ids[0] = 99;
  CHECK_THROWS_WITH_AS(enc.forward(bad), doctest::Contains("id 99"), Error);
  c.dim = 15;
  CHECK_THROWS_WITH_AS(PromptEncoder(c, rng), doctest::Contains("divisible"), Error);
}
