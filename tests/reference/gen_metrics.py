"""gen_metrics.py — scikit-learn's ROC-AUC and average precision on scores with many ties, and on
the edge cases, as a golden fixture for engine/metrics.h.

Run with the default Python (scikit-learn, numpy):
    pip install scikit-learn   # fixture made with scikit-learn 1.9.1
    python3 tests/reference/gen_metrics.py
Writes tests/fixtures/metrics.synt: for each case "<case>.scores" and "<case>.labels" (float32;
the scores are float32 values, so C++ and sklearn rank exactly the same numbers), and sklearn's
answers as metadata text in full float64 precision ("nan" where sklearn returns nan):
  binary cases:      "<case>.roc", "<case>.ap"
  multi-label cases: "<case>.roc.<tag>", "<case>.ap.<tag>", "<case>.roc_macro", "<case>.ap_macro"
computed as CLMR does (clmr/evaluation.py): roc_auc_score(y, s, average="macro") and
average_precision_score(y, s, average="macro").
"""
import os
import warnings

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score

import synt

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "metrics.synt")
rng = np.random.default_rng(5)


def r(x):
    return repr(float(x))


def main():
    tensors, meta = {}, {"sklearn": sklearn.__version__}
    binary = {
        # 9 distinct score values over 300 examples: nearly every threshold is a tie
        "ties": (np.round(rng.random(300) * 8) / 8, rng.random(300) < 0.3),
        "continuous": (rng.random(257), rng.random(257) < 0.4),
        "all_tied": (np.full(40, 0.5), np.arange(40) % 4 == 0),
        "perfect": (np.arange(20) / 20, np.arange(20) >= 15),
        "reversed": (np.arange(20) / 20, np.arange(20) < 5),
        "small": (np.array([0.1, 0.4, 0.35, 0.8, 0.4]), np.array([0, 0, 1, 1, 1])),
        # ties between a positive and negatives at the top, and a negative score range
        "top_tie": (np.array([0.9, 0.9, 0.9, 0.2, -0.5, -0.5, 0.2, -3.0]),
                    np.array([1, 0, 0, 1, 1, 0, 0, 1])),
    }
    for name, (s, y) in binary.items():
        s = s.astype(np.float32)
        y = y.astype(np.float32)
        tensors[name + ".scores"], tensors[name + ".labels"] = s, y
        meta[name + ".roc"] = r(roc_auc_score(y, s))
        meta[name + ".ap"] = r(average_precision_score(y, s))

    # Multi-label: 400 clips × 10 tags, scores on a 1/20 grid (many ties), positive rates 2%-50%.
    n, t = 400, 10
    rates = np.linspace(0.02, 0.5, t)
    y = (rng.random((n, t)) < rates).astype(np.float32)
    s = np.round(np.clip(0.3 * y + rng.random((n, t)) * 0.7, 0, 1) * 20) / 20
    multilabel = {"ml": (s.astype(np.float32), y)}
    # Edge cases: tag 0 has no positive, tag 1 only positives, tags 2-3 ordinary.
    n = 50
    y = (rng.random((n, 4)) < 0.3).astype(np.float32)
    y[:, 0] = 0
    y[:, 1] = 1
    s = np.round(rng.random((n, 4)) * 10) / 10
    multilabel["ml_edge"] = (s.astype(np.float32), y)
    for name, (s, y) in multilabel.items():
        tensors[name + ".scores"], tensors[name + ".labels"] = s, y
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the edge case's one-class tags warn
            meta[name + ".roc_macro"] = r(roc_auc_score(y, s, average="macro"))
            meta[name + ".ap_macro"] = r(average_precision_score(y, s, average="macro"))
            roc = roc_auc_score(y, s, average=None)
            ap = average_precision_score(y, s, average=None)
        for j in range(s.shape[1]):
            meta["%s.roc.%d" % (name, j)] = r(roc[j])
            meta["%s.ap.%d" % (name, j)] = r(ap[j])
    synt.write(OUT, tensors, meta)
    print("wrote", OUT, os.path.getsize(OUT), "bytes; ml macro ROC-AUC", meta["ml.roc_macro"],
          "PR-AUC", meta["ml.ap_macro"], "; edge", meta["ml_edge.roc_macro"],
          meta["ml_edge.ap_macro"])


if __name__ == "__main__":
    main()
