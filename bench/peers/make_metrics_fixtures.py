#!/usr/bin/python3
"""Write tests/fixtures/metrics_sklearn.json: scikit-learn 1.2 results for
credo.metrics to match (tests/spec/metrics_spec.lua checks every value to
1e-12), so no Python runs at test time.

Usage: /usr/bin/python3 bench/peers/make_metrics_fixtures.py [OUT.json]

Format: one JSON object.  "_about" records versions, seed and script.
"binary" holds cases (ties, weights, imbalance, all-equal scores, a single
class), "multiclass" cases with 4 classes, "percentile" numpy percentile
values (the bootstrap interval's definition).  Inputs are flat lists (y
integers, scores and weights floats); outputs are numbers or flat lists.
Floats are written with Python's repr (shortest round-trip), so Lua's
tonumber reads the exact float64.  NaN is written as the string "nan".
The KS statistic comes from scipy.stats.ks_2samp (two empirical CDFs), its
threshold from sklearn's roc_curve(drop_intermediate=False) (first maximum
of |tpr - fpr|).  The cost curve has no peer: its grid values are the brute
force minimum over sklearn's ROC points of the Drummond-Holte lines, its
area the trapezoid of that minimum on a 2,000,001-point grid (an
approximation good to ~1e-10, checked at 1e-9).
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

SEED = 20240611


def clean(x):
    """numpy -> JSON-ready Python values (NaN as "nan")."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [clean(v) for v in x.ravel().tolist()]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return "nan" if math.isnan(x) else x
    return x


def cost_reference(fpr, tpr, grid):
    pts_f = np.r_[0.0, fpr, 1.0]
    pts_t = np.r_[0.0, tpr, 1.0]
    nec = np.full(grid.shape, np.inf)
    for F, T in zip(pts_f, pts_t):
        nec = np.minimum(nec, (1 - T) * grid + F * (1 - grid))
    return nec


def binary_case(name, y, s, w):
    c = {"name": name, "y": y, "score": s, "weight": w}
    out = {}
    for tag, sw in (("", None), ("_w", w)):
        if len(np.unique(y)) == 2:
            out["roc_auc" + tag] = skm.roc_auc_score(y, s, sample_weight=sw)
        fpr, tpr, thr = skm.roc_curve(y, s, sample_weight=sw)
        out["roc_fpr" + tag], out["roc_tpr" + tag], out["roc_thr" + tag] = fpr, tpr, thr
        fpr, tpr, thr = skm.roc_curve(y, s, sample_weight=sw, drop_intermediate=False)
        out["rocall_fpr" + tag], out["rocall_tpr" + tag], out["rocall_thr" + tag] = fpr, tpr, thr
        p, r, t = skm.precision_recall_curve(y, s, sample_weight=sw)
        out["pr_precision" + tag], out["pr_recall" + tag], out["pr_thr" + tag] = p, r, t
        out["average_precision" + tag] = skm.average_precision_score(y, s, sample_weight=sw)
        out["pr_auc" + tag] = skm.auc(r, p)
        p0, r0, _ = skm.precision_recall_curve(y, s, pos_label=0, sample_weight=sw)
        out["average_precision_pos0" + tag] = skm.average_precision_score(
            y, s, pos_label=0, sample_weight=sw)
        out["brier" + tag] = skm.brier_score_loss(y, s, sample_weight=sw)
        if len(np.unique(y)) == 2:
            out["log_loss" + tag] = skm.log_loss(y, s, sample_weight=sw)
            out["log_loss_eps15" + tag] = skm.log_loss(y, s, sample_weight=sw, eps=1e-15)
        yp = (s >= 0.5).astype(np.int64)
        out["accuracy" + tag] = skm.accuracy_score(y, yp, sample_weight=sw)
        out["balanced_accuracy" + tag] = skm.balanced_accuracy_score(y, yp, sample_weight=sw)
        for avg in ("binary", "micro", "macro", "weighted"):
            p, r, f, _ = skm.precision_recall_fscore_support(
                y, yp, average=avg, sample_weight=sw, zero_division=0)
            out["precision_%s%s" % (avg, tag)] = p
            out["recall_%s%s" % (avg, tag)] = r
            out["f1_%s%s" % (avg, tag)] = f
        out["f1_pos0" + tag] = skm.f1_score(y, yp, pos_label=0, sample_weight=sw)
        out["fbeta2" + tag] = skm.fbeta_score(y, yp, beta=2.0, sample_weight=sw)
        out["confusion" + tag] = skm.confusion_matrix(y, yp, sample_weight=sw)
        out["report" + tag] = skm.classification_report(y, yp, sample_weight=sw, digits=4)
    if len(np.unique(y)) == 2:
        fpr, tpr, thr = skm.roc_curve(y, s, drop_intermediate=False)
        d = np.abs(tpr - fpr)
        k = int(np.argmax(d))
        out["ks"] = scipy.stats.ks_2samp(s[y == 1], s[y == 0]).statistic
        out["ks_rates"] = d[k]
        out["ks_threshold"] = thr[k]
        out["gini"] = 2 * skm.roc_auc_score(y, s) - 1
        for tag, sw in (("", None), ("_w", w)):
            fpr, tpr, _ = skm.roc_curve(y, s, sample_weight=sw)
            grid = np.linspace(0, 1, 101)
            out["cost_nec" + tag] = cost_reference(fpr, tpr, grid)
            fine = np.linspace(0, 1, 2000001)
            out["cost_area" + tag] = np.trapz(cost_reference(fpr, tpr, fine), fine)
    for strategy in ("uniform", "quantile"):
        for nb in (5, 10):
            pt, pp = calibration_curve(y, s, n_bins=nb, strategy=strategy)
            out["calib_%s_%d_true" % (strategy, nb)] = pt
            out["calib_%s_%d_pred" % (strategy, nb)] = pp
    yp = (s >= 0.5).astype(np.int64)
    c["y_pred"] = yp
    c["out"] = out
    return c


