#!/usr/bin/python3
"""CatBoost oblivious trees: 100 iterations, depth 6, learning rate 0.1,
l2_leaf_reg 3, border_count 254, plain boosting, no bootstrap, no score
noise (random_strength 0), one Newton step per leaf, score function L2 (the
settings credo.GBDT.catboost reproduces, docs/gbdt.md), 2 threads, on
gbdt_train (1,000,000 x 28) / gbdt_test.  Timed: Pool construction
(binning happens inside fit) + fit.  CSV load and test prediction are not
timed.  Prints test AUC and the process's peak RSS.
Usage: gbdt_catboost.py DATA_DIR"""
import resource

import numpy as np
import catboost as cb
from sklearn.metrics import roc_auc_score, log_loss

import common

PARAMS = dict(iterations=100, depth=6, learning_rate=0.1, l2_leaf_reg=3, border_count=254,
              boosting_type="Plain", bootstrap_type="No", random_strength=0,
              leaf_estimation_iterations=1, leaf_estimation_method="Newton",
              score_function="L2", loss_function="Logloss", thread_count=common.NTHREADS,
              random_seed=0, verbose=0, allow_writing_files=False)


def main():
    Xtr, ytr = common.load_xy("gbdt_train", dtype=np.float32)
    Xte, yte = common.load_xy("gbdt_test", dtype=np.float32)
    # warm-up on a tiny subset
    cb.CatBoostClassifier(**dict(PARAMS, iterations=2)).fit(Xtr[:5000], ytr[:5000])

    with common.Timer() as t_pool:
        pool = cb.Pool(Xtr, label=ytr)
    with common.Timer() as t_tr:
        m = cb.CatBoostClassifier(**PARAMS).fit(pool)
    p = m.predict_proba(Xte)[:, 1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    common.emit("catboost_1M", "catboost-%s" % cb.__version__, t_pool.seconds + t_tr.seconds,
                auc=roc_auc_score(yte, p), test_logloss=log_loss(yte, p),
                pool_seconds=t_pool.seconds, train_seconds=t_tr.seconds,
                rows=len(ytr), features=Xtr.shape[1], peak_rss_mb=peak)


if __name__ == "__main__":
    main()
