// picture_corpus.h — the open-licence picture corpus: pictures of several sources (emoji sets,
// clip art) filtered to music-relevant concepts, captioned, given a concept id shared across
// styles, split with a held-out set, and rendered on one canvas (picture_canvas.h).
//
// Per record of a source reader (picture_record.h):
//   1. licence filter: kept when its SPDX id is in `licences` (empty: all) and not in
//      `exclude_licences`.
//   2. rules (picture_rules.h) and concept (concept_vocabulary.h):
//        emoji      concept = the vocabulary's match on the CLDR name, else the CLDR name before
//                   any ':' (its own concept, shared by the emoji sets through emoji-test.txt)
//        clip art   concept = the vocabulary's match on the name (less the words the rules
//                   ignore for its source), else on the description; a picture naming no concept
//                   is left out
//   3. caption:
//        emoji        the CLDR name ("woman dancing: medium skin tone")
//        openclipart  the file name's words up to the end of the concept's synonym, which drops
//                     the truncated author and number ("acoustic guitar"); the name alone when
//                     the match came from elsewhere
//        tuxpaint     the description sentence without its final full stop, else the name
//   4. --limit_per_source N keeps each source's first N kept records (in reader order).
//   5. split, by picture: FNV-1a 64 of "source|split key" mod 100 < holdout_percent is held out.
//      Then, for each fixed-prompt concept drawn by two or more sources, the source with the
//      fewest pictures of it (ties: the smaller hash of "concept|source") has all of its pictures
//      of that concept held out, and if another source's pictures of it all ended up held out
//      by the hash, its first picture goes back to training: so the held-out set shows every
//      such concept in a style training never saw for it, and training still sees the concept.
//      A fixed-prompt concept drawn by one source only (or none) is reported, not forced.
//   6. pixels: record.load(), then fit_to_canvas at every size; a picture that fails to decode
//      (or is over the pixel cap) is reported and left out, and so is one that is OpenClipart's
//      "Linked Image Not Found" placeholder (placeholder_filter.h), whatever its name says.
//
// Corpus file: engine/checkpoint.h with fp16 tensors images_<S> [N, 3, S, S] (integers 0..255)
// and meta/format "synesthesia-picture-corpus-1"; meta/ids, sources, files, licences, concepts,
// categories, captions, split, split_keys (one line per picture), meta/sizes, background,
// attributions, and any extra_meta keys (older files have neither split_keys nor extra keys).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/pictures/concept_vocabulary.h"
#include "data/pictures/picture_record.h"
#include "data/pictures/picture_rules.h"
#include "engine/tensor.h"

namespace syn::pictures {

struct CorpusItem {
  std::string id;  // "<source>:<source_id>"
  std::string source, file, licence, attribution, concept_id, category, caption;
  bool held_out = false;
  std::string split_key;  // "source|key" of the split (meta/split_keys; empty in older files)
};

struct PictureCorpus {
  std::vector<CorpusItem> items;
  std::vector<int> sizes;      // ascending
  std::vector<Tensor> images;  // images[k]: [N, 3, sizes[k], sizes[k]], values 0..255
  int background = 128;
  // Further meta keys a derived file carries (the scene set's meta/scene_parts, ...): saved as
  // meta/<key>, and every meta key the reader does not know is loaded back here. A key may not
  // be one of the corpus's own (ids, sources, ..., format).
  std::map<std::string, std::string> extra_meta;

  const Tensor& images_at(int size) const;
};

struct CorpusOptions {
  std::vector<int> sizes{32, 64};
  int background = 128;
  int holdout_percent = 10;
  std::vector<std::string> licences;          // SPDX ids kept; empty: every licence
  std::vector<std::string> exclude_licences;  // SPDX ids left out
  int64_t limit_per_source = 0;               // 0: no limit
  std::vector<std::string> fixed_concepts;    // concepts the held-out set must show unseen
};

struct CorpusReport {
  std::map<std::string, int64_t> offered, by_licence_filter, by_rules, kept, failed;  // per source
  std::vector<std::string> failures;            // "source:file: why"
  std::map<std::string, int64_t> placeholders;  // per source: "Linked Image Not Found" pictures
  std::vector<std::string> placeholder_ids;     // their ids
  std::vector<std::string> uncovered;           // fixed concepts not held out in an unseen style
  std::map<std::string, std::string> heldout_style;  // fixed concept -> the unseen source
};

// Steps 1-4: the records kept, as items (no pixels yet), with their index into `records`.
std::vector<std::pair<CorpusItem, size_t>> select_pictures(
    const std::vector<PictureRecord>& records, const ConceptVocabulary& vocabulary,
    const PictureRules& rules, const CorpusOptions& options, CorpusReport* report);
// The concept of an emoji's CLDR name or of a text (prompt) under the rules of step 2.
std::string emoji_concept(const ConceptVocabulary& vocabulary, const std::string& cldr_name);
// Step 5 on items in place.
void assign_split(std::vector<CorpusItem>& items, int holdout_percent,
                  const std::vector<std::string>& fixed_concepts, CorpusReport* report);
// Every step.
PictureCorpus build_picture_corpus(const std::vector<PictureRecord>& records,
                                   const ConceptVocabulary& vocabulary, const PictureRules& rules,
                                   const CorpusOptions& options, CorpusReport* report);

void save_picture_corpus(const std::string& path, const PictureCorpus& corpus);
PictureCorpus load_picture_corpus(const std::string& path);

// id, source, file, licence, concept, caption, split: a header line, then one line a picture.
void write_manifest(const std::string& path, const PictureCorpus& corpus);
// Pictures per source, per licence and per concept (with its number of styles), the number of
// concepts drawn by >= 1..5 sources, and the split.
std::string corpus_counts(const PictureCorpus& corpus);
// One PNG grid per source ("<folder>/<source>.png"), held-out pictures framed in orange.
std::vector<std::string> write_source_sheets(const std::string& folder, const PictureCorpus& corpus,
                                             int size, int columns);

}  // namespace syn::pictures
