// test_caption_constraints.cpp — the constrained caption decoder (issue 21): the repetition and
// ungrounded-claim rules (data/text/caption_fluency), negated tags phrased positively and the
// words that express each tag (data/text/tag_constraints, tag_fidelity), the search forcing a
// phrase into an untrained model's sentence (models/constrained_beam), and the shipped weights
// saying every tag of fixed sets with nothing contradicted, repeated or ungrounded.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "apps/pipeline/caption_model.h"
#include "apps/pipeline/tag_json.h"
#include "data/text/caption_fluency.h"
#include "data/text/tag_constraints.h"
#include "data/text/tag_fidelity.h"
#include "data/text/tag_phrases.h"
#include "data/text/tokenizer.h"
#include "engine/rng.h"
#include "models/constrained_beam.h"

using namespace syn;
using namespace syn::models;
namespace fs = std::filesystem;

TEST_CASE("repeated word pairs: the stutters of issue 21, not ordinary English") {
  CHECK(repeated_word_pair("This is a rock rock music piece.") == "rock rock");
  CHECK(repeated_word_pair("It sounds mellow, mellow and mellow.") == "mellow mellow");
  CHECK(repeated_word_pair("a flute melody, flute melody and flute melody") != "");
  CHECK(repeated_word_pair("The song is emotional, sad, soft and sad.") == "sad .. sad");
  CHECK(repeated_word_pair("a piano accompaniment and a piano accompaniment") ==
        "piano accompaniment");
  CHECK(repeated_word_pair("The song is slow. The song has a piano and the bass plays in the "
                           "background of the song.") == "");
  CHECK(repeated_word_pair("") == "");
}

TEST_CASE("tag lists: three or more tags strung together without a sentence's words") {
  const std::vector<std::string> tags = {
      "emotional",  "poignant", "classical", "vocalist", "wide electric guitar melody",
      "groovy bass"};
  CHECK(tag_list_run(tags, "Emotional poignant classical vocalist with strings.") ==
        "emotional poignant classical vocalist");
  // Stems count ("emotionally"); one tag of four words, or two tags, is not a list.
  CHECK(tag_list_run(tags, "It sounds emotionally poignant classical vocalists.") ==
        "emotionally poignant classical vocalists");
  CHECK(tag_list_run(tags, "It sounds poignant classical vocalist.") == "");  // 3 words
  CHECK(tag_list_run(tags, "A wide electric guitar melody plays.") == "");
  CHECK(tag_list_run(tags, "A wide electric guitar melody, groovy bass.") == "");
  // Punctuation and the words of a sentence break a run.
  CHECK(tag_list_run(tags, "It is emotional, poignant, classical and sung by a vocalist.") == "");
  CHECK(tag_list_run(tags, "A poignant song with a classical vocalist.") == "");
  CHECK(tag_list_run({}, "Emotional poignant classical vocalist.") == "");
}

TEST_CASE("ungrounded claims: the recording, the audience, the place, unless a tag says so") {
  const std::vector<std::string> tags = {"ambient", "flute"};
  CHECK(ungrounded_claims(tags, "The low quality recording features a flute.") ==
        std::vector<std::string>{"low quality"});
  CHECK(ungrounded_claims({"low quality", "flute"}, "The low quality recording features a flute.")
            .empty());
  CHECK(ungrounded_claims(tags, "This is a live performance.") == std::vector<std::string>{"live"});
  CHECK(ungrounded_claims({"live performance"}, "This is a live performance.").empty());
  CHECK(ungrounded_claims(tags, "It could be playing in a bar.") ==
        std::vector<std::string>{"bar"});
  CHECK(ungrounded_claims(tags, "A lively ambient flute melody.").empty());  // words, not letters
  CHECK(ungrounded_claims(tags, "An amateur recording, noisy.").size() == 2);
}

TEST_CASE("negated tags are offered positively; --explain's words per tag") {
  CHECK(constraint_phrase("no vocals") == "instrumental");
  CHECK(constraint_phrase("No Voice") == "instrumental");
  CHECK(constraint_phrase("no singing") == "instrumental");
  CHECK(constraint_phrase("no lyrics") == "no lyrics");  // no documented positive form
  CHECK(constraint_phrase("Female  Vocal") == "female vocal");
  CHECK(constraint_phrase("hip-hop") == "hip-hop");
  const auto w = expressing_words({"female vocal", "no vocals", "fast tempo", "sitar"},
                                  "A woman sings over an uptempo beat.");
  REQUIRE(w.size() == 4);
  CHECK(w[0] == std::vector<std::string>{"woman", "sings"});
  CHECK(w[1].empty());  // not expressed (and contradicted)
  CHECK(w[2] == std::vector<std::string>{"uptempo"});
  CHECK(w[3].empty());
  const ConstraintReport r = check_constraints({"no vocals"}, "A woman sings, sings.");
  CHECK(r.missed == std::vector<std::string>{"no vocals"});
  CHECK(r.faults.size() == 2);  // the contradiction and the repetition
}

