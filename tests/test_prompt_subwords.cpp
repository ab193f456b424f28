// test_prompt_subwords.cpp — the "words+bytes" prompt tokenizer (models/prompt_encoder.h): any
// UTF-8 (or invalid) text encodes without <unk>, known words keep one id, unknown words are
// spelled with their boundaries kept, decode inverts encode, training's spelling draws one
// number per word, and the first scheme is unchanged.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/check.h"
#include "engine/rng.h"
#include "models/prompt_encoder.h"

using namespace syn;
using namespace syn::models;

namespace {
std::string joined_words(const std::string& text) {
  std::string s;
  for (const auto& w : PromptTokenizer::words(text)) s += (s.empty() ? "" : " ") + w;
  return s;
}
}  // namespace

TEST_CASE("a sentence too long for the window keeps its content words, in order") {
  PromptTokenizer tok =
      PromptTokenizer::build({"a classical music piece", "the violin is playing in a hall"}, true);
  const std::string sentence =
      "This is a classical music piece. There is a violin playing the main melody in the "
      "background of a concert hall, the strings playing along.";
  // Cut after 16 ids the old way, it would stop at "... piece there is", before the violin
  // ("this", "there", "main", "melody", "of"... are spelled, one id per byte).
  CHECK(tok.fitted_words(sentence, 16) == std::vector<std::string>{"this", "is", "a", "classical",
                                                                   "music", "piece", "violin",
                                                                   "playing", "the", "in", "hall"});
  // Room for every known word, each once, then the spelled words that fit whole, in order.
  const std::vector<std::string> wide = tok.fitted_words(sentence, 32);
  CHECK(wide == std::vector<std::string>{"this", "is", "a", "classical", "music", "piece", "there",
                                         "violin", "playing", "the", "main", "melody", "in", "of",
                                         "hall"});
  int64_t ids = 1;
  for (const auto& w : wide) ids += tok.word_cost(w);
  CHECK(ids <= 32);
  CHECK((int64_t)tok.encode(sentence, 32).size() == ids);
  // What fits is encoded whole, repeats and all, as before.
  CHECK(tok.fitted_words("the violin the violin", 32) ==
        std::vector<std::string>{"the", "violin", "the", "violin"});
  CHECK(PromptTokenizer::is_function_word("the"));
  CHECK_FALSE(PromptTokenizer::is_function_word("violin"));
}

TEST_CASE("words+bytes: known words are one id, unknown words are spelled, never <unk>") {
  PromptTokenizer tok = PromptTokenizer::build({"guitar", "red heart"}, true);
  CHECK(tok.scheme() == "words+bytes");
  CHECK(tok.first_word() == PromptTokenizer::kFirstWordBytes);
  CHECK(tok.vocab_size() == 515 + 3);
  CHECK(tok.id("guitar") == 515);
  CHECK(tok.id("red") == 517);
  using I = std::vector<int64_t>;
  const int64_t W = PromptTokenizer::kWordByte, N = PromptTokenizer::kNextByte;
  CHECK(tok.encode("Red guitar", 32) == I{2, 517, 515});
  // Two unknown words in a row: the word-initial byte ids keep them apart.
  CHECK(tok.encode("red ox yak", 32) == I{2, 517, W + 'o', N + 'x', W + 'y', N + 'a', N + 'k'});
  CHECK(tok.decode(tok.encode("red ox yak", 32)) == "red ox yak");
  // Too long for max_len: whole words only, known ones first ("yak" does not fit, "ox" does).
  CHECK(tok.encode("red ox yak", 5) == I{2, 517, W + 'o', N + 'x'});
  CHECK(tok.encode("ox yak red", 5) == I{2, W + 'o', N + 'x', 517});
  CHECK(tok.encode("", 8) == I{PromptTokenizer::kBos});
  CHECK(PromptTokenizer::parse_scheme("words", "x") == false);
  CHECK_THROWS_WITH_AS(PromptTokenizer::parse_scheme("bpe", "meta"), doctest::Contains("'bpe'"),
                       Error);
}

TEST_CASE("words+bytes: any text, UTF-8 or not, round-trips without <unk>") {
  PromptTokenizer tok = PromptTokenizer::build({"guitar", "red heart", "piñata"}, true);
  std::vector<std::string> texts = {"Ein rotes Herz über der Gitarre",
                                    "piñata 🎸🎺 ギター 吉他 гитара",
                                    "red\xff\xfe heart \xc3",  // invalid UTF-8
                                    "  ,;  ", "1982 synth-pop ballad, 120 bpm"};
  Rng rng(3);
  for (int k = 0; k < 200; ++k) {  // random byte strings
    std::string s;
    const int64_t n = rng.randint(24);
    for (int64_t i = 0; i < n; ++i) s += (char)(unsigned char)rng.randint(256);
    texts.push_back(s);
  }
  for (const auto& t : texts) {
    std::vector<int64_t> ids = tok.encode(t, 1 << 20);
    for (int64_t i : ids) {
      CHECK(i != PromptTokenizer::kUnk);
      CHECK((i >= 0 && i < tok.vocab_size()));
    }
    CHECK(tok.decode(ids) == joined_words(t));
  }
  CHECK(tok.encode("piñata", 8) == std::vector<int64_t>{2, tok.id("piñata")});
  // The first scheme: unknown words stay <unk>, and the ids are today's.
  PromptTokenizer old = PromptTokenizer::build({"guitar", "red heart"});
  CHECK(old.scheme() == "words");
  CHECK(old.encode("red ox guitar", 8) == std::vector<int64_t>{2, 5, PromptTokenizer::kUnk, 3});
  CHECK(old.decode(old.encode("red ox guitar", 8)) == "red <unk> guitar");
  CHECK_THROWS_AS(old.decode({99}), Error);
}

TEST_CASE("words+bytes: vocabulary text round trip; training spells known words at spell_prob") {
  PromptTokenizer tok = PromptTokenizer::build({"guitar", "red heart"}, true);
  PromptTokenizer back = PromptTokenizer::from_text(tok.to_text(), "t", true);
  CHECK(back.vocabulary() == tok.vocabulary());
  CHECK(back.encode("red zebra", 32) == tok.encode("red zebra", 32));
  Rng r0(1), r1(1), r2(1);
  CHECK(tok.encode("red guitar", 32, r0, 0.0) == tok.encode("red guitar", 32));
  std::vector<int64_t> spelled = tok.encode("red guitar", 32, r1, 1.0);
  CHECK(spelled.size() == 1 + 3 + 6);
  CHECK(tok.decode(spelled) == "red guitar");
  // About half the words spelled at 0.5, and the same draws give the same result.
  int spelled_words = 0;
  for (int k = 0; k < 400; ++k) spelled_words += tok.encode("heart", 32, r2, 0.5).size() > 2;
  CHECK(spelled_words > 150);
  CHECK(spelled_words < 250);
  Rng a(9), b(9);
  CHECK(tok.encode("red heart guitar", 32, a, 0.5) == tok.encode("red heart guitar", 32, b, 0.5));
  PromptIds p = encode_prompts(tok, {"red", "zebra heart"}, 32);
  CHECK(p.T == 1 + 5 + 1);
  CHECK(p.lengths == std::vector<int64_t>{2, 7});
}
