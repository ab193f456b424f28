// test_caption_decoder.cpp — the tags → sentence decoder: the tag encoding ignores tag order,
// the self-attention is causal, the KV-cached steps match the full forward, a tiny model learns
// a handful of sentences and greedy/beam decoding reproduce them, beam 1 == greedy, top-p is
// seeded and p -> 0 is greedy, the fp16 export round-trips through load_caption_model, and
// apps/train_captioner's loop resumes exactly, and apps/tag's JSON is read back for apps/caption.
// All on tiny models: seconds in total.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "apps/pipeline/caption_model.h"
#include "apps/pipeline/tag_json.h"
#include "apps/pipeline/tagger.h"
#include "apps/train/caption_task.h"
#include "apps/train/trainer.h"
#include "data/text/tag_phrases.h"
#include "engine/autograd.h"
#include "engine/checkpoint.h"
#include "engine/ops/loss.h"
#include "engine/ops/shape.h"
#include "engine/optim/adam.h"
#include "models/caption_decode.h"
#include "models/caption_decoder.h"
#include "tests/support/fixtures.h"

using namespace syn;
using namespace syn::models;
namespace fs = std::filesystem;

namespace {

CaptionDecoderConfig tiny_config() {
  CaptionDecoderConfig c;
  c.vocab_size = 40;
  c.d_model = 32;
  c.heads = 4;
  c.layers = 2;
  c.tag_layers = 1;
  c.ff_dim = 64;
  c.max_len = 16;
  c.dropout = 0.0f;
  return c;
}

using Set = std::vector<std::vector<int32_t>>;

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

std::vector<float> logits_of(CaptionDecoder& m, const std::vector<Set>& sets,
                             const std::vector<int64_t>& ids, int64_t B, int64_t T) {
  NoGradGuard ng;
  m.eval();
  TagMemory mem = m.encode_tags(make_tag_ids(sets, 0, 8));
  return m.forward(mem, ids, B, T).to_vector();
}

DecodeOptions opts() {
  DecodeOptions o;
  o.bos_id = 1;
  o.eos_id = 2;
  o.num_special = 5;
  o.max_tokens = 15;
  return o;
}

// Four tag sets and the sentence each should produce (ids >= 5; 2 = <eos>).
const std::vector<Set> kSets = {{{5, 6}, {7}}, {{8}, {9, 10, 11}}, {{12}}, {{5, 6}, {13}, {14}}};
const std::vector<std::vector<int64_t>> kSentences = {{20, 21, 22, 23, 24, 25},
                                                      {26, 27, 20, 28},
                                                      {29, 30, 31, 32, 33, 34, 35, 36},
                                                      {20, 21, 37, 38, 39}};

// Trains a tiny decoder on the four pairs until it knows them.
std::unique_ptr<CaptionDecoder> overfit(float& final_loss) {
  Rng rng(3);
  auto m = std::make_unique<CaptionDecoder>(tiny_config(), rng);
  AdamOptions ao;
  ao.lr = 3e-3;
  Adam opt(m->named_parameters(), ao);
  const int64_t B = 4, T = 9;  // <bos> + up to 8 tokens
  std::vector<int64_t> in((size_t)(B * T), 0), tgt((size_t)(B * T), -100);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> seq = {1};
    for (int64_t t : kSentences[(size_t)b]) seq.push_back(t);
    seq.push_back(2);
    for (size_t t = 0; t + 1 < seq.size(); ++t) {
      in[(size_t)b * T + t] = seq[t];
      tgt[(size_t)b * T + t] = seq[t + 1];
    }
  }
  TagIds tags = make_tag_ids(kSets, 0, 8);
  m->train();
  for (int step = 0; step < 300; ++step) {
    Tensor logits = m->forward(m->encode_tags(tags), in, B, T);
    Tensor loss = ops::cross_entropy(ops::reshape(logits, {B * T, 40}), tgt, -100);
    final_loss = loss.item();
    loss.backward();
    opt.step();
    opt.zero_grad();
    if (final_loss < 0.01f) break;
  }
  return m;
}

}  // namespace

