// report_html.h — report.html, the pipeline's human-readable record of one clip: one
// self-contained file beside the outputs (the PNGs base64-embedded as data URIs, the charts inline
// SVG and HTML/CSS; no JavaScript, nothing fetched), written through engine/io/safe_file.h.
//
// Sections, in this order, each a <section id="..."> (tests look for the ids):
//   summary    the audio file, its length, the summary window, the input warning when not music
//   cover      the cover and its design parameters (cover_design.h), beside
//   music      tempo, loudness, brightness, arousal, valence (music_character.h) and
//   sentence   the generated sentence and the tags it was decoded from
//   taggram    the MTT taggram of the whole clip as a heat map over time (report_svg.h)
//   top-tags   the raw tags of both taggers (the raw strategy's input) as bars, top 14, beside
//   refined    the refined profile's top 14 (group, probability as a bar, the source that gave it)
//   pictures   the four strategy pictures, each with its prompt(s), the judge's fit to its own
//              prompt and to the refined tags (picture_judge.h), or "no judge" and why
//   distances  colour and content distances between the strategies' pictures (picture_distances.h)
//   timings    the stage times (stage_log.h) as a table with bars
// The cover comes first so that a screenshot of the page's top (tests/test_report_html.sh) shows
// it at its size.
// Not music: summary (with the warning), taggram, top-tags, refined, cover, timings; the other
// sections say there is nothing to show. All text from models, files and users is escaped.
// The <img> count is report_image_count(r): the four strategy pictures and the cover (music), the
// cover alone (not music); the file records it in <meta name="synesthesia-report-images">, and
// every <img> has a data:image/png;base64 source.
#pragma once
#include <string>

#include "apps/pipeline/pipeline.h"

namespace syn::app {

int report_image_count(const PipelineResult& result);
// The HTML text; reads the pictures named in `result` (image_files, cover_png) from disk.
std::string report_html(const PipelineResult& result);
// report_html written atomically to `path` (errors name report.html and the path).
void write_report_html(const std::string& path, const PipelineResult& result);

}  // namespace syn::app
