#!/usr/bin/python3
"""Parity fixtures for credo.KNeighborsClassifier against scikit-learn 1.2.

Usage: /usr/bin/python3 bench/peers/make_knn_fixtures.py [OUT_DIR]
(default tests/fixtures).  Writes three files, read by
tests/spec/knn_spec.lua (which needs no Python):

- knn_lowdim.json: 240 training rows x 5 features, 3 classes, 60 test rows
  (values rounded to 4 decimals, so both sides read the same doubles;
  distances have no ties).  For algorithm brute and kd_tree, metric
  euclidean and manhattan: sklearn's kneighbors indices (0-based) and
  distances at k = 7; for each metric and weights uniform / distance:
  predict_proba and predict.
- knn_highdim.json: 300 x 30, 2 classes, 40 test rows, k = 5, algorithm
  "auto" (sklearn picks brute): indices, distances, probabilities.
- knn_ties.json: integer features in {0, 1, 2} (3 features, 80 rows, 2
  classes) and 30 test rows from the same grid, so many distances tie
  exactly and some are 0 (the distance-weight special case).  For brute
  force with both metrics, k = 6: sklearn's indices, distances and
  probabilities, plus "tie_order_by_index": whether sklearn's output lists
  tied neighbours in increasing index order in every row (the rule credo
  documents) and "tie_set_equal_lowest": whether sklearn kept, at the k-th
  distance, the lowest indices.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.neighbors import KNeighborsClassifier


def rows(a):
    return [[float(v) for v in r] for r in a]


def ints(a):
    return [[int(v) for v in r] for r in a]


def fit(X, y, **kw):
    return KNeighborsClassifier(**kw).fit(X, y)


def lowdim():
    rng = np.random.RandomState(0)
    X = np.round(rng.normal(size=(300, 5)), 4)
    y = ((X[:, 0] + 0.5 * X[:, 1] ** 2 - X[:, 2] > 0).astype(int)
         + (X[:, 3] > 0.8).astype(int))
    Xtr, ytr, Xte = X[:240], y[:240], X[240:]
    out = {"sklearn": sklearn.__version__, "k": 7, "X_train": rows(Xtr),
           "y_train": [int(v) for v in ytr], "X_test": rows(Xte), "search": {}, "vote": {}}
    for algo in ("brute", "kd_tree"):
        for metric in ("euclidean", "manhattan"):
            m = fit(Xtr, ytr, n_neighbors=7, algorithm=algo, metric=metric)
            d, i = m.kneighbors(Xte)
            out["search"][algo + "_" + metric] = {"indices": ints(i), "distances": rows(d)}
    for metric in ("euclidean", "manhattan"):
        for w in ("uniform", "distance"):
            m = fit(Xtr, ytr, n_neighbors=7, algorithm="brute", metric=metric, weights=w)
            out["vote"][metric + "_" + w] = {"proba": rows(m.predict_proba(Xte)),
                                             "predict": [int(v) for v in m.predict(Xte)]}
    return out


def highdim():
    rng = np.random.RandomState(1)
    X = np.round(rng.normal(size=(340, 30)), 4)
    y = (X[:, :10].sum(axis=1) > 0).astype(int)
    Xtr, ytr, Xte = X[:300], y[:300], X[300:]
    m = fit(Xtr, ytr, n_neighbors=5)
    d, i = m.kneighbors(Xte)
    return {"sklearn": sklearn.__version__, "k": 5, "algorithm": m._fit_method,
            "X_train": rows(Xtr), "y_train": [int(v) for v in ytr], "X_test": rows(Xte),
            "indices": ints(i), "distances": rows(d), "proba": rows(m.predict_proba(Xte))}


def ties():
    rng = np.random.RandomState(2)
    X = rng.randint(0, 3, size=(110, 3)).astype(float)
    y = (X.sum(axis=1) + rng.randint(0, 2, size=110) > 3).astype(int)
    y[:2] = [0, 1]
    Xtr, ytr, Xte = X[:80], y[:80], X[80:]
    out = {"sklearn": sklearn.__version__, "k": 6, "X_train": rows(Xtr),
           "y_train": [int(v) for v in ytr], "X_test": rows(Xte), "cases": {}}
    for metric in ("euclidean", "manhattan"):
        m = fit(Xtr, ytr, n_neighbors=6, algorithm="brute", metric=metric)
        d, i = m.kneighbors(Xte)
        # the rule credo documents: sort by (distance, index) over all rows
        full = m.kneighbors(Xte, n_neighbors=len(Xtr))
        by_index = True
        lowest = True
        for r in range(len(Xte)):
            pairs = list(zip(np.round(d[r], 9), i[r]))
            by_index &= pairs == sorted(pairs)
            ref = sorted(zip(np.round(full[0][r], 9), full[1][r]))[:6]
            lowest &= [p[1] for p in ref] == list(i[r])
        mw = fit(Xtr, ytr, n_neighbors=6, algorithm="brute", metric=metric, weights="distance")
        out["cases"][metric] = {
            "indices": ints(i), "distances": rows(d),
            "proba_uniform": rows(m.predict_proba(Xte)),
            "proba_distance": rows(mw.predict_proba(Xte)),
            "tie_order_by_index": bool(by_index), "tie_set_equal_lowest": bool(lowest)}
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
    for name, fn in (("knn_lowdim", lowdim), ("knn_highdim", highdim), ("knn_ties", ties)):
        path = os.path.join(out_dir, name + ".json")
        with open(path, "w") as f:
            json.dump(fn(), f, separators=(",", ":"))
        print("wrote", path)


if __name__ == "__main__":
    main()
