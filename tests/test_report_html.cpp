// test_report_html.cpp — apps/pipeline/report_html.h and its parts (html_text.h, report_svg.h) on
// a PipelineResult made by hand: every section is present, text from models and files is escaped
// (a tag "<b>&co" prints as itself, never as markup), every <img> is a base64 PNG data URI and
// their count is what the <meta> promises, a missing judge and a missing fit say so, the not-music
// report shows the warning and the cover alone; base64 against RFC 4648's test vectors; the heat
// colours' end stops; the taggram's cells and the summary window's outline.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "apps/pipeline/html_text.h"
#include "apps/pipeline/report_html.h"
#include "apps/pipeline/report_svg.h"
#include "data/images/png_image.h"
#include "engine/io/safe_file.h"

using namespace syn;
using namespace syn::app;
namespace fs = std::filesystem;

namespace {

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

fs::path temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "syn_test_report_XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

TagResult taggram(size_t chunks) {
  TagResult t;
  t.labels = {"rock", "<b>&co", "quiet"};
  t.clip = {0.7f, 0.9f, 0.1f};
  for (size_t c = 0; c < chunks; ++c) {
    t.chunk_start.push_back(3.0 * (double)c);
    t.chunk_end.push_back(3.0 * (double)c + 3);
    t.taggram.push_back({0.7f, c % 2 ? 1.0f : 0.0f, 0.1f});
  }
  t.duration_seconds = 3.0 * (double)chunks;
  return t;
}

// A music result with four strategy pictures and a cover written to `dir`.
PipelineResult music_result(const fs::path& dir) {
  PipelineResult r;
  r.audio = "songs/a&b <live>.ogg";
  r.output_dir = dir;
  r.cover_png = dir / "cover.png";
  write_png(r.cover_png.string(), Tensor::full({3, 64, 64}, 0.3f));
  const char* names[] = {"raw", "refined", "sentence", "motifs"};
  for (int k = 0; k < 4; ++k) {
    const std::string f = "image_" + std::to_string(k + 1) + "_" + names[k] + ".png";
    write_png((dir / f).string(), Tensor::full({3, 32, 32}, 0.2f * (float)k));
    r.image_files.push_back(f);
  }
  for (PromptStrategy s : all_prompt_strategies()) {
    PromptSet set;
    set.strategy = s;
    set.prompts = {std::string(prompt_strategy_name(s)) + " prompt <i>"};
    if (s == PromptStrategy::Motifs) set.motifs = {{"guitar", "rock & roll", 0.7f}};
    r.prompt_sets.push_back(set);
  }
  r.mtt = taggram(10);
  r.raw_tags = {{"rock", 0.7f}, {"<b>&co", 0.9f}};
  r.profile = {{"electric guitar", "instrument", 0.8f, "mtt:guitar"}};
  r.sentence = "A \"loud\" <rock> song";
  r.caption_tags = {"rock"};
  r.character.tempo_bpm = 128;
  r.scores.no_judge = "judge weights 'x.synckpt' do not exist";
  r.scores.refined_text = "electric guitar";
  r.scores.fit_own = r.scores.fit_refined =
      std::vector<double>(4, std::numeric_limits<double>::quiet_NaN());
  r.scores.colour = DistanceMatrix(4, std::vector<double>(4, 0.25));
  r.stage_times = {{"tags", 1.5}, {"sentence", 0.5}, {"music", 0.2}, {"images", 3}, {"cover", 0.1}};
  r.design.beats = 6;
  return r;
}

}  // namespace

TEST_CASE("html_escape and base64") {
  CHECK(html_escape("<b>&co \"q\" 'a'") == "&lt;b&gt;&amp;co &quot;q&quot; &#39;a&#39;");
  CHECK(html_escape("plain words") == "plain words");
  // RFC 4648 section 10.
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string("\xff\x00\x80", 3)) == "/wCA");
  CHECK(fixed_or_dash(0.12345, 2) == "0.12");
  CHECK(fixed_or_dash(std::nan(""), 2) == "—");
}

