#!/usr/bin/python3
"""Write tests/fixtures/prep_sklearn.json: scikit-learn 1.2 / scipy 1.10
results for credo.prep to match (tests/spec/prep_*_spec.lua), so no Python
runs at test time.

Usage: /usr/bin/python3 bench/peers/make_prep_fixtures.py [OUT.json]

Format: one JSON object; "_about" records versions, seed and script.
Matrices are {"shape": [n, d], "data": [row-major floats]}; vectors plain
lists.  Floats are written with Python's repr (shortest round trip), so
Lua's tonumber reads the exact float64; NaN is written as the string
"nan".  Cases:
  scale      StandardScaler, MinMaxScaler (feature_range (-1, 2), with and
             without clip), RobustScaler (default; (10, 90) with
             unit_variance) fitted on X_train (NaN included) and applied to
             X_test (values beyond the training range, NaN)
  quantile   QuantileTransformer, uniform and normal outputs, n_quantiles
             50 (< n) and 1000 (> n), forward on train and test, inverse of
             the test transform
  pca        PCA(svd_solver="full"): n_components 3, 0.9 and whiten=True
  corr       the Pearson matrix and p-values (scipy.stats.pearsonr per
             pair) and scipy.stats.spearmanr on data with ties
  impute     SimpleImputer mean / median / most_frequent / constant(-1)
  encode     OneHotEncoder (handle_unknown="ignore"; drop="first"),
             OrdinalEncoder with given categories, LabelEncoder, on string
             columns
  special    scipy.special.ndtri, stdtr two-sided p-values, betainc
  iforest    sklearn's _average_path_length at a few n
  fnv        FNV-1a 64 of crossed level strings and their buckets
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import scipy.special
import scipy.stats
import sklearn
from sklearn.decomposition import PCA
from sklearn.ensemble._iforest import _average_path_length
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import (LabelEncoder, MinMaxScaler, OneHotEncoder,
                                   OrdinalEncoder, QuantileTransformer,
                                   RobustScaler, StandardScaler)

SEED = 20240612


def clean(x):
    """numpy -> JSON-ready Python values (NaN as "nan")."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        if x.ndim == 2:
            return {"shape": list(x.shape), "data": clean(x.ravel().tolist())}
        return [clean(v) for v in x.ravel().tolist()]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, np.str_):
        return str(x)
    return x


