// refined_tags.h — the redefined MagnaTagATune vocabulary: the 188 raw TagATune tags cleaned into
// tags a listener would agree on.
//
// Why: MTT's tags are the free-text words of players of the TagATune game. Synonyms split one
// concept across many columns ("female", "woman", "female vocal", "female voice", "girl", ...;
// ~40 spellings of "a voice is heard"), so each column holds only part of the positives and a
// model is punished for predicting a tag that a different player spelled differently. Negations
// ("no piano", "not rock") say what is *absent* and are used inconsistently; vague words
// ("weird", "different", "lol") carry no acoustic meaning.
//
// The refined vocabulary (the table in refined_tags.cpp, one entry per refined tag with its
// source raw tags and the reason) fixes this by:
//   - merging synonyms and spelling variants (a refined tag is the OR of its source columns),
//   - dropping negations and vague tags (the drop list, each with its reason),
//   - adding instrument families (string instruments, keyboards, wind instruments, percussion)
//     and vocal gender (female, male), and the parent of a named sub-kind (an "electric guitar"
//     clip is a "guitar" clip).
// A raw tag may feed several refined tags ("piano solo" → piano, solo, keyboards); every raw tag
// is either used or dropped, never both (tests/test_refined_tags.cpp checks this).
//
// Training uses the top N refined tags by frequency over the annotation file (as the standard
// MTT top-50 is by raw-tag frequency); ties keep table order.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace syn::mtt {

enum class TagGroup { Voice, Genre, Instrument, Family, Mood, Sound };
const char* tag_group_name(TagGroup g);

struct RefinedTag {
  std::string name;
  TagGroup group;
  std::vector<std::string> sources;  // raw MTT tags whose OR defines this tag
  std::string why;
};

struct DroppedTag {
  std::string name;  // a raw MTT tag
  std::string why;
};

// The vocabulary and the drop list, in table order.
const std::vector<RefinedTag>& refined_vocabulary();
const std::vector<DroppedTag>& dropped_tags();

// Maps rows of the 188 raw labels (kRawTags column order, values 0/1) to refined labels.
class TagRefiner {
 public:
  // Resolves every source name against the raw tag list; throws naming any unknown name.
  TagRefiner();
  int num_tags() const { return (int)names_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  // Raw column indices that feed refined tag j.
  const std::vector<int>& sources(int j) const { return sources_.at((size_t)j); }
  // raw.size() must be 188; returns num_tags() values, 1 where any source column is non-zero.
  std::vector<uint8_t> refine_row(std::span<const uint8_t> raw) const;
  // Refined positives per tag over a row-major [rows x 188] raw matrix.
  std::vector<int64_t> counts(std::span<const uint8_t> raw, int64_t rows) const;

 private:
  std::vector<std::string> names_;
  std::vector<std::vector<int>> sources_;
};

// Indices of the `n` largest counts, largest first, ties in index order; n <= 0 or n larger
// than counts.size() selects every index.
std::vector<int> top_by_count(const std::vector<int64_t>& counts, int n);

}  // namespace syn::mtt
