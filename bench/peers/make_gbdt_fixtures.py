#!/usr/bin/python3
"""Parity fixtures for credo's depth-wise booster against XGBoost 1.7 hist.

Usage: /usr/bin/python3 bench/peers/make_gbdt_fixtures.py [OUT.json]
(default tests/fixtures/gbdt_xgb.json).

A small data set with fewer distinct values per feature than bins (200 rows
x 5 features, integers 0..9, about 10% NaN), a binary and a continuous label
and row weights; for each configuration, XGBoost's training-set margins
(output_margin=True) and its margins on 60 further integer-valued rows
(with NaN), which exercise the learned default directions.  XGBoost runs
tree_method="hist", max_bin=256, nthread=1, grow_policy="depthwise"; the
parameters are stored under credo.GBDT's names so the spec passes them on
unchanged.  Values in JSON: NaN is null.
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

SEED = 20240604


def make_data(rng, n, d):
    X = rng.integers(0, 10, size=(n, d)).astype(np.float32)
    X[rng.uniform(size=(n, d)) < 0.10] = np.nan
    return X


def labels(rng, X):
    Z = np.nan_to_num(X, nan=4.5)
    z = (0.6 * (Z[:, 0] - 4.5) - 0.4 * (Z[:, 1] > 6) * 3 + 0.3 * Z[:, 2] * (Z[:, 3] < 3)
         - 0.8 * np.isnan(X[:, 4]) + rng.logistic(size=len(Z)) * 1.5)
    y_bin = (z > np.median(z)).astype(np.float32)
    y_reg = np.round(0.5 * Z[:, 0] - 0.3 * Z[:, 2] + np.sin(Z[:, 1]) + rng.normal(0, 0.5, len(Z)),
                     3).astype(np.float32)
    return y_bin, y_reg


# name, credo params, label, weighted
CONFIGS = [
    ("logistic_basic", dict(n_estimators=10, max_depth=3, learning_rate=0.3), "y_bin", False),
    ("logistic_reg", dict(n_estimators=15, max_depth=4, learning_rate=0.2, reg_lambda=2.0,
                          reg_alpha=0.5, gamma=0.3, min_child_weight=2.0), "y_bin", False),
    ("logistic_base", dict(n_estimators=8, max_depth=2, learning_rate=0.5, base_score=0.3,
                           reg_lambda=0.5, min_child_weight=0.5), "y_bin", False),
    ("logistic_deep", dict(n_estimators=10, max_depth=8, learning_rate=0.3,
                           min_child_weight=0.0), "y_bin", False),
    ("logistic_weighted", dict(n_estimators=12, max_depth=3, learning_rate=0.3,
                               scale_pos_weight=2.0), "y_bin", True),
    ("logistic_max_leaves", dict(n_estimators=10, max_depth=4, learning_rate=0.3,
                                 max_leaves=5), "y_bin", False),
    ("squared", dict(objective="reg:squarederror", n_estimators=20, max_depth=3,
                     learning_rate=0.1), "y_reg", False),
    ("squared_reg", dict(objective="reg:squarederror", n_estimators=12, max_depth=5,
                         learning_rate=0.3, reg_lambda=0.0, reg_alpha=1.0, gamma=0.5,
                         min_child_weight=3.0), "y_reg", False),
]

XGB_NAMES = {"n_estimators": None, "max_depth": "max_depth", "learning_rate": "eta",
             "reg_lambda": "lambda", "reg_alpha": "alpha", "gamma": "gamma",
             "min_child_weight": "min_child_weight", "base_score": "base_score",
             "max_leaves": "max_leaves", "scale_pos_weight": "scale_pos_weight",
             "objective": "objective"}


def tolist(a):
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "tests", "fixtures", "gbdt_xgb.json")
    rng = np.random.default_rng(SEED)
    X = make_data(rng, 200, 5)
    Xt = make_data(rng, 60, 5)
    y_bin, y_reg = labels(rng, X)
    w = np.round(rng.uniform(0.5, 2.0, size=len(X)), 3).astype(np.float32)
    doc = {"_about": {"script": "bench/peers/make_gbdt_fixtures.py", "xgboost": xgb.__version__,
                      "numpy": np.__version__, "seed": SEED,
                      "xgboost_params": "tree_method=hist, max_bin=256, nthread=1, "
                                        "grow_policy=depthwise, other defaults"},
           "X": {"shape": list(X.shape), "data": tolist(X)},
           "X_test": {"shape": list(Xt.shape), "data": tolist(Xt)},
           "y_bin": tolist(y_bin), "y_reg": tolist(y_reg), "w": tolist(w), "configs": []}
    for name, params, label, weighted in CONFIGS:
        xp = {"tree_method": "hist", "max_bin": 256, "nthread": 1, "seed": 0,
              "grow_policy": "depthwise", "objective": "binary:logistic", "verbosity": 0}
        for k, v in params.items():
            if XGB_NAMES[k]:
                xp[XGB_NAMES[k]] = v
        y = y_bin if label == "y_bin" else y_reg
        dtrain = xgb.DMatrix(X, label=y, weight=w if weighted else None, missing=np.nan)
        bst = xgb.train(xp, dtrain, num_boost_round=params["n_estimators"])
        m = bst.predict(dtrain, output_margin=True)
        mt = bst.predict(xgb.DMatrix(Xt, missing=np.nan), output_margin=True)
        doc["configs"].append({"name": name, "params": params, "label": label,
                               "weighted": weighted, "margin": tolist(m),
                               "margin_test": tolist(mt)})
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
