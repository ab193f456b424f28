// metrics.cpp — see metrics.h. Same construction as sklearn.metrics._ranking's
// _binary_clf_curve: examples sorted by decreasing score, one curve point at the end of each run
// of equal scores, holding the cumulative true and false positives up to that score.
#include "engine/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/check.h"

namespace syn {

namespace {

struct CurvePoint {
  int64_t tp, fp;  // cumulative, at one distinct score
};

std::vector<CurvePoint> binary_curve(std::span<const float> scores, std::span<const float> labels,
                                     const char* what) {
  SYN_CHECK(scores.size() == labels.size(), what, ": ", scores.size(), " scores but ",
            labels.size(), " labels");
  SYN_CHECK(!scores.empty(), what, ": no examples");
  for (size_t i = 0; i < scores.size(); ++i) {
    SYN_CHECK(std::isfinite(scores[i]), what, ": score ", i, " is ", scores[i]);
    SYN_CHECK(labels[i] == 0.0f || labels[i] == 1.0f, what, ": label ", i, " is ", labels[i],
              ", expected 0 or 1");
  }
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<CurvePoint> curve;
  int64_t tp = 0, fp = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    (labels[order[k]] == 1.0f ? tp : fp)++;
    if (k + 1 == order.size() || scores[order[k + 1]] != scores[order[k]])
      curve.push_back({tp, fp});
  }
  return curve;
}

}  // namespace

double roc_auc_score(std::span<const float> scores, std::span<const float> labels) {
  std::vector<CurvePoint> curve = binary_curve(scores, labels, "roc_auc_score");
  const int64_t pos = curve.back().tp, neg = curve.back().fp;
  if (pos == 0 || neg == 0) return std::numeric_limits<double>::quiet_NaN();
  // Twice the area under the unnormalised curve: Σ Δfp · (tp + tp_prev), exact in integers.
  int64_t twice_area = 0;
  CurvePoint prev{0, 0};
  for (const CurvePoint& c : curve) {
    twice_area += (c.fp - prev.fp) * (c.tp + prev.tp);
    prev = c;
  }
  return (double)twice_area / (2.0 * (double)pos * (double)neg);
}

double average_precision_score(std::span<const float> scores, std::span<const float> labels) {
  std::vector<CurvePoint> curve = binary_curve(scores, labels, "average_precision_score");
  const int64_t pos = curve.back().tp;
  if (pos == 0) return 0.0;  // sklearn: recall set to 1 everywhere, so no step contributes
  double sum = 0;
  int64_t prev_tp = 0;
  for (const CurvePoint& c : curve) {
    if (c.tp != prev_tp) sum += (double)(c.tp - prev_tp) * ((double)c.tp / (double)(c.tp + c.fp));
    prev_tp = c.tp;
  }
  return sum / (double)pos;
}

MacroMetrics multilabel_metrics(const Tensor& scores, const Tensor& labels) {
  SYN_CHECK(scores.dim() == 2 && labels.shape() == scores.shape(),
            "multilabel_metrics: scores and labels must both be [N, T], got ", scores.describe(),
            " and ", labels.describe());
  const int64_t n = scores.size(0), t = scores.size(1);
  SYN_CHECK(n > 0 && t > 0, "multilabel_metrics: empty input ", scores.describe());
  std::vector<float> s = scores.to_vector(), y = labels.to_vector();
  MacroMetrics m;
  std::vector<float> col_s((size_t)n), col_y((size_t)n);
  double roc_sum = 0, ap_sum = 0;
  for (int64_t j = 0; j < t; ++j) {
    for (int64_t i = 0; i < n; ++i) {
      col_s[(size_t)i] = s[(size_t)(i * t + j)];
      col_y[(size_t)i] = y[(size_t)(i * t + j)];
    }
    double roc = roc_auc_score(col_s, col_y), ap = average_precision_score(col_s, col_y);
    m.roc_auc.push_back(roc);
    m.average_precision.push_back(ap);
    if (!std::isnan(roc)) ++m.tags_with_both_classes;
    roc_sum += roc;
    ap_sum += ap;
  }
  m.roc_auc_macro = roc_sum / (double)t;
  m.pr_auc_macro = ap_sum / (double)t;
  return m;
}

}  // namespace syn
