#!/usr/bin/python3
"""Write tests/fixtures/sampling_peers.json: imbalanced-learn 0.10 and
scikit-learn 1.2 results for credo.split and credo.sampling to match
(tests/spec/split_spec.lua and tests/spec/sampling_spec.lua), so no Python
runs at test time.

Usage: /usr/bin/python3 bench/peers/make_sampling_fixtures.py [OUT.json]

Format: one JSON object; "_about" records versions, seed and script.
  "datasets": name -> {"X": rows (lists of floats), "y": labels}; small
      (a few hundred rows), drawn from numpy's default_rng(SEED).
  "smote", "over", "under": cases {"data", "strategy", "k" (SMOTE),
      "counts"}: the class counts of y_res after imblearn's SMOTE /
      RandomOverSampler / RandomUnderSampler.fit_resample with that
      sampling_strategy (a string, a float, or {"label": count} as JSON
      object keys), "error": true where imblearn raises instead.
  "skfold": StratifiedKFold per label vector {"y", "cases": [{"k", "test"
      (the test indices of each fold, 0-based, shuffle=False; null for
      long y), "counts" (per fold, per class label 0..K-1, the same with
      shuffle=True and any seed)}]}.
  "kfold": KFold(k) fold sizes for n.
  "tts": train_test_split sizes {"n", "test_size", "n_train", "n_test"}.
  "sss": StratifiedShuffleSplit class allocations per label vector {"y",
      "cases": [{"test_size", "train", "test" (per class counts), "ties"
      (true when the largest remainder rule met equal remainders, so
      scikit-learn drew among them); "error": true where scikit-learn
      raises}]}.
  "class_weight": compute_class_weight cases {"y", "spec" ("balanced" or
      {"label": w}), "weights"}.
Floats are written with Python's repr (shortest round-trip), so Lua's
tonumber reads the exact float64.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import imblearn
import sklearn
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from sklearn.model_selection import (KFold, StratifiedKFold,
                                     StratifiedShuffleSplit, train_test_split)
from sklearn.utils.class_weight import compute_class_weight

SEED = 20240612


def clean(x):
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return clean(x.tolist())
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x)
    return x


def datasets(rng):
    out = {}
    # binary, 8% minority, 4 features
    n = 300
    y = (rng.random(n) < 0.08).astype(np.int64)
    X = rng.normal(size=(n, 4)) + y[:, None] * 1.5
    out["binary"] = (X, y)
    # three classes 200 / 60 / 25, 3 features, labels shuffled
    y = np.r_[np.zeros(200), np.ones(60), np.full(25, 2)].astype(np.int64)
    rng.shuffle(y)
    X = rng.normal(size=(len(y), 3)) * (1 + y[:, None]) + y[:, None]
    out["three"] = (X, y)
    # four classes with a tie for the majority (50 / 50 / 20 / 12)
    y = np.r_[np.zeros(50), np.ones(50), np.full(20, 2), np.full(12, 3)].astype(np.int64)
    rng.shuffle(y)
    X = rng.uniform(-1, 1, size=(len(y), 2))
    out["tie"] = (X, y)
    return out


STRATS_OVER = ["auto", "minority", "not minority", "not majority", "all",
               0.5, 0.8, 1.0, 0.01]
STRATS_UNDER = ["auto", "majority", "not minority", "not majority", "all",
                0.5, 0.8, 1.0, 0.01]


def counts_of(y, K):
    return np.bincount(y, minlength=K).tolist()


def run_sampler(make, X, y, strategy):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, yr = make(strategy).fit_resample(X, y)
        return {"counts": counts_of(yr, y.max() + 1)}
    except ValueError:
        return {"error": True}


def dict_strategies(y, kind):
    c = np.bincount(y)
    K = len(c)
    if kind == "over":
        return [{K - 1: int(c.max())}, {int(np.argmin(c)): int(c[np.argmin(c)]) + 7},
                {0: int(c[0]) - 1}]
    return [{int(np.argmax(c)): int(c.min())}, {0: 5, 1: 3},
            {int(np.argmin(c)): int(c.min()) + 1}]


def sampler_cases(data):
    smote, over, under = [], [], []
    for name, (X, y) in data.items():
        binary = len(np.unique(y)) == 2
        for s in STRATS_OVER + dict_strategies(y, "over"):
            if isinstance(s, float) and not binary:
                continue
            for k in (1, 3, 5):
                r = run_sampler(lambda st: SMOTE(sampling_strategy=st, k_neighbors=k,
                                                 random_state=0), X, y, s)
                smote.append(dict(data=name, strategy=s, k=k, **r))
            r = run_sampler(lambda st: RandomOverSampler(sampling_strategy=st,
                                                         random_state=0), X, y, s)
            over.append(dict(data=name, strategy=s, **r))
        for s in STRATS_UNDER + dict_strategies(y, "under"):
            if isinstance(s, float) and not binary:
                continue
            r = run_sampler(lambda st: RandomUnderSampler(sampling_strategy=st,
                                                          random_state=0), X, y, s)
            under.append(dict(data=name, strategy=s, **r))
    # k_neighbors too large for the smallest class: imblearn raises
    X, y = data["tie"]
    smote.append(dict(data="tie", strategy="auto", k=12,
                      **run_sampler(lambda st: SMOTE(sampling_strategy=st, k_neighbors=12),
                                    X, y, "auto")))
    return smote, over, under


def skfold_cases(rng):
    cases = []
    ys = [
        np.r_[np.zeros(4), np.ones(6)],
        np.r_[np.zeros(50), np.ones(7)],
        rng.integers(0, 3, size=103),
        np.r_[np.full(11, 2), np.zeros(30), np.ones(17), np.full(9, 3)],
        rng.permutation(np.r_[np.zeros(997), np.ones(53), np.full(21, 2)]),
    ]
    for y in ys:
        y = y.astype(np.int64)
        K = int(y.max()) + 1
        per = []
        for k in (2, 3, 5, 7):
            if np.bincount(y).min() < k:
                continue
            folds = list(StratifiedKFold(k).split(np.zeros(len(y)), y))
            tests = [te.tolist() for _, te in folds]
            counts = [counts_of(y[te], K) for _, te in folds]
            sh = [counts_of(y[te], K) for _, te in
                  StratifiedKFold(k, shuffle=True, random_state=3).split(np.zeros(len(y)), y)]
            assert sh == counts
            per.append({"k": k, "test": tests if len(y) <= 200 else None, "counts": counts})
        cases.append({"y": y, "cases": per})
    return cases


def kfold_cases():
    cases = []
    for n, k in [(10, 3), (10, 5), (7, 7), (101, 10), (1000, 3)]:
        sizes = [len(te) for _, te in KFold(k).split(np.zeros(n))]
        tests = [te.tolist() for _, te in KFold(k).split(np.zeros(n))] if n <= 20 else None
        cases.append({"n": n, "k": k, "sizes": sizes, "test": tests})
    return cases


def tts_cases():
    cases = []
    for n in (10, 100, 101, 1000, 1001):
        for ts in (0.1, 0.2, 0.25, 0.3, 0.07, 0.33):
            tr, te = train_test_split(np.arange(n), test_size=ts, random_state=0)
            cases.append({"n": n, "test_size": ts, "n_train": len(tr), "n_test": len(te)})
    return cases


def approx_mode_ties(counts, n_draws):
    cont = counts / counts.sum() * n_draws
    fl = np.floor(cont)
    need = int(n_draws - fl.sum())
    if need <= 0:
        return False
    rem = cont - fl
    vals = np.sort(np.unique(rem))[::-1]
    for v in vals:
        m = int((rem == v).sum())
        if m > need:
            return True
        need -= m
        if need == 0:
            return False
    return False


def sss_cases(rng):
    cases = []
    ys = [
        np.r_[np.zeros(90), np.ones(10)],
        np.r_[np.zeros(77), np.ones(23), np.full(13, 2)],
        rng.integers(0, 4, size=257),
        np.r_[np.zeros(5), np.ones(5)],
        rng.permutation(np.r_[np.zeros(1800), np.ones(200), np.full(37, 2)]),
    ]
    for y in ys:
        y = y.astype(np.int64)
        K = int(y.max()) + 1
        counts = np.bincount(y)
        per = []
        cases.append({"y": y, "cases": per})
        for ts in (0.2, 0.25, 0.3, 0.1):
            sss = StratifiedShuffleSplit(n_splits=1, test_size=ts, random_state=5)
            try:
                tr, te = next(sss.split(np.zeros(len(y)), y))
            except ValueError:
                per.append({"test_size": ts, "error": True})
                continue
            n_test = math.ceil(ts * len(y))
            n_train = len(y) - n_test
            ties = approx_mode_ties(counts, n_train)
            n_i = np.bincount(y[tr], minlength=K)
            ties = ties or approx_mode_ties(counts - n_i, n_test)
            per.append({"test_size": ts, "train": counts_of(y[tr], K),
                        "test": counts_of(y[te], K), "ties": bool(ties)})
    return cases


def class_weight_cases(rng):
    cases = []
    ys = [np.r_[np.zeros(90), np.ones(10)], rng.integers(0, 5, size=333),
          np.r_[np.zeros(7), np.ones(3), np.full(11, 2)]]
    for y in ys:
        y = y.astype(np.int64)
        classes = np.unique(y)
        cases.append({"y": y, "spec": "balanced",
                      "weights": compute_class_weight("balanced", classes=classes, y=y)})
        spec = {0: 0.25, int(classes[-1]): 3.5}
        cases.append({"y": y, "spec": spec,
                      "weights": compute_class_weight(spec, classes=classes, y=y)})
    return cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "tests", "fixtures", "sampling_peers.json")
    rng = np.random.default_rng(SEED)
    data = datasets(rng)
    smote, over, under = sampler_cases(data)
    doc = {
        "_about": {"imblearn": imblearn.__version__, "sklearn": sklearn.__version__,
                   "numpy": np.__version__, "seed": SEED,
                   "script": "bench/peers/make_sampling_fixtures.py"},
        "datasets": {k: {"X": X, "y": y} for k, (X, y) in data.items()},
        "smote": smote, "over": over, "under": under,
        "skfold": skfold_cases(rng), "kfold": kfold_cases(), "tts": tts_cases(),
        "sss": sss_cases(rng), "class_weight": class_weight_cases(rng),
    }
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(clean(doc), f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, out)
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
