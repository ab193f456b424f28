// test_validation_split.cpp — the picture corpus's validation split
// (data/pictures/validation_split.h) on a synthetic item list: disjoint from the held-out set and
// from training, deterministic, pictures of one split key together, about the asked share, and
// every fixed-prompt concept still drawn by two training sources shown in validation in a style
// training no longer sees for it, while training keeps the concept.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "data/pictures/validation_split.h"

using namespace syn::pictures;

namespace {

// 5 sources × 60 concepts × 3 pictures, two of each three sharing a split key (versions of one
// drawing); the corpus's own split marks the held-out pictures.
std::vector<CorpusItem> items() {
  const std::vector<std::string> sources = {"noto", "twemoji", "emojione", "openclipart",
                                            "tuxpaint"};
  std::vector<CorpusItem> out;
  for (const std::string& s : sources)
    for (int c = 0; c < 60; ++c)
      for (int k = 0; k < 3; ++k) {
        CorpusItem it;
        it.source = s;
        it.concept_id = "concept" + std::to_string(c);
        it.id = s + ":" + it.concept_id + "_" + std::to_string(k);
        it.split_key = s + "|" + it.concept_id + (k < 2 ? "_a" : "_b");
        out.push_back(it);
      }
  std::vector<std::string> fixed = {"concept1", "concept2", "concept3"};
  assign_split(out, 10, fixed, nullptr);
  return out;
}

}  // namespace

TEST_CASE("validation split: disjoint, complete, deterministic, split keys together") {
  const std::vector<CorpusItem> all = items();
  const std::vector<std::string> fixed = {"concept1", "concept2", "concept3"};
  const CorpusSplits s = split_with_validation(all, 10, fixed);
  std::vector<int> seen(all.size(), 0);
  for (int64_t i : s.train) {
    seen[(size_t)i] += 1;
    CHECK(!all[(size_t)i].held_out);
  }
  for (int64_t i : s.validation) {
    seen[(size_t)i] += 1;
    CHECK(!all[(size_t)i].held_out);
  }
  for (int64_t i : s.heldout) {
    seen[(size_t)i] += 1;
    CHECK(all[(size_t)i].held_out);
  }
  for (int n : seen) CHECK(n == 1);
  const double share = (double)s.validation.size() / (double)(s.train.size() + s.validation.size());
  CHECK(share > 0.05);
  CHECK(share < 0.2);

  const CorpusSplits again = split_with_validation(all, 10, fixed);
  CHECK(again.train == s.train);
  CHECK(again.validation == s.validation);

  std::map<std::string, std::set<bool>> side;  // split key -> in validation?
  std::set<int64_t> val(s.validation.begin(), s.validation.end());
  for (size_t i = 0; i < all.size(); ++i)
    if (!all[i].held_out && all[i].concept_id.size() > 8)  // not forced by a fixed concept
      side[all[i].split_key].insert(val.count((int64_t)i) > 0);
  for (auto& [key, sides] : side) CHECK_MESSAGE(sides.size() == 1, key);

  CHECK(split_with_validation(all, 0, {}).validation.empty());
}

TEST_CASE("validation split: each fixed concept in a style training no longer sees") {
  const std::vector<CorpusItem> all = items();
  const std::vector<std::string> fixed = {"concept1", "concept2", "concept3", "missing"};
  const CorpusSplits s = split_with_validation(all, 10, fixed);
  CHECK(s.uncovered == std::vector<std::string>{"missing"});
  for (const std::string c : {"concept1", "concept2", "concept3"}) {
    std::set<std::string> train_sources, val_sources;
    for (int64_t i : s.train)
      if (all[(size_t)i].concept_id == c) train_sources.insert(all[(size_t)i].source);
    for (int64_t i : s.validation)
      if (all[(size_t)i].concept_id == c) val_sources.insert(all[(size_t)i].source);
    CHECK_MESSAGE(!train_sources.empty(), c);
    bool unseen = false;
    for (const std::string& src : val_sources) unseen |= train_sources.count(src) == 0;
    CHECK_MESSAGE(unseen, c);
  }
}
