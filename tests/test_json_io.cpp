// test_json_io.cpp — apps/pipeline/json_io, the apps' one JSON reader and writer: control
// characters and quotes survive tags.json's writer and reader, malformed JSON is an error naming
// the file, numbers print as the hand-written writers printed them, invalid UTF-8 does not fail a
// write, and the atomic writer leaves no temporary file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "apps/pipeline/json_io.h"
#include "apps/pipeline/tag_json.h"
#include "apps/pipeline/tagger.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"

using namespace syn;
namespace fs = std::filesystem;

namespace {

fs::path temp_path(const std::string& name) { return fs::temp_directory_path() / name; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a tag with control characters and quotes round-trips through tags.json") {
  const std::string odd = "say \"hi\"\x01\ttab\nline\\";
  app::TagResult r;
  r.file = "clip \x1f.wav";
  r.model = "musicnn-mtt";
  r.labels = {odd, "rock"};
  r.clip = {0.25f, 0.75f};
  r.chunk_start = {0.0};
  r.chunk_end = {3.0};
  r.taggram = {{0.25f, 0.75f}};
  std::vector<ProfileTag> profile = {{odd, "mood \"x\"", 0.5f, "mtt:\x02"}};
  const fs::path path = temp_path("syn_test_json_io_tags.json");
  io::write_file_atomic(path.string(), app::tag_result_json(r, &profile));
  const std::string text = slurp(path);
  // RFC 8259: no raw control character inside the file's strings.
  for (char c : text) CHECK((c == '\n' || (unsigned char)c >= 0x20));
  CHECK(text.find("\\u0001") != std::string::npos);
  CHECK(text.find("\\\"hi\\\"") != std::string::npos);

  app::TagFile back = app::read_tag_json(path.string());
  CHECK(back.file == r.file);
  REQUIRE(back.tags.size() == 2);
  CHECK(back.tags[0].tag == "rock");  // most probable first
  CHECK(back.tags[1].tag == odd);
  CHECK(back.tags[1].probability == doctest::Approx(0.25));
  REQUIRE(back.refined.size() == 1);
  CHECK(back.refined[0].tag == odd);
  CHECK(back.refined[0].group == "mood \"x\"");
  fs::remove(path);
}

TEST_CASE("malformed JSON is an error naming the file and the problem") {
  const fs::path path = temp_path("syn_test_json_io_bad.json");
  io::write_file_atomic(path.string(), "{\"tags\": [{\"tag\": \"a\", \"probability\": 0.5},]}");
  CHECK_THROWS_WITH_AS(
      app::read_tag_json(path.string()),
      doctest::Contains(("'" + path.string() + "': invalid JSON at byte 43").c_str()), Error);
  CHECK_THROWS_WITH_AS(app::read_json_file(path.string()),
                       doctest::Contains("parse error at line 1, column 44"), Error);
  CHECK_THROWS_WITH_AS(app::parse_json("{\"a\": 1} x", "trailing.json"),
                       doctest::Contains("'trailing.json': invalid JSON"), Error);
  CHECK_THROWS_WITH_AS(app::parse_json("{\"a\": \"b\nc\"}", "raw.json"),
                       doctest::Contains("control character"), Error);
  fs::remove(path);
  CHECK_THROWS_WITH_AS(
      app::read_json_file(path.string()),
      doctest::Contains(("JSON file '" + path.string() + "': cannot open").c_str()), Error);
  // Well-formed JSON of the wrong shape names the file and the field.
  CHECK_THROWS_WITH_AS(
      app::parse_tag_json(R"({"tags": [{"tag": 3, "probability": 0.5}]})", "t.json"),
      doctest::Contains("'t.json': \"tags\"[0] needs a string \"tag\""), Error);
  CHECK_THROWS_WITH_AS(app::parse_tag_json("[1, 2]", "a.json"),
                       doctest::Contains("'a.json': expected a JSON object"), Error);
}

TEST_CASE("numbers print with 6 significant digits, non-finite ones as null") {
  CHECK(app::json_inline(app::json_number(0.123456789)) == "0.123457");
  CHECK(app::json_inline(app::json_number(0.1f)) == "0.1");  // not 0.10000000149011612
  CHECK(app::json_inline(app::json_number(1e-5)) == "1e-05");
  CHECK(app::json_inline(app::json_number(119.94)) == "119.94");
  CHECK(app::json_inline(app::json_number(std::numeric_limits<double>::quiet_NaN())) == "null");
  CHECK(app::json_inline(app::json_number(std::numeric_limits<double>::infinity())) == "null");
}

TEST_CASE("the writer keeps key order, indents, and replaces invalid UTF-8 instead of failing") {
  app::Json j = {{"z", 1}, {"a", "caf\xc3\xa9"}, {"bad", std::string("x\xff")}};
  const std::string text = app::json_text(j);
  CHECK(text.find("\"z\"") < text.find("\"a\""));
  CHECK(text.find("caf\xc3\xa9") != std::string::npos);    // UTF-8 stays as it is
  CHECK(text.find("x\xef\xbf\xbd") != std::string::npos);  // U+FFFD
  CHECK(text.back() == '\n');
  const fs::path path = temp_path("syn_test_json_io_write.json");
  app::write_json_file(path.string(), j);
  CHECK(app::read_json_file(path.string())["z"] == 1);
  const std::string tmp_prefix = path.filename().string() + ".tmp.";
  for (const auto& e : fs::directory_iterator(path.parent_path()))
    CHECK_FALSE(e.path().filename().string().rfind(tmp_prefix, 0) == 0);
  fs::remove(path);
  CHECK_THROWS_WITH_AS(app::write_json_file("/nonexistent_dir/x.json", j),
                       doctest::Contains("/nonexistent_dir/x.json"), Error);
}
