// tokenizer.cpp — see tokenizer.h.
#include "data/text/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <queue>
#include <sstream>

#include "engine/check.h"
#include "engine/io/safe_file.h"

namespace syn {

namespace {

const char* const kSpecialNames[BpeTokenizer::kNumSpecial] = {"<pad>", "<bos>", "<eos>", "<sep>",
                                                              "<tag>"};
const char* const kHeader = "synesthesia-bpe 1";

bool is_ws(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

uint64_t pair_key(int32_t a, int32_t b) { return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b; }

}  // namespace

std::vector<std::string_view> bpe_pretokenize(std::string_view t) {
  std::vector<std::string_view> out;
  size_t i = 0, n = t.size();
  auto uc = [&](size_t k) { return (unsigned char)t[k]; };
  while (i < n) {
    size_t start = i;
    if (is_ws(uc(i))) {
      size_t j = i;
      while (j < n && is_ws(uc(j))) ++j;
      // The run's last space goes with the word after it (" word"), GPT-2 style.
      if (j < n && t[j - 1] == ' ') --j;
      if (j > i) {
        out.push_back(t.substr(i, j - i));
        i = j;
        continue;
      }
      // A single space before a word: fall through, it prefixes the word.
    }
    size_t p = i;
    if (t[p] == ' ') ++p;  // the optional leading space (a non-space follows, see above)
    if (p < n && t[p] == '\'' && p + 1 < n && is_letter(uc(p + 1))) {
      p += 1;
      while (p < n && is_letter(uc(p))) ++p;
    } else if (is_letter(uc(p))) {
      while (p < n && is_letter(uc(p))) ++p;
    } else if (is_digit(uc(p))) {
      while (p < n && is_digit(uc(p))) ++p;
    } else {
      while (p < n && !is_ws(uc(p)) && !is_letter(uc(p)) && !is_digit(uc(p))) ++p;
    }
    out.push_back(t.substr(start, p - start));
    i = p;
  }
  return out;
}

BpeTokenizer::BpeTokenizer() {
  pieces_.reserve(kFirstMerge);
  for (const char* name : kSpecialNames) pieces_.emplace_back(name);
  for (int b = 0; b < 256; ++b) pieces_.emplace_back(1, (char)b);
}

const std::string& BpeTokenizer::piece(int32_t id) const {
  SYN_CHECK(id >= 0 && id < vocab_size(), "token id ", id, " is outside the vocabulary of ",
            vocab_size());
  return pieces_[id];
}

int32_t BpeTokenizer::add_merge(int32_t left, int32_t right, const std::string& where) {
  int32_t next = vocab_size();
  SYN_CHECK(left >= kFirstByte && left < next && right >= kFirstByte && right < next, where,
            ": merge (", left, ", ", right, ") must join two existing non-special tokens (ids ",
            kFirstByte, "..", next - 1, ")");
  auto [it, fresh] = rank_.emplace(pair_key(left, right), (int32_t)merges_.size());
  SYN_CHECK(fresh, where, ": merge (", left, ", ", right, ") is listed twice");
  merges_.emplace_back(left, right);
  pieces_.push_back(pieces_[left] + pieces_[right]);
  return next;
}

int32_t BpeTokenizer::find_rank(int32_t left, int32_t right) const {
  auto it = rank_.find(pair_key(left, right));
  return it == rank_.end() ? -1 : it->second;
}

void BpeTokenizer::encode_chunk(std::string_view chunk, std::vector<int32_t>& out) const {
  std::vector<int32_t> s(chunk.size());
  for (size_t k = 0; k < chunk.size(); ++k) s[k] = kFirstByte + (unsigned char)chunk[k];
  // Apply the lowest-ranked merge present, everywhere in the chunk, until none applies.
  while (s.size() > 1) {
    int32_t best = -1;
    for (size_t k = 0; k + 1 < s.size(); ++k) {
      int32_t r = find_rank(s[k], s[k + 1]);
      if (r >= 0 && (best < 0 || r < best)) best = r;
    }
    if (best < 0) break;
    auto [a, b] = merges_[best];
    int32_t z = kFirstMerge + best;
    size_t w = 0;
    for (size_t k = 0; k < s.size();) {
      if (k + 1 < s.size() && s[k] == a && s[k + 1] == b) {
        s[w++] = z;
        k += 2;
      } else {
        s[w++] = s[k++];
      }
    }
    s.resize(w);
  }
  out.insert(out.end(), s.begin(), s.end());
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 1);
  for (std::string_view chunk : bpe_pretokenize(text)) encode_chunk(chunk, ids);
  return ids;
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids, bool keep_special) const {
  std::string out;
  for (int32_t id : ids) {
    SYN_CHECK(id >= 0 && id < vocab_size(), "decode: token id ", id,
              " is outside the vocabulary of ", vocab_size());
    if (id < kNumSpecial && !keep_special) continue;
    out += pieces_[id];
  }
  return out;
}

std::vector<int32_t> BpeTokenizer::encode_tags(const std::vector<std::string>& tags) const {
  std::vector<int32_t> ids;
  for (const auto& t : tags) {
    ids.push_back(kTag);
    // A leading space makes a tag's first word the same token as mid-sentence (" piano").
    std::string spaced = " " + t;
    for (std::string_view chunk : bpe_pretokenize(spaced)) encode_chunk(chunk, ids);
  }
  ids.push_back(kSep);
  return ids;
}

std::string BpeTokenizer::to_text() const {
  std::ostringstream os;
  os << kHeader << "\n"
     << "specials " << kNumSpecial << "\n";
  for (const char* name : kSpecialNames) os << name << "\n";
  os << "merges " << merges_.size() << "\n";
  for (auto [a, b] : merges_) os << a << " " << b << "\n";
  return os.str();
}

BpeTokenizer BpeTokenizer::from_text(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  auto next_line = [&](const char* what) {
    SYN_CHECK(std::getline(in, line), source, ":", line_no + 1, ": file ends where ", what,
              " was expected");
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  };
  auto where = [&] { return source + ":" + std::to_string(line_no); };
  next_line("the header");
  SYN_CHECK(line == kHeader, where(), ": not a Synesthesia BPE tokenizer (expected '", kHeader,
            "', got '", line, "')");
  next_line("'specials N'");
  SYN_CHECK(line == "specials " + std::to_string(kNumSpecial), where(), ": expected 'specials ",
            kNumSpecial, "', got '", line, "'");
  for (const char* name : kSpecialNames) {
    next_line("a special token");
    SYN_CHECK(line == name, where(), ": expected special token ", name, ", got '", line, "'");
  }
  next_line("'merges N'");
  long count = -1;
  {
    std::istringstream ls(line);
    std::string word, rest;
    SYN_CHECK((ls >> word >> count) && word == "merges" && count >= 0 && !(ls >> rest), where(),
              ": expected 'merges N', got '", line, "'");
  }
  // A merge's piece is its two parts' pieces joined, so a file of merges that each join the
  // previous one with itself doubles the piece per line: 30 lines would ask for a gigabyte.
  // Learned pieces are pieces of words; these caps are far above any real vocabulary.
  constexpr size_t kMaxPieceBytes = size_t(1) << 16, kMaxTotalPieceBytes = size_t(1) << 26;
  size_t total_piece_bytes = 0;
  BpeTokenizer tok;
  for (long k = 0; k < count; ++k) {
    next_line("a merge 'left right'");
    std::istringstream ls(line);
    long a = -1, b = -1;
    std::string rest;
    SYN_CHECK((ls >> a >> b) && !(ls >> rest), where(), ": expected two token ids, got '", line,
              "'");
    // Checked before narrowing: 4294967398 must not be read as id 102.
    SYN_CHECK(a >= 0 && a <= INT32_MAX && b >= 0 && b <= INT32_MAX, where(), ": token id out of ",
              "range in '", line, "'");
    if (a < tok.vocab_size() && b < tok.vocab_size())  // else add_merge names the bad id
      SYN_CHECK(tok.piece((int32_t)a).size() + tok.piece((int32_t)b).size() <= kMaxPieceBytes,
                where(), ": merge '", line, "' makes a token longer than ", kMaxPieceBytes,
                " bytes");
    const int32_t id = tok.add_merge((int32_t)a, (int32_t)b, where());
    total_piece_bytes += tok.piece(id).size();
    SYN_CHECK(total_piece_bytes <= kMaxTotalPieceBytes, where(), ": the merges' tokens exceed ",
              kMaxTotalPieceBytes, " bytes in all");
  }
  while (std::getline(in, line)) {
    ++line_no;
    SYN_CHECK(line.empty() || line == "\r", where(), ": unexpected text after the ", count,
              " merges: '", line, "'");
  }
  return tok;
}

void BpeTokenizer::save(const std::string& path) const {
  io::write_file_atomic(path, to_text(), "tokenizer file");
}

BpeTokenizer BpeTokenizer::load(const std::string& path) {
  return from_text(io::read_small_file(path, "tokenizer file"), path);
}

BpeTokenizer learn_bpe(const std::vector<std::string>& texts, int vocab_size, int min_pair_count) {
  SYN_CHECK(vocab_size >= BpeTokenizer::kFirstMerge, "learn_bpe: vocab_size ", vocab_size,
            " is below the ", BpeTokenizer::kFirstMerge, " specials and bytes");
  SYN_CHECK(min_pair_count >= 1, "learn_bpe: min_pair_count must be >= 1, got ", min_pair_count);
  BpeTokenizer tok;

  // Distinct chunks with their counts, sorted so that learning never depends on hash order.
  std::unordered_map<std::string_view, int64_t> chunk_count;
  for (const auto& t : texts)
    for (std::string_view c : bpe_pretokenize(t)) ++chunk_count[c];
  std::vector<std::pair<std::string_view, int64_t>> chunks(chunk_count.begin(), chunk_count.end());
  std::sort(chunks.begin(), chunks.end());

  std::vector<std::vector<int32_t>> words(chunks.size());
  std::vector<int64_t> count(chunks.size());
  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<int32_t>> where;  // pair -> words that (may) hold it
  for (size_t w = 0; w < chunks.size(); ++w) {
    count[w] = chunks[w].second;
    for (unsigned char c : chunks[w].first) words[w].push_back(BpeTokenizer::kFirstByte + c);
    const auto& s = words[w];
    for (size_t k = 0; k + 1 < s.size(); ++k) {
      uint64_t p = pair_key(s[k], s[k + 1]);
      pair_count[p] += count[w];
      where[p].push_back((int32_t)w);
    }
  }

  // Max-heap of (count, pair) with lazy deletion: an entry is valid while its count is current.
  struct Entry {
    int64_t count;
    uint64_t key;
    bool operator<(const Entry& o) const {
      return count != o.count ? count < o.count : key > o.key;  // ties: smaller pair first
    }
  };
  std::priority_queue<Entry> heap;
  for (auto [p, c] : pair_count) heap.push({c, p});

  std::vector<int64_t> stamp(words.size(), -1);
  std::vector<uint64_t> changed;
  while (tok.vocab_size() < vocab_size) {
    while (!heap.empty()) {
      auto it = pair_count.find(heap.top().key);
      if (it != pair_count.end() && it->second == heap.top().count) break;
      heap.pop();
    }
    if (heap.empty() || heap.top().count < min_pair_count) break;
    uint64_t key = heap.top().key;
    heap.pop();
    int32_t a = (int32_t)(key >> 32), b = (int32_t)(key & 0xffffffffu);
    int32_t z = tok.add_merge(a, b, "learn_bpe");

    changed.clear();
    std::vector<int32_t> holders = std::move(where[key]);
    where.erase(key);
    for (int32_t w : holders) {
      if (stamp[w] == z) continue;  // listed twice
      stamp[w] = z;
      std::vector<int32_t>& s = words[w];
      bool holds = false;
      for (size_t k = 0; k + 1 < s.size() && !holds; ++k) holds = s[k] == a && s[k + 1] == b;
      if (!holds) continue;  // a stale listing: an earlier merge consumed the pair
      for (size_t k = 0; k + 1 < s.size(); ++k) {
        uint64_t p = pair_key(s[k], s[k + 1]);
        pair_count[p] -= count[w];
        changed.push_back(p);
      }
      size_t o = 0;
      for (size_t k = 0; k < s.size();) {
        if (k + 1 < s.size() && s[k] == a && s[k + 1] == b) {
          s[o++] = z;
          k += 2;
        } else {
          s[o++] = s[k++];
        }
      }
      s.resize(o);
      for (size_t k = 0; k + 1 < s.size(); ++k) {
        uint64_t p = pair_key(s[k], s[k + 1]);
        pair_count[p] += count[w];
        where[p].push_back(w);
        changed.push_back(p);
      }
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    for (uint64_t p : changed) {
      auto it = pair_count.find(p);
      if (it->second > 0) {
        heap.push({it->second, p});
      } else {
        pair_count.erase(it);
        where.erase(p);
      }
    }
  }
  return tok;
}

}  // namespace syn
