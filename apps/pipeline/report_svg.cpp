// report_svg.cpp — see report_svg.h.
#include "apps/pipeline/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "apps/pipeline/html_text.h"
#include "engine/check.h"

namespace syn::app {

std::string heat_colour(double p) {
  static const double stops[5][3] = {{0x0d, 0x08, 0x87},
                                     {0x7e, 0x03, 0xa8},
                                     {0xcc, 0x47, 0x78},
                                     {0xf8, 0x95, 0x40},
                                     {0xf0, 0xf9, 0x21}};
  p = std::isfinite(p) ? std::clamp(p, 0.0, 1.0) : 0.0;
  const double x = p * 4;
  const int i = std::min(3, (int)std::floor(x));
  const double t = x - i;
  char out[8];
  int c[3];
  for (int k = 0; k < 3; ++k)
    c[k] = (int)std::lround(stops[i][k] + t * (stops[i + 1][k] - stops[i][k]));
  std::snprintf(out, sizeof out, "#%02x%02x%02x", c[0], c[1], c[2]);
  return out;
}

double taggram_peak(const TagResult& tags) {
  double peak = 0;
  for (const auto& row : tags.taggram)
    for (float p : row)
      if (std::isfinite(p)) peak = std::max(peak, (double)p);
  return peak > 0 ? peak : 1.0;
}

std::string taggram_svg(const TagResult& tags, const TagWindow& window, size_t rows,
                        size_t max_columns) {
  SYN_CHECK(rows >= 1 && max_columns >= 1, "taggram_svg: rows and max_columns must be positive");
  const size_t chunks = tags.taggram.size(), labels = tags.labels.size();
  if (chunks == 0 || labels == 0) return "<p class=\"note\">no taggram</p>";
  for (const auto& row : tags.taggram)
    SYN_CHECK(row.size() == labels, "taggram_svg: a taggram row has ", row.size(), " values for ",
              labels, " tags");
  // The rows: the most probable tags of the clip.
  std::vector<size_t> order(labels);
  for (size_t i = 0; i < labels; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tags.clip[a] > tags.clip[b]; });
  order.resize(std::min(rows, labels));
  const size_t group = (chunks + max_columns - 1) / max_columns;
  const double peak = taggram_peak(tags);
  const size_t columns = (chunks + group - 1) / group;

  const double label_w = 150, plot_w = 720, cell_h = 14, axis_h = 28;
  const double cell_w = plot_w / (double)columns, plot_h = cell_h * (double)order.size();
  const double end_time = tags.chunk_end.empty() ? (double)chunks : tags.chunk_end.back();
  std::ostringstream svg;
  svg << std::fixed << std::setprecision(2);
  svg << "<svg class=\"taggram\" xmlns=\"http://www.w3.org/2000/svg\" width=\""
      << label_w + plot_w + 10 << "\" height=\"" << plot_h + axis_h
      << "\" role=\"img\" aria-label=\"taggram heat map\">\n";
  for (size_t r = 0; r < order.size(); ++r) {
    const size_t tag = order[r];
    svg << "<text x=\"" << label_w - 6 << "\" y=\"" << cell_h * (double)r + cell_h - 3
        << "\" text-anchor=\"end\">" << html_escape(tags.labels[tag]) << "</text>";
    for (size_t c = 0; c < columns; ++c) {
      double sum = 0;
      size_t n = 0;
      for (size_t k = c * group; k < std::min(chunks, (c + 1) * group); ++k, ++n)
        sum += tags.taggram[k][tag];
      svg << "<rect x=\"" << label_w + cell_w * (double)c << "\" y=\"" << cell_h * (double)r
          << "\" width=\"" << cell_w + 0.05 << "\" height=\"" << cell_h << "\" fill=\""
          << heat_colour(n ? sum / (double)n / peak : 0) << "\"/>";
    }
    svg << "\n";
  }
  auto x_of = [&](double seconds) { return label_w + plot_w * seconds / std::max(end_time, 1e-9); };
  if (!window.whole)
    svg << "<rect class=\"window\" x=\"" << x_of(window.start_seconds) << "\" y=\"0\" width=\""
        << x_of(window.end_seconds) - x_of(window.start_seconds) << "\" height=\"" << plot_h
        << "\" fill=\"none\" stroke=\"#ffffff\" stroke-width=\"2\"/>\n";
  // Time axis: about six ticks at a round step.
  const double raw_step = end_time / 6;
  double step = 1;
  for (double s : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0})
    if (s >= raw_step) {
      step = s;
      break;
    }
  if (raw_step > 1200) step = std::ceil(raw_step / 600) * 600;
  for (double t = 0; t <= end_time + 1e-9; t += step)
    svg << "<line x1=\"" << x_of(t) << "\" x2=\"" << x_of(t) << "\" y1=\"" << plot_h << "\" y2=\""
        << plot_h + 5 << "\" stroke=\"#aaa\"/><text x=\"" << x_of(t) << "\" y=\"" << plot_h + 18
        << "\" text-anchor=\"middle\">" << (long)std::lround(t) << " s</text>";
  svg << "\n</svg>";
  return svg.str();
}

std::string bars_html(const std::vector<Bar>& bars, double max_value, int decimals,
                      const std::string& colour) {
  std::ostringstream out;
  out << "<table class=\"bars\">\n";
  for (const Bar& b : bars) {
    const double share = max_value > 0 && std::isfinite(b.value)
                             ? std::clamp(b.value / max_value, 0.0, 1.0) * 100
                             : 0.0;
    out << "<tr><td class=\"label\">" << html_escape(b.label)
        << "</td><td class=\"track\"><div class=\"bar\" style=\"width:" << fixed_or_dash(share, 1)
        << "%;background:" << html_escape(colour) << "\"></div></td><td class=\"value\">"
        << fixed_or_dash(b.value, decimals) << "</td><td class=\"note\">" << html_escape(b.note)
        << "</td></tr>\n";
  }
  out << "</table>";
  return out.str();
}

}  // namespace syn::app
