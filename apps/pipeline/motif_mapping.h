// motif_mapping.h — the prompt strategies of the pipeline: how a clip's tags or generated
// sentence become the text prompts of the emoji-art diffusion U-Net (whose vocabulary is the
// CLDR names that music_picture_vocabulary() selects, data/datasets/emoji_dataset.h).
//
// Strategies (PromptStrategy; names as the pipeline's config spells them):
//   raw       one prompt: the top musicnn tags joined with ", " ("guitar, rock, male vocal")
//   refined   one prompt: the top refined tags (data/tags/tag_profile.h) joined the same way
//   sentence  one prompt: the generated sentence itself (trimmed)
//   motifs    one prompt per motif: music words mapped to emoji captions the U-Net was trained
//             on (training split only: held-out captions are never used), by the table
//             motif_table() (ours; data/pictures/motif_table.h)
// The tag strategies keep the k most probable tags (ties: input order) whose probability is at
// least min_probability, and always at least the most probable one.
//
// Motif rules (motifs_from_tags / motifs_from_sentence):
//   - Each rule lists music words (lower-case; the spellings of both musicnn vocabularies, the
//     refined names and everyday words a sentence uses) and one or more emoji captions.
//   - Tags are visited most probable first (ties: input order); tags below min_probability are
//     skipped; a tag matches a rule when its lower-cased text equals one of the rule's words.
//   - A sentence is lower-cased and split into words (letters, digits, '&', '-', '\''); at each
//     position the longest phrase of up to 3 words that is a rule word matches (e.g. "female
//     vocalist" before "female"); a word that matches nothing is retried without a plural "s".
//     A match is skipped when one of the two words before it is a negation (no, not, without,
//     non, lacks, lacking, never): "no drums", "without any vocals". Motifs keep sentence order.
//   - A match emits the first of its rule's captions that is not already in the list (so
//     "dance" then "techno" give "woman dancing" then "man dancing"); when all are taken it
//     emits nothing. The list stops at max_motifs.
//   - motifs_for_prompts: the tag motifs first, then the sentence's fill the remaining places;
//     when nothing matched at all, the single motif "musical notes" (trigger "(default)") so the
//     cover always has a picture of music.
// no_motif_words() lists the tagger labels that deliberately map to nothing (negations, vague
// words) with the reason; tests/test_motif_mapping.cpp checks that every label of both musicnn
// vocabularies and every refined name is either mapped or listed there, and (when the emoji
// sources are installed) that every caption is an image of the dataset.
#pragma once
#include <string>
#include <vector>

#include "data/pictures/motif_table.h"
#include "data/tags/tag_profile.h"

namespace syn {

enum class PromptStrategy { RawTags, RefinedTags, Sentence, Motifs };
const char* prompt_strategy_name(PromptStrategy s);             // raw | refined | sentence | motifs
PromptStrategy parse_prompt_strategy(const std::string& name);  // error lists the names
const std::vector<PromptStrategy>& all_prompt_strategies();

struct WeightedTag {
  std::string tag;
  float probability = 0;
};
// A tagger's labels with their probabilities (same length, error otherwise), in label order.
std::vector<WeightedTag> weighted_tags(const TaggerOutput& output);
std::vector<WeightedTag> weighted_tags(const std::vector<ProfileTag>& profile);

// The tag strategies' selection, most probable first, and its prompt.
std::vector<WeightedTag> top_tags(const std::vector<WeightedTag>& tags, size_t k,
                                  float min_probability);
std::string tags_prompt(const std::vector<WeightedTag>& tags, size_t k, float min_probability);

// ---- motifs ----

// MotifRule and motif_table() (the table itself) live in data/pictures/motif_table.h, which the
// composed training scenes read too.

struct NoMotifWord {
  std::string word, why;
};
const std::vector<NoMotifWord>& no_motif_words();

struct Motif {
  std::string caption;    // the U-Net prompt
  std::string trigger;    // the tag or sentence phrase that produced it
  float probability = 1;  // the tag's probability (1 for sentence words, 0 for the default)
};

struct MotifOptions {
  size_t max_motifs = 4;
  float min_probability = 0.1f;  // tags only
};

std::vector<Motif> motifs_from_tags(const std::vector<WeightedTag>& tags,
                                    const MotifOptions& options = {});
std::vector<Motif> motifs_from_sentence(const std::string& sentence,
                                        const MotifOptions& options = {});
std::vector<Motif> motifs_for_prompts(const std::vector<WeightedTag>& tags,
                                      const std::string& sentence,
                                      const MotifOptions& options = {});

// The table as Markdown (| music words | emoji captions | why |) for the README.
std::string motif_table_markdown();

// ---- all strategies behind one call ----

struct PromptInputs {
  std::vector<WeightedTag> raw;      // musicnn outputs (either or both vocabularies)
  std::vector<WeightedTag> refined;  // the refined profile
  std::string sentence;              // the caption decoder's sentence
};

struct PromptOptions {
  size_t top_k = 3;              // raw and refined
  float min_probability = 0.1f;  // raw, refined and motif tags
  size_t max_motifs = 4;
};

struct PromptSet {
  PromptStrategy strategy = PromptStrategy::Motifs;
  std::vector<std::string> prompts;  // one, or one per motif
  std::vector<Motif> motifs;         // motifs strategy only
};

// motifs: from the refined tags when given, else the raw ones, then the sentence
// (motifs_for_prompts). Errors when the chosen strategy's input is empty.
PromptSet make_prompts(PromptStrategy strategy, const PromptInputs& inputs,
                       const PromptOptions& options = {});

}  // namespace syn
