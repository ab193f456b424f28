// concept_vocabulary.h — the corpus's concepts and their synonyms (data/pictures/concepts.tsv): the
// same concept id for a guitar drawn by any source ("guitar" from four emoji sets and the
// clip-art "acoustic guitar"), so evaluation can count concepts across styles.
//
// File format, one concept a line, '#' comments and blank lines skipped:
//   <concept id> TAB <category> TAB <synonym>, <synonym>, ...
// The id is itself a synonym. Text and synonyms are compared as lower-case ASCII words (any other
// character separates words); a text word matches a synonym word when equal or its plural
// (+s, +es, y→ies). A text matches the synonym covering the most words; on ties the concept
// listed first in the file (so the file's order is a priority: specific before generic).
// Errors name the file and line: a line without three fields, an id given twice, a synonym
// claimed by two concepts.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace syn::pictures {

struct Concept {
  std::string id, category;
  std::vector<std::vector<std::string>> synonyms;  // each as its words; the id first
};

// Lower-case ASCII words of `text`: runs of letters or of digits ("Guitar2" is "guitar", "2");
// everything else separates.
std::vector<std::string> words_of(const std::string& text);

class ConceptVocabulary {
 public:
  static ConceptVocabulary parse(const std::string& text, const std::string& source);
  static ConceptVocabulary load(const std::string& path);

  struct Match {
    int concept_index = -1;
    size_t first_word = 0, end_word = 0;  // the synonym's words in words_of(text): [first, end)
  };
  std::optional<Match> match(const std::string& text) const;
  // The concept id a text names, or "" when none.
  std::string concept_of(const std::string& text) const;

  const std::vector<Concept>& concepts() const { return concepts_; }
  int index_of(const std::string& id) const;  // -1 when absent

 private:
  std::vector<Concept> concepts_;
  std::map<std::string, int> by_id_;
};

}  // namespace syn::pictures
