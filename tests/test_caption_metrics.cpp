// test_caption_metrics.cpp — BLEU / METEOR / ROUGE-L, their tokenizers and the Porter stemmer
// against the implementations LP-MusicCaps used (fixture: tests/reference/gen_caption_metrics.py
// running evaluate 0.4.0's BLEU files, NLTK 3.8.1 and rouge_score 0.1.2), plus tag fidelity on
// hand-worked cases. With ../shared present, the same reference numbers over the whole MusicCaps
// CSV (template baseline and a human-vs-human system) must come out of our code.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "apps/eval/caption_metrics.h"
#include "data/datasets/musiccaps.h"
#include "data/text/porter_stemmer.h"
#include "data/text/tag_constraints.h"
#include "data/text/tag_fidelity.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

const Checkpoint& fixture() {
  static const Checkpoint fx = test::load_fixture("caption_metrics");
  return fx;
}

std::string meta(const std::string& key) {
  auto it = fixture().meta.find(key);
  REQUIRE_MESSAGE(it != fixture().meta.end(), "fixture caption_metrics has no meta '", key, "'");
  return it->second;
}
bool has_meta(const std::string& key) { return fixture().meta.count(key) > 0; }
double meta_double(const std::string& key) { return std::stod(meta(key)); }

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur)) out.push_back(cur);
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " | " : "") + v[i];
  return s;
}

int pair_count() { return (int)std::stol(meta("count")); }

}  // namespace

TEST_CASE("tokenizers match sacrebleu 13a, rouge_score and NLTK word_tokenize") {
  for (int i = 0; i < pair_count(); ++i) {
    for (const char* side : {"pred", "ref"}) {
      std::string k = "pair/" + std::to_string(i) + "/" + side;
      std::string text = meta(k);
      CAPTURE(text);
      CHECK_MESSAGE(tokenize_13a(text) == lines(meta(k + "_13a")),
                    "13a: ", joined(tokenize_13a(text)), "  vs  ", joined(lines(meta(k + "_13a"))));
      CHECK_MESSAGE(tokenize_rouge(text) == lines(meta(k + "_rouge")),
                    "rouge: ", joined(tokenize_rouge(text)));
      CHECK_MESSAGE(nltk_word_tokenize(text) == lines(meta(k + "_nltk")),
                    "nltk: ", joined(nltk_word_tokenize(text)), "  vs  ",
                    joined(lines(meta(k + "_nltk"))));
      std::vector<std::string> sents = nltk_sentences(text);
      for (auto& s : sents) std::replace(s.begin(), s.end(), '\n', ' ');
      CHECK_MESSAGE(sents == lines(meta(k + "_sents")), "sentences: ", joined(sents));
    }
  }
}

TEST_CASE("Porter stemmer equals NLTK's (NLTK_EXTENSIONS mode)") {
  std::vector<std::string> words = lines(meta("stem/words")), stems = lines(meta("stem/stems"));
  REQUIRE(words.size() == stems.size());
  REQUIRE(words.size() > 300);
  int wrong = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string ours = porter_stem(words[i]);
    if (ours != stems[i]) {
      ++wrong;
      MESSAGE("stem(", words[i], ") = ", ours, ", NLTK: ", stems[i]);
    }
  }
  CHECK(wrong == 0);
  // A few by hand, from Porter's paper and NLTK's irregular forms.
  CHECK(porter_stem("caresses") == "caress");
  CHECK(porter_stem("relational") == "relat");
  CHECK(porter_stem("dying") == "die");
  CHECK(porter_stem("Generously") == "gener");
}

TEST_CASE("sentence METEOR, ROUGE-L and BLEU equal the references pair by pair") {
  for (int i = 0; i < pair_count(); ++i) {
    std::string k = "pair/" + std::to_string(i) + "/";
    std::string pred = meta(k + "pred"), ref = meta(k + "ref");
    CAPTURE(pred);
    CAPTURE(ref);
    CHECK(meteor_sentence(ref, pred) == doctest::Approx(meta_double(k + "meteor")).epsilon(1e-12));
    CHECK(rouge_l_sentence(ref, pred).fmeasure ==
          doctest::Approx(meta_double(k + "rougeL")).epsilon(1e-12));
    for (int n = 1; n <= 4; ++n) {
      std::string key = k + "bleu" + std::to_string(n);
      if (!has_meta(key)) continue;  // an empty side: the reference code divides by zero
      CHECK(corpus_bleu({pred}, {ref}, n).bleu == doctest::Approx(meta_double(key)).epsilon(1e-12));
    }
  }
}