def multiclass_case(rng, n, k):
    y = rng.integers(0, k, n)
    # a mediocre classifier: right 60 % of the time, else uniform
    yp = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    logits = rng.standard_normal((n, k)) + 1.5 * np.eye(k)[y]
    P = np.exp(logits)
    P /= P.sum(axis=1, keepdims=True)
    P = np.round(P, 6)
    w = np.round(rng.random(n) * 2, 3)
    c = {"name": "multiclass", "k": k, "y": y, "y_pred": yp, "proba": P, "weight": w}
    out = {}
    for tag, sw in (("", None), ("_w", w)):
        out["accuracy" + tag] = skm.accuracy_score(y, yp, sample_weight=sw)
        out["balanced_accuracy" + tag] = skm.balanced_accuracy_score(y, yp, sample_weight=sw)
        out["balanced_accuracy_adj" + tag] = skm.balanced_accuracy_score(
            y, yp, sample_weight=sw, adjusted=True)
        for avg in ("micro", "macro", "weighted"):
            p, r, f, _ = skm.precision_recall_fscore_support(
                y, yp, average=avg, sample_weight=sw)
            out["precision_%s%s" % (avg, tag)] = p
            out["recall_%s%s" % (avg, tag)] = r
            out["f1_%s%s" % (avg, tag)] = f
            p, r, f, _ = skm.precision_recall_fscore_support(
                y, yp, average=avg, labels=[2, 0], sample_weight=sw)
            out["precision_%s_sub%s" % (avg, tag)] = p
            out["f1_%s_sub%s" % (avg, tag)] = f
        p, r, f, s = skm.precision_recall_fscore_support(y, yp, average=None, sample_weight=sw)
        out["precision_none" + tag], out["recall_none" + tag] = p, r
        out["f1_none" + tag], out["support_none" + tag] = f, s
        out["confusion" + tag] = skm.confusion_matrix(y, yp, sample_weight=sw)
        out["confusion_sub" + tag] = skm.confusion_matrix(y, yp, labels=[3, 1],
                                                          sample_weight=sw)
        for nm in ("true", "pred", "all"):
            out["confusion_%s%s" % (nm, tag)] = skm.confusion_matrix(
                y, yp, normalize=nm, sample_weight=sw)
        out["log_loss" + tag] = skm.log_loss(y, P, sample_weight=sw)
        out["report" + tag] = skm.classification_report(
            y, yp, sample_weight=sw, target_names=["bad", "good", "ugly", "other"])
        out["report_sub" + tag] = skm.classification_report(
            y, yp, labels=[2, 0], sample_weight=sw)
    c["out"] = out
    return c


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "tests", "fixtures", "metrics_sklearn.json")
    path = os.path.normpath(path)
    rng = np.random.default_rng(SEED)
    cases = []
    # the sklearn docstring example
    cases.append(binary_case("doc", np.array([0, 0, 1, 1]),
                             np.array([0.1, 0.4, 0.35, 0.8]), np.array([1.0, 2.0, 0.5, 1.0])))
    # heavy ties (scores on a 0.05 grid), some zero weights
    n = 200
    y = (rng.random(n) < 0.35).astype(np.int64)
    s = np.round(np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1) * 20) / 20
    w = np.round(rng.random(n) * 3, 2)
    w[::17] = 0.0
    cases.append(binary_case("ties", y, s, w))
    # imbalanced: 5 % positives, continuous scores
    n = 600
    y = (rng.random(n) < 0.05).astype(np.int64)
    z = rng.standard_normal(n) + 1.2 * y
    s = np.round(1 / (1 + np.exp(-(z - 2))), 9)
    w = np.round(0.5 + rng.random(n), 4)
    cases.append(binary_case("imbalanced", y, s, w))
    # every score equal
    n = 50
    y = (rng.random(n) < 0.5).astype(np.int64)
    cases.append(binary_case("all_equal", y, np.full(n, 0.3), np.round(rng.random(n) + 0.1, 3)))
    # only negatives in y_true (AUC undefined; curves and AP defined)
    n = 30
    cases.append(binary_case("only_negative", np.zeros(n, dtype=np.int64),
                             np.round(rng.random(n), 3), np.round(rng.random(n) + 0.1, 3)))
    # extreme probabilities (log loss clipping)
    y = np.array([0, 1, 1, 0, 1, 0])
    s = np.array([0.0, 1.0, 1e-17, 1.0 - 1e-17, 0.999999999, 1e-300])
    cases.append(binary_case("extreme", y, s, np.array([1.0, 1, 1, 1, 2, 3])))
    mc = multiclass_case(rng, 300, 4)
    values = np.round(rng.standard_normal(997), 6)
    pct = {"values": values, "q": [0.0, 2.5, 25.0, 50.0, 97.5, 100.0],
           "out": np.percentile(values, [0.0, 2.5, 25.0, 50.0, 97.5, 100.0])}
    doc = {"_about": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                      "scipy": scipy.__version__, "seed": SEED,
                      "script": "bench/peers/make_metrics_fixtures.py"},
           "binary": cases, "multiclass": mc, "percentile": pct}
    with open(path, "w") as f:
        json.dump(clean(doc), f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


if __name__ == "__main__":
    main()
