// report_svg.h — the charts of report.html (report_html.h), drawn as inline SVG and plain HTML/CSS
// so the report needs no JavaScript and no file beside it.
//
//   taggram heat map  rows: the `rows` tags with the highest clip probability (most probable on
//                     top), columns: the taggram's chunks in time order, averaged in groups of
//                     ⌈chunks / max_columns⌉ when there are more than max_columns; each cell's
//                     colour is heat_colour(probability / peak), peak = taggram_peak() (tag
//                     probabilities are mostly low: on an absolute scale they would all look
//                     alike); the summary window (representative_window.h) is outlined when it
//                     is not the whole clip; a time axis in seconds below.
//   heat_colour       p ∈ [0, 1] (clamped) along five stops: 0 #0d0887 (deep blue), 0.25 #7e03a8,
//                     0.5 #cc4778, 0.75 #f89540, 1 #f0f921 (yellow), linear in RGB between them
//   bars              one row per item: the label, a bar of width value / max_value of the track,
//                     and the value printed with `decimals` decimals
#pragma once
#include <string>
#include <vector>

#include "apps/pipeline/representative_window.h"
#include "apps/pipeline/tagger.h"

namespace syn::app {

std::string heat_colour(double p);  // "#rrggbb"
// The largest probability of the taggram (1 when it is empty or all zero).
double taggram_peak(const TagResult& tags);

std::string taggram_svg(const TagResult& tags, const TagWindow& window, size_t rows = 20,
                        size_t max_columns = 240);

struct Bar {
  std::string label;
  double value = 0;
  std::string note;  // optional text after the value (e.g. a tag's group)
};
std::string bars_html(const std::vector<Bar>& bars, double max_value, int decimals,
                      const std::string& colour);

}  // namespace syn::app
