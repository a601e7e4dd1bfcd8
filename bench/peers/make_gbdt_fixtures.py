#!/usr/bin/python3
"""Parity fixtures for credo's booster: the depth-wise policy against XGBoost
1.7 hist, the leaf-wise policy against LightGBM 4.7, and test AUCs on
lending_club of LightGBM, CatBoost 1.2 and scikit-learn's
GradientBoostingClassifier.

Usage: /usr/bin/python3 bench/peers/make_gbdt_fixtures.py [OUT.json [PEERS.json]]
(defaults tests/fixtures/gbdt_xgb.json and tests/fixtures/gbdt_peers.json).

gbdt_xgb.json:
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


# ---- gbdt_peers.json ----
#
# 1. "lightgbm": leaf-wise parity.  400 rows x 6 integer features (0..11,
#    no missing values, so LightGBM's missing_type is None) and a second
#    set with about 8% NaN; with min_data_in_bin=1 and every row sampled for
#    the bins, LightGBM gives each distinct value its own bin, as credo does.
#    LightGBM runs single-threaded with deterministic=True; stored: training
#    and held-out margins (raw_score) and the leaves of every tree.
# 2. "lending_club": data/lending_club.csv as in make_forest_fixtures.py
#    (categorical columns as bytewise-sorted 1-based codes, label Class ==
#    "bad", rows i % 4 == 3 the test set); test AUC of LightGBM, CatBoost
#    and GradientBoostingClassifier at the parameters stored beside them.

LGB_SEED = 20261126
LGB_NAMES = {"n_estimators": "num_iterations", "learning_rate": "learning_rate",
             "max_leaves": "num_leaves", "max_depth": "max_depth",
             "min_child_samples": "min_data_in_leaf", "min_child_weight": "min_sum_hessian_in_leaf",
             "reg_lambda": "lambda_l2", "reg_alpha": "lambda_l1", "gamma": "min_gain_to_split",
             "objective": None, "growth": None, "base_score": None}
LGB_CONFIGS = [
    ("leaves8", dict(n_estimators=10, learning_rate=0.3, max_leaves=8, max_depth=-1,
                     min_child_samples=5, min_child_weight=1e-3, reg_lambda=0.0), False),
    ("leaves16_reg", dict(n_estimators=12, learning_rate=0.2, max_leaves=16, max_depth=-1,
                          min_child_samples=10, min_child_weight=1.0, reg_lambda=2.0,
                          reg_alpha=0.5, gamma=0.2), False),
    ("depth3", dict(n_estimators=10, learning_rate=0.3, max_leaves=31, max_depth=3,
                    min_child_samples=3, min_child_weight=1e-3, reg_lambda=1.0), False),
    ("leaves6_missing", dict(n_estimators=8, learning_rate=0.3, max_leaves=6, max_depth=-1,
                             min_child_samples=8, min_child_weight=1e-3, reg_lambda=0.5), True),
]


def lgb_data(rng, n, d, missing):
    X = rng.integers(0, 12, size=(n, d)).astype(np.float32)
    if missing:
        X[rng.uniform(size=(n, d)) < 0.08] = np.nan
    return X


def lgb_part():
    import lightgbm as lgb
    rng = np.random.default_rng(LGB_SEED)
    sets = {}
    for missing in (False, True):
        X = lgb_data(rng, 400, 6, missing)
        Xt = lgb_data(rng, 80, 6, missing)
        Z = np.nan_to_num(X, nan=5.5)
        z = (0.5 * (Z[:, 0] - 5.5) - 1.2 * (Z[:, 1] > 7) + 0.25 * Z[:, 2] * (Z[:, 3] < 4)
             + rng.logistic(size=len(Z)))
        y = (z > np.median(z)).astype(np.float32)
        sets[missing] = (X, Xt, y)
    out = {"lightgbm": lgb.__version__, "configs": [],
           "lightgbm_params": "objective=binary, boost_from_average=True, max_bin=255, "
                              "min_data_in_bin=1, bin_construct_sample_cnt=10**9, "
                              "num_threads=1, deterministic=True, feature_pre_filter=False"}
    for missing in (False, True):
        X, Xt, y = sets[missing]
        key = "missing" if missing else "plain"
        out[key] = {"X": {"shape": list(X.shape), "data": tolist(X)},
                    "X_test": {"shape": list(Xt.shape), "data": tolist(Xt)}, "y": tolist(y)}
    for name, params, missing in LGB_CONFIGS:
        X, Xt, y = sets[missing]
        lp = {"objective": "binary", "boost_from_average": True, "max_bin": 255,
              "min_data_in_bin": 1, "bin_construct_sample_cnt": 10 ** 9, "num_threads": 1,
              "deterministic": True, "feature_pre_filter": False, "verbosity": -1,
              "seed": 0}
        for k, v in params.items():
            if LGB_NAMES[k]:
                lp[LGB_NAMES[k]] = v
        bst = lgb.train(lp, lgb.Dataset(X, label=y, free_raw_data=False))
        leaves = [t["num_leaves"] for t in bst.dump_model()["tree_info"]]
        cp = dict(params, growth="leafwise", base_score="mean")
        out["configs"].append({"name": name, "params": cp, "data": "missing" if missing else "plain",
                               "margin": tolist(bst.predict(X, raw_score=True)),
                               "margin_test": tolist(bst.predict(Xt, raw_score=True)),
                               "leaves": leaves})
        print("lightgbm %-16s leaves %s" % (name, leaves))
    return out


def lending_club():
    import pandas as pd
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    df = pd.read_csv(os.path.join(root, "data", "lending_club.csv"))
    y = (df.pop("Class") == "bad").astype(np.int64).to_numpy()
    cats = []
    for j, c in enumerate(df.columns):
        if df[c].dtype == object:
            levels = sorted(df[c].unique(), key=lambda s: s.encode("utf-8"))
            df[c] = pd.Categorical(df[c], categories=levels).codes + 1
            cats.append(j)
    X = df.to_numpy(dtype=np.float32)
    test = np.arange(len(y)) % 4 == 3
    return X[~test], y[~test], X[test], y[test], cats


def lending_part():
    import pandas as pd
    import lightgbm as lgb
    import catboost as cb
    import sklearn
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    Xtr, ytr, Xte, yte, cats = lending_club()
    out = {"n_train": int(len(ytr)), "n_test": int(len(yte)), "cat_features": [j + 1 for j in cats],
           "catboost": cb.__version__, "sklearn": sklearn.__version__, "models": []}
    # LightGBM, binning as close to credo's as it allows (min_data_in_bin=1,
    # every row sampled for the bins); the AUC with its default binning
    # (min_data_in_bin=3) beside it
    lp = dict(n_estimators=100, learning_rate=0.1, num_leaves=31, max_depth=-1,
              min_child_samples=20, min_child_weight=1e-3, reg_lambda=0.0)
    def lgb_auc(**kw):
        m = lgb.LGBMClassifier(**lp, random_state=0, n_jobs=1, verbose=-1, **kw).fit(Xtr, ytr)
        return float(roc_auc_score(yte, m.predict_proba(Xte)[:, 1]))
    out["models"].append({"name": "lightgbm", "preset": "lightgbm", "params": lp,
                          "auc": lgb_auc(min_data_in_bin=1, subsample_for_bin=10 ** 9),
                          "auc_default_binning": lgb_auc()})
    # CatBoost: plain boosting, no bagging or score noise, one Newton step per
    # leaf, score function L2 (CPU has no NewtonL2), categorical columns with
    # CatBoost's own statistics; the AUC with the Cosine score beside it
    def catboost_auc(score, with_cats):
        kw = dict(iterations=100, depth=6, learning_rate=0.1, l2_leaf_reg=3, border_count=254,
                  thread_count=1, random_seed=0, boosting_type="Plain", bootstrap_type="No",
                  random_strength=0, leaf_estimation_iterations=1, leaf_estimation_method="Newton",
                  score_function=score, verbose=0, allow_writing_files=False)
        if with_cats:
            tr = pd.DataFrame(Xtr).astype({j: int for j in cats})
            te = pd.DataFrame(Xte).astype({j: int for j in cats})
            m = cb.CatBoostClassifier(**kw).fit(tr, ytr, cat_features=cats)
        else:
            tr, te = Xtr, Xte
            m = cb.CatBoostClassifier(**kw).fit(tr, ytr)
        return float(roc_auc_score(yte, m.predict_proba(te)[:, 1]))
    cp = dict(iterations=100, depth=6, learning_rate=0.1, l2_leaf_reg=3)
    out["models"].append({"name": "catboost_cat", "preset": "catboost", "params": cp,
                          "cat": True, "auc": catboost_auc("L2", True),
                          "auc_cosine": catboost_auc("Cosine", True)})
    out["models"].append({"name": "catboost_numeric", "preset": "catboost", "params": cp,
                          "cat": False, "auc": catboost_auc("L2", False),
                          "auc_cosine": catboost_auc("Cosine", False)})
    # scikit-learn GradientBoostingClassifier (exact splits, friedman_mse)
    sp = dict(n_estimators=100, max_depth=3, learning_rate=0.1, subsample=1.0, min_samples_leaf=1)
    aucs = []
    for seed in range(3):
        m = GradientBoostingClassifier(**sp, random_state=seed).fit(Xtr, ytr)
        aucs.append(roc_auc_score(yte, m.predict_proba(Xte)[:, 1]))
    out["models"].append({"name": "sklearn", "preset": "sklearn", "params": sp,
                          "auc": float(np.mean(aucs))})
    for r in out["models"]:
        print("lending_club %-16s auc %.4f" % (r["name"], r["auc"]))
    return out


def write_peers(path):
    doc = {"_about": {"script": "bench/peers/make_gbdt_fixtures.py", "numpy": np.__version__},
           "lightgbm": lgb_part(), "lending_club": lending_part()}
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


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
    peers = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(__file__), "..", "..", "tests", "fixtures", "gbdt_peers.json")
    write_peers(peers)


if __name__ == "__main__":
    main()