TEST_CASE("the tag encoding ignores tag order (per-token and per-tag memory)") {
  for (bool token_memory : {true, false}) {
    CAPTURE(token_memory);
    CaptionDecoderConfig cfg = tiny_config();
    cfg.token_memory = token_memory;
    Rng rng(1);
    CaptionDecoder m(cfg, rng);
    Set tags = {{5, 6, 7}, {8}, {9, 10}, {11, 12, 13, 14}};
    Set permuted = {tags[2], tags[0], tags[3], tags[1]};
    Set changed = {{5, 6, 7}, {8}, {9, 15}, {11, 12, 13, 14}};
    Set swapped_within = {{5, 6, 7}, {8}, {10, 9}, {11, 12, 13, 14}};
    std::vector<int64_t> ids = {1, 20, 21, 22, 23};
    auto a = logits_of(m, {tags}, ids, 1, 5);
    auto b = logits_of(m, {permuted}, ids, 1, 5);
    auto c = logits_of(m, {changed}, ids, 1, 5);
    CHECK(max_abs_diff(a, b) < 1e-5f);
    CHECK(max_abs_diff(a, c) > 1e-3f);  // the tags do matter
    // Word order within a tag matters once tokens are memory rows ("piano mellow" is odd).
    if (token_memory) CHECK(max_abs_diff(a, logits_of(m, {swapped_within}, ids, 1, 5)) > 1e-4f);
    // Padding: the same set batched beside a longer one gives the same logits.
    Set longer = {{5}, {6}, {7}, {8}, {9}, {10}};
    std::vector<int64_t> two = ids;
    two.insert(two.end(), ids.begin(), ids.end());
    auto d = logits_of(m, {tags, longer}, two, 2, 5);
    CHECK(max_abs_diff(a, std::vector<float>(d.begin(), d.begin() + (long)a.size())) < 1e-5f);
  }
}

TEST_CASE("self-attention is causal: a later token never changes earlier logits") {
  Rng rng(2);
  CaptionDecoder m(tiny_config(), rng);
  std::vector<Set> sets = {{{5, 6}, {7}}};
  std::vector<int64_t> ids = {1, 20, 21, 22, 23, 24, 25, 26};
  std::vector<int64_t> other = ids;
  other[5] = 30;
  auto a = logits_of(m, sets, ids, 1, 8), b = logits_of(m, sets, other, 1, 8);
  const size_t V = 40;
  std::vector<float> a_before(a.begin(), a.begin() + 5 * V), b_before(b.begin(), b.begin() + 5 * V);
  CHECK(max_abs_diff(a_before, b_before) <= 1e-6f);
  std::vector<float> a_at(a.begin() + 5 * V, a.end()), b_at(b.begin() + 5 * V, b.end());
  CHECK(max_abs_diff(a_at, b_at) > 1e-3f);
}

TEST_CASE("cached incremental steps give the full forward's logits") {
  Rng rng(4);
  CaptionDecoder m(tiny_config(), rng);
  std::vector<Set> sets = {{{5, 6}, {7}}, {{8}}};
  std::vector<int64_t> a = {1, 20, 21, 22, 23, 24}, b = {1, 30, 31, 32, 33, 34};
  std::vector<int64_t> ids = a;
  ids.insert(ids.end(), b.begin(), b.end());
  auto full = logits_of(m, sets, ids, 2, 6);
  NoGradGuard ng;
  DecoderCache cache = m.start(m.encode_tags(make_tag_ids(sets, 0, 8)));
  const size_t V = 40;
  for (size_t t = 0; t < 6; ++t) {
    auto step = m.step(cache, {a[t], b[t]}).to_vector();
    std::vector<float> want(full.begin() + t * V, full.begin() + (t + 1) * V);
    want.insert(want.end(), full.begin() + (6 + t) * V, full.begin() + (7 + t) * V);
    CHECK(max_abs_diff(step, want) < 1e-4f);
  }
  // reorder: row 0 <- old row 1 (twice), and the next step follows that history.
  m.reorder(cache, {1, 1});
  auto s = m.step(cache, {40 - 1, 40 - 1}).to_vector();
  CHECK(max_abs_diff(std::vector<float>(s.begin(), s.begin() + V),
                     std::vector<float>(s.begin() + V, s.end())) == 0.0f);
}