TEST_CASE("borderline tags: a \"Possibly also\" clause after the sentence") {
  CHECK(is_borderline("possibly flute"));
  CHECK(is_borderline("Possibly Flute"));
  CHECK(!is_borderline("flute"));
  CHECK(!is_borderline("possibly"));
  CHECK(unmarked_tag("possibly flute") == "flute");
  CHECK(borderline_tag("flute") == "possibly flute");
  CHECK(constraint_phrase("possibly no vocals") == "instrumental");
  CHECK(possibly_clause({"flute", "female vocal", "no vocals"}) ==
        "Possibly also flute, female vocal and instrumental.");
  CHECK(possibly_clause({}) == "");
  // Not added: what the sentence says already, or what contradicts it or a confident tag.
  CHECK(possible_additions({"female vocal"}, {"male vocal", "flute", "piano", "fast tempo"},
                           "A woman sings with a piano at a slow tempo.") ==
        std::vector<std::string>{"flute"});
  const std::vector<std::string> tags = {"piano", "possibly flute"};
  ConstraintReport r = check_constraints(tags, "A piano melody. Possibly also flute.");
  CHECK(r.missed.empty());
  CHECK(r.faults.empty());
  r = check_constraints(tags, "A piano melody and a flute.");
  CHECK(r.missed == std::vector<std::string>{"possibly flute"});
  CHECK(r.faults == std::vector<std::string>{"borderline 'flute' stated as fact"});
  r = check_constraints(tags, "Possibly a piano melody, with a flute.");
  CHECK(r.missed == std::vector<std::string>{"possibly flute"});
  CHECK(r.faults.size() == 1);
}

TEST_CASE("the judge bans stating a borderline tag as fact, unless a tag's phrase says it") {
  BpeTokenizer tok;
  const TagJudge judge({"piano", "sad"}, tok, {"instrumental", "flute", "sad piano"});
  CHECK(judge.judge("A sad piano melody").allowed);  // "sad piano" is said by the tags
  CHECK(!judge.judge("A sad instrumental piano melody").allowed);
  CHECK(!judge.judge("A sad piano melody with a flute").allowed);
  CHECK(judge.judge("A sad piano melody").met == 2);
  CHECK(TagJudge({"piano"}, tok).judge("An instrumental piano melody").allowed);
}

TEST_CASE("a tag's phrase is offered without the words the sentence says already") {
  CHECK(unsaid_words("electric guitar chords", "An electric guitar plays.") ==
        std::vector<std::string>{"chords"});
  CHECK(unsaid_words("electric guitar chords", "") ==
        std::vector<std::string>{"electric", "guitar", "chords"});
  CHECK(unsaid_words("electric guitar lead and harmony", "The guitars lead.") ==
        std::vector<std::string>{"electric", "harmony"});  // stems count; "and" is not needed
  CHECK(unsaid_words("piano", "A piano plays.").empty());
  BpeTokenizer tok;
  const TagJudge judge({"electric guitar melody", "electric guitar chords", "no vocals"}, tok);
  auto ids = [&](const std::string& s) {
    std::vector<int64_t> out;
    for (int32_t id : tok.encode(s)) out.push_back(id);
    return out;
  };
  const auto v = judge.judge("An electric guitar melody");
  CHECK(v.met == 1);
  CHECK(v.proposals == std::vector<std::vector<int64_t>>{ids(" chords"), ids(" instrumental")});
  // Nothing said yet: the whole phrases (the words between them kept).
  CHECK(judge.judge("A song").proposals.front() == ids(" electric guitar melody"));
}

TEST_CASE("caption tags from a tagger: the confident ones, then borderline ones marked") {
  app::TagFile f;
  for (auto [tag, p] : {std::pair{"piano", 0.5},
                        {"sad", 0.2},
                        {"flute", 0.07},
                        {"female", 0.06},
                        {"drums", 0.055},
                        {"guitar", 0.03}})
    f.tags.push_back({tag, p, ""});
  app::CaptionTagRule rule;  // 0.1 confident, 0.05 borderline, at most 2, phrases mapped
  CHECK(app::caption_tags_from(f, rule) ==
        std::vector<std::string>{"piano", "sad", "possibly flute", "possibly female vocal"});
  rule.max_borderline = 0;  // today's rule
  CHECK(app::caption_tags_from(f, rule) == app::confident_tags(f, 0.1, 0.1, 8));
  rule.max_borderline = 2;
  rule.max_tags = 2;  // as many confident tags as allowed: no room for borderline ones
  CHECK(app::caption_tags_from(f, rule) == std::vector<std::string>{"piano", "sad"});
  // A borderline tag whose phrase a confident one already says is dropped.
  CHECK(app::phrases_keeping_marks({"female vocal", "possibly female", "possibly Flute"}) ==
        std::vector<std::string>{"female vocal", "possibly flute"});
}

