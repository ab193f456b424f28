// concept_vocabulary.cpp — see concept_vocabulary.h.
#include "data/pictures/concept_vocabulary.h"

#include <sstream>

#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn::pictures {

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string w;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  for (char ch : text) {
    unsigned char c = (unsigned char)ch;
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
    bool alnum = (c >= 'a' && c <= 'z') || is_digit((char)c);
    // A change between letters and digits also ends a word: "guitar2", "baloon1" name things.
    if (!w.empty() && (!alnum || is_digit(w.back()) != is_digit((char)c))) {
      words.push_back(w);
      w.clear();
    }
    if (alnum) w += (char)c;
  }
  if (!w.empty()) words.push_back(w);
  return words;
}

static std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

ConceptVocabulary ConceptVocabulary::parse(const std::string& text, const std::string& source) {
  ConceptVocabulary v;
  std::map<std::string, std::pair<std::string, int>> owner;  // synonym -> (concept, line)
  std::istringstream in(text);
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream cols(line);
    std::string f;
    while (std::getline(cols, f, '\t')) fields.push_back(trim(f));
    SYN_CHECK(fields.size() == 3 && !fields[0].empty() && !fields[1].empty(), source, ":", line_no,
              ": expected 'concept<TAB>category<TAB>synonyms', got '", line, "'");
    Concept c;
    c.id = fields[0];
    c.category = fields[1];
    SYN_CHECK(!v.by_id_.count(c.id), source, ":", line_no, ": concept '", c.id, "' is given twice");
    std::vector<std::string> names{c.id};
    std::istringstream syns(fields[2]);
    while (std::getline(syns, f, ','))
      if (!trim(f).empty()) names.push_back(trim(f));
    for (const std::string& name : names) {
      std::vector<std::string> words = words_of(name);
      SYN_CHECK(!words.empty(), source, ":", line_no, ": synonym '", name, "' has no words");
      std::string key;
      for (const std::string& w : words) key += (key.empty() ? "" : " ") + w;
      auto it = owner.find(key);
      if (it != owner.end() && it->second.first == c.id) continue;  // the id repeated
      SYN_CHECK(it == owner.end(), source, ":", line_no, ": synonym '", key, "' of '", c.id,
                "' already names '", it->second.first, "' (line ", it->second.second, ")");
      owner[key] = {c.id, line_no};
      c.synonyms.push_back(words);
    }
    v.by_id_[c.id] = (int)v.concepts_.size();
    v.concepts_.push_back(std::move(c));
  }
  SYN_CHECK(!v.concepts_.empty(), source, ": no concepts");
  return v;
}

ConceptVocabulary ConceptVocabulary::load(const std::string& path) {
  return parse(io::read_small_file(path, "concept vocabulary"), path);
}

static bool word_matches(const std::string& text_word, const std::string& syn_word) {
  if (text_word == syn_word) return true;
  if (text_word == syn_word + "s" || text_word == syn_word + "es") return true;
  return syn_word.size() > 1 && syn_word.back() == 'y' &&
         text_word == syn_word.substr(0, syn_word.size() - 1) + "ies";
}

std::optional<ConceptVocabulary::Match> ConceptVocabulary::match(const std::string& text) const {
  std::vector<std::string> words = words_of(text);
  std::optional<Match> best;
  for (size_t ci = 0; ci < concepts_.size(); ++ci)
    for (const auto& syn : concepts_[ci].synonyms) {
      if (syn.size() > words.size()) continue;
      for (size_t at = 0; at + syn.size() <= words.size(); ++at) {
        bool all = true;
        for (size_t k = 0; k < syn.size() && all; ++k) all = word_matches(words[at + k], syn[k]);
        if (!all) continue;
        // Longest wins; on equal length the concept listed first (the file's order is its
        // priority: instruments, dancers and singers before "man" or "woman").
        size_t len = syn.size();
        if (!best || len > best->end_word - best->first_word) best = Match{(int)ci, at, at + len};
        break;
      }
    }
  return best;
}

std::string ConceptVocabulary::concept_of(const std::string& text) const {
  auto m = match(text);
  return m ? concepts_[(size_t)m->concept_index].id : "";
}

int ConceptVocabulary::index_of(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? -1 : it->second;
}

}  // namespace syn::pictures
