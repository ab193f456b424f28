// metrics.h — ranking metrics of multi-label taggers: ROC-AUC and average precision (PR-AUC),
// per tag and macro-averaged, computed exactly as scikit-learn computes them, since CLMR reports
// sklearn.metrics.roc_auc_score(average="macro") and average_precision_score(average="macro")
// over the 50 MagnaTagATune tags (clmr/evaluation.py).
//
//   ROC-AUC: the trapezoid rule over the ROC curve's points at each *distinct* score (tied scores
//            form one step, i.e. a diagonal segment), = P(score+ > score−) + ½ P(score+ = score−).
//   Average precision: Σ_k (R_k − R_{k−1}) · P_k over the distinct scores in decreasing order —
//            the step-wise sum, not an interpolated area.
// Counts are accumulated as integers, so ties are exact and the result differs from
// scikit-learn's only by float rounding (≈1e-16).
//
// Tags whose test labels are all one class, as scikit-learn 1.9 handles them:
//   ROC-AUC is undefined: NaN (sklearn warns "Only one class is present in y_true" and returns
//            nan; older releases raised ValueError), so the macro average is NaN too;
//   average precision with no positive is 0 (sklearn sets recall to 1 at every threshold), with
//            only positives 1; both count in the macro average.
// MacroMetrics also reports how many tags were defined, so callers can say why a mean is NaN.
// NaN or infinite scores, and labels other than 0/1, are errors.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "engine/tensor.h"

namespace syn {

// One binary problem: scores[i] for example i, labels[i] ∈ {0, 1}.
double roc_auc_score(std::span<const float> scores, std::span<const float> labels);
double average_precision_score(std::span<const float> scores, std::span<const float> labels);

struct MacroMetrics {
  std::vector<double> roc_auc;            // per tag (NaN where undefined)
  std::vector<double> average_precision;  // per tag
  double roc_auc_macro = 0;               // unweighted mean over tags (NaN if any tag is NaN)
  double pr_auc_macro = 0;                // unweighted mean of average precision over tags
  int64_t tags_with_both_classes = 0;     // tags where ROC-AUC is defined
};

// scores and labels [N, T] (N examples, T tags), on any device.
MacroMetrics multilabel_metrics(const Tensor& scores, const Tensor& labels);

}  // namespace syn
