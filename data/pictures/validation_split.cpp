// validation_split.cpp — see validation_split.h.
#include "data/pictures/validation_split.h"

#include <map>

#include "engine/check.h"

namespace syn::pictures {

namespace {

// The split key of an item: stored since the corpus kept it; older corpora fall back to the id.
std::string key_of(const CorpusItem& it) { return it.split_key.empty() ? it.id : it.split_key; }

}  // namespace

CorpusSplits split_with_validation(const std::vector<CorpusItem>& items, int validation_percent,
                                   const std::vector<std::string>& fixed_concepts) {
  SYN_CHECK(validation_percent >= 0 && validation_percent < 100, "validation split: percent ",
            validation_percent, " is not in 0..99");
  std::vector<char> val(items.size(), 0);
  for (size_t i = 0; i < items.size(); ++i)
    val[i] = !items[i].held_out &&
             (int)(fnv1a64("validation|" + key_of(items[i])) % 100) < validation_percent;
  CorpusSplits out;
  for (const std::string& c : fixed_concepts) {
    std::map<std::string, std::vector<size_t>> by_source;  // training pictures of c per source
    for (size_t i = 0; i < items.size(); ++i)
      if (!items[i].held_out && items[i].concept_id == c) by_source[items[i].source].push_back(i);
    if (by_source.size() < 2) {
      out.uncovered.push_back(c);
      continue;
    }
    std::string pick;
    for (auto& [src, idx] : by_source) {
      if (pick.empty()) {
        pick = src;
        continue;
      }
      const size_t best = by_source[pick].size();
      if (idx.size() < best || (idx.size() == best && fnv1a64("validation|" + c + "|" + src) <
                                                          fnv1a64("validation|" + c + "|" + pick)))
        pick = src;
    }
    for (size_t i : by_source[pick]) val[i] = 1;
    for (auto& [src, idx] : by_source) {
      if (src == pick) continue;
      bool any_train = false;
      for (size_t i : idx) any_train |= !val[i];
      if (!any_train) val[idx.front()] = 0;
    }
  }
  for (size_t i = 0; i < items.size(); ++i)
    (items[i].held_out ? out.heldout : val[i] ? out.validation : out.train).push_back((int64_t)i);
  return out;
}

}  // namespace syn::pictures
