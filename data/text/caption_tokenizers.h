// caption_tokenizers.h — the word splitting of the three caption metrics LP-MusicCaps used,
// reproduced exactly (see apps/eval/caption_metrics.h for the metrics themselves):
//   BLEU    sacrebleu's 13a tokenizer (as copied into Hugging Face evaluate's bleu metric)
//   ROUGE   rouge_score's tokenizer
//   METEOR  NLTK 3.8.1's word_tokenize = Punkt sentences + NLTKWordTokenizer
// Python's Unicode-aware \w, \d and lower() are approximated (ASCII rules; non-ASCII code
// points count as letters unless they are punctuation or symbols); MusicCaps captions hold only
// ’ ‘ “ outside ASCII. Checked against the Python originals in tests/test_caption_metrics.cpp.
#pragma once
#include <string>
#include <vector>

namespace syn {

// sacrebleu's 13a (as copied into evaluate's bleu): punctuation split off, periods and commas
// split unless between digits, then whitespace split. Case kept.
std::vector<std::string> tokenize_13a(const std::string& text);
// rouge_score's: lower-case, every run of characters outside [a-z0-9] is a separator.
std::vector<std::string> tokenize_rouge(const std::string& text);
// NLTK's word_tokenize: sentences (nltk_sentences), then NLTKWordTokenizer's rules on each.
std::vector<std::string> nltk_word_tokenize(const std::string& text);
// The sentence split standing in for Punkt (rules above nltk_sentences in caption_tokenizers.cpp).
std::vector<std::string> nltk_sentences(const std::string& text);
// NLTKWordTokenizer.tokenize on one sentence.
std::vector<std::string> nltk_treebank_tokenize(const std::string& sentence);

// Python's str.split(): runs of (Unicode) whitespace separate; none at the ends.
std::vector<std::string> python_split(const std::string& s);

}  // namespace syn