TEST_CASE("cached steps: beams grouped by set and uneven beams give the same logits") {
  Rng rng(4);
  CaptionDecoder m(tiny_config(), rng);
  std::vector<Set> sets = {{{5, 6}, {7}}, {{8}}};
  NoGradGuard ng;
  DecoderCache cache = m.start(m.encode_tags(make_tag_ids(sets, 0, 8)));
  for (int64_t t : {20, 21, 22}) m.step(cache, {t, t + 10});
  // Two beams per set, in set order: the cross-attention runs once per set.
  DecoderCache even = cache, uneven = cache;
  m.reorder(even, {0, 0, 1, 1});
  auto e = m.step(even, {7, 7, 9, 9}).to_vector();
  // Set 1, set 0, set 1 (uneven, out of order): each row gets its set's keys.
  m.reorder(uneven, {1, 0, 1});
  auto u = m.step(uneven, {9, 7, 9}).to_vector();
  const size_t V = 40;
  auto row = [&](const std::vector<float>& x, size_t r) {
    return std::vector<float>(x.begin() + r * V, x.begin() + (r + 1) * V);
  };
  CHECK(max_abs_diff(row(e, 0), row(u, 1)) < 1e-5f);
  CHECK(max_abs_diff(row(e, 2), row(u, 0)) < 1e-5f);
  CHECK(max_abs_diff(row(e, 3), row(u, 2)) < 1e-5f);
  CHECK(max_abs_diff(row(e, 0), row(e, 2)) > 1e-3f);  // the sets do differ
  // A set dropped: the other's keys are kept alone and it still decodes the same.
  DecoderCache one = even;
  m.reorder(one, {2});
  auto o = m.step(one, {11}).to_vector();
  DecoderCache both = even;
  m.reorder(both, {0, 2});
  auto b = m.step(both, {11, 11}).to_vector();
  CHECK(max_abs_diff(o, row(b, 1)) < 1e-5f);
}

TEST_CASE("a decoder frozen for inference steps exactly as before") {
  Rng rng(4);
  CaptionDecoder m(tiny_config(), rng);
  std::vector<Set> sets = {{{5, 6}, {7}}, {{8}}};
  NoGradGuard ng;
  auto run = [&] {
    DecoderCache cache = m.start(m.encode_tags(make_tag_ids(sets, 0, 8)));
    std::vector<float> out;
    for (int64_t t : {20, 21, 22})
      for (float v : m.step(cache, {t, t + 10}).to_vector()) out.push_back(v);
    return out;
  };
  const auto before = run();
  m.freeze_for_inference();
  CHECK(run() == before);
}

TEST_CASE("a tiny decoder learns four sentences; greedy and beam reproduce them") {
  float loss = 99;
  auto m = overfit(loss);
  CHECK(loss < 0.05f);
  TagIds tags = make_tag_ids(kSets, 0, 8);
  auto greedy = decode_captions(*m, tags, opts());
  DecodeOptions beam = opts();
  beam.beam = 4;
  auto beamed = decode_captions(*m, tags, beam);
  for (size_t i = 0; i < kSets.size(); ++i) {
    CHECK(greedy[i] == kSentences[i]);
    CHECK(beamed[i] == kSentences[i]);
  }
  // The encoding is order-free, so the learned sentence follows the set, not its order.
  std::vector<Set> reordered = {{{14}, {5, 6}, {13}}};
  CHECK(decode_captions(*m, make_tag_ids(reordered, 0, 8), opts())[0] == kSentences[3]);
  // max_tokens cuts a sentence.
  DecodeOptions short_o = opts();
  short_o.max_tokens = 3;
  CHECK(decode_captions(*m, tags, short_o)[2] == std::vector<int64_t>{29, 30, 31});
}

TEST_CASE("beam width 1 is greedy; top-p is seeded and p -> 0 is greedy") {
  Rng rng(5);
  CaptionDecoder m(tiny_config(), rng);  // untrained: broad distributions, many choices
  std::vector<Set> sets = {{{5}}, {{6, 7}}, {{8}, {9}}, {{10, 11}, {12}, {13}}, {{14}}};
  TagIds tags = make_tag_ids(sets, 0, 8);
  auto greedy = decode_captions(m, tags, opts());
  DecodeOptions b1 = opts();
  b1.beam = 1;
  CHECK(beam_search(m, tags, b1) == greedy);
  for (const auto& g : greedy) CHECK(g.size() <= 15);

  DecodeOptions p = opts();
  p.top_p = 0.9;
  p.seed = 7;
  auto s1 = decode_captions(m, tags, p), s2 = decode_captions(m, tags, p);
  CHECK(s1 == s2);
  p.seed = 8;
  CHECK(decode_captions(m, tags, p) != s1);
  // A set's sample does not depend on its batch: set 3 alone, told its index, is the same.
  p.seed = 7;
  p.first_index = 3;
  CHECK(decode_captions(m, slice_tag_ids(tags, 3, 4), p)[0] == s1[3]);
  DecodeOptions tiny_p = opts();
  tiny_p.top_p = 1e-9;
  CHECK(decode_captions(m, tags, tiny_p) == greedy);
  // Batch splitting does not change greedy results.
  DecodeOptions small_batch = opts();
  small_batch.batch = 2;
  CHECK(decode_captions(m, tags, small_batch) == greedy);
}

