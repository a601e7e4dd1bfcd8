#!/usr/bin/python3
"""Parity fixtures for credo.SVC against scikit-learn 1.2 (SVC, LIBSVM inside).

Usage: /usr/bin/python3 bench/peers/make_svm_fixtures.py [OUT.json]
(default tests/fixtures/svm_sklearn.json).  Read by tests/spec/svm_spec.lua,
which needs no Python.

Data: a binary problem of 300 training and 100 test rows x 5 features
(numpy default_rng(SEED); a noisy non-linear rule, values rounded to 6
decimals so JSON holds them exactly), and an imbalanced variant (about 1 in
5 positive) for class weights.

1. "configs": SVC fits (rbf with gamma "scale" / a number, linear, poly,
   sigmoid, class_weight "balanced" and a table): decision_function on the
   test rows, intercept_, n_support_, support_ (turned 1-based) and
   dual_coef_.  The spec checks decision values to 1e-3 and the support
   vector count to 1 %.

2. "platt": sklearn.calibration._sigmoid_calibration (Platt's sigmoid with
   the regularised targets of Lin, Lin and Weng 2007, solved by BFGS) on a
   fixed vector of decision values and labels: the optimum is the same as
   LIBSVM's Newton method reaches, so A, B are compared closely.

3. "proba": SVC(probability=True) with random_state 0..9.  LIBSVM draws its
   5 cross-validation folds at random, so probabilities differ between
   seeds; the spec allows credo's (its own folds) to differ from the mean
   over these seeds by at most the spread sklearn shows across them.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.calibration import _sigmoid_calibration
from sklearn.svm import SVC

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 20261126


def make_data(rng, n, imbalanced=False):
    X = np.round(rng.normal(size=(n, 5)), 6)
    score = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + 0.5 * X[:, 3] - 0.3 * X[:, 4] ** 2
    score = score + 0.4 * rng.normal(size=n)
    thr = np.quantile(score, 0.8) if imbalanced else 0.0
    return X, (score > thr).astype(np.int64)


def fit_record(name, data, params, weighted=False):
    Xtr, ytr, Xte = data["Xtr"], data["ytr"], data["Xte"]
    m = SVC(**params).fit(Xtr, ytr, sample_weight=data["sw"] if weighted else None)
    rec = {
        "name": name,
        "data": data["name"],
        "params": {k: (v if not isinstance(v, dict) else {str(c): w for c, w in v.items()})
                   for k, v in params.items()},
        "decision": m.decision_function(Xte).tolist(),
        "decision_train": m.decision_function(Xtr).tolist(),
        "intercept": float(m.intercept_[0]),
        "n_support": [int(v) for v in m.n_support_],
        "support": [int(i) + 1 for i in m.support_],
        "dual_coef": m.dual_coef_[0].tolist(),
        "gamma": float(m._gamma),
        "weighted": weighted,
    }
    return rec


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "tests", "fixtures", "svm_sklearn.json")
    rng = np.random.default_rng(SEED)
    sets = {}
    for name, imb in (("balanced", False), ("imbalanced", True)):
        X, y = make_data(rng, 400, imb)
        # sample weights in {0, 0.5, 1, 2}: some rows left out
        sw = rng.choice([0.0, 0.5, 1.0, 2.0], size=300, p=[0.1, 0.3, 0.3, 0.3])
        sets[name] = {"name": name, "Xtr": X[:300], "ytr": y[:300], "Xte": X[300:],
                      "yte": y[300:], "sw": sw}
    configs = [
        ("rbf_scale", "balanced", dict(C=1.0, kernel="rbf", gamma="scale")),
        ("rbf_auto_C10", "balanced", dict(C=10.0, kernel="rbf", gamma="auto")),
        ("rbf_gamma", "balanced", dict(C=3.0, kernel="rbf", gamma=0.05)),
        ("linear", "balanced", dict(C=0.5, kernel="linear")),
        ("poly", "balanced", dict(C=1.0, kernel="poly", gamma=0.2, degree=3, coef0=1.0)),
        ("sigmoid", "balanced", dict(C=0.3, kernel="sigmoid", gamma=0.02, coef0=0.0)),
        ("rbf_noshrink", "balanced", dict(C=2.0, kernel="rbf", gamma=0.3, shrinking=False)),
        ("rbf_balanced_cw", "imbalanced", dict(C=2.0, kernel="rbf", gamma=0.3,
                                               class_weight="balanced")),
        ("rbf_table_cw", "imbalanced", dict(C=1.0, kernel="rbf", gamma="scale",
                                            class_weight={0: 1.0, 1: 3.0})),
        ("linear_cw", "imbalanced", dict(C=0.2, kernel="linear", class_weight={0: 0.5, 1: 2.0})),
    ]
    doc = {"sklearn": sklearn.__version__, "seed": SEED, "data": {}, "configs": []}
    for name, d in sets.items():
        doc["data"][name] = {"Xtr": d["Xtr"].tolist(), "ytr": d["ytr"].tolist(),
                             "Xte": d["Xte"].tolist(), "yte": d["yte"].tolist(),
                             "sw": d["sw"].tolist()}
    for name, dname, params in configs:
        doc["configs"].append(fit_record(name, sets[dname], params))
    # sample_weight (with zeros), alone and with class weights
    doc["configs"].append(fit_record("rbf_sample_weight", sets["balanced"],
                                     dict(C=1.5, kernel="rbf", gamma=0.2), weighted=True))
    doc["configs"].append(fit_record("rbf_sw_balanced_cw", sets["imbalanced"],
                                     dict(C=1.0, kernel="rbf", gamma="scale",
                                          class_weight="balanced"), weighted=True))

    # 2. Platt's sigmoid on fixed decision values (a 100-value vector with
    # overlap between the classes, so A and B are finite and well defined)
    prng = np.random.default_rng(SEED + 1)
    yp = (prng.random(100) < 0.4).astype(np.int64)
    fp = np.round(np.where(yp == 1, 1.0, -1.0) * 0.8 + prng.normal(size=100), 6)
    a, b = _sigmoid_calibration(fp, yp)
    doc["platt"] = {"dec": fp.tolist(), "y": yp.tolist(), "A": float(a), "B": float(b)}

    # 3. probabilities over random_state 0..9
    d = sets["balanced"]
    params = dict(C=1.0, kernel="rbf", gamma="scale", probability=True)
    probs, AB = [], []
    for rs in range(10):
        m = SVC(random_state=rs, **params).fit(d["Xtr"], d["ytr"])
        probs.append(m.predict_proba(d["Xte"])[:, 1])
        AB.append([float(m.probA_[0]), float(m.probB_[0])])
    probs = np.array(probs)
    doc["proba"] = {
        "data": "balanced",
        "params": params,
        "mean": probs.mean(axis=0).tolist(),
        "spread": float((probs.max(axis=0) - probs.min(axis=0)).max()),
        "probAB": AB,
    }
    with open(out, "w") as f:
        json.dump(doc, f)
    print("wrote", out, "spread", doc["proba"]["spread"],
          "n_support", [c["n_support"] for c in doc["configs"]])


if __name__ == "__main__":
    main()