TEST_CASE("corpus scores equal evaluate's bleu / meteor / rouge on the fixture pairs") {
  std::vector<std::string> preds, refs;
  for (int i = 0; i < pair_count(); ++i) {
    preds.push_back(meta("pair/" + std::to_string(i) + "/pred"));
    refs.push_back(meta("pair/" + std::to_string(i) + "/ref"));
  }
  CaptionScores s = score_captions(preds, refs);
  for (int n = 1; n <= 4; ++n) {
    double ref_bleu = meta_double("corpus/bleu" + std::to_string(n));
    CHECK(s.bleu[n - 1] == doctest::Approx(ref_bleu).epsilon(1e-12));
    CHECK(corpus_bleu(preds, refs, n).bleu == doctest::Approx(ref_bleu).epsilon(1e-12));
  }
  CHECK(s.meteor == doctest::Approx(meta_double("corpus/meteor")).epsilon(1e-12));
  CHECK(s.rouge_l == doctest::Approx(meta_double("corpus/rougeL_mean")).epsilon(1e-12));
  // The documented gaps: WordNet synonyms only add; the bootstrap median sits near the mean.
  CHECK(meta_double("corpus/meteor_wordnet") >= s.meteor);
  CHECK(std::fabs(meta_double("corpus/rougeL_bootstrap") - s.rouge_l) < 0.02);
}

TEST_CASE("BLEU by hand: clipping, brevity penalty, zero precision") {
  // "the the the the the the" vs "the cat sat on the mat": unigram matches clipped to 2 of 6.
  BleuResult b1 = corpus_bleu({"the the the the the the"}, {"the cat sat on the mat"}, 1);
  CHECK(b1.precisions[0] == doctest::Approx(2.0 / 6.0));
  CHECK(b1.brevity_penalty == doctest::Approx(1.0));
  CHECK(b1.bleu == doctest::Approx(1.0 / 3.0));
  // A 3-token candidate against a 6-token reference: BP = exp(1 - 6/3).
  BleuResult b2 = corpus_bleu({"the cat sat"}, {"the cat sat on the mat"}, 2);
  CHECK(b2.precisions[0] == doctest::Approx(1.0));
  CHECK(b2.precisions[1] == doctest::Approx(1.0));
  CHECK(b2.bleu == doctest::Approx(std::exp(1.0 - 2.0)));
  // No bigram in common: BLEU-2 is exactly 0 (no smoothing), BLEU-1 is not.
  CHECK(corpus_bleu({"cat the"}, {"the cat"}, 2).bleu == 0.0);
  CHECK(corpus_bleu({"cat the"}, {"the cat"}, 1).bleu == doctest::Approx(1.0));
  // Case matters (13a does not lower-case).
  CHECK(corpus_bleu({"The Cat"}, {"the cat"}, 1).bleu == 0.0);
  CHECK_THROWS_AS(corpus_bleu({"a", "b"}, {"a"}, 1), Error);
}

TEST_CASE("METEOR and ROUGE-L by hand") {
  // Identical 4-word sentences: one chunk, P = R = 1, penalty 0.5 * (1/4)^3.
  CHECK(meteor_sentence("a b c d", "a b c d") == doctest::Approx(1.0 - 0.5 * std::pow(0.25, 3)));
  // Reversed: 4 chunks of one word.
  CHECK(meteor_sentence("a b c d", "d c b a") == doctest::Approx(1.0 - 0.5));
  // Stem stage: "drums" ~ "drum", "singing" ~ "sing".
  CHECK(meteor_sentence("drum sing", "drums singing") > 0.9);
  CHECK(meteor_sentence("a b", "") == 0.0);
  RougeScore r = rouge_l_sentence("the cat sat on the mat", "the cat on a mat");
  // LCS "the cat on mat" = 4; P = 4/5, R = 4/6.
  CHECK(r.precision == doctest::Approx(0.8));
  CHECK(r.recall == doctest::Approx(4.0 / 6.0));
  CHECK(r.fmeasure == doctest::Approx(2 * 0.8 * (4.0 / 6.0) / (0.8 + 4.0 / 6.0)));
  CHECK(rouge_l_sentence("", "x").fmeasure == 0.0);
}

