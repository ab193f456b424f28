// test_tokenizer.cpp — byte-level BPE: pre-tokenisation, merges learned by hand-checked counts,
// exact round trips on arbitrary bytes, special tokens, save/load and its errors; with ../shared,
// learning on the MusicCaps training captions (speed, vocabulary, compression, eval round trip).
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "data/datasets/musiccaps.h"
#include "data/text/tokenizer.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

int32_t byte_id(char c) { return BpeTokenizer::kFirstByte + (unsigned char)c; }

std::vector<std::string> some_captions() {
  return {"A mellow piano melody with a soft female vocal.",
          "The low quality recording features a ballad song.",
          "This song features an electric guitar as the main instrument.",
          "A male voice is singing a melody with changing tempos.",
          "The drums play a simple groove with the bass guitar.",
          "It sounds sad and soulful, like a ballad.",
          "Fast tempo, loud drums, distorted electric guitars!",
          "children's song, e-bass, hi-hats, 4 on the floor kick"};
}

}  // namespace

TEST_CASE("pre-tokenisation chunks and gives the text back") {
  std::string text = "Hello world  foo's 123!!\n\nbar \t x";
  auto chunks = bpe_pretokenize(text);
  std::vector<std::string> got(chunks.begin(), chunks.end());
  CHECK(got == std::vector<std::string>{"Hello", " world", " ", " foo", "'s", " 123", "!!", "\n\n",
                                        "bar", " \t", " x"});
  std::string back;
  for (auto c : chunks) back += c;
  CHECK(back == text);
  CHECK(bpe_pretokenize("").empty());
  auto trailing = bpe_pretokenize("end.  ");
  CHECK(std::vector<std::string>(trailing.begin(), trailing.end()) ==
        std::vector<std::string>{"end", ".", "  "});
  // UTF-8 letters stay inside words.
  auto utf = bpe_pretokenize("caf\xC3\xA9 na\xC3\xAFve");
  CHECK(std::vector<std::string>(utf.begin(), utf.end()) ==
        std::vector<std::string>{"caf\xC3\xA9", " na\xC3\xAFve"});
}

TEST_CASE("learning follows the pair counts (worked example)") {
  // "aaabdaaabac": aa occurs 4 times -> Z; then (a,b) and (Z,a) tie at 2 and the smaller ids
  // (a,b) win -> Y; then (Z,Y) twice -> X; every other pair occurs once (< min count 2).
  BpeTokenizer tok = learn_bpe({"aaabdaaabac"}, 1000, 2);
  int32_t a = byte_id('a'), b = byte_id('b'), c = byte_id('c'), d = byte_id('d');
  int32_t Z = BpeTokenizer::kFirstMerge, Y = Z + 1, X = Z + 2;
  REQUIRE(tok.num_merges() == 3);
  CHECK(tok.merges()[0] == std::pair{a, a});
  CHECK(tok.merges()[1] == std::pair{a, b});
  CHECK(tok.merges()[2] == std::pair{Z, Y});
  CHECK(tok.piece(X) == "aaab");
  CHECK(tok.encode("aaabdaaabac") == std::vector<int32_t>{X, d, X, a, c});
  CHECK(tok.vocab_size() == BpeTokenizer::kFirstMerge + 3);
  // The vocabulary cap stops learning early.
  CHECK(learn_bpe({"aaabdaaabac"}, BpeTokenizer::kFirstMerge + 1, 2).num_merges() == 1);
  CHECK(learn_bpe({"aaabdaaabac"}, BpeTokenizer::kFirstMerge, 2).num_merges() == 0);
  CHECK(contains(error_of([] { learn_bpe({"x"}, 100); }), "vocab_size"));
}

TEST_CASE("encode/decode round trip is exact for any bytes") {
  BpeTokenizer tok = learn_bpe(some_captions(), 400);
  CHECK(tok.vocab_size() > BpeTokenizer::kFirstMerge);
  Rng rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::string s;
    int64_t len = rng.randint(60);
    for (int64_t k = 0; k < len; ++k) {
      // Mostly caption-like text, sometimes any byte (NUL, invalid UTF-8, controls).
      if (rng.uniform() < 0.7) {
        const std::string pool = "aeiou rtnsldgm.,'!-\n";
        s += pool[rng.randint((int64_t)pool.size())];
      } else {
        s += (char)rng.randint(256);
      }
    }
    std::vector<int32_t> ids = tok.encode(s);
    REQUIRE(tok.decode(ids) == s);
    for (int32_t id : ids) REQUIRE(!tok.is_special(id));
  }
  for (const auto& cap : some_captions()) {
    auto ids = tok.encode(cap);
    CHECK(tok.decode(ids) == cap);
    CHECK(ids.size() < cap.size());  // merges compress the text they were learned on
  }
  // Emoji and other scripts: unknown to the merges, still exact.
  std::string odd = "\xF0\x9F\x8E\xB5 \xE9\x9F\xB3\xE6\xA5\xBD \xFF\xFE";
  CHECK(tok.decode(tok.encode(odd)) == odd);
  CHECK(tok.encode("").empty());
}

TEST_CASE("special tokens are never produced by text") {
  BpeTokenizer tok = learn_bpe(some_captions(), 350);
  auto ids = tok.encode("<bos><eos><pad>");
  for (int32_t id : ids) CHECK(!tok.is_special(id));
  CHECK(tok.decode(ids) == "<bos><eos><pad>");
  std::vector<int32_t> with = {BpeTokenizer::kBos};
  auto body = tok.encode(" piano");
  with.insert(with.end(), body.begin(), body.end());
  with.push_back(BpeTokenizer::kEos);
  CHECK(tok.decode(with) == " piano");
  CHECK(tok.decode(with, true) == "<bos> piano<eos>");
  auto tags = tok.encode_tags({"soft female vocal", "piano"});
  CHECK(tags.front() == BpeTokenizer::kTag);
  CHECK(tags.back() == BpeTokenizer::kSep);
  CHECK(tok.decode(tags, true) == "<tag> soft female vocal<tag> piano<sep>");
  CHECK(contains(error_of([&] { tok.decode({tok.vocab_size()}); }), "outside the vocabulary"));
  CHECK(contains(error_of([&] { tok.decode({-1}); }), "outside the vocabulary"));
}

