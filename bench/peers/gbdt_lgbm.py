#!/usr/bin/python3
"""LightGBM leaf-wise GBDT: 100 rounds, num_leaves 63, max_depth -1,
learning rate 0.1, max_bin 255, min_data_in_leaf 20, min_sum_hessian 1e-3,
lambda_l2 0, 2 threads, on gbdt_train (1,000,000 x 28) / gbdt_test.
Timed: Dataset construction (binning, reported separately) + lgb.train, as
bench/lgbm.lua times credo's fit (binning included).  CSV load and test
prediction are not timed.  Prints test AUC and the process's peak RSS.
Usage: gbdt_lgbm.py DATA_DIR"""
import resource

import numpy as np
import lightgbm as lgb
from sklearn.metrics import roc_auc_score, log_loss

import common


def main():
    Xtr, ytr = common.load_xy("gbdt_train", dtype=np.float32)
    Xte, yte = common.load_xy("gbdt_test", dtype=np.float32)
    params = {
        "objective": "binary", "num_leaves": 63, "max_depth": -1, "learning_rate": 0.1,
        "max_bin": 255, "min_data_in_leaf": 20, "min_sum_hessian_in_leaf": 1e-3,
        "lambda_l2": 0.0, "num_threads": common.NTHREADS, "seed": 0, "verbosity": -1,
    }
    # warm-up on a tiny subset (loads the OpenMP runtime and code paths)
    lgb.train(params, lgb.Dataset(Xtr[:5000], label=ytr[:5000]), num_boost_round=2)

    with common.Timer() as t_ds:
        dtrain = lgb.Dataset(Xtr, label=ytr, params={"max_bin": 255, "verbosity": -1})
        dtrain.construct()
    with common.Timer() as t_tr:
        bst = lgb.train(params, dtrain, num_boost_round=100)
    p = bst.predict(Xte)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    common.emit("lgbm_1M", "lightgbm-%s" % lgb.__version__, t_ds.seconds + t_tr.seconds,
                auc=roc_auc_score(yte, p), test_logloss=log_loss(yte, p.astype(np.float64)),
                dataset_seconds=t_ds.seconds, train_seconds=t_tr.seconds,
                rows=len(ytr), features=Xtr.shape[1], peak_rss_mb=peak)


if __name__ == "__main__":
    main()