TEST_CASE("heat colours and the taggram heat map") {
  CHECK(heat_colour(0) == "#0d0887");
  CHECK(heat_colour(1) == "#f0f921");
  CHECK(heat_colour(7) == "#f0f921");
  CHECK(heat_colour(0.5) == "#cc4778");
  TagResult t = taggram(10);
  TagWindow whole;
  whole.whole = true;
  const std::string svg = taggram_svg(t, whole, 2);
  CHECK(count_of(svg, "<rect ") == 2 * 10);  // two rows (the top 2 tags), ten chunks
  CHECK(svg.find("&lt;b&gt;&amp;co") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(svg.find("quiet") == std::string::npos);  // the third tag is not among the top 2
  CHECK(svg.find("class=\"window\"") == std::string::npos);
  // More chunks than columns: averaged in groups; a partial window is outlined.
  TagWindow part;
  part.whole = false;
  part.start_seconds = 3, part.end_seconds = 9;
  const std::string pooled = taggram_svg(t, part, 3, 4);
  CHECK(count_of(pooled, "<rect ") == 3 * 4 + 1);
  CHECK(pooled.find("class=\"window\"") != std::string::npos);
}

TEST_CASE("report.html: every section, escaped text, embedded pictures") {
  const fs::path dir = temp_dir();
  PipelineResult r = music_result(dir);
  const std::string html = report_html(r);
  for (const char* id : {"summary", "taggram", "top-tags", "refined", "music", "sentence",
                         "pictures", "distances", "cover", "timings"})
    CHECK_MESSAGE(html.find(std::string("<section id=\"") + id + "\"") != std::string::npos, id);
  CHECK(report_image_count(r) == 5);
  CHECK(html.find("<meta name=\"synesthesia-report-images\" content=\"5\">") != std::string::npos);
  CHECK(count_of(html, "<img") == 5);
  CHECK(count_of(html, "src=\"data:image/png;base64,iVBORw0KGgo") == 5);  // the PNG signature
  CHECK(html.find("<script") == std::string::npos);
  // Text from the model and the file name is escaped, never markup.
  CHECK(html.find("a&amp;b &lt;live&gt;.ogg") != std::string::npos);
  CHECK(html.find("&lt;b&gt;&amp;co") != std::string::npos);
  CHECK(html.find("<b>&co") == std::string::npos);
  CHECK(html.find("A &quot;loud&quot; &lt;rock&gt; song") != std::string::npos);
  CHECK(html.find("prompt <i>") == std::string::npos);
  CHECK(html.find("rock &amp; roll") != std::string::npos);
  // No judge: said, with the reason; the fits print as dashes; colour distances are there.
  CHECK(html.find("no judge (judge weights &#39;x.synckpt&#39; do not exist)") !=
        std::string::npos);
  CHECK(count_of(html, "<td class=\"num\">—</td>") == 8);
  CHECK(count_of(html, "<td>0.250</td>") == 16);
  // Every stage time is there.
  for (const char* stage : {"tags", "sentence", "music", "images", "cover"})
    CHECK(html.find(std::string("<td class=\"label\">") + stage + "</td>") != std::string::npos);

  // With a judge: its file and the scores.
  r.scores.judge_file = "judge.synckpt";
  r.scores.no_judge.clear();
  r.scores.fit_own = {0.5, 0.25, -0.125, 0.75};
  r.scores.content = DistanceMatrix(4, std::vector<double>(4, 0.5));
  const std::string judged = report_html(r);
  CHECK(judged.find("judge: judge.synckpt") != std::string::npos);
  CHECK(judged.find("<td class=\"num\">-0.125</td>") != std::string::npos);
  CHECK(count_of(judged, "<td>0.500</td>") == 16);

  // write_report_html writes the same text.
  write_report_html((dir / "report.html").string(), r);
  CHECK(io::read_small_file((dir / "report.html").string()) == judged);
  fs::remove_all(dir);
}

TEST_CASE("report.html for an input that is not music: the warning and the cover alone") {
  const fs::path dir = temp_dir();
  PipelineResult r;
  r.audio = "silence.wav";
  r.output_dir = dir;
  r.cover_png = dir / "cover.png";
  write_png(r.cover_png.string(), Tensor::full({3, 64, 64}, 0.5f));
  r.mtt = taggram(3);
  r.input_warning = "the input is silence";
  r.stage_times = {{"tags", 1.0}, {"cover", 0.01}};
  const std::string html = report_html(r);
  CHECK(report_image_count(r) == 1);
  CHECK(count_of(html, "<img") == 1);
  CHECK(html.find("Not music: the input is silence") != std::string::npos);
  CHECK(html.find("no pictures") != std::string::npos);
  CHECK(html.find("<section id=\"timings\"") != std::string::npos);
  // A picture that is missing on disk is an error naming it.
  fs::remove(r.cover_png);
  bool threw = false;
  try {
    report_html(r);
  } catch (const std::exception& e) {
    threw = std::string(e.what()).find("cover.png") != std::string::npos;
  }
  CHECK(threw);
  fs::remove_all(dir);
}