TEST_CASE("tag fidelity: expressed tags through stems, synonyms, phrases") {
  CHECK(fidelity_words("Hi-hats and the E-Bass") ==
        std::vector<std::string>{"hi", "hat", porter_stem("electric"), "bass"});
  TagCheck c =
      check_tags({"female vocal", "mellow piano melodies", "sad", "pop song", "no voice", "tuba"},
                 "A woman sings a mellow melody on the piano. It is a melancholic pop tune.");
  REQUIRE(c.expressed.size() == 6);
  CHECK(c.expressed[0]);   // woman ~ female, sings ~ vocal
  CHECK(c.expressed[1]);   // melodies ~ melody (stem), all three words present
  CHECK(c.expressed[2]);   // melancholic ~ sad
  CHECK(c.expressed[3]);   // "song" is generic: "pop" suffices
  CHECK(!c.expressed[4]);  // no "no"
  CHECK(!c.expressed[5]);
  CHECK(check_tags({"no voice", "instrumental"}, "A relaxing instrumental piece.").expressed ==
        std::vector<bool>{true, true});
  CHECK(check_tags({"medium tempo"}, "It is played at a moderate pace.").expressed[0]);
  CHECK(check_tags({"fast tempo"}, "An uptempo dance track.").expressed[0]);
  CHECK(check_tags({"low quality"}, "The audio is lo-fi.").expressed[0]);
  CHECK(!check_tags({"low quality"}, "The audio is low.").expressed[0]);
}

TEST_CASE("tag fidelity: contradictions and negation") {
  auto conflicts = [](std::vector<std::string> tags, const std::string& s) {
    return check_tags(tags, s).conflicts.size();
  };
  CHECK(conflicts({"female vocal"}, "A male voice sings over guitar.") == 1);
  CHECK(conflicts({"female vocal"}, "A man plays the guitar while a woman sings.") == 0);
  CHECK(conflicts({"female vocal", "male vocal"}, "A male singer and a female singer.") == 0);
  CHECK(conflicts({"instrumental"}, "A man is singing a love song.") == 1);
  CHECK(conflicts({"instrumental"}, "There are no vocals in this piece.") == 0);
  CHECK(conflicts({"no voice"}, "A choir sings.") == 1);
  CHECK(conflicts({"string instruments"}, "A man sings.") == 0);  // not "instrumental"
  // Phrases and windows stay inside a clause: two listed tags are not "a man singing".
  CHECK(conflicts({"female vocal", "man"}, "female vocal, man") == 0);
  CHECK(conflicts({"male vocal"}, "This song has no vocals.") == 1);
  CHECK(conflicts({"fast tempo"}, "The song has a slow tempo.") == 1);
  CHECK(conflicts({"medium tempo"}, "It is an uptempo song.") == 1);
  CHECK(conflicts({"sad"}, "A happy song.") == 1);
  CHECK(conflicts({"sad"}, "The song is not happy.") == 0);
  CHECK(conflicts({"low quality"}, "A high quality recording.") == 1);
  CHECK(conflicts({"live performance"}, "A studio recording.") == 1);
  CHECK(conflicts({"minor key"}, "In a major key.") == 1);
  CHECK(conflicts({"pop", "happy"}, "A happy pop song.") == 0);
  // The template baseline repeats its tags: it expresses all and contradicts none.
  std::vector<std::string> tags = {"soft female vocal", "sad", "slow tempo", "no drums"};
  TagFidelity f =
      tag_fidelity({tags, tags}, {"the music is characterized by soft female vocal, sad, slow "
                                  "tempo, no drums",
                                  "A happy man sings fast."});
  CHECK(f.tags == 8);
  CHECK(f.sentences == 2);
  CHECK(f.contradicting == 1);  // the second: "happy" vs sad, and "man sings" vs female vocal
  CHECK(f.expressed == 4);
  CHECK(f.tag_recall() == doctest::Approx(0.5));
}

