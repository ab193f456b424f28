// validation_split.h — a validation split carved out of the picture corpus's training pictures, so
// that steps, weight decay and widths are chosen without looking at the held-out pictures, which
// are then measured once, at the end.
//
// The rule mirrors the held-out split of picture_corpus.h (step 5), on the training pictures only:
//   1. by picture: FNV-1a 64 of "validation|" + the split key (source and name: skin-tone
//      variants and numbered versions of one drawing stay together) mod 100 < percent; a salt
//      of its own, so it is independent of the held-out hash;
//   2. styles together: for each fixed-prompt concept still drawn by two or more sources among
//      the training pictures, the source with the fewest of them (ties: the smaller hash of
//      "validation|concept|source") has all of its training pictures of that concept moved to
//      validation, and a source whose training pictures of it all went to validation by the hash
//      gets its first one back: so validation, like the held-out set, shows fixed-prompt concepts
//      in a style training never saw, and training keeps every such concept.
// Held-out pictures are never validation pictures. The result depends only on the items (their
// order, source, concept and split key), so every run of every app draws the same split.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/pictures/picture_corpus.h"

namespace syn::pictures {

struct CorpusSplits {
  std::vector<int64_t> train, validation, heldout;  // item indices, ascending
  std::vector<std::string> uncovered;  // fixed concepts with no unseen style in validation
};

CorpusSplits split_with_validation(const std::vector<CorpusItem>& items, int validation_percent,
                                   const std::vector<std::string>& fixed_concepts);

}  // namespace syn::pictures