TEST_CASE("constrained beam search writes a required word an untrained model would not") {
  Rng rng(5);
  BpeTokenizer tok;  // bytes only: 261 ids
  CaptionDecoderConfig c;
  c.vocab_size = tok.vocab_size();
  c.d_model = 32;
  c.heads = 2;
  c.layers = 1;
  c.ff_dim = 64;
  c.max_len = 40;
  c.dropout = 0;
  CaptionDecoder m(c, rng);
  TagIds ids = make_tag_ids({{tok.encode(" zebra")}, {tok.encode(" quokka")}}, 0, 16);
  TagJudge zebra({"zebra"}, tok), quokka({"quokka"}, tok);
  std::vector<std::string> pieces;
  for (int32_t id = 0; id < tok.vocab_size(); ++id) pieces.push_back(tok.piece(id));
  DecodeOptions o;
  o.beam = 4;
  o.max_tokens = 39;
  auto out = constrained_beam_search(m, ids, o, {&zebra, &quokka}, pieces);
  REQUIRE(out.size() == 2);
  for (size_t b = 0; b < 2; ++b) {
    REQUIRE(!out[b].empty());
    CHECK(out[b][0].met == 1);
    std::vector<int32_t> t(out[b][0].tokens.begin(), out[b][0].tokens.end());
    const std::string text = tok.decode(t);
    CHECK_MESSAGE(text.find(b == 0 ? "zebra" : "quokka") != std::string::npos, text);
    CHECK(repeated_word_pair(text).empty());
  }
  // Plain beam search on the same model does not say them: the constraint did.
  o.constrained = false;
  for (const auto& s : beam_search(m, ids, o)) {
    std::vector<int32_t> t(s.begin(), s.end());
    CHECK(tok.decode(t).find("zebra") == std::string::npos);
  }
}

TEST_CASE("the shipped weights say every tag of fixed sets, with nothing false or repeated") {
  const std::string src = SYN_SOURCE_DIR;
  const std::string path = src + "/models/weights/caption_decoder.synckpt";
  if (!fs::exists(path)) {
    MESSAGE("models/weights/caption_decoder.synckpt is absent: skipped");
    return;
  }
  app::CaptionModel m = app::load_caption_model(path);
  std::ifstream in(src + "/tests/fixtures/caption_tag_sets.txt");
  REQUIRE(in);
  std::vector<std::vector<std::string>> sets;
  std::string line;
  while (std::getline(in, line) && sets.size() < 12) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> tags;
    size_t start = 0;
    while (start <= line.size()) {
      size_t comma = std::min(line.find(',', start), line.size());
      std::string t = app::normalise_tag(line.substr(start, comma - start), false);
      if (!t.empty()) tags.push_back(t);
      start = comma + 1;
    }
    sets.push_back(tags_to_phrases(tags));
  }
  REQUIRE(sets.size() == 12);
  DecodeOptions o;
  o.beam = 8;
  o.length_penalty = 0.7;  // config/caption.yaml's defaults
  o.no_repeat_ngram = 3;
  o.constrained = true;
  o.free_slots = 4;
  for (bool defer : {false, true}) {  // the default, deferred forcing, and the one before
    o.defer_forcing = defer;
    const auto sentences = m.caption(sets, o);
    REQUIRE(sentences.size() == sets.size());
    for (size_t i = 0; i < sets.size(); ++i) {
      const ConstraintReport r = check_constraints(sets[i], sentences[i]);
      CHECK_MESSAGE(r.missed.empty(), sentences[i]);
      CHECK_MESSAGE(r.faults.empty(), sentences[i]);
      CHECK(sentences[i][0] >= 'A');
      CHECK(sentences[i][0] <= 'Z');
    }
  }
  // Borderline tags follow the sentence as "Possibly also ...".
  const std::vector<std::vector<std::string>> borderline = {
      {"piano", "sad", "possibly flute"}, {"rock", "male vocal", "possibly harmonica"}};
  const auto said = m.caption(borderline, o);
  for (size_t i = 0; i < borderline.size(); ++i) {
    const ConstraintReport r = check_constraints(borderline[i], said[i]);
    CHECK_MESSAGE(r.missed.empty(), said[i]);
    CHECK_MESSAGE(r.faults.empty(), said[i]);
  }
}