TEST_CASE("tag fidelity: genre clashes") {
  auto conflicts = [](std::vector<std::string> tags, const std::string& s) {
    return check_tags(tags, s).conflicts;
  };
  CHECK(conflicts({"classical"}, "This is a heavy metal song.") ==
        std::vector<std::string>{"heavy metal vs tag 'classical'"});
  CHECK(conflicts({"heavy metal"}, "A classical piece for strings.").size() == 1);  // both ways
  CHECK(conflicts({"classical music", "strings"}, "A hip-hop beat.").size() == 1);
  CHECK(conflicts({"country"}, "This is a techno track.").size() == 1);
  CHECK(conflicts({"country"}, "It sounds like an R&B song.").size() == 1);
  CHECK(conflicts({"gospel"}, "A house music groove.").size() == 1);
  CHECK(conflicts({"lullaby"}, "A dubstep drop.").size() == 1);
  // Genres that do meet in MusicCaps are not opposed.
  CHECK(conflicts({"classical"}, "A techno remix of a classical piece.").empty());
  CHECK(conflicts({"country"}, "An electronic country song.").empty());
  CHECK(conflicts({"jazz"}, "A hip hop beat with jazz chords.").empty());
  // A tag that names both genres asserts both; a negated genre is not a mention.
  CHECK(conflicts({"classical", "heavy metal"}, "Classical meets heavy metal.").empty());
  CHECK(conflicts({"classical"}, "This is not hip hop.").empty());
  // A genre's word that names no genre.
  CHECK(conflicts({"hip hop"}, "A classical guitar plays a loop.").empty());
  CHECK(conflicts({"hip hop"}, "Sounds of the country side.").empty());
  CHECK(conflicts({"folk"}, "A rhythm and blues song.") ==  // r&b, not blues
        std::vector<std::string>{"r&b vs tag 'folk'"});
  CHECK(conflicts({"techno"}, "A rhythm and blues song.").empty());   // techno vs blues only
  CHECK(conflicts({"classical guitar"}, "A hip hop beat.").empty());  // the tag is no genre
  CHECK(conflicts({"house"}, "A classical melody.").size() == 1);     // a tag "house" is the genre
  CHECK(conflicts({"classical"}, "Recorded in a house.").empty());    // a sentence's is a building
  // The decoder's judge bans what the metric counts.
  CHECK(!check_constraints({"classical", "violin"}, "A classical violin solo over a punk beat.")
             .faults.empty());
}

TEST_CASE("MusicCaps: our metrics reproduce the references over the whole CSV") {
  if (!test::shared_available() || !has_meta("musiccaps/rows")) {
    MESSAGE("skipped: ../shared or the MusicCaps part of the fixture is absent");
    return;
  }
  auto rows = load_musiccaps(test::shared_dir() + "/data/musiccaps/musiccaps-public.csv");
  REQUIRE((long)rows.size() == std::stol(meta("musiccaps/rows")));
  long tags = 0, sentences = 0, nltk_tokens = 0, t13a = 0, rouge = 0;
  std::set<std::string> vocab;
  for (const auto& r : rows) {
    tags += (long)r.aspects.size();
    sentences += (long)nltk_sentences(r.caption).size();
    auto toks = nltk_word_tokenize(r.caption);
    nltk_tokens += (long)toks.size();
    for (auto& t : toks) {
      for (char& ch : t)
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
      vocab.insert(t);
    }
    t13a += (long)tokenize_13a(r.caption).size();
    rouge += (long)tokenize_rouge(r.caption).size();
  }
  CHECK(tags == std::stol(meta("musiccaps/tags")));
  CHECK(sentences == std::stol(meta("musiccaps/sentences")));  // our split == Punkt's
  CHECK(nltk_tokens == std::stol(meta("musiccaps/nltk_tokens")));
  CHECK(t13a == std::stol(meta("musiccaps/13a_tokens")));
  CHECK(rouge == std::stol(meta("musiccaps/rouge_tokens")));
  CHECK((long)vocab.size() == std::stol(meta("musiccaps/vocab")));
  std::string blob;
  for (const auto& w : vocab) blob += w + "\t" + porter_stem(w) + "\n";
  CHECK(crc32(blob.data(), blob.size()) ==
        (uint32_t)std::stoul(meta("musiccaps/vocab_stem_crc32")));

  auto split = split_musiccaps(rows);
  REQUIRE((long)split.eval.size() == std::stol(meta("musiccaps/eval_rows")));
  std::vector<std::string> refs, templ, swapped;
  for (size_t i = 0; i < split.eval.size(); ++i) {
    const auto& r = split.eval[i];
    refs.push_back(r.caption);
    std::string t = "the music is characterized by ";
    for (size_t k = 0; k < r.aspects.size(); ++k) t += (k ? ", " : "") + r.aspects[k];
    templ.push_back(t);
    swapped.push_back(split.eval[(i + 1) % split.eval.size()].caption);
  }
  for (auto [name, preds] : {std::pair{"template", &templ}, std::pair{"swapped", &swapped}}) {
    CAPTURE(name);
    std::string k = std::string("musiccaps/") + name + "/";
    CaptionScores s = score_captions(*preds, refs);
    for (int n = 1; n <= 4; ++n)
      CHECK(s.bleu[n - 1] ==
            doctest::Approx(meta_double(k + "bleu" + std::to_string(n))).epsilon(1e-12));
    CHECK(s.meteor == doctest::Approx(meta_double(k + "meteor")).epsilon(1e-12));
    CHECK(s.rouge_l == doctest::Approx(meta_double(k + "rougeL_mean")).epsilon(1e-12));
  }
}
