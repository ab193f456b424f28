// imagine_focus.cpp — see imagine_focus.h.
#include "apps/train/imagine_focus.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "data/pictures/motif_table.h"
#include "engine/check.h"

namespace syn::app {

std::vector<std::string> focus_concepts(const ImagineData& train, const std::string& spec) {
  if (spec.empty()) return {};
  // Every single picture (composed scenes excluded), whatever its concept.
  const std::vector<int64_t> singles =
      focus_indices(train, {train.subgroups.begin(), train.subgroups.end()});
  std::set<std::string> chosen;
  if (spec == "motifs") {
    std::set<std::string> captions;
    for (const MotifRule& r : motif_table()) captions.insert(r.captions.begin(), r.captions.end());
    for (int64_t i : singles)
      if (captions.count(train.captions[(size_t)i])) chosen.insert(train.subgroups[(size_t)i]);
    SYN_CHECK(!chosen.empty(), "--focus_concepts motifs: no training picture carries one of the ",
              "motif table's captions (is this the picture corpus?)");
  } else {
    std::set<std::string> known;
    for (int64_t i : singles) known.insert(train.subgroups[(size_t)i]);
    std::stringstream ss(spec);
    std::string name;
    while (std::getline(ss, name, '|')) {
      if (name.empty()) continue;
      SYN_CHECK(known.count(name), "--focus_concepts: no single training picture has the concept '",
                name, "' (names are the corpus's concept column, '|'-separated, or 'motifs')");
      chosen.insert(name);
    }
    SYN_CHECK(!chosen.empty(), "--focus_concepts '", spec, "' names no concept");
  }
  return {chosen.begin(), chosen.end()};
}

std::vector<int64_t> focus_indices(const ImagineData& train,
                                   const std::vector<std::string>& concepts) {
  std::vector<std::string> sorted = concepts;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> out;
  const size_t n = train.single_pictures < 0
                       ? train.subgroups.size()
                       : std::min(train.subgroups.size(), (size_t)train.single_pictures);
  for (size_t i = 0; i < n; ++i)
    if (std::binary_search(sorted.begin(), sorted.end(), train.subgroups[i]))
      out.push_back((int64_t)i);
  return out;
}

}  // namespace syn::app
