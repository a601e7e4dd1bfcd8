#!/usr/bin/python3
"""sklearn.metrics.roc_auc_score on 1,000,000 scores, best of 5 after one
warm-up: the same work as bench/auc.lua.

The data come from a fixed integer formula that bench/auc.lua computes
identically (no file): for i = 0 .. n-1,
    z1 = mix64((i + 1) * 0x9E3779B97F4A7C15 mod 2^64),  z2 = mix64(z1)
    u  = (z1 >> 11) * 2^-53,   v = (z2 >> 11) * 2^-53
    score = floor(u * 2^24) / 2^24          (float32-like ties)
    label = 1 if v < 0.3 + 0.4 * score else 0
with mix64 the splitmix64 finaliser (Steele, Lea & Flood 2014).
Usage: auc_skl.py [DATA_DIR]  (DATA_DIR unused, accepted for uniformity)"""
import time

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score

import common

N = 1_000_000
REPS = 5
G = np.uint64(0x9E3779B97F4A7C15)


def mix64(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def data(n):
    with np.errstate(over="ignore"):
        z1 = mix64((np.arange(n, dtype=np.uint64) + np.uint64(1)) * G)
        z2 = mix64(z1)
    u = (z1 >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    v = (z2 >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    score = np.floor(u * 2.0 ** 24) / 2.0 ** 24
    label = (v < 0.3 + 0.4 * score).astype(np.int64)
    return label, score


def main():
    y, s = data(N)
    auc = roc_auc_score(y, s)  # warm-up
    times = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        auc = roc_auc_score(y, s)
        times.append(time.perf_counter() - t0)
    print("times:", ["%.4f" % t for t in times])
    print("auc: %r  positives: %d" % (auc, int(y.sum())))
    common.emit("roc_auc_1m", "sklearn-%s" % sklearn.__version__, min(times),
                median_seconds=float(np.median(times)), auc_repr=repr(float(auc)),
                n=N)


if __name__ == "__main__":
    main()
