// linear_evaluation.h — CLMR's linear evaluation on MagnaTagATune, behind apps/linear_evaluation
// and its test: config → dataset and audio cache → frozen encoder → chunk features → tag head
// (trained, or loaded) → test-set clip predictions (mean of chunk sigmoids) → macro ROC-AUC and
// PR-AUC. The protocol follows Spijkervet/CLMR linear_evaluation.py and clmr/evaluation.py;
// where we differ it is said in config/linear_evaluation.yaml and apps/pipeline/tag_head.h.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/metrics.h"

namespace syn::app {

struct LinearEvaluationResult {
  std::vector<std::string> tags;
  MacroMetrics test;  // per tag and macro, over test clips
  int64_t train_clips = 0, valid_clips = 0, test_clips = 0;
  int64_t test_chunks = 0;
  int64_t epochs = 0, best_epoch = 0;  // 0 when the head was loaded, not trained
  std::string head_path;               // the head used (saved here when trained)
  std::string results_path;            // JSON with everything above
};

LinearEvaluationResult run_linear_evaluation(const Config& cfg, std::ostream& log);

}  // namespace syn::app
