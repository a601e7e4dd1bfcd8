#!/usr/bin/python3
"""Parity fixtures for credo's trees and forests against scikit-learn 1.2.

Usage: /usr/bin/python3 bench/peers/make_forest_fixtures.py [OUT.json]
(default tests/fixtures/forest_sklearn.json).

Three parts, read by tests/spec/forest_spec.lua (which needs no Python):

1. "trees": single DecisionTreeClassifier fits (max_features=None, so the
   tree is deterministic) on two small data sets with distinct float32
   values (300 rows x 5 features with 3 classes, 300 x 4 binary; plus 100
   test rows each): for each
   configuration sklearn's tree_ arrays (feature, threshold, children,
   value, impurity, n_node_samples, weighted_n_node_samples),
   feature_importances_ and predict_proba on the test rows (on the training
   rows it follows from the tree arrays).
   sklearn visits features in a random order and keeps the first of equal
   splits, so a configuration is only kept when random_state 0..29 all give
   the same tree (checked here): then credo, whose feature order differs,
   must find exactly that tree.

2. "synthetic": a moderately sized binary problem (3000 training and 3000
   test rows x 8 features) built from a 31-bit linear congruential
   generator that the spec reproduces in Lua bit for bit (no data stored);
   sklearn RandomForestClassifier / ExtraTreesClassifier test AUC (and OOB
   score) at several settings, each the mean over random_state 0..9 with
   its standard deviation.

3. "lending_club": data/lending_club.csv with its categorical columns as
   codes (levels sorted bytewise, 1-based, as credo's Frame:to_tensor with
   categorical = "codes"), label Class == "bad"; rows i (0-based) with
   i % 4 == 3 are the test set.  sklearn's test AUC for RandomForest and
   ExtraTrees (500 trees, min_samples_leaf 3, max_features "sqrt"), mean
   and standard deviation over random_state 0..9.
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.tree import DecisionTreeClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 20240611


# ---- 1. single trees ----

def tree_data():
    """The 3-class set; weights are multiples of 1/16 in [0.5, 2], so every
    weight sum is exact in double in any order (sklearn's own trees then
    do not depend on the order it happens to sum in: with other weights a
    pure node can get an impurity of 2e-16 or 4e-16, depending on the
    order, and sklearn splits it or not)."""
    rng = np.random.default_rng(SEED)
    n, nt, d = 300, 100, 5
    X = rng.uniform(-3.0, 3.0, size=(n + nt, d)).astype(np.float32)
    z0 = X[:, 0] + 0.5 * X[:, 1] * (X[:, 2] > 0) + rng.normal(0, 0.7, n + nt)
    z1 = X[:, 3] - 0.4 * X[:, 4] + rng.normal(0, 0.7, n + nt)
    y = np.where(z0 > 0.8, 2, np.where(z1 > 0.0, 1, 0)).astype(np.int64)
    w = rng.integers(8, 33, size=n) / 16.0
    assert all(len(np.unique(X[:, j])) == n + nt for j in range(d))
    return X[:n], y[:n], w, X[n:], y[n:]


def binary_data():
    """A binary set with exactly 100 positives among 300 rows, so that the
    "balanced" class weights 300 / (2 * 100) = 1.5 and 300 / (2 * 200) = 0.75
    are exact (see tree_data)."""
    rng = np.random.default_rng(SEED + 1)
    n, nt, d = 300, 100, 4
    X = rng.uniform(-2.0, 2.0, size=(n + nt, d)).astype(np.float32)
    z = X[:, 0] - X[:, 1] * X[:, 2] + rng.normal(0, 0.8, n + nt)
    y = np.zeros(n + nt, dtype=np.int64)
    y[np.argsort(-z[:n])[:100]] = 1
    y[n:] = (z[n:] > np.sort(z[:n])[-100]).astype(np.int64)
    w = rng.integers(8, 33, size=n) / 16.0
    assert all(len(np.unique(X[:, j])) == n + nt for j in range(d))
    return X[:n], y[:n], w, X[n:], y[n:]


# name, data set, sklearn params, weighted
TREE_CONFIGS = [
    ("gini_depth4", "multi", dict(criterion="gini", max_depth=4), False),
    ("entropy_split25", "multi", dict(criterion="entropy", min_samples_split=25), False),
    ("gini_leaf10", "multi", dict(criterion="gini", min_samples_leaf=10), False),
    ("gini_split20_decrease", "multi", dict(criterion="gini", min_samples_split=20,
                                            min_impurity_decrease=0.005), False),
    ("gini_fractions", "multi", dict(criterion="gini", min_samples_leaf=0.03,
                                     min_samples_split=0.1), False),
    ("gini_min_weight_fraction", "multi", dict(criterion="gini",
                                               min_weight_fraction_leaf=0.03), False),
    ("gini_min_weight_fraction_weighted", "multi",
     dict(criterion="gini", min_weight_fraction_leaf=0.03), True),
    ("entropy_leaf6_weighted", "multi", dict(criterion="entropy", min_samples_leaf=6,
                                             max_depth=5), True),
    ("gini_depth6_weighted", "multi", dict(criterion="gini", max_depth=6,
                                           min_samples_split=25), True),
    ("gini_classdict", "multi", dict(criterion="gini", max_depth=4,
                                     class_weight={0: 1.0, 1: 2.5, 2: 0.5}), False),
    ("gini_classdict_weighted", "multi", dict(criterion="gini", min_samples_split=25,
                                              class_weight={0: 1.0, 1: 2.5, 2: 0.5}), True),
    ("binary_gini_depth3", "binary", dict(criterion="gini", max_depth=3), False),
    ("binary_entropy_split25", "binary", dict(criterion="entropy", min_samples_split=25), False),
    ("binary_balanced", "binary", dict(criterion="entropy", min_samples_split=25,
                                       class_weight="balanced"), False),
    ("binary_gini_balanced_weighted", "binary",
     dict(criterion="gini", min_samples_leaf=8, class_weight="balanced"), True),
    ("binary_gini_leaf8_weighted", "binary", dict(criterion="gini", min_samples_leaf=8), True),
]


def tree_arrays(t):
    tr = t.tree_
    leaf = tr.children_left < 0
    return {
        "feature": [0 if l else int(f) + 1 for f, l in zip(tr.feature, leaf)],
        "threshold": [0.0 if l else float(v) for v, l in zip(tr.threshold, leaf)],
        "left": [0 if l else int(c) + 1 for c, l in zip(tr.children_left, leaf)],
        "right": [0 if l else int(c) + 1 for c, l in zip(tr.children_right, leaf)],
        "value": [[float(v) for v in row] for row in tr.value[:, 0, :]],
        "impurity": [float(v) for v in tr.impurity],
        "n_node_samples": [int(v) for v in tr.n_node_samples],
        "weighted_n_node_samples": [float(v) for v in tr.weighted_n_node_samples],
    }


def same_tree(a, b):
    return (a.node_count == b.node_count and np.array_equal(a.feature, b.feature)
            and np.array_equal(a.threshold, b.threshold)
            and np.array_equal(a.children_left, b.children_left)
            and np.allclose(a.value, b.value, rtol=1e-12, atol=0))


def to_list(a):
    return [[float(v) for v in row] for row in np.asarray(a)]


def trees_part():
    out = {"data": {}, "configs": []}
    sets = {"multi": tree_data(), "binary": binary_data()}
    for name, (X, y, w, Xt, yt) in sets.items():
        out["data"][name] = {"X": to_list(X), "y": [int(v) for v in y],
                             "sample_weight": [float(v) for v in w],
                             "X_test": to_list(Xt), "y_test": [int(v) for v in yt]}
    for name, dname, params, weighted in TREE_CONFIGS:
        X, y, w, Xt, yt = sets[dname]
        sw = w if weighted else None
        fits = [DecisionTreeClassifier(random_state=s, **params).fit(X, y, sample_weight=sw)
                for s in range(30)]
        for f in fits[1:]:
            if not same_tree(fits[0].tree_, f.tree_):
                sys.exit("config %s: the tree depends on random_state (ties); change it" % name)
        t = fits[0]
        params_out = dict(params)
        if isinstance(params_out.get("class_weight"), dict):
            params_out["class_weight"] = {str(k): v for k, v in params_out["class_weight"].items()}
        out["configs"].append({
            "name": name, "data": dname, "params": params_out, "weighted": weighted,
            "tree": tree_arrays(t), "depth": int(t.get_depth()), "n_leaves": int(t.get_n_leaves()),
            "feature_importances": [float(v) for v in t.feature_importances_],
            "proba_test": to_list(t.predict_proba(Xt)),
        })
        print("tree %-34s nodes %3d depth %d" % (name, t.tree_.node_count, t.get_depth()))
    return out


# ---- 2. the synthetic problem (mirrored in tests/spec/forest_spec.lua) ----

class Lcg:
    """s <- (1103515245 s + 12345) mod 2^31; u = s / 2^31 (exact in Lua too)."""

    def __init__(self, seed):
        self.s = seed

    def u(self):
        self.s = (self.s * 1103515245 + 12345) % 2147483648
        return self.s / 2147483648


def synthetic(n, seed):
    g = Lcg(seed)
    X = np.empty((n, 8), dtype=np.float64)
    y = np.empty(n, dtype=np.int64)
    for i in range(n):
        x = [4.0 * g.u() - 2.0 for _ in range(8)]
        noise = (g.u() - 0.5) * 3.0
        z = 1.5 * x[0] - x[1] * x[2] + (1.0 if x[3] > 0.5 else 0.0) - 0.5 * abs(x[4]) + noise
        X[i] = x
        y[i] = 1 if z > 0.3 else 0
    return X.astype(np.float32), y


# name, class, params (credo's names where they differ: none differ here)
SYNTH_CONFIGS = [
    ("rf", "RandomForest", dict(n_estimators=200, oob_score=True)),
    ("rf_entropy_depth6", "RandomForest", dict(n_estimators=200, criterion="entropy",
                                               max_depth=6, oob_score=True)),
    ("rf_balanced_subsample_half", "RandomForest",
     dict(n_estimators=200, class_weight="balanced_subsample", max_samples=0.5,
          min_samples_leaf=3, oob_score=True)),
    ("et", "ExtraTrees", dict(n_estimators=200)),
    ("et_bootstrap_log2", "ExtraTrees", dict(n_estimators=200, bootstrap=True,
                                             max_features="log2", oob_score=True)),
]


def forest_stats(cls, params, Xtr, ytr, Xte, yte, seeds):
    aucs, oobs = [], []
    for s in seeds:
        m = cls(random_state=s, n_jobs=2, **params).fit(Xtr, ytr)
        aucs.append(roc_auc_score(yte, m.predict_proba(Xte)[:, 1]))
        if params.get("oob_score"):
            oobs.append(m.oob_score_)
    r = {"auc_mean": float(np.mean(aucs)), "auc_sd": float(np.std(aucs)),
         "auc": [float(a) for a in aucs]}
    if oobs:
        r["oob_mean"] = float(np.mean(oobs))
        r["oob_sd"] = float(np.std(oobs))
    return r


CLASSES = {"RandomForest": RandomForestClassifier, "ExtraTrees": ExtraTreesClassifier}


def synthetic_part():
    Xtr, ytr = synthetic(3000, 12345)
    Xte, yte = synthetic(3000, 777)
    out = {"n_train": 3000, "train_seed": 12345, "n_test": 3000, "test_seed": 777,
           "train_positive": int(ytr.sum()), "test_positive": int(yte.sum()),
           "x_check": [float(Xtr[0, 0]), float(Xtr[2999, 7]), float(Xte[5, 3])],
           "configs": []}
    for name, cname, params in SYNTH_CONFIGS:
        r = forest_stats(CLASSES[cname], params, Xtr, ytr, Xte, yte, range(10))
        r.update({"name": name, "class": cname, "params": params})
        out["configs"].append(r)
        print("synthetic %-28s auc %.4f +- %.4f%s" % (
            name, r["auc_mean"], r["auc_sd"],
            "  oob %.4f +- %.4f" % (r["oob_mean"], r["oob_sd"]) if "oob_mean" in r else ""))
    return out


# ---- 3. lending_club ----

def lending_club():
    df = pd.read_csv(os.path.join(ROOT, "data", "lending_club.csv"))
    y = (df.pop("Class") == "bad").astype(np.int64).to_numpy()
    for c in df.columns:
        if df[c].dtype == object:
            levels = sorted(df[c].unique(), key=lambda s: s.encode("utf-8"))
            df[c] = pd.Categorical(df[c], categories=levels).codes + 1
    X = df.to_numpy(dtype=np.float32)
    test = np.arange(len(y)) % 4 == 3
    return X[~test], y[~test], X[test], y[test]


def lending_part():
    Xtr, ytr, Xte, yte = lending_club()
    params = dict(n_estimators=500, min_samples_leaf=3, max_features="sqrt")
    out = {"params": params, "n_train": int(len(ytr)), "n_test": int(len(yte)),
           "test_positive": int(yte.sum()), "configs": []}
    for cname in ("RandomForest", "ExtraTrees"):
        r = forest_stats(CLASSES[cname], params, Xtr, ytr, Xte, yte, range(10))
        r["class"] = cname
        out["configs"].append(r)
        print("lending_club %-12s auc %.4f +- %.4f" % (cname, r["auc_mean"], r["auc_sd"]))
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "tests", "fixtures", "forest_sklearn.json")
    doc = {"sklearn": sklearn.__version__, "numpy": np.__version__,
           "trees": trees_part(), "synthetic": synthetic_part(), "lending_club": lending_part()}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


if __name__ == "__main__":
    main()
