// test_musiccaps.cpp — the MusicCaps reader: RFC 4180 CSV edge cases, Python list literals of
// tags (quotes, apostrophes, escapes), row validation with file:line errors, the train/eval split;
// with ../shared, the real file's counts. Also checks the eval_captioner config documents every
// key.
#include <doctest/doctest.h>

#include <set>

#include "data/datasets/musiccaps.h"
#include "engine/check.h"
#include "engine/config.h"
#include "tests/support/fixtures.h"

using namespace syn;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("CSV: quoting, embedded commas, quotes and line breaks, CRLF") {
  std::string text =
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
      "2,\"two\r\nlines\",\r\n"
      "3,,\"\"\n"
      "4,last,no newline";
  auto recs = parse_csv(text, "t.csv");
  REQUIRE(recs.size() == 5);
  CHECK(recs[0].fields == Strings{"a", "b", "c"});
  CHECK(recs[1].fields == Strings{"1", "x, y", "say \"hi\""});
  CHECK(recs[2].fields == Strings{"2", "two\r\nlines", ""});
  CHECK(recs[3].fields == Strings{"3", "", ""});
  CHECK(recs[4].fields == Strings{"4", "last", "no newline"});
  CHECK(recs[0].line == 1);
  CHECK(recs[1].line == 2);
  CHECK(recs[2].line == 3);
  CHECK(recs[3].line == 5);  // the quoted line break moved it down one
  CHECK(recs[4].line == 6);
  CHECK(parse_csv("x,\n", "t").at(0).fields == Strings{"x", ""});
  CHECK(parse_csv("x,", "t").at(0).fields == Strings{"x", ""});
  CHECK(parse_csv("", "t").empty());

  CHECK(contains(error_of([] { parse_csv("a,b\n1,\"open\nstill open", "t.csv"); }),
                 "t.csv:2: unterminated quoted field"));
  CHECK(contains(error_of([] { parse_csv("a,b\n1,x\"y\n", "t.csv"); }),
                 "t.csv:2: a quote inside an unquoted field"));
  CHECK(contains(error_of([] { parse_csv("a,b\n\"q\"x,2\n", "t.csv"); }),
                 "t.csv:2: unexpected character 'x' after a closing quote"));
}

TEST_CASE("Python list literals of tags") {
  auto p = [](const std::string& s) { return parse_python_string_list(s, "w"); };
  CHECK(p("['pop', 'tinny wide hi hats']") == Strings{"pop", "tinny wide hi hats"});
  CHECK(p("[\"children's song\", 'male voice']") == Strings{"children's song", "male voice"});
  CHECK(p("['punchy \"4 on the floor\" kick']") == Strings{"punchy \"4 on the floor\" kick"});
  CHECK(p("[\"percussion's\"]") == Strings{"percussion's"});
  CHECK(p("['it\\'s', 'a\\\\b', 'caf\\xe9', '\\u266b', \"q\\\"\"]") ==
        Strings{"it's", "a\\b", "caf\xC3\xA9", "\xE2\x99\xAB", "q\""});
  CHECK(p("[]") == Strings{});
  CHECK(p("  [ 'a' ,\n 'b' , ]  ") == Strings{"a", "b"});
  CHECK(p("['a' \"b\"]") == Strings{"ab"});  // adjacent literals join, as in Python
  CHECK(p("['a, b', 'c]']") == Strings{"a, b", "c]"});

  CHECK(contains(error_of([&] { p("pop, rock"); }), "w: expected a Python list"));
  CHECK(contains(error_of([&] { p(""); }), "an empty field"));
  CHECK(contains(error_of([&] { p("['a'"); }), "not closed"));
  CHECK(contains(error_of([&] { p("['a', , 'b']"); }), "expected a quoted string at column 7"));
  CHECK(contains(error_of([&] { p("['a', b]"); }), "expected a quoted string"));
  CHECK(contains(error_of([&] { p("['a'] x"); }), "unexpected text after the list"));
  CHECK(contains(error_of([&] { p("['abc]"); }), "unterminated string"));
  CHECK(contains(error_of([&] { p("['\\x4']"); }), "hex digits"));
}