TEST_CASE("no_repeat_ngram forbids repeated n-grams") {
  Rng rng(6);
  CaptionDecoder m(tiny_config(), rng);
  TagIds tags = make_tag_ids({{{5}}, {{6}}, {{7}}}, 0, 8);
  DecodeOptions o = opts();
  o.no_repeat_ngram = 2;
  for (const auto& s : decode_captions(m, tags, o)) {
    std::set<std::pair<int64_t, int64_t>> seen;
    for (size_t i = 0; i + 1 < s.size(); ++i) CHECK(seen.insert({s[i], s[i + 1]}).second);
  }
}

namespace {

std::vector<app::CaptionPair> toy_pairs() {
  return {{{"female vocal", "mellow piano", "sad"},
           "A sad song with a mellow piano and a soft female vocal."},
          {{"male vocal", "rock", "electric guitar"},
           "A rock song: distorted electric guitar and a male vocal."},
          {{"instrumental", "drums", "fast tempo"}, "An instrumental with fast drums."},
          {{"low quality", "live performance"}, "The low quality recording of a live performance."},
          {{"flute", "calm"}, "A calm flute melody."},
          {{"techno", "synth bass", "energetic"}, "Energetic techno with a pulsing synth bass."},
          {{"choir", "church"}, "A choir sings in a church."},
          {{"acoustic guitar", "folk"}, "A folk song with acoustic guitar strumming."},
          {{"jazz", "saxophone", "upright bass"},
           "A jazz trio: saxophone, upright bass, brushed drums."},
          {{"hip hop", "rap", "808"}, "A hip hop beat with 808 bass and rap vocals."}};
}

Config tiny_trainer_config(const fs::path& dir) {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/train_captioner.yaml");
  for (auto [k, v] : std::vector<std::pair<const char*, std::string>>{{"vocab_size", "300"},
                                                                      {"d_model", "32"},
                                                                      {"heads", "2"},
                                                                      {"layers", "1"},
                                                                      {"tag_layers", "1"},
                                                                      {"ff_dim", "64"},
                                                                      {"max_len", "32"},
                                                                      {"batch_size", "4"},
                                                                      {"max_steps", "6"},
                                                                      {"warmup_steps", "2"},
                                                                      {"checkpoint_every", "3"},
                                                                      {"val_every", "3"},
                                                                      {"log_every_seconds", "0"},
                                                                      {"log_dir", dir.string()},
                                                                      {"run_name", "tiny"},
                                                                      {"tag_drop_prob", "0.5"}})
    cfg.set(k, v);
  return cfg;
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("syn_captioner_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("train_captioner resumes exactly: N steps == N/2 + resume N/2") {
  fs::path dir = fresh_dir("resume");
  Config cfg = tiny_trainer_config(dir);
  auto pairs = toy_pairs();
  std::vector<app::CaptionPair> val(pairs.begin(), pairs.begin() + 2);
  std::ostringstream log;
  app::CaptionTask full_task(cfg, pairs, val);
  app::Trainer full(full_task);
  full.fit(log);
  REQUIRE(full.losses().size() == 6);
  CHECK(full_task.steps_per_epoch() == 3);  // 10 rows at batch 4: the second epoch starts at step 3
  fs::path ck3 = dir / "tiny" / "checkpoint_3.synt";
  REQUIRE(fs::exists(ck3));

  Config cfg2 = cfg;
  cfg2.set("run_name", "tiny_resumed");
  Checkpoint ck = load_checkpoint(ck3.string());
  app::CaptionTask resumed_task(cfg2, pairs, val,
                                BpeTokenizer::from_text(ck.meta["tokenizer"], "checkpoint"));
  app::Trainer resumed(resumed_task);
  resumed.resume(ck3.string());
  CHECK(resumed.step() == 3);
  resumed.fit(log);
  REQUIRE(resumed.losses().size() == 3);
  for (int i = 0; i < 3; ++i) CHECK(resumed.losses()[(size_t)i] == full.losses()[(size_t)(i + 3)]);
  CHECK(resumed_task.val_losses().back() == full_task.val_losses().back());
  CHECK(log.str().find("tokens/s") != std::string::npos);
}

TEST_CASE("fp16 export round trip: load_caption_model captions as the trained model does") {
  fs::path dir = fresh_dir("export");
  Config cfg = tiny_trainer_config(dir);
  cfg.set("max_steps", "40");
  cfg.set("learning_rate", "0.01");
  cfg.set("tag_drop_prob", "0");
  cfg.set("dropout", "0");
  auto pairs = toy_pairs();
  std::ostringstream log;
  app::CaptionTask t(cfg, pairs, {});
  app::Trainer trainer(t);
  trainer.fit(log);
  CHECK(trainer.losses().back() < trainer.losses().front());
  std::string path = (dir / "w.synckpt").string();
  t.export_weights(path, {{"data", "toy"}});
  app::CaptionModel m = app::load_caption_model(path);
  CHECK(m.meta.at("data") == "toy");
  CHECK(m.tokenizer.to_text() == t.tokenizer().to_text());
  CHECK(m.text.lowercase);
  // Weights within fp16 rounding of the trained ones. (find_named points into the list: keep it.)
  auto loaded = m.decoder->named_parameters();
  for (auto& [name, p] : t.model().named_parameters()) {
    const Tensor* q = find_named(loaded, name);
    REQUIRE(q != nullptr);
    auto a = p.to_vector(), b = q->to_vector();
    for (size_t i = 0; i < a.size(); ++i)
      REQUIRE(std::fabs(a[i] - b[i]) <= 1e-3f * std::fabs(a[i]) + 1e-7f);
  }
  // The training checkpoint loads the same way, with identical (fp32) weights.
  app::CaptionModel m32 = app::load_caption_model((dir / "tiny" / "checkpoint_40.synt").string());
  std::vector<std::vector<std::string>> sets = {pairs[0].tags, pairs[4].tags};
  auto want = m32.caption(sets, {});
  auto got = m.caption(sets, {});
  CHECK(got.size() == 2);
  for (const auto& s : got) CHECK(!s.empty());
  CHECK(got == want);  // fp16 rounding does not flip a greedy choice here
  // A file of another kind is refused by name.
  CHECK_THROWS_WITH_AS(app::load_caption_model((dir / "tiny" / "config.yaml").string()),
                       doctest::Contains("config.yaml"), Error);
}

TEST_CASE("text conventions: tags and sentences") {
  CHECK(app::normalise_tag("  Mellow   Piano ", true) == "mellow piano");
  CHECK(app::normalise_tag("Mellow Piano", false) == "Mellow Piano");
  CHECK(app::finish_caption("this is a song. it is sad!  the end", true) ==
        "This is a song. It is sad! The end");
  CHECK(app::finish_caption(" a 1980s song", true) == "A 1980s song");
  CHECK(app::finish_caption("keep Case. here", false) == "keep Case. here");
  BpeTokenizer tok;
  app::CaptionText text;
  text.max_tags = 2;
  auto ids = app::tag_ids_for(tok, text, {{"a", "", "bb", "ccc"}});
  CHECK(ids.tags_per_set == std::vector<int64_t>{2});       // the empty tag skipped, then cut at 2
  CHECK(ids.tokens_per_tag == std::vector<int64_t>{2, 3});  // " a", " bb" as bytes
}

TEST_CASE("MusicCaps: the validation slice comes from training rows only") {
  if (!test::shared_available()) {
    MESSAGE("../shared is absent: skipped");
    return;
  }
  auto split =
      split_musiccaps(load_musiccaps(test::shared_dir() + "/data/musiccaps/musiccaps-public.csv"));
  auto s = app::split_training_rows(split.train, 133, 42);
  CHECK(s.train.size() == 2530);
  CHECK(s.val.size() == 133);
  auto again = app::split_training_rows(split.train, 133, 42);
  CHECK(again.val.front().caption == s.val.front().caption);
  CHECK_THROWS_WITH_AS(app::split_training_rows(split.eval, 10, 42),
                       doctest::Contains("evaluation row"), Error);
}

TEST_CASE("apps/tag's JSON is read back and its confident tags chosen") {
  app::TagResult r;
  r.file = "song \"one\".wav";
  r.model = "musicnn-mtt";
  r.labels = {"guitar", "female", "slow", "techno"};
  r.clip = {0.6f, 0.3f, 0.05f, 0.2f};
  r.chunk_start = {0.0};
  r.chunk_end = {3.0};
  r.taggram = {{0.6f, 0.3f, 0.05f, 0.2f}};
  std::vector<ProfileTag> profile = {{"guitar", "instrument", 0.6f, "mtt:guitar"},
                                     {"female", "voice", 0.3f, "mtt:female"},
                                     {"1980s", "era", 0.12f, "msd:80s"},
                                     {"slow", "tempo/loudness", 0.05f, "mtt:slow"}};
  app::TagFile with = app::parse_tag_json(app::tag_result_json(r, &profile), "with.json");
  CHECK(with.file == "song \"one\".wav");
  CHECK(with.has_refined);
  REQUIRE(with.tags.size() == 4);
  CHECK(with.tags[0].tag == "guitar");  // most probable first
  CHECK(with.tags[0].probability == doctest::Approx(0.6));
  CHECK(app::confident_tags(with, 0.1, 0.1, 8) ==
        std::vector<std::string>{"guitar", "female", "1980s"});
  CHECK(app::confident_tags(with, 0.1, 0.1, 2) == std::vector<std::string>{"guitar", "female"});
  CHECK(app::confident_tags(with, 0.9, 0.1, 8) ==
        std::vector<std::string>{"guitar"});  // top one kept
  app::TagFile without = app::parse_tag_json(app::tag_result_json(r, nullptr), "without.json");
  CHECK(!without.has_refined);
  CHECK(app::confident_tags(without, 0.1, 0.25, 8) == std::vector<std::string>{"guitar", "female"});
  CHECK(tags_to_phrases(app::confident_tags(with, 0.1, 0.1, 8)) ==
        std::vector<std::string>{"guitar", "female vocal", "80s"});
  // Strict JSON: errors name the file and the byte.
  CHECK(app::parse_tag_json(R"({"tags": [{"tag": "caf\u00e9 \ud83c\udfb5", "probability": 1e-1}]})",
                            "u.json")
            .tags[0]
            .tag == "caf\xc3\xa9 \xf0\x9f\x8e\xb5");
  CHECK_THROWS_WITH_AS(app::parse_tag_json(R"({"tags": [}])", "bad.json"),
                       doctest::Contains("'bad.json': invalid JSON at byte 10"), Error);
  CHECK_THROWS_WITH_AS(app::parse_tag_json(R"({"file": "x"})", "none.json"),
                       doctest::Contains("has no \"tags\""), Error);
}

TEST_CASE("every key of the captioner apps' configs is documented") {
  for (const char* f : {"train_captioner.yaml", "caption.yaml", "eval_captioner.yaml"}) {
    Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/" + f);
    CHECK_MESSAGE(cfg.undocumented_keys().empty(), f);
  }
}

TEST_CASE("the shipped weights load, record their provenance and caption") {
  const std::string path = std::string(SYN_SOURCE_DIR) + "/models/weights/caption_decoder.synckpt";
  if (!fs::exists(path)) {
    MESSAGE("models/weights/caption_decoder.synckpt is absent: skipped");
    return;
  }
  CHECK(fs::file_size(path) < 20u * 1024 * 1024);
  app::CaptionModel m = app::load_caption_model(path);
  CHECK(m.meta.at("kind") == "caption-decoder");
  CHECK(m.meta.at("data").find("MusicCaps by Google LLC, CC BY-SA 4.0") != std::string::npos);
  CHECK(m.meta.count("command"));
  DecodeOptions o;
  o.no_repeat_ngram = 3;
  auto s = m.caption(
      {{"female vocal", "mellow piano", "sad"}, {"male vocal", "rock", "electric guitar"}}, o);
  REQUIRE(s.size() == 2);
  for (const auto& x : s) {
    CHECK(x.size() > 20);
    CHECK(x[0] >= 'A');
    CHECK(x[0] <= 'Z');  // sentence start capitalised back
  }
  CHECK(s[0] != s[1]);  // the tags steer the sentence
}
