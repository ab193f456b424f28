// test_metrics.cpp — ROC-AUC and average precision against scikit-learn (fixture:
// tests/reference/gen_metrics.py): binary cases dominated by ties, macro averages over tags,
// and the one-class tags (ROC-AUC NaN, AP 0 or 1); plus answers known by hand and the errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "engine/check.h"
#include "engine/metrics.h"
#include "tests/support/fixtures.h"

using namespace syn;

static double meta_double(const Checkpoint& fx, const std::string& key) {
  auto it = fx.meta.find(key);
  REQUIRE_MESSAGE(it != fx.meta.end(), "fixture has no meta '", key, "'");
  return std::stod(it->second);  // "nan" reads as NaN
}

// Equal to within float rounding (sklearn divides before summing, we after), or both NaN.
static void check_same(double ours, double sklearn, const std::string& what) {
  if (std::isnan(sklearn)) {
    CHECK_MESSAGE(std::isnan(ours), what, ": sklearn gives nan, we give ", ours);
    return;
  }
  CHECK_MESSAGE(std::fabs(ours - sklearn) <= 1e-12, what, ": ours ", ours, " sklearn ", sklearn);
}

TEST_CASE("binary ROC-AUC and average precision equal scikit-learn's, ties included") {
  Checkpoint fx = test::load_fixture("metrics");
  int cases = 0;
  for (const char* name :
       {"ties", "continuous", "all_tied", "perfect", "reversed", "small", "top_tie"}) {
    std::string c = name;
    std::vector<float> s = test::fixture_tensor(fx, c + ".scores").to_vector();
    std::vector<float> y = test::fixture_tensor(fx, c + ".labels").to_vector();
    check_same(roc_auc_score(s, y), meta_double(fx, c + ".roc"), c + " roc");
    check_same(average_precision_score(s, y), meta_double(fx, c + ".ap"), c + " ap");
    ++cases;
  }
  CHECK(cases == 7);
  // The fixture's known answers, as a check on the fixture itself.
  CHECK(meta_double(fx, "perfect.roc") == 1.0);
  CHECK(meta_double(fx, "reversed.roc") == 0.0);
  CHECK(meta_double(fx, "all_tied.roc") == 0.5);
}

TEST_CASE("macro averages over tags equal scikit-learn's (average='macro')") {
  Checkpoint fx = test::load_fixture("metrics");
  for (const char* name : {"ml", "ml_edge"}) {
    std::string c = name;
    Tensor s = test::fixture_tensor(fx, c + ".scores"), y = test::fixture_tensor(fx, c + ".labels");
    MacroMetrics m = multilabel_metrics(s, y);
    REQUIRE(m.roc_auc.size() == (size_t)s.size(1));
    for (int64_t j = 0; j < s.size(1); ++j) {
      check_same(m.roc_auc[(size_t)j], meta_double(fx, c + ".roc." + std::to_string(j)),
                 c + " roc tag " + std::to_string(j));
      check_same(m.average_precision[(size_t)j], meta_double(fx, c + ".ap." + std::to_string(j)),
                 c + " ap tag " + std::to_string(j));
    }
    check_same(m.roc_auc_macro, meta_double(fx, c + ".roc_macro"), c + " roc macro");
    check_same(m.pr_auc_macro, meta_double(fx, c + ".ap_macro"), c + " ap macro");
  }
  // The edge case's one-class tags: as sklearn 1.9, ROC-AUC NaN (so the macro is NaN), AP 0 for
  // no positive and 1 for only positives, both counted in the PR-AUC macro.
  MacroMetrics e = multilabel_metrics(test::fixture_tensor(fx, "ml_edge.scores"),
                                      test::fixture_tensor(fx, "ml_edge.labels"));
  CHECK(std::isnan(e.roc_auc[0]));
  CHECK(std::isnan(e.roc_auc[1]));
  CHECK(std::isnan(e.roc_auc_macro));
  CHECK(e.average_precision[0] == 0.0);
  CHECK(e.average_precision[1] == 1.0);
  CHECK(e.tags_with_both_classes == 2);
  CHECK(std::isfinite(e.pr_auc_macro));
}

TEST_CASE("known answers by hand") {
  // Positives at 0.8, 0.4 (tied with a negative) and 0.35; negatives 0.4 and 0.1.
  // Pairs (pos > neg): 0.8 beats both, 0.4 beats 0.1 and ties 0.4 (½), 0.35 beats 0.1 → 4.5 / 6.
  std::vector<float> s = {0.1f, 0.4f, 0.35f, 0.8f, 0.4f}, y = {0, 0, 1, 1, 1};
  CHECK(roc_auc_score(s, y) == doctest::Approx(4.5 / 6).epsilon(1e-15));
  // Thresholds 0.8: P 1/1, R 1/3; 0.4: P 2/3, R 2/3; 0.35: P 3/4, R 1 → (1 + 2/3 + 3/4) / 3.
  CHECK(average_precision_score(s, y) ==
        doctest::Approx((1.0 + 2.0 / 3 + 0.75) / 3).epsilon(1e-15));
  // All scores tied: one step from (0,0) to (1,1); precision is the positive rate.
  std::vector<float> t = {2, 2, 2, 2}, z = {1, 0, 0, 0};
  CHECK(roc_auc_score(t, z) == 0.5);
  CHECK(average_precision_score(t, z) == 0.25);
}

TEST_CASE("bad inputs are errors") {
  std::vector<float> s = {0.1f, 0.2f}, y = {0, 1};
  CHECK_THROWS_AS(roc_auc_score(s, std::vector<float>{0, 1, 1}), Error);
  CHECK_THROWS_AS(roc_auc_score(std::vector<float>{}, std::vector<float>{}), Error);
  CHECK_THROWS_AS(roc_auc_score(std::vector<float>{0.1f, NAN}, y), Error);
  CHECK_THROWS_AS(average_precision_score(s, std::vector<float>{0, 2}), Error);
  CHECK_THROWS_AS(multilabel_metrics(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})), Error);
  CHECK_THROWS_AS(multilabel_metrics(Tensor::zeros({6}), Tensor::zeros({6})), Error);
}