TEST_CASE("save and load give the same tokenizer; bad files name file and line") {
  BpeTokenizer tok = learn_bpe(some_captions(), 380);
  std::string text = tok.to_text();
  BpeTokenizer back = BpeTokenizer::from_text(text, "mem");
  CHECK(back.merges() == tok.merges());
  CHECK(back.vocab_size() == tok.vocab_size());
  for (const auto& cap : some_captions()) CHECK(back.encode(cap) == tok.encode(cap));

  std::string path = std::filesystem::temp_directory_path() /
                     ("syn_test_tokenizer_" + std::to_string(getpid()) + ".txt");
  tok.save(path);
  CHECK(BpeTokenizer::load(path).merges() == tok.merges());
  std::filesystem::remove(path);
  CHECK(contains(error_of([&] { BpeTokenizer::load(path); }), path));

  CHECK(contains(error_of([] { BpeTokenizer::from_text("hello\n", "t.txt"); }),
                 "t.txt:1: not a Synesthesia BPE tokenizer"));
  std::string head = "synesthesia-bpe 1\nspecials 5\n<pad>\n<bos>\n<eos>\n<sep>\n<tag>\n";
  CHECK(contains(error_of([&] { BpeTokenizer::from_text(head + "merges 2\n100 101\n", "t.txt"); }),
                 "t.txt:10: file ends"));
  CHECK(contains(error_of([&] { BpeTokenizer::from_text(head + "merges 1\n100 900\n", "t.txt"); }),
                 "t.txt:9: merge (100, 900) must join two existing"));
  CHECK(contains(error_of([&] { BpeTokenizer::from_text(head + "merges 1\n1 100\n", "t.txt"); }),
                 "t.txt:9"));
  CHECK(contains(
      error_of([&] { BpeTokenizer::from_text(head + "merges 2\n100 101\n100 101\n", "t.txt"); }),
      "t.txt:10: merge (100, 101) is listed twice"));
  CHECK(contains(error_of([&] { BpeTokenizer::from_text(head + "merges 1\n100 x\n", "t.txt"); }),
                 "t.txt:9: expected two token ids"));
  CHECK(contains(error_of([&] { BpeTokenizer::from_text(head + "merges 0\nextra\n", "t.txt"); }),
                 "t.txt:9: unexpected text"));
  CHECK(contains(
      error_of([&] { BpeTokenizer::from_text("synesthesia-bpe 1\nspecials 4\n", "t.txt"); }),
      "t.txt:2"));
  // A merge added by a later id composes: piece(new) is the two pieces joined.
  BpeTokenizer manual = BpeTokenizer::from_text(head + "merges 2\n" + std::to_string(byte_id('h')) +
                                                    " " + std::to_string(byte_id('i')) + "\n" +
                                                    std::to_string(BpeTokenizer::kFirstMerge) +
                                                    " " + std::to_string(byte_id('s')) + "\n",
                                                "m");
  CHECK(manual.piece(BpeTokenizer::kFirstMerge + 1) == "his");
  CHECK(manual.encode("his") == std::vector<int32_t>{BpeTokenizer::kFirstMerge + 1});
  // Merges never cross pre-tokenisation chunks: "hi" + "s!" stays "his" + "!".
  CHECK(manual.encode("his!") == std::vector<int32_t>{BpeTokenizer::kFirstMerge + 1, byte_id('!')});
}

TEST_CASE("learning is deterministic") {
  auto a = learn_bpe(some_captions(), 420), b = learn_bpe(some_captions(), 420);
  CHECK(a.merges() == b.merges());
}

TEST_CASE("MusicCaps: learn on the training captions, encode the evaluation ones") {
  if (!test::shared_available()) {
    MESSAGE("skipped: ../shared is absent");
    return;
  }
  auto split =
      split_musiccaps(load_musiccaps(test::shared_dir() + "/data/musiccaps/musiccaps-public.csv"));
  std::vector<std::string> texts;
  for (const auto& r : split.train) {
    texts.push_back(r.caption);
    for (const auto& t : r.aspects) texts.push_back(" " + t);
  }
  auto t0 = std::chrono::steady_clock::now();
  BpeTokenizer tok = learn_bpe(texts, 6000);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("learned ", tok.num_merges(), " merges (vocabulary ", tok.vocab_size(), ") in ", seconds,
          " s");
  CHECK(tok.vocab_size() == 6000);
  CHECK(seconds < 10.0);
  size_t bytes = 0, tokens = 0;
  for (const auto& r : split.eval) {
    auto ids = tok.encode(r.caption);
    REQUIRE(tok.decode(ids) == r.caption);
    bytes += r.caption.size();
    tokens += ids.size();
    for (const auto& t : r.aspects) REQUIRE(tok.decode(tok.encode(t)) == t);
  }
  double per_token = (double)bytes / (double)tokens;
  MESSAGE("evaluation captions: ", (double)tokens / split.eval.size(), " tokens each, ", per_token,
          " bytes per token");
  CHECK(per_token > 3.5);  // word-level merges, not bytes
  BpeTokenizer back = BpeTokenizer::from_text(tok.to_text(), "mem");
  CHECK(back.encode(split.eval[0].caption) == tok.encode(split.eval[0].caption));
}
