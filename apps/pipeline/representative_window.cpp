// representative_window.cpp — see representative_window.h for the rule and why.
#include "apps/pipeline/representative_window.h"

#include <cmath>
#include <limits>

#include "engine/check.h"

namespace syn::app {

TagWindow representative_window(const TagResult& a, const TagResult& b, size_t count) {
  SYN_CHECK(count > 0, "representative_window: the window needs at least one chunk");
  SYN_CHECK(a.taggram.size() == b.taggram.size(), "representative_window: the models gave ",
            a.taggram.size(), " and ", b.taggram.size(), " chunks for the same audio");
  const size_t rows = a.taggram.size();
  TagWindow w;
  w.count = std::min(count, rows);
  w.whole = rows <= count;
  if (!w.whole) {
    // Sliding sums over both models' rows; the distance of each window's mean to the clip's.
    const size_t ta = a.clip.size(), tb = b.clip.size();
    std::vector<double> sum(ta + tb, 0.0), target(ta + tb);
    for (size_t j = 0; j < ta; ++j) target[j] = a.clip[j];
    for (size_t j = 0; j < tb; ++j) target[ta + j] = b.clip[j];
    auto add = [&](size_t row, double sign) {
      for (size_t j = 0; j < ta; ++j) sum[j] += sign * a.taggram[row][j];
      for (size_t j = 0; j < tb; ++j) sum[ta + j] += sign * b.taggram[row][j];
    };
    for (size_t i = 0; i < count; ++i) add(i, 1.0);
    double best = std::numeric_limits<double>::infinity();
    for (size_t first = 0; first + count <= rows; ++first) {
      if (first > 0) add(first - 1, -1.0), add(first + count - 1, 1.0);
      double d = 0;
      for (size_t j = 0; j < sum.size(); ++j) d += std::fabs(sum[j] / (double)count - target[j]);
      if (d < best) best = d, w.first = first;
    }
  }
  if (rows > 0) {
    w.start_seconds = a.chunk_start[w.first];
    w.end_seconds = a.chunk_end[w.first + w.count - 1];
  }
  return w;
}

TagResult window_of(const TagResult& r, const TagWindow& w) {
  if (w.whole) return r;
  SYN_CHECK(w.first + w.count <= r.taggram.size(), "window_of: rows ", w.first, "..",
            w.first + w.count, " are outside the taggram's ", r.taggram.size());
  TagResult out = r;
  out.taggram.assign(r.taggram.begin() + (long)w.first,
                     r.taggram.begin() + (long)(w.first + w.count));
  out.chunk_start.assign(r.chunk_start.begin() + (long)w.first,
                         r.chunk_start.begin() + (long)(w.first + w.count));
  out.chunk_end.assign(r.chunk_end.begin() + (long)w.first,
                       r.chunk_end.begin() + (long)(w.first + w.count));
  for (size_t j = 0; j < out.clip.size(); ++j) {
    double s = 0;
    for (const auto& row : out.taggram) s += row[j];
    out.clip[j] = (float)(s / (double)out.taggram.size());
  }
  out.duration_seconds = w.end_seconds - w.start_seconds;
  return out;
}

}  // namespace syn::app
