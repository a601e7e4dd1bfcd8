#!/usr/bin/python3
"""Parity fixture for credo.MLPClassifier against scikit-learn 1.2's
MLPClassifier on data/lending_club.csv.

Usage: /usr/bin/python3 bench/peers/make_mlp_fixture.py [OUT.json]
(default tests/fixtures/mlp_lending_club.json), read by
tests/spec/mlp_spec.lua (which needs no Python).

Data: the 17 numeric columns of data/lending_club.csv (file order), label
Class == "bad".  Fixed stratified split, reproducible without a generator:
within each class, in file order, every 4th row (positions 3, 7, 11, ...
0-based within the class) is a test row.  Standardised with the training
rows' mean and population standard deviation (StandardScaler).

Model: MLPClassifier(SETTINGS) with random_state 0..9; the fixture stores
the test ROC AUC of each seed, their mean and standard deviation, the mean
n_iter_ and final loss.  The spec fits credo with the same settings and
checks its test AUC against the mean within 0.01.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier

SETTINGS = dict(hidden_layer_sizes=(32,), activation="relu", alpha=1e-4, batch_size=200,
                learning_rate_init=1e-3, max_iter=60, tol=1e-4, n_iter_no_change=10,
                early_stopping=False, shuffle=True)
SEEDS = range(10)


def load():
    df = pd.read_csv("data/lending_club.csv")
    cols = [c for c in df.columns if c != "Class" and df[c].dtype != object]
    X = df[cols].to_numpy(dtype=np.float64)
    y = (df["Class"] == "bad").to_numpy().astype(int)
    test = np.zeros(len(y), dtype=bool)
    for c in (0, 1):
        rows = np.flatnonzero(y == c)
        test[rows[3::4]] = True
    Xtr, Xte = X[~test], X[test]
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    sd[sd == 0] = 1.0
    return cols, (Xtr - mu) / sd, y[~test], (Xte - mu) / sd, y[test]


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/mlp_lending_club.json"
    cols, Xtr, ytr, Xte, yte = load()
    aucs, iters, losses = [], [], []
    t0 = time.time()
    for seed in SEEDS:
        m = MLPClassifier(random_state=seed, **SETTINGS).fit(Xtr, ytr)
        aucs.append(roc_auc_score(yte, m.predict_proba(Xte)[:, 1]))
        iters.append(m.n_iter_)
        losses.append(m.loss_)
    settings = dict(SETTINGS)
    settings["hidden_layer_sizes"] = list(settings["hidden_layer_sizes"])
    out = {"sklearn": sklearn.__version__, "columns": cols, "settings": settings,
           "n_train": int(len(ytr)), "n_test": int(len(yte)),
           "n_test_bad": int(yte.sum()), "auc": aucs,
           "auc_mean": float(np.mean(aucs)), "auc_std": float(np.std(aucs)),
           "n_iter_mean": float(np.mean(iters)), "loss_mean": float(np.mean(losses)),
           "seconds_per_fit": (time.time() - t0) / len(SEEDS)}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps({k: v for k, v in out.items() if k != "columns"}))


if __name__ == "__main__":
    main()
