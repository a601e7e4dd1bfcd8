#!/usr/bin/python3
"""Parity fixtures for credo.LogisticRegression against scikit-learn 1.2.

Usage: /usr/bin/python3 bench/peers/make_linear_fixtures.py [OUT.json]
(default tests/fixtures/linear_sklearn.json); read by
tests/spec/linear_spec.lua, which needs no Python.

Data: 300 rows x 8 features (standardised normals with two correlated
columns and three irrelevant ones), labels drawn from a logistic model;
a second, imbalanced label vector (about 15 % positives) for class_weight;
sample weights in [0.5, 2].  Each case is one sklearn LogisticRegression
fit at a tight tolerance (newton-cholesky tol 1e-12 for l2 / none, since
sklearn's lbfgs stops on scipy's relative reduction of f first; saga tol 1e-12
for l1, since liblinear penalises the intercept and credo does not), with
its coefficients, intercept, predict_proba on the first 10 rows, and the
max-norm of the gradient (pseudo-gradient for l1) of sklearn 1.2's
objective sum_i s_i logloss_i + P(coef) / C at sklearn's solution: the
fixture's own distance from the optimum, so the spec can scale its
tolerance to it (every case here is far below 1e-4; asserted).
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 20261126


def data():
    rng = np.random.default_rng(SEED)
    n, d = 300, 8
    X = rng.standard_normal((n, d))
    X[:, 1] = 0.8 * X[:, 0] + 0.6 * X[:, 1]          # correlated pair
    X[:, 3] *= 3.0                                     # a wider column
    beta = np.array([1.5, -1.0, 0.8, 0.3, -0.5, 0.0, 0.0, 0.0])
    z = X @ beta + 0.4
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int64)
    y_imb = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta - 2.5)))).astype(np.int64)
    sw = rng.uniform(0.5, 2.0, n)
    return X, y, y_imb, sw


def grad_norm(X, y, s, coef, b, C, penalty, fit_intercept):
    """max-norm of the (pseudo-)gradient of sum s_i logloss + P / C."""
    z = X @ coef + b
    r = s * (1 / (1 + np.exp(-z)) - y)
    g = X.T @ r
    if penalty == "l2":
        g = g + coef / C
    elif penalty == "l1":
        lam = 1.0 / C
        pg = np.where(coef > 0, g + lam, np.where(coef < 0, g - lam,
                      np.where(g + lam < 0, g + lam, np.where(g - lam > 0, g - lam, 0.0))))
        # saga leaves exact zeros only up to its tolerance; a coordinate
        # within 1e-9 of zero counts as zero
        small = np.abs(coef) < 1e-9
        pg = np.where(small, np.where(np.abs(g) <= lam, 0.0, np.abs(g) - lam), pg)
        g = pg
    out = np.max(np.abs(g))
    if fit_intercept:
        out = max(out, abs(r.sum()))
    return float(out)


def case(name, X, y, sw, **kw):
    penalty = kw.get("penalty", "l2")
    C = kw.get("C", 1.0)
    fit_intercept = kw.get("fit_intercept", True)
    cw = kw.get("class_weight")
    if penalty == "l1":
        clf = LogisticRegression(penalty="l1", C=C, solver="saga", tol=1e-12,
                                 max_iter=1000000, fit_intercept=fit_intercept,
                                 class_weight=cw)
    else:
        clf = LogisticRegression(penalty=None if penalty == "none" else "l2", C=C,
                                 solver="newton-cholesky", tol=1e-12, max_iter=1000,
                                 fit_intercept=fit_intercept, class_weight=cw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, y, sample_weight=sw)
    coef = clf.coef_[0]
    b = float(clf.intercept_[0]) if fit_intercept else 0.0
    s = np.ones(len(y)) if sw is None else sw.copy()
    if cw == "balanced":
        counts = np.bincount(y)
        s = s * (len(y) / (2 * counts))[y]
    gn = grad_norm(X, y, s, coef, b, C, penalty, fit_intercept)
    assert gn < 1e-6, (name, gn)
    out = {"name": name, "penalty": penalty, "C": C, "fit_intercept": fit_intercept,
           "class_weight": cw, "sample_weight": sw is not None,
           "labels": "imbalanced" if y is not data.y else "y",
           "coef": coef.tolist(), "intercept": b,
           "proba": clf.predict_proba(X[:10])[:, 1].tolist(),
           "n_iter": int(clf.n_iter_[0]), "grad_norm": gn}
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "tests", "fixtures", "linear_sklearn.json")
    X, y, y_imb, sw = data()
    data.y = y
    cases = [
        case("l2_C0.01", X, y, None, C=0.01),
        case("l2_C1", X, y, None, C=1.0),
        case("l2_C100", X, y, None, C=100.0),
        case("l2_no_intercept", X, y, None, C=1.0, fit_intercept=False),
        case("none", X, y, None, penalty="none"),
        case("l2_sample_weight", X, y, sw, C=0.5),
        case("l2_balanced", X, y_imb, None, C=1.0, class_weight="balanced"),
        case("l2_balanced_sample_weight", X, y_imb, sw, C=2.0, class_weight="balanced"),
        case("l1_C0.05", X, y, None, penalty="l1", C=0.05),
        case("l1_C1", X, y, None, penalty="l1", C=1.0),
        case("l1_sample_weight", X, y, sw, penalty="l1", C=0.1),
    ]
    # sklearn's own defaults (tol 1e-4, max_iter 100) on the same data:
    # the iteration count credo's lbfgs should be near
    clf = LogisticRegression().fit(X, y)
    doc = {
        "source": "scikit-learn %s LogisticRegression" % sklearn.__version__,
        "X": X.tolist(), "y": y.tolist(), "y_imbalanced": y_imb.tolist(),
        "sample_weight": sw.tolist(), "cases": cases,
        "default_fit": {"coef": clf.coef_[0].tolist(), "intercept": float(clf.intercept_[0]),
                        "n_iter": int(clf.n_iter_[0])},
    }
    with open(out_path, "w") as f:
        json.dump(doc, f)
    for c in cases:
        print("%-28s n_iter %6d grad_norm %.2e nonzero %d" % (
            c["name"], c["n_iter"], c["grad_norm"], sum(1 for v in c["coef"] if v != 0)))


if __name__ == "__main__":
    main()
