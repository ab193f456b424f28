// musiccaps.cpp — see musiccaps.h.
#include "data/datasets/musiccaps.h"

#include <fstream>
#include <map>
#include <sstream>

#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "engine/utf8.h"

namespace syn {

std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& source) {
  std::vector<CsvRecord> records;
  CsvRecord rec;
  std::string field;
  int line = 1;
  rec.line = 1;
  size_t i = 0, n = text.size();
  // A file that ends without a final line break still ends its last record.
  bool record_open = false;
  while (i < n) {
    record_open = true;
    // One field per iteration.
    field.clear();
    if (text[i] == '"') {
      int quote_line = line;
      ++i;
      for (;;) {
        SYN_CHECK(i < n, source, ":", quote_line, ": unterminated quoted field");
        char c = text[i];
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (c == '\n') ++line;
        field += c;
        ++i;
      }
      SYN_CHECK(i >= n || text[i] == ',' || text[i] == '\n' || text[i] == '\r', source, ":", line,
                ": unexpected character '", text[i], "' after a closing quote");
    } else {
      while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        SYN_CHECK(text[i] != '"', source, ":", line,
                  ": a quote inside an unquoted field (quote the whole field and double it)");
        field += text[i++];
      }
    }
    rec.fields.push_back(field);
    if (i < n && text[i] == ',') {
      ++i;
      if (i == n) rec.fields.emplace_back();  // "a,b," ends with an empty field
      continue;
    }
    // End of record: CRLF, LF, lone CR or end of text.
    if (i < n && text[i] == '\r') ++i;
    if (i < n && text[i] == '\n') ++i;
    ++line;
    records.push_back(std::move(rec));
    rec = CsvRecord{};
    rec.line = line;
    record_open = false;
  }
  if (record_open) records.push_back(std::move(rec));
  return records;
}

namespace {

void append_scalar(std::string& out, uint32_t cp, const std::string& where) {
  SYN_CHECK(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF), where, ": escape \\u", std::hex, cp,
            " is not a Unicode scalar value");
  syn::append_utf8(out, cp);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Reads one Python string literal starting at s[i] (a quote); returns its value, moves i past it.
std::string read_string_literal(const std::string& s, size_t& i, const std::string& where) {
  char q = s[i];
  size_t start = i;
  ++i;
  std::string out;
  for (;;) {
    SYN_CHECK(i < s.size(), where, ": unterminated string starting at column ", start + 1, " of ",
              s);
    char c = s[i];
    if (c == q) {
      ++i;
      return out;
    }
    SYN_CHECK(c != '\n', where, ": line break inside a string at column ", i + 1);
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    SYN_CHECK(i + 1 < s.size(), where, ": backslash at the end of ", s);
    char e = s[i + 1];
    i += 2;
    switch (e) {
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
        out += '\0';
        break;
      case 'x':
      case 'u':
      case 'U': {
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int k = 0; k < digits; ++k) {
          int h = i < s.size() ? hex_value(s[i]) : -1;
          SYN_CHECK(h >= 0, where, ": \\", e, " needs ", digits, " hex digits at column ", i + 1);
          cp = cp * 16 + (uint32_t)h;
          ++i;
        }
        append_scalar(out, cp, where);
        break;
      }
      default:
        // Python keeps unknown escapes such as "\d" as they are.
        out += '\\';
        out += e;
    }
  }
}

bool parse_bool(const std::string& v, const std::string& where, const char* column) {
  if (v == "True" || v == "true" || v == "1") return true;
  if (v == "False" || v == "false" || v == "0") return false;
  SYN_FAIL(where, ": column ", column, " should be True or False, got '", v, "'");
}

