// report_html.cpp — see report_html.h for the sections.
#include "apps/pipeline/report_html.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "apps/pipeline/html_text.h"
#include "apps/pipeline/report_svg.h"
#include "engine/io/safe_file.h"

namespace syn::app {
namespace {

const char* kStyle = R"(<style>
body{font-family:system-ui,sans-serif;background:#14141c;color:#e8e8f0;margin:24px;max-width:1150px}
h1{font-size:26px;margin:0 0 4px} h2{font-size:19px;border-bottom:1px solid #3a3a4a;padding-bottom:4px}
h3{font-size:15px;color:#c8c8dc}
section{margin:22px 0} .note{color:#9a9ab0} .warn{color:#ffb060;font-weight:bold}
table{border-collapse:collapse} td,th{padding:3px 8px;text-align:left;font-size:14px}
th{color:#b0b0c8;font-weight:600} .num{text-align:right;font-variant-numeric:tabular-nums}
table.bars .track{width:320px;background:#24242f} table.bars .bar{height:13px;border-radius:2px}
table.bars .label{width:170px} table.bars .value{width:60px;text-align:right}
svg.taggram text{fill:#d0d0e0;font-size:11px}
.cards{display:flex;flex-wrap:wrap;gap:16px} .card{background:#1e1e2a;padding:12px;border-radius:8px;width:250px}
.card img{width:224px;height:224px;image-rendering:pixelated;display:block;margin-bottom:8px}
.prompt{font-style:italic;color:#f0e0c0} .sentence{font-size:20px;color:#f0e0c0}
img.cover{width:512px;max-width:100%;border-radius:4px;display:block}
table.matrix td{text-align:right;min-width:70px}
.row{display:flex;gap:32px;flex-wrap:wrap} .row>section,.row>div{flex:1;min-width:420px;margin-top:0}
table.bars .note{white-space:nowrap;font-size:12px} #cover{flex:0 0 512px}
</style>)";

// How many tags the bar lists show.
constexpr size_t kListed = 14;

std::string img(const std::string& path, const std::string& alt, const std::string& cls = "") {
  return "<img" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + " alt=\"" +
         html_escape(alt) + "\" src=\"" + data_uri_of_file(path, "image/png") + "\">";
}

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

void summary_section(std::ostream& h, const PipelineResult& r) {
  h << "<section id=\"summary\"><h1>Synesthesia: " << html_escape(r.audio)
    << "</h1>\n<p class=\"note\">" << fixed_or_dash(r.duration_seconds, 1) << " s of audio";
  if (!r.window.whole)
    h << "; the sentence, pictures and music character come from its most representative 30 s, "
      << fixed_or_dash(r.window.start_seconds, 1) << "–" << fixed_or_dash(r.window.end_seconds, 1)
      << " s (outlined in the heat map)";
  h << "</p>\n";
  if (!r.input_warning.empty())
    h << "<p class=\"warn\">Not music: " << html_escape(r.input_warning)
      << ". No sentence and no pictures; the cover is neutral grey.</p>\n";
  h << "</section>\n";
}

void tag_sections(std::ostream& h, const PipelineResult& r) {
  h << "<section id=\"taggram\"><h2>Taggram (MagnaTagATune tags over time)</h2>\n"
    << taggram_svg(r.mtt, r.window) << "\n<p class=\"note\">Rows: the 20 most probable of "
    << r.mtt.labels.size() << " tags; colour: probability from 0 (deep blue) to "
    << fixed_or_dash(taggram_peak(r.mtt), 2) << ", the taggram's largest (yellow).</p></section>\n";

  std::vector<WeightedTag> raw = r.raw_tags;
  if (raw.empty())  // not music: the MTT clip tags are all there is
    for (size_t i = 0; i < r.mtt.labels.size(); ++i)
      raw.push_back({r.mtt.labels[i], r.mtt.clip[i]});
  std::stable_sort(raw.begin(), raw.end(), [](const WeightedTag& a, const WeightedTag& b) {
    return a.probability > b.probability;
  });
  std::vector<Bar> bars;
  double top = 0;
  for (size_t i = 0; i < raw.size() && i < kListed; ++i) {
    bars.push_back({raw[i].tag, raw[i].probability, ""});
    top = std::max(top, (double)raw[i].probability);
  }
  h << "<div class=\"row\"><section id=\"top-tags\"><h2>Top tags (both taggers)</h2>\n"
    << bars_html(bars, top, 2, "#f89540") << "</section>\n";

  bars.clear();
  top = 0;
  for (size_t i = 0; i < r.profile.size() && i < kListed; ++i) {
    const ProfileTag& t = r.profile[i];
    bars.push_back({t.tag, t.probability, t.group + " · " + t.source});
    top = std::max(top, (double)t.probability);
  }
  h << "<section id=\"refined\"><h2>Refined profile</h2>\n"
    << (bars.empty() ? "<p class=\"note\">no refined tags</p>"
                     : bars_html(bars, top, 2, "#cc4778"));
  if (r.profile.size() > kListed)
    h << "<p class=\"note\">and " << r.profile.size() - kListed << " less probable tags</p>";
  h << "</section></div>\n";
}

void music_section(std::ostream& h, const PipelineResult& r) {
  h << "<section id=\"music\"><h2>Music character</h2>\n";
  if (!r.input_warning.empty()) {
    h << "<p class=\"note\">not measured: the input is not music</p></section>\n";
    return;
  }
  const MusicCharacter& c = r.character;
  h << "<table><tr><th>tempo</th><td class=\"num\">" << fixed_or_dash(c.tempo_bpm, 1)
    << " BPM (confidence " << fixed_or_dash(c.tempo_confidence, 2) << ")</td></tr>"
    << "<tr><th>loudness</th><td class=\"num\">" << fixed_or_dash(c.loudness_db, 1)
    << " dBFS</td></tr>"
    << "<tr><th>brightness</th><td class=\"num\">" << fixed_or_dash(c.brightness_hz, 0)
    << " Hz spectral centroid</td></tr><tr><th>arousal</th><td class=\"num\">"
    << fixed_or_dash(c.arousal, 2) << "</td></tr><tr><th>valence</th><td class=\"num\">"
    << fixed_or_dash(c.valence, 2) << "</td></tr></table></section>\n";
}

void sentence_section(std::ostream& h, const PipelineResult& r) {
  h << "<section id=\"sentence\"><h2>Sentence</h2>\n";
  if (r.sentence.empty())
    h << "<p class=\"note\">no sentence</p>";
  else
    h << "<p class=\"sentence\">“" << html_escape(r.sentence)
      << "”</p><p class=\"note\">from: " << html_escape(joined(r.caption_tags)) << "</p>";
  h << "</section>\n";
}

void cover_section(std::ostream& h, const PipelineResult& r) {
  h << "<section id=\"cover\"><h2>Cover</h2>\n" << img(r.cover_png.string(), "cover", "cover");
  if (r.input_warning.empty()) {
    const CoverDesign& d = r.design;
    h << "<p class=\"note\">Palette from the mood: hue " << fixed_or_dash(d.palette.hue_deg, 0)
      << "°, saturation " << fixed_or_dash(d.palette.saturation, 2) << ", value "
      << fixed_or_dash(d.palette.value, 2) << "; rhythm from the tempo: " << d.beats
      << " beats, wave amplitude " << fixed_or_dash(d.wave_amplitude, 0)
      << " px; the scene is the sentence picture; the hero is the first motif ("
      << html_escape(
             r.prompt_sets.empty() || r.motif_set().prompts.empty() ? "" : r.motif_set().prompts[0])
      << ").</p>";
  }
  h << "</section>\n";
}

std::string judge_note(const StrategyScores& s) {
  return s.judge_file.empty() ? "no judge (" + html_escape(s.no_judge) + ")"
                              : "judge: " + html_escape(s.judge_file);
}

void picture_sections(std::ostream& h, const PipelineResult& r) {
  h << "<section id=\"pictures\"><h2>The four strategies</h2>\n";
  if (r.image_files.empty()) {
    h << "<p class=\"note\">no pictures</p></section>\n<section id=\"distances\"><h2>Distances "
         "between strategies</h2><p class=\"note\">no "
         "pictures</p></section>\n";
    return;
  }
  const StrategyScores& s = r.scores;
  h << "<p class=\"note\">Prompt fit: the judge's cosine similarity of picture and text, to the "
       "picture's own prompt and to the refined tags “"
    << html_escape(s.refined_text) << "”; — where the judge knows no word of the text. "
    << judge_note(s) << ".</p>\n<div class=\"cards\">\n";
  for (size_t k = 0; k < r.image_files.size() && k < r.prompt_sets.size(); ++k) {
    const PromptSet& set = r.prompt_sets[k];
    const std::string name = prompt_strategy_name(set.strategy);
    h << "<div class=\"card\">"
      << img((r.output_dir / r.image_files[k]).string(), name + " picture") << "<b>"
      << html_escape(name) << "</b><br><span class=\"prompt\">" << html_escape(set.prompts.at(0))
      << "</span>";
    if (set.strategy == PromptStrategy::Motifs) {
      h << "<br><span class=\"note\">motifs:";
      for (const Motif& m : set.motifs)
        h << " " << html_escape(m.caption) << " (" << html_escape(m.trigger) << ");";
      h << "</span>";
    }
    h << "<table><tr><th>fit to prompt</th><td class=\"num\">"
      << fixed_or_dash(k < s.fit_own.size() ? s.fit_own[k] : NAN, 3)
      << "</td></tr><tr><th>fit to refined tags</th><td class=\"num\">"
      << fixed_or_dash(k < s.fit_refined.size() ? s.fit_refined[k] : NAN, 3)
      << "</td></tr></table></div>\n";
  }
  h << "</div></section>\n";

  auto matrix = [&](const DistanceMatrix& m, const char* title) {
    h << "<h3>" << title << "</h3>";
    if (m.empty()) {
      h << "<p class=\"note\">" << judge_note(s) << "</p>";
      return;
    }
    h << "<table class=\"matrix\"><tr><th></th>";
    for (const PromptSet& set : r.prompt_sets)
      h << "<th>" << prompt_strategy_name(set.strategy) << "</th>";
    h << "</tr>";
    for (size_t i = 0; i < m.size() && i < r.prompt_sets.size(); ++i) {
      h << "<tr><th>" << prompt_strategy_name(r.prompt_sets[i].strategy) << "</th>";
      for (double d : m[i]) h << "<td>" << fixed_or_dash(d, 3) << "</td>";
      h << "</tr>";
    }
    h << "</table>\n";
  };
  h << "<section id=\"distances\"><h2>Distances between strategies</h2>\n";
  matrix(s.colour, "Colour (RGB histogram, 0 = same colours, 1 = none in common)");
  matrix(s.content, "Content (1 − cosine of the judge's image features)");
  h << "</section>\n";
}

void timing_section(std::ostream& h, const PipelineResult& r) {
  std::vector<Bar> bars;
  double longest = 0;
  for (const StageTime& t : r.stage_times) {
    bars.push_back({t.stage, t.seconds, "s"});
    longest = std::max(longest, t.seconds);
  }
  h << "<section id=\"timings\"><h2>Stage timings</h2>\n"
    << bars_html(bars, longest, 2, "#7e9cf8") << "<p class=\"note\">total "
    << fixed_or_dash(r.total_seconds(), 2) << " s</p></section>\n";
}

}  // namespace

int report_image_count(const PipelineResult& r) { return (int)r.image_files.size() + 1; }

std::string report_html(const PipelineResult& r) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    << "<meta name=\"synesthesia-report-images\" content=\"" << report_image_count(r) << "\">\n"
    << "<title>Synesthesia report: " << html_escape(r.audio) << "</title>\n"
    << kStyle << "</head><body>\n";
  summary_section(h, r);
  // The cover first, beside what it was made from: the music's character and the sentence.
  h << "<div class=\"row\">";
  cover_section(h, r);
  h << "<div>";
  music_section(h, r);
  sentence_section(h, r);
  h << "</div></div>\n";
  tag_sections(h, r);
  picture_sections(h, r);
  timing_section(h, r);
  h << "</body></html>\n";
  return h.str();
}

void write_report_html(const std::string& path, const PipelineResult& r) {
  io::write_file_atomic(path, report_html(r), "report.html");
}

}  // namespace syn::app
