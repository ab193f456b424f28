// fuzz_tokenizer.cpp — a saved BPE vocabulary (tokenizer.txt) through BpeTokenizer::from_text,
// then a sentence encoded and decoded with it: whatever merges a file holds, decode(encode(s))
// must give s back byte for byte (the tokenizer's promise), or the file must have been refused.
#include <stdexcept>
#include <string>

#include "data/text/tokenizer.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  syn::fuzz::expect_only_syn_errors([&] {
    syn::BpeTokenizer tok = syn::BpeTokenizer::from_text(
        std::string(reinterpret_cast<const char*>(data), size), "fuzz_tokenizer.txt");
    const std::string text = "A mellow piano melody, 120 bpm; it's calm \xF0\x9F\x8E\xB9.";
    if (tok.decode(tok.encode(text)) != text)
      throw std::logic_error("a loaded tokenizer does not give its text back");
  });
  return 0;
}
