// musiccaps.h — the MusicCaps caption table (Agostinelli et al. 2023, CC BY-SA 4.0) as rows of
// {ytid, aspect tags, caption, is_audioset_eval}: what a tags → sentence decoder trains on.
//
// The file is ../shared/data/musiccaps/musiccaps-public.csv (never copied into the project): an
// RFC 4180 CSV (CRLF rows, quoted fields holding commas, quotes and line breaks) whose
// aspect_list column is a Python list literal such as
//   ['pop', 'tinny wide hi hats']   or   ["children's song", 'male voice']
// Columns are found by their header names, so their order does not matter.
//
//   auto rows = load_musiccaps("../shared/data/musiccaps/musiccaps-public.csv");
//   auto split = split_musiccaps(rows);   // 2,663 training rows, 2,858 evaluation rows
//
// The evaluation rows (is_audioset_eval = True) are the conventional test split of MusicCaps and of
// LP-MusicCaps' tag-to-caption results; nothing trained here may see them.
#pragma once
#include <string>
#include <vector>

namespace syn {

struct MusicCapsRow {
  std::string ytid;
  int start_s = 0, end_s = 0;
  std::vector<std::string> aspects;  // the aspect_list tags, in file order
  std::string caption;
  int author_id = 0;
  bool is_balanced_subset = false;
  bool is_audioset_eval = false;
  int line = 0;  // 1-based line of the file where the row starts (for messages)
};

struct MusicCapsSplit {
  std::vector<MusicCapsRow> train;  // is_audioset_eval = False
  std::vector<MusicCapsRow> eval;   // is_audioset_eval = True
};

// Reads and validates the CSV; every error names the file, the line and the problem.
std::vector<MusicCapsRow> load_musiccaps(const std::string& csv_path);
// The same from text in memory; `source` names it in errors.
std::vector<MusicCapsRow> parse_musiccaps(const std::string& text, const std::string& source);
MusicCapsSplit split_musiccaps(const std::vector<MusicCapsRow>& rows);

// --- the two parsers underneath, exposed for tests ---

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;  // 1-based line where the record starts
};
// RFC 4180: fields separated by ',', records by CRLF or LF; a quoted field may hold ',', '"'
// (written "") and line breaks, kept as they are. A record ending in a lone '\r' is accepted.
// Errors: a quote inside an unquoted field, text after a closing quote, an unterminated quote.
std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& source);

// A Python list of string literals: [], ['a', "b's"], with \\ \' \" \n \t \r \xHH \uHHHH
// \UHHHHHHHH escapes (non-ASCII written as UTF-8), adjacent literals concatenated as Python does,
// and an optional trailing comma. `where` prefixes errors (e.g. "file.csv:12: aspect_list").
std::vector<std::string> parse_python_string_list(const std::string& literal,
                                                  const std::string& where);

}  // namespace syn
