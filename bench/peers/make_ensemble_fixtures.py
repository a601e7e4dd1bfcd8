#!/usr/bin/python3
"""Parity fixtures for credo.ensemble's voting against scikit-learn 1.2.

Usage: /usr/bin/python3 bench/peers/make_ensemble_fixtures.py [OUT.json]
(default tests/fixtures/ensemble_sklearn.json).

sklearn's VotingClassifier only combines estimators, so each base model here
is a `Fixed` classifier that returns a given probability matrix (row i of X
holds the row number i): VotingClassifier clones and fits them, then
predict / predict_proba combine exactly the given columns.  Fixed.predict is
argmax of its probabilities (sklearn's rule, first maximum on ties), which
is what hard voting counts.

Cases (read by tests/spec/ensemble_spec.lua, which needs no Python): binary
and 3-class problems, with and without weights, probabilities drawn from a
seeded numpy generator and rounded to 3 decimals (so ties among votes and
among averaged probabilities occur and the tie rule is exercised), plus a
hand-made hard-voting tie case.  For each: the probability matrices, the
labels, the weights (or null), sklearn's soft predict_proba, soft predict
and hard predict.
"""
import json
import sys

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import VotingClassifier


class Fixed(BaseEstimator, ClassifierMixin):
    """A classifier whose probabilities are given: row X[i, 0] of `proba`."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.asarray(self.proba)[X[:, 0].astype(int)]

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def case(name, probas, y, weights):
    n = len(y)
    X = np.arange(n, dtype=float).reshape(-1, 1)
    ests = [("m%d" % k, Fixed(p)) for k, p in enumerate(probas)]
    soft = VotingClassifier(ests, voting="soft", weights=weights).fit(X, y)
    hard = VotingClassifier(ests, voting="hard", weights=weights).fit(X, y)
    return {
        "name": name,
        "probas": [np.asarray(p).tolist() for p in probas],
        "y": [int(v) for v in y],
        "weights": weights,
        "soft_proba": soft.predict_proba(X).tolist(),
        "soft_predict": [int(v) for v in soft.predict(X)],
        "hard_predict": [int(v) for v in hard.predict(X)],
    }


def random_probas(rng, n, c, k):
    out = []
    for _ in range(k):
        raw = rng.dirichlet(np.ones(c), size=n).round(3)
        raw[:, -1] = 1.0 - raw[:, :-1].sum(axis=1)   # rows sum to 1 after rounding
        out.append(np.round(raw, 3))
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/ensemble_sklearn.json"
    rng = np.random.default_rng(20261126)
    cases = []
    n = 40
    yb = np.concatenate([np.zeros(n // 2, int), np.ones(n // 2, int)])
    pb = random_probas(rng, n, 2, 4)
    cases.append(case("binary_unweighted", pb, yb, None))
    cases.append(case("binary_weighted", pb, yb, [0.5, 2.0, 1.0, 0.25]))
    y3 = np.arange(n) % 3
    p3 = random_probas(rng, n, 3, 5)
    cases.append(case("multiclass_unweighted", p3, y3, None))
    cases.append(case("multiclass_weighted", p3, y3, [1.0, 3.0, 0.5, 2.0, 1.5]))
    # hard-voting ties: two models vote 0, two vote 1 -> the smaller label;
    # three classes, one vote each -> label 0
    tie2 = [[[0.9, 0.1]] * 2, [[0.8, 0.2]] * 2, [[0.3, 0.7]] * 2, [[0.4, 0.6]] * 2]
    cases.append(case("binary_tie", tie2, np.array([0, 1]), None))
    tie3 = [[[0.6, 0.3, 0.1]] * 3, [[0.1, 0.6, 0.3]] * 3, [[0.2, 0.2, 0.6]] * 3]
    cases.append(case("multiclass_tie", tie3, np.array([0, 1, 2]), None))
    with open(out, "w") as f:
        json.dump({"sklearn": __import__("sklearn").__version__, "cases": cases}, f)
        f.write("\n")
    print("wrote", out, len(cases), "cases")


if __name__ == "__main__":
    main()