int parse_int(const std::string& v, const std::string& where, const char* column) {
  size_t used = 0;
  int x = 0;
  try {
    x = std::stoi(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  SYN_CHECK(!v.empty() && used == v.size(), where, ": column ", column,
            " should be an integer, got '", v, "'");
  return x;
}

}  // namespace

std::vector<std::string> parse_python_string_list(const std::string& s, const std::string& where) {
  std::vector<std::string> items;
  size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && is_space(s[i])) ++i;
  };
  skip();
  SYN_CHECK(i < s.size() && s[i] == '[', where, ": expected a Python list like ['a', 'b'], got ",
            s.empty() ? std::string("an empty field") : "'" + s + "'");
  ++i;
  skip();
  for (;;) {
    SYN_CHECK(i < s.size(), where, ": list is not closed with ']': ", s);
    if (s[i] == ']') {
      ++i;
      break;
    }
    SYN_CHECK(s[i] == '\'' || s[i] == '"', where, ": expected a quoted string at column ", i + 1,
              " of ", s);
    std::string item;
    // Adjacent literals ('a' "b") are one string in Python.
    while (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
      item += read_string_literal(s, i, where);
      skip();
    }
    items.push_back(std::move(item));
    SYN_CHECK(i < s.size(), where, ": list is not closed with ']': ", s);
    if (s[i] == ',') {
      ++i;  // a trailing comma before ']' is allowed, as in Python
      skip();
    } else {
      SYN_CHECK(s[i] == ']', where, ": expected ',' or ']' at column ", i + 1, " of ", s);
    }
  }
  skip();
  SYN_CHECK(i == s.size(), where, ": unexpected text after the list: '", s.substr(i), "'");
  return items;
}

std::vector<MusicCapsRow> parse_musiccaps(const std::string& text, const std::string& source) {
  std::string body = text;
  // A UTF-8 byte order mark before the header is not part of the first column's name.
  if (body.rfind("\xEF\xBB\xBF", 0) == 0) body.erase(0, 3);
  std::vector<CsvRecord> records = parse_csv(body, source);
  SYN_CHECK(!records.empty(), source, ": empty file (expected a MusicCaps CSV with a header)");
  const CsvRecord& header = records[0];
  std::map<std::string, size_t> col;
  for (size_t c = 0; c < header.fields.size(); ++c) col[header.fields[c]] = c;
  const char* required[] = {"ytid", "aspect_list", "caption", "is_audioset_eval"};
  for (const char* name : required)
    SYN_CHECK(col.count(name), source, ":1: the header has no column '", name,
              "' (MusicCaps columns: ytid, start_s, end_s, audioset_positive_labels, aspect_list, "
              "caption, author_id, is_balanced_subset, is_audioset_eval)");
  auto optional = [&](const char* name) -> long {
    auto it = col.find(name);
    return it == col.end() ? -1 : (long)it->second;
  };
  long c_start = optional("start_s"), c_end = optional("end_s"), c_author = optional("author_id"),
       c_bal = optional("is_balanced_subset");

  std::vector<MusicCapsRow> rows;
  rows.reserve(records.size() - 1);
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    std::string where = source + ":" + std::to_string(rec.line);
    // A blank line (one empty field) is skipped, not an error.
    if (rec.fields.size() == 1 && rec.fields[0].empty()) continue;
    SYN_CHECK(rec.fields.size() == header.fields.size(), where, ": ", rec.fields.size(),
              " fields where the header has ", header.fields.size());
    MusicCapsRow row;
    row.line = rec.line;
    row.ytid = rec.fields[col["ytid"]];
    SYN_CHECK(!row.ytid.empty(), where, ": empty ytid");
    row.aspects = parse_python_string_list(rec.fields[col["aspect_list"]], where + ": aspect_list");
    row.caption = rec.fields[col["caption"]];
    SYN_CHECK(!row.caption.empty(), where, ": empty caption for ", row.ytid);
    row.is_audioset_eval =
        parse_bool(rec.fields[col["is_audioset_eval"]], where, "is_audioset_eval");
    if (c_start >= 0) row.start_s = parse_int(rec.fields[c_start], where, "start_s");
    if (c_end >= 0) row.end_s = parse_int(rec.fields[c_end], where, "end_s");
    if (c_author >= 0) row.author_id = parse_int(rec.fields[c_author], where, "author_id");
    if (c_bal >= 0)
      row.is_balanced_subset = parse_bool(rec.fields[c_bal], where, "is_balanced_subset");
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<MusicCapsRow> load_musiccaps(const std::string& csv_path) {
  io::check_input_file(csv_path, "MusicCaps CSV");  // a regular file: never a FIFO or device
  std::ifstream in(csv_path, std::ios::binary);
  SYN_CHECK(in.good(), "cannot open MusicCaps CSV '", csv_path,
            "' (expected ../shared/data/musiccaps/musiccaps-public.csv)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_musiccaps(ss.str(), csv_path);
}

MusicCapsSplit split_musiccaps(const std::vector<MusicCapsRow>& rows) {
  MusicCapsSplit split;
  for (const auto& r : rows) (r.is_audioset_eval ? split.eval : split.train).push_back(r);
  return split;
}

}  // namespace syn