TEST_CASE("MusicCaps rows: columns by name, validation, split") {
  // Columns in another order than the real file, and an extra one.
  std::string csv =
      "caption,ytid,is_audioset_eval,aspect_list,extra,author_id\r\n"
      "\"A sad ballad, with \"\"soft\"\" vocals.\",id1,True,\"['sad', \"\"children's "
      "song\"\"]\",x,4\r\n"
      "\"Fast drums.\r\nLoud.\",id2,False,['fast tempo'],y,0\r\n";
  auto rows = parse_musiccaps(csv, "mc.csv");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].ytid == "id1");
  CHECK(rows[0].caption == "A sad ballad, with \"soft\" vocals.");
  CHECK(rows[0].aspects == Strings{"sad", "children's song"});
  CHECK(rows[0].is_audioset_eval);
  CHECK(rows[0].author_id == 4);
  CHECK(rows[0].line == 2);
  CHECK(rows[1].caption == "Fast drums.\r\nLoud.");
  CHECK(!rows[1].is_audioset_eval);
  auto split = split_musiccaps(rows);
  CHECK(split.train.size() == 1);
  CHECK(split.eval.size() == 1);
  CHECK(split.eval[0].ytid == "id1");

  std::string head = "ytid,aspect_list,caption,is_audioset_eval\n";
  CHECK(contains(error_of([&] { parse_musiccaps(head + "a,['x'],cap\n", "mc.csv"); }),
                 "mc.csv:2: 3 fields where the header has 4"));
  CHECK(contains(error_of([&] { parse_musiccaps(head + "a,['x'],cap,maybe\n", "mc.csv"); }),
                 "mc.csv:2: column is_audioset_eval should be True or False"));
  CHECK(contains(
      error_of([&] { parse_musiccaps(head + "a,['x'],cap,True\nb,x,cap,True\n", "mc.csv"); }),
      "mc.csv:3: aspect_list: expected a Python list"));
  CHECK(contains(error_of([&] { parse_musiccaps(head + "a,['x'],,True\n", "mc.csv"); }),
                 "mc.csv:2: empty caption"));
  CHECK(contains(error_of([&] { parse_musiccaps("ytid,caption\n", "mc.csv"); }),
                 "mc.csv:1: the header has no column 'aspect_list'"));
  CHECK(contains(error_of([&] { load_musiccaps("/nonexistent/mc.csv"); }), "/nonexistent/mc.csv"));
  // A byte order mark and a blank last line are tolerated.
  CHECK(parse_musiccaps("\xEF\xBB\xBF" + head + "a,['x'],cap,False\n\n", "mc.csv").size() == 1);
}

TEST_CASE("MusicCaps: the real file") {
  if (!test::shared_available()) {
    MESSAGE("skipped: ../shared is absent");
    return;
  }
  auto rows = load_musiccaps(test::shared_dir() + "/data/musiccaps/musiccaps-public.csv");
  auto split = split_musiccaps(rows);
  CHECK(rows.size() == 5521);
  CHECK(split.eval.size() == 2858);
  CHECK(split.train.size() == 2663);
  std::set<std::string> ids;
  size_t tags = 0, with_break = 0, with_apostrophe_tag = 0;
  for (const auto& r : rows) {
    ids.insert(r.ytid);
    CHECK(!r.aspects.empty());
    tags += r.aspects.size();
    if (r.caption.find('\n') != std::string::npos) ++with_break;
    for (const auto& t : r.aspects) {
      CHECK(!t.empty());
      if (t.find('\'') != std::string::npos) ++with_apostrophe_tag;
    }
  }
  CHECK(ids.size() == rows.size());  // one row per clip: train and eval never share a clip
  CHECK(tags == 58901);              // counted with Python's csv + ast.literal_eval
  CHECK(with_break == 5);
  CHECK(with_apostrophe_tag > 0);
  CHECK(rows.front().ytid == "-0Gj8-vB1q4");
  CHECK(rows.front().aspects.front() == "low quality");
  CHECK(rows.front().is_audioset_eval);
}

TEST_CASE("eval_captioner's config documents every key") {
  Config cfg = Config::load(std::string(SYN_SOURCE_DIR) + "/config/eval_captioner.yaml");
  CHECK(cfg.undocumented_keys().empty());
  CHECK(cfg.has("baseline"));
  CHECK(cfg.has("musiccaps_csv"));
}