def fnv1a(data):
    h = 14695981039346656037
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "tests", "fixtures", "prep_sklearn.json")
    rng = np.random.RandomState(SEED)
    doc = {"_about": {"numpy": np.__version__, "scipy": scipy.__version__,
                      "sklearn": sklearn.__version__, "seed": SEED,
                      "script": "bench/peers/make_prep_fixtures.py"}}

    # ---- scalers and the quantile transform ----
    n, d = 60, 4
    Xtr = np.column_stack([
        rng.lognormal(0, 1, n),                       # skewed
        rng.normal(5, 2, n),
        rng.randint(0, 6, n).astype(float),           # ties
        rng.standard_t(3, n) * 10,                    # heavy tails
    ])
    Xtr[3, 1] = np.nan
    Xtr[17, 0] = np.nan
    Xtr[40, 3] = np.nan
    Xte = np.column_stack([
        rng.lognormal(0, 1.5, 20),
        rng.normal(5, 4, 20),
        rng.randint(-2, 9, 20).astype(float),
        rng.standard_t(3, 20) * 15,
    ])
    Xte[5, 2] = np.nan
    Xte[0, :] = [Xtr[:, 0][~np.isnan(Xtr[:, 0])].min(), np.nanmax(Xtr[:, 1]), 0.0, 1e6]
    sc = {"X_train": Xtr, "X_test": Xte}
    s = StandardScaler().fit(Xtr)
    sc["standard"] = {"mean": s.mean_, "var": s.var_, "scale": s.scale_,
                      "train": s.transform(Xtr), "test": s.transform(Xte)}
    m = MinMaxScaler(feature_range=(-1, 2)).fit(Xtr)
    mc = MinMaxScaler(feature_range=(-1, 2), clip=True).fit(Xtr)
    sc["minmax"] = {"data_min": m.data_min_, "data_max": m.data_max_, "scale": m.scale_,
                    "min": m.min_, "test": m.transform(Xte), "test_clip": mc.transform(Xte)}
    r = RobustScaler().fit(Xtr)
    r2 = RobustScaler(quantile_range=(10, 90), unit_variance=True).fit(Xtr)
    sc["robust"] = {"center": r.center_, "scale": r.scale_, "test": r.transform(Xte),
                    "scale_10_90_unit": r2.scale_, "test_10_90_unit": r2.transform(Xte)}
    Xc = Xtr.copy()
    Xc[:, 2] = 3.0  # a constant column
    sc["constant"] = {"X": Xc, "standard": StandardScaler().fit_transform(Xc),
                      "minmax": MinMaxScaler().fit_transform(Xc),
                      "robust": RobustScaler().fit_transform(Xc)}
    doc["scale"] = sc

    qd = {}
    for nq in (50, 1000):
        for dist in ("uniform", "normal"):
            q = QuantileTransformer(n_quantiles=nq, output_distribution=dist).fit(Xtr)
            te = q.transform(Xte)
            qd["%s_%d" % (dist, nq)] = {
                "quantiles": q.quantiles_, "references": q.references_,
                "train": q.transform(Xtr), "test": te,
                "inverse": q.inverse_transform(te)}
    doc["quantile"] = qd

    # ---- PCA ----
    A = rng.normal(size=(80, 5)) @ rng.normal(size=(5, 5)) + rng.normal(size=5) * 3
    At = rng.normal(size=(10, 5)) * 2
    pd = {"X": A, "X_test": At}
    for key, kw in (("k3", {"n_components": 3}), ("v90", {"n_components": 0.9}),
                    ("white", {"n_components": 3, "whiten": True}), ("all", {})):
        p = PCA(svd_solver="full", **kw).fit(A)
        pd[key] = {"n_components": int(p.n_components_), "components": p.components_,
                   "explained_variance": p.explained_variance_,
                   "explained_variance_ratio": p.explained_variance_ratio_,
                   "singular_values": p.singular_values_, "mean": p.mean_,
                   "noise_variance": float(p.noise_variance_),
                   "test": p.transform(At), "inverse": p.inverse_transform(p.transform(At))}
    doc["pca"] = pd

    # ---- correlation ----
    nc = 45
    base = rng.normal(size=nc)
    C = np.column_stack([
        base,
        base * 0.8 + rng.normal(size=nc) * 0.5,
        rng.randint(0, 4, nc).astype(float),          # ties
        -base + rng.normal(size=nc) * 2,
        np.round(base * 2) + rng.randint(0, 2, nc),   # ties, correlated
        rng.normal(size=nc),
    ])
    k = C.shape[1]
    R = np.eye(k)
    P = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            res = scipy.stats.pearsonr(C[:, i], C[:, j])
            R[i, j] = R[j, i] = res[0]
            P[i, j] = P[j, i] = res[1]
    rs, ps = scipy.stats.spearmanr(C)
    ranks = np.column_stack([scipy.stats.rankdata(C[:, j]) for j in range(k)])
    doc["corr"] = {"X": C, "pearson_r": R, "pearson_p": P, "spearman_r": rs,
                   "spearman_p": ps, "ranks": ranks}

    # ---- imputation ----
    I = np.array([[1.0, 2.0, np.nan, 4.0],
                  [np.nan, 2.0, 3.0, 4.0],
                  [7.0, np.nan, 3.0, 1.0],
                  [7.0, 5.0, 9.0, np.nan],
                  [2.0, 5.0, np.nan, 1.0],
                  [7.0, 8.0, 3.0, 1.0]])
    It = np.array([[np.nan, np.nan, np.nan, np.nan], [0.5, 1.5, 2.5, 3.5]])
    imp = {"X": I, "X_test": It}
    for strat in ("mean", "median", "most_frequent", "constant"):
        kw = {"fill_value": -1.0} if strat == "constant" else {}
        si = SimpleImputer(strategy=strat, **kw).fit(I)
        imp[strat] = {"statistics": si.statistics_, "train": si.transform(I),
                      "test": si.transform(It)}
    doc["impute"] = imp

    # ---- encoders ----
    col_a = ["rent", "own", "mortgage", "rent", "other", "own", "rent", "mortgage"]
    col_b = ["b", "a", "a", "c", "b", "b", "a", "c"]
    te_a = ["own", "boat", "rent"]
    te_b = ["c", "a", "z"]
    E = np.array([col_a, col_b], dtype=object).T
    Et = np.array([te_a, te_b], dtype=object).T
    oh = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(E)
    ohd = OneHotEncoder(drop="first", sparse_output=False).fit(E)
    ordc = [["own", "mortgage", "rent", "other"], ["c", "b", "a"]]
    oe = OrdinalEncoder(categories=ordc).fit(E)
    oea = OrdinalEncoder().fit(E)
    le = LabelEncoder().fit(col_a)
    doc["encode"] = {
        "a": col_a, "b": col_b, "test_a": te_a, "test_b": te_b,
        "onehot_categories": [list(c) for c in oh.categories_],
        "onehot_train": oh.transform(E), "onehot_test": oh.transform(Et),
        "onehot_names": list(oh.get_feature_names_out(["a", "b"])),
        "onehot_drop_train": ohd.transform(E),
        "onehot_drop_names": list(ohd.get_feature_names_out(["a", "b"])),
        "ordinal_categories": ordc, "ordinal_train": oe.transform(E),
        "ordinal_auto_train": oea.transform(E),
        "label_classes": list(le.classes_), "label_train": le.transform(col_a),
    }

    # ---- special functions ----
    pts = [1e-300, 1e-20, 1e-7, 0.001, 0.02425, 0.3, 0.5, 0.6, 0.97575, 0.999,
           1 - 1e-7, 1 - 1e-16]
    tdf = [(2.5, 10.0), (0.1, 3.0), (30.0, 100.0), (1.96, 1e5), (8.0, 5e4), (0.5, 1.0),
           (40.0, 2.0), (3.0, 43.0), (-2.2, 7.5), (0.0, 5.0)]
    bab = [(0.5, 0.5, 0.3), (2.0, 3.0, 0.4), (10.0, 0.5, 0.9), (50.0, 60.0, 0.45),
           (0.1, 20.0, 0.01), (200.0, 0.5, 0.999), (1.0, 1.0, 0.25)]
    doc["special"] = {
        "ndtri_p": pts, "ndtri": [scipy.special.ndtri(p) for p in pts],
        "ndtr_x": [-8.0, -1.5, 0.0, 0.3, 2.0, 7.0],
        "ndtr": [scipy.special.ndtr(x) for x in [-8.0, -1.5, 0.0, 0.3, 2.0, 7.0]],
        "t": [t for t, _ in tdf], "df": [df for _, df in tdf],
        "t_pvalue": [2 * scipy.special.stdtr(df, -abs(t)) for t, df in tdf],
        "beta_a": [a for a, _, _ in bab], "beta_b": [b for _, b, _ in bab],
        "beta_x": [x for _, _, x in bab],
        "betainc": [scipy.special.betainc(a, b, x) for a, b, x in bab]}

    ns = [1, 2, 3, 10, 256, 1000]
    doc["iforest"] = {"n": ns, "c": [float(v) for v in _average_path_length(ns)]}

    pairs = [["rent", "a"], ["own", "b"], ["mortgage", "c"], ["", "x"]]
    doc["fnv"] = {"pairs": pairs,
                  "hash": [str(fnv1a(("%s\x1f%s" % (u, v)).encode())) for u, v in pairs],
                  "bucket_97": [fnv1a(("%s\x1f%s" % (u, v)).encode()) % 97 for u, v in pairs],
                  "single": str(fnv1a(b"credo"))}

    with open(out_path, "w") as f:
        json.dump(clean(doc), f, separators=(",", ":"))
        f.write("\n")
    print("wrote", out_path)


if __name__ == "__main__":
    main()
