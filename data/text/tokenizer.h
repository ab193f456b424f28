// tokenizer.h — byte-level byte-pair encoding (BPE) for the caption decoder, learned from the
// training captions (and tags), saved beside the decoder's weights.
//
// Byte-level means the base vocabulary is the 256 byte values: every input, any language, emoji
// or invalid UTF-8, encodes to known ids, and decode(encode(s)) == s byte for byte. Merges
// (learned pairs of adjacent tokens) make common words one or two tokens.
//
// Ids: the five special tokens first, then the 256 bytes, then one id per merge in the order
// it was learned:
//   0 <pad>  1 <bos>  2 <eos>  3 <sep> (tags | caption)  4 <tag> (starts each input tag)
//   5 + b    the byte b
//   261 + k  merge k
// Plain text never produces a special id: the characters "<bos>" encode as bytes.
//
// Pre-tokenisation (merges never cross these chunks), in the spirit of GPT-2's:
//   an optional single space + a run of letters (ASCII letters and all bytes >= 0x80, so UTF-8
//   words stay whole; an apostrophe followed by a letter starts a run, as in "'s"),
//   an optional single space + a run of digits,
//   an optional single space + a run of other non-space characters (punctuation),
//   whitespace: a run, less its last character when that is a space followed by a non-space
//   (which then belongs to the next chunk).
//
// Learning (learn_bpe) counts chunks over the given texts and repeatedly merges the most
// frequent adjacent pair (ties: the smaller pair of ids), updating only the chunks that hold it.
// Encoding applies the merges by rank, lowest first, left to right, which reproduces exactly
// the segmentation learning gave each chunk.
//
//   BpeTokenizer tok = learn_bpe(captions, 6000);
//   std::vector<int32_t> ids = tok.encode("A mellow piano melody.");
//   tok.save("runs/decoder/tokenizer.txt");   // text: header, specials, one merge per line
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace syn {

class BpeTokenizer {
 public:
  static constexpr int32_t kPad = 0, kBos = 1, kEos = 2, kSep = 3, kTag = 4;
  static constexpr int kNumSpecial = 5;
  static constexpr int32_t kFirstByte = kNumSpecial;         // id of byte 0
  static constexpr int32_t kFirstMerge = kNumSpecial + 256;  // id of merge 0

  BpeTokenizer();  // no merges: pure byte-level

  std::vector<int32_t> encode(std::string_view text) const;
  // Ids outside the vocabulary are an error; specials are dropped unless keep_special, in
  // which case they are written as their names ("<bos>").
  std::string decode(const std::vector<int32_t>& ids, bool keep_special = false) const;

  // The decoder's input for a tag set: <tag> t1 <tag> t2 ... <sep>.
  std::vector<int32_t> encode_tags(const std::vector<std::string>& tags) const;

  int vocab_size() const { return (int)pieces_.size(); }
  int num_merges() const { return (int)merges_.size(); }
  // The bytes a token stands for (a special's name for a special).
  const std::string& piece(int32_t id) const;
  bool is_special(int32_t id) const { return id >= 0 && id < kNumSpecial; }
  const std::vector<std::pair<int32_t, int32_t>>& merges() const { return merges_; }

  // A small text file: "synesthesia-bpe 1", the special names, "merges N", then one
  // "left right" pair of ids per line. Loading checks every line (errors name file and line).
  std::string to_text() const;
  static BpeTokenizer from_text(const std::string& text, const std::string& source);
  void save(const std::string& path) const;
  static BpeTokenizer load(const std::string& path);

  // Appends merge (left, right) as the next id; both must already exist. Used by learn_bpe and
  // from_text.
  int32_t add_merge(int32_t left, int32_t right, const std::string& where = "add_merge");

 private:
  void encode_chunk(std::string_view chunk, std::vector<int32_t>& out) const;

  std::vector<std::string> pieces_;                      // id -> bytes (or special name)
  std::vector<std::pair<int32_t, int32_t>> merges_;      // merge k -> its two ids
  std::unordered_map<uint64_t, int32_t> rank_;           // (left << 32 | right) -> merge rank
  int32_t find_rank(int32_t left, int32_t right) const;  // -1 when the pair is no merge
};

// Splits text into the chunks merges never cross (see the header comment); concatenating the
// chunks gives the text back.
std::vector<std::string_view> bpe_pretokenize(std::string_view text);

// Learns merges over `texts` until the vocabulary (specials + 256 bytes + merges) reaches
// vocab_size, or no pair occurs at least min_pair_count times.
BpeTokenizer learn_bpe(const std::vector<std::string>& texts, int vocab_size,
                       int min_pair_count = 2);

}  // namespace syn
