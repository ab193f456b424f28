// prompt_set.h — the fixed prompt list of the text-to-image evaluation (config/judge_prompts.tsv):
// each prompt with its kind and, where it names one, the picture corpus concept it should show
// (data/pictures/concepts.tsv ids).
//
// File: one prompt a line, three TAB-separated fields
//   kind <TAB> concept <TAB> prompt
// kind is one of object, scene, mood, music, sentence (music: music words / tag lists;
// sentence: a caption-decoder sentence); concept is a concept id or "-" for none. Blank lines and
// lines starting with '#' are skipped; fields are trimmed. Errors name the file and the line.
#pragma once
#include <string>
#include <vector>

namespace syn::quality {

struct EvalPrompt {
  std::string kind;        // one of prompt_kinds()
  std::string concept_id;  // a corpus concept id, "" for none
  std::string text;
};

// The kinds, in the order tables and contact sheets show them.
const std::vector<std::string>& prompt_kinds();

std::vector<EvalPrompt> parse_prompt_set(const std::string& text, const std::string& source);
// Reads and parses the file; fails naming it when it is missing or holds no prompt.
std::vector<EvalPrompt> load_prompt_set(const std::string& path);

}  // namespace syn::quality
